package atlas.uring;

import atlas.posix.Errno;
import static atlas.uring.IoUringConstants.*;
import static org.assertj.core.api.Assertions.assertThat;

import atlas.posix.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IoUringFileTest {
    private static final int BLOCK = 4096;

    @TempDir
    Path dir;

    private static byte[] pattern(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + seed);
        }
        return bytes;
    }

    private static byte[] bytes(MemorySegment segment, long offset, int length) {
        return segment.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void shouldReadFixedFromODirectFileIntoRegisteredAlignedBuffer() throws Exception {
        Path file = dir.resolve("volume");
        byte[] content = pattern(3 * BLOCK, 5);
        Files.write(file, content);
        int fd = Libc.open(file.toString(), Libc.O_RDONLY | Libc.O_DIRECT | Libc.O_CLOEXEC, 0);
        try (IoUring ring = IoUring.open(8); Arena arena = Arena.ofConfined()) {
            MemorySegment pool = arena.allocate(2 * BLOCK, BLOCK);
            ring.registerBuffers(pool);
            // second block of the file into the second half of registered buffer 0
            ring.prepReadFixed(ring.nextSqe(), fd, pool.asSlice(BLOCK, BLOCK), 0, BLOCK, 11);
            CompletionLog log = new CompletionLog();
            log.awaitTotal(ring, 1);
            assertThat(log.only(11).res()).isEqualTo(BLOCK);
            assertThat(bytes(pool, BLOCK, BLOCK)).isEqualTo(Arrays.copyOfRange(content, BLOCK, 2 * BLOCK));
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void shouldReadFixedIntoASlotFilledInASparseTableAndRefuseAnEmptySlot() throws Exception {
        Path file = dir.resolve("volume");
        byte[] content = pattern(2 * BLOCK, 7);
        Files.write(file, content);
        int fd = Libc.open(file.toString(), Libc.O_RDONLY | Libc.O_DIRECT | Libc.O_CLOEXEC, 0);
        try (IoUring ring = IoUring.open(8); Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(BLOCK, BLOCK);
            ring.registerBuffersSparse(4);
            ring.updateRegisteredBuffer(2, buffer.address(), BLOCK);
            ring.prepReadFixed(ring.nextSqe(), fd, buffer, 2, BLOCK, 1);
            ring.prepReadFixed(ring.nextSqe(), fd, buffer, 1, 0, 2); // slot 1 was never filled
            CompletionLog log = new CompletionLog();
            log.awaitTotal(ring, 2);
            assertThat(log.only(1).res()).isEqualTo(BLOCK);
            assertThat(bytes(buffer, 0, BLOCK)).isEqualTo(Arrays.copyOfRange(content, BLOCK, 2 * BLOCK));
            assertThat(log.only(2).res()).isNegative();
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void shouldWriteFixedWithDsyncThenReadBack() throws Exception {
        Path file = dir.resolve("log");
        int fd = Libc.open(file.toString(), Libc.O_RDWR | Libc.O_CREAT | Libc.O_DIRECT | Libc.O_CLOEXEC, 0644);
        try (IoUring ring = IoUring.open(8); Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(BLOCK, BLOCK);
            MemorySegment in = arena.allocate(BLOCK, BLOCK);
            byte[] content = pattern(BLOCK, 9);
            MemorySegment.copy(content, 0, out, ValueLayout.JAVA_BYTE, 0, BLOCK);
            ring.registerBuffers(out, in);

            long write = ring.nextSqe();
            ring.prepWriteFixed(write, fd, out, 0, 2 * BLOCK, RWF_DSYNC, 1);
            ring.link(write); // read back only after the durable write
            ring.prepReadFixed(ring.nextSqe(), fd, in, 1, 2 * BLOCK, 2);
            CompletionLog log = new CompletionLog();
            log.awaitTotal(ring, 2);
            assertThat(log.only(1).res()).isEqualTo(BLOCK);
            assertThat(log.only(2).res()).isEqualTo(BLOCK);
            assertThat(in.mismatch(out)).isEqualTo(-1);
            assertThat(Files.size(file)).isEqualTo(3L * BLOCK);
        } finally {
            Libc.close(fd);
        }
        assertThat(Arrays.copyOfRange(Files.readAllBytes(file), 2 * BLOCK, 3 * BLOCK))
                .isEqualTo(pattern(BLOCK, 9));
    }

    @Test
    void shouldReturnShortReadAtEndOfFile() throws Exception {
        Path file = dir.resolve("short");
        byte[] content = pattern(BLOCK + 100, 3);
        Files.write(file, content);
        int direct = Libc.open(file.toString(), Libc.O_RDONLY | Libc.O_DIRECT | Libc.O_CLOEXEC, 0);
        int buffered = Libc.open(file.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        try (IoUring ring = IoUring.open(8); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(2 * BLOCK, BLOCK);
            ring.registerBuffers(buf);
            ring.prepReadFixed(ring.nextSqe(), direct, buf, 0, 0, 1);        // asks 8 KiB, 4196 remain
            ring.prepRead(ring.nextSqe(), buffered, buf.asSlice(0, 64), BLOCK + 100, 2); // at EOF
            ring.prepRead(ring.nextSqe(), buffered, buf.asSlice(0, 64), 10 * BLOCK, 3);   // past EOF
            CompletionLog log = new CompletionLog();
            log.awaitTotal(ring, 3);
            assertThat(log.only(1).res()).isEqualTo(BLOCK + 100);
            assertThat(log.only(2).res()).isZero();
            assertThat(log.only(3).res()).isZero();
        } finally {
            Libc.close(direct);
            Libc.close(buffered);
        }
    }

    @Test
    void shouldWriteThenFdatasyncInALinkChain() throws Exception {
        Path file = dir.resolve("journal");
        int fd = Libc.open(file.toString(), Libc.O_WRONLY | Libc.O_CREAT | Libc.O_CLOEXEC, 0644);
        try (IoUring ring = IoUring.open(8); Arena arena = Arena.ofConfined()) {
            MemorySegment entry = arena.allocateFrom("{object:1,offset:0}");
            long write = ring.nextSqe();
            ring.prepWrite(write, fd, entry, 0, 0, 1);
            ring.link(write);
            ring.prepFsync(ring.nextSqe(), fd, true, 2);
            CompletionLog log = new CompletionLog();
            log.awaitTotal(ring, 2);
            assertThat(log.cqes).extracting(CompletionLog.Cqe::userData).containsExactly(1L, 2L);
            assertThat(log.only(1).res()).isEqualTo((int) entry.byteSize());
            assertThat(log.only(2).res()).isZero();
        } finally {
            Libc.close(fd);
        }
        assertThat(Files.readString(file)).startsWith("{object:1,offset:0}");
    }

    @Test
    void shouldReportEbadfForWriteOnReadOnlyFile() throws Exception {
        Path file = dir.resolve("ro");
        Files.write(file, new byte[BLOCK]);
        int fd = Libc.open(file.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        try (IoUring ring = IoUring.open(8); Arena arena = Arena.ofConfined()) {
            ring.prepWrite(ring.nextSqe(), fd, arena.allocate(16), 0, 0, 1);
            CompletionLog log = new CompletionLog();
            log.awaitTotal(ring, 1);
            assertThat(log.only(1).res()).isEqualTo(-Errno.EBADF);
        } finally {
            Libc.close(fd);
        }
    }
}
