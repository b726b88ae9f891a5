package atlas.posix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibcTest {
    @TempDir
    Path dir;

    @Test
    void shouldRoundTripAlignedBlocksWithODirect() throws Exception {
        Path file = dir.resolve("data");
        int fd = Libc.open(file.toString(), Libc.O_RDWR | Libc.O_CREAT | Libc.O_DIRECT | Libc.O_DSYNC
                | Libc.O_CLOEXEC, 0644);
        try (Arena arena = Arena.ofConfined()) {
            Libc.fallocate(fd, Libc.FALLOC_DEFAULT, 0, 3 * 4096);
            MemorySegment out = arena.allocate(8192, 4096);
            for (int i = 0; i < 8192; i++) {
                out.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 7));
            }
            assertThat(Libc.pwrite(fd, out, 8192, 4096)).isEqualTo(8192);
            Libc.fdatasync(fd);

            MemorySegment in = arena.allocate(8192, 4096);
            assertThat(Libc.pread(fd, in, 8192, 4096)).isEqualTo(8192);
            assertThat(in.mismatch(out)).isEqualTo(-1);
            assertThat(Libc.pread(fd, in, 8192, 3 * 4096)).isZero();
            assertThat(Files.size(file)).isEqualTo(3 * 4096);

            Libc.ftruncate(fd, 4096);
            Libc.fsync(fd);
            assertThat(Files.size(file)).isEqualTo(4096);
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void shouldRejectUnalignedODirectReadWithEinval() throws Exception {
        Path file = dir.resolve("data");
        Files.write(file, new byte[8192]);
        int fd = Libc.open(file.toString(), Libc.O_RDONLY | Libc.O_DIRECT | Libc.O_CLOEXEC, 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(8192, 4096);
            assertThatThrownBy(() -> Libc.pread(fd, buf.asSlice(1, 4096), 4096, 0))
                    .isInstanceOfSatisfying(PosixException.class, e -> {
                        assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                        assertThat(e.operation()).isEqualTo("pread");
                        assertThat(e.getMessage()).isEqualTo("pread(fd " + fd + "): Invalid argument (EINVAL)");
                    });
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void shouldReportErrnoForMissingPath() {
        String missing = dir.resolve("no/such/file").toString();
        assertThatThrownBy(() -> Libc.open(missing, Libc.O_RDONLY, 0))
                .isInstanceOfSatisfying(PosixException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ENOENT);
                    assertThat(e.target()).isEqualTo(missing);
                    assertThat(e.getMessage())
                            .isEqualTo("open(" + missing + "): No such file or directory (ENOENT)");
                });
    }

    @Test
    void shouldFailOnBadDescriptor() {
        assertThatThrownBy(() -> Libc.fsync(-1))
                .isInstanceOfSatisfying(PosixException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBADF));
    }

    @Test
    void shouldRefuseHeapSegments() {
        MemorySegment heap = MemorySegment.ofArray(new byte[16]);
        assertThatThrownBy(() -> Libc.pread(0, heap, 16, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldPinCurrentThreadToCpuZero() throws Exception {
        Thread t = new Thread(() -> {
            try {
                Libc.pinCurrentThreadToCpu(0);
            } catch (PosixException e) {
                throw new IllegalStateException(e);
            }
        });
        Throwable[] failure = new Throwable[1];
        t.setUncaughtExceptionHandler((th, e) -> failure[0] = e);
        t.start();
        t.join();
        assertThat(failure[0]).isNull();
        assertThatThrownBy(() -> Libc.pinCurrentThreadToCpu(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldNameErrnos() {
        assertThat(Libc.errnoName(Errno.ENOENT)).isEqualTo("ENOENT");
        assertThat(Libc.strerror(Errno.EINVAL)).isEqualTo("Invalid argument");
    }
}
