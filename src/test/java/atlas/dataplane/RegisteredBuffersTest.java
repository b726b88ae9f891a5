package atlas.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import atlas.posix.Libc;
import atlas.uring.IoUring;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RegisteredBuffersTest {
    private static final int BYTES = 64 << 10;

    @TempDir
    Path dir;

    @Test
    void shouldRegisterEachBufferAsItComesIntoUseUnderItsSlot() throws Exception {
        Path file = dir.resolve("data");
        byte[] content = new byte[BYTES];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 7 + 3);
        }
        Files.write(file, content);
        int fd = Libc.open(file.toString(), Libc.O_RDONLY | Libc.O_DIRECT | Libc.O_CLOEXEC, 0);
        try (IoUring ring = IoUring.open(8); BufferPool pool = new BufferPool(BYTES, 4096, 16, true)) {
            RegisteredBuffers fixed = RegisteredBuffers.on(ring, pool);
            assertThat(fixed.note()).isEmpty();
            long slab = pool.slab().address();
            assertThat(fixed.indexOf(slab, 4096)).as("nothing handed out yet").isEqualTo(RegisteredBuffers.NOT_REGISTERED);

            IoBuffer first = pool.acquire();
            IoBuffer second = pool.acquire();
            long at = second.segment().address();
            assertThat(fixed.indexOf(at + IoBuffer.HEADROOM, BYTES - IoBuffer.HEADROOM)).isEqualTo(1);
            assertThat(fixed.indexOf(first.segment().address() + 4096, BYTES)).as("runs into the next buffer")
                    .isEqualTo(RegisteredBuffers.NOT_REGISTERED);
            assertThat(fixed.indexOf(slab + 2L * BYTES, 4096)).as("slot 2 not in use yet")
                    .isEqualTo(RegisteredBuffers.NOT_REGISTERED);

            // The kernel agrees: a fixed read with the index lands in the second buffer.
            int length = BYTES - IoBuffer.HEADROOM;
            ring.prepReadFixed(ring.nextSqe(), fd, at + IoBuffer.HEADROOM, length, fixed.indexOf(at, length), 0, 9);
            ring.submitAndWait(1, 5_000_000_000L);
            int[] res = new int[1];
            ring.forEachCompletion((userData, result, flags) -> res[0] = result);
            assertThat(res[0]).isEqualTo(length);
            assertThat(second.segment().asSlice(IoBuffer.HEADROOM, 16).toArray(ValueLayout.JAVA_BYTE))
                    .isEqualTo(java.util.Arrays.copyOf(content, 16));
            assertThat(fixed.refused()).isZero();
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void shouldUnregisterABufferThePoolGivesBackAndRegisterItsSlotAgainOnReuse() throws Exception {
        try (IoUring ring = IoUring.open(8); BufferPool pool = new BufferPool(BYTES, 4096, 4, true)) {
            RegisteredBuffers fixed = RegisteredBuffers.on(ring, pool);
            IoBuffer b = pool.acquire();
            long at = b.segment().address();
            assertThat(fixed.indexOf(at, 4096)).isEqualTo(0);
            pool.release(b);
            pool.trim(BufferPool.TRIM_INTERVAL_NS);
            assertThat(pool.trim(2 * BufferPool.TRIM_INTERVAL_NS)).isEqualTo(1);
            assertThat(fixed.indexOf(at, 4096)).as("given back").isEqualTo(RegisteredBuffers.NOT_REGISTERED);
            IoBuffer again = pool.acquire();
            assertThat(again.slot()).isZero();
            assertThat(fixed.indexOf(again.segment().address(), 4096)).as("registered again").isEqualTo(0);
            assertThat(fixed.refused()).isZero();
        }
    }
}
