package atlas.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.io.ByteArrayOutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChunkLayoutTest {
    @Test
    void shouldPlanA256KiBChunkAs16Records() {
        int n = ChunkLayout.recordCount(0, 256 * 1024);
        assertThat(n).isEqualTo(16);
        assertThat(ChunkLayout.gap(4096, true)).isEqualTo(4096);
        assertThat(ChunkLayout.gap(512, true)).isEqualTo(512);
        assertThat(ChunkLayout.stride(512, false)).isEqualTo(16384 + 512);
        assertThat(ChunkLayout.bufferBytes(0, 256 * 1024, 4096, true)).isEqualTo(15L * 20480 + 16384 + 17);
        assertThat(ChunkLayout.wireBytes(0, 256 * 1024, true)).isEqualTo(256 * 1024 + 16 * 22);
        assertThat(ChunkLayout.recordCount(4000, 256 * 1024)).isEqualTo(17);
        assertThat(ChunkLayout.plaintextLength(0, 4000, 256 * 1024)).isEqualTo(16384 - 4000);
        assertThat(ChunkLayout.plaintextLength(16, 4000, 256 * 1024)).isEqualTo(4000);
        assertThat(ChunkLayout.pieceReadLength(16, 4000, 256 * 1024, 4096)).isEqualTo(4096);
    }

    /**
     * Simulates the gapped read (pieces of the object at their piece offsets), seals every record where it lies,
     * gathers the records as the iovecs of one sendmsg would, and opens the stream: the plaintext is the range.
     */
    @Test
    void shouldSealEveryRecordInPlaceAndYieldTheWantedRange() {
        Random random = new Random(3);
        byte[] object = new byte[300_000];
        random.nextBytes(object);
        for (boolean tls13 : new boolean[] {true, false}) {
            for (int[] c : new int[][] {{0, 256 * 1024, 4096}, {1234, 100_000, 512}, {0, 5, 4096}, {4095, 16385, 512}}) {
                int skip = c[0];
                int length = c[1];
                int align = c[2];
                check(object, skip, length, align, tls13);
            }
        }
    }

    private static void check(byte[] object, int skip, int length, int align, boolean tls13) {
        int headroom = 4096;
        byte[] secret = new byte[32];
        try (Arena arena = Arena.ofConfined(); AesGcm gcm = new AesGcm();
             RecordSealer sealer = tls13 ? RecordSealer.tls13(gcm, KeySchedule.Suite.TLS_AES_128_GCM_SHA256, secret.clone())
                     : RecordSealer.tls12(gcm, new byte[16], new byte[4], 1);
             RecordOpener opener = tls13 ? RecordOpener.tls13(gcm, KeySchedule.Suite.TLS_AES_128_GCM_SHA256, secret.clone(), null)
                     : RecordOpener.tls12(gcm, new byte[16], new byte[4], 1)) {
            MemorySegment buf = arena.allocate(headroom + ChunkLayout.bufferBytes(skip, length, align, tls13) + 4096, 4096);
            int records = ChunkLayout.recordCount(skip, length);
            for (int i = 0; i < records; i++) {
                long at = headroom + ChunkLayout.pieceOffset(i, align, tls13);
                assertThat(at % align).isZero();
                int read = ChunkLayout.pieceReadLength(i, skip, length, 512);
                int fileStart = i * 16384;
                int avail = Math.max(0, Math.min(read, object.length - fileStart));
                MemorySegment.copy(object, fileStart, buf, ValueLayout.JAVA_BYTE, at, avail);
            }
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            for (int i = 0; i < records; i++) {
                long start = headroom + ChunkLayout.recordStart(i, skip, align, tls13);
                int len = sealer.seal(buf, start, ChunkLayout.plaintextLength(i, skip, length));
                wire.writeBytes(buf.asSlice(start, len).toArray(ValueLayout.JAVA_BYTE));
            }
            assertThat((long) wire.size()).isEqualTo(ChunkLayout.wireBytes(skip, length, tls13));
            MemorySegment in = arena.allocate(wire.size());
            in.copyFrom(MemorySegment.ofArray(wire.toByteArray()));
            ByteArrayOutputStream plain = new ByteArrayOutputStream();
            long pos = 0;
            while (pos < in.byteSize()) {
                int r = opener.open(in, pos, in.byteSize() - pos);
                assertThat(r).isPositive();
                plain.writeBytes(in.asSlice(opener.plaintextOffset(), opener.plaintextLength()).toArray(ValueLayout.JAVA_BYTE));
                pos += r;
            }
            byte[] want = java.util.Arrays.copyOfRange(object, skip, skip + length);
            assertThat(plain.toByteArray()).isEqualTo(want);
        }
    }
}
