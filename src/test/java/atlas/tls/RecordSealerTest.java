package atlas.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RecordSealerTest {
    private static final KeySchedule.Suite SUITE = KeySchedule.Suite.TLS_AES_128_GCM_SHA256;
    private final AesGcm gcm = new AesGcm();
    private final Arena arena = Arena.ofConfined();
    private final Random random = new Random(1);

    @AfterEach
    void close() {
        gcm.close();
        arena.close();
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** Decrypts a TLS 1.3 record with the JDK, computing nonce and AAD independently of the sealer. */
    private static byte[] jdkOpen13(byte[] secret, long seq, byte[] record) throws Exception {
        byte[] key = KeySchedule.writeKey(SUITE, secret);
        byte[] iv = KeySchedule.writeIv(SUITE, secret);
        for (int i = 0; i < 8; i++) {
            iv[4 + i] ^= (byte) (seq >>> (56 - 8 * i));
        }
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
        c.updateAAD(record, 0, 5);
        return c.doFinal(record, 5, record.length - 5);
    }

    @Test
    void shouldSealTls13RecordsTheJdkOpens() throws Exception {
        byte[] secret = randomBytes(32);
        MemorySegment buf = arena.allocate(20000);
        try (RecordSealer sealer = RecordSealer.tls13(gcm, SUITE, secret.clone())) {
            for (int seq = 0; seq < 5; seq++) {
                int n = seq == 0 ? 0 : seq == 1 ? 16384 : random.nextInt(16385);
                byte[] data = randomBytes(n);
                long start = 100 + seq;
                MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, start + sealer.headerLength(), n);
                int len = sealer.seal(buf, start, n);
                assertThat(len).isEqualTo(5 + n + 17);
                byte[] record = buf.asSlice(start, len).toArray(ValueLayout.JAVA_BYTE);
                assertThat(Arrays.copyOf(record, 5)).containsExactly(0x17, 3, 3, (n + 17) >>> 8, (n + 17) & 0xFF);
                byte[] inner = jdkOpen13(secret, seq, record);
                assertThat(Arrays.copyOf(inner, n)).isEqualTo(data);
                assertThat(inner[n]).isEqualTo(RecordLayout.APPLICATION_DATA);
            }
            assertThat(sealer.sequence()).isEqualTo(5);
        }
    }

    /**
     * A record sealed apart (payload in place, header and trailer elsewhere) must be byte for byte the record
     * {@link RecordSealer#seal} makes contiguously, for both versions and for lengths around the GCM block size.
     */
    @Test
    void shouldSealApartExactlyAsContiguously() {
        for (boolean tls13 : new boolean[] {true, false}) {
            byte[] secret = randomBytes(32);
            byte[] key = randomBytes(16);
            byte[] salt = randomBytes(4);
            MemorySegment contiguous = arena.allocate(20000);
            MemorySegment apart = arena.allocate(40000);
            try (RecordSealer a = tls13 ? RecordSealer.tls13(gcm, SUITE, secret.clone())
                    : RecordSealer.tls12(gcm, key.clone(), salt.clone(), 1);
                 RecordSealer b = tls13 ? RecordSealer.tls13(gcm, SUITE, secret.clone())
                         : RecordSealer.tls12(gcm, key.clone(), salt.clone(), 1)) {
                for (int n : new int[] {0, 1, 15, 16, 17, 1000, 16383, 16384}) {
                    byte[] data = randomBytes(n);
                    MemorySegment.copy(data, 0, contiguous, ValueLayout.JAVA_BYTE, a.headerLength(), n);
                    int len = a.seal(contiguous, 0, n);
                    long header = 100;
                    long trailer = 200;
                    long payload = 4096 + 7;
                    MemorySegment.copy(data, 0, apart, ValueLayout.JAVA_BYTE, payload, n);
                    b.sealApart(apart, header, payload, n, trailer);
                    byte[] wire = new byte[len];
                    int h = b.headerLength();
                    MemorySegment.copy(apart, ValueLayout.JAVA_BYTE, header, wire, 0, h);
                    MemorySegment.copy(apart, ValueLayout.JAVA_BYTE, payload, wire, h, n);
                    MemorySegment.copy(apart, ValueLayout.JAVA_BYTE, trailer, wire, h + n, b.trailerLength());
                    assertThat(wire).as("TLS 1.%d, %d bytes", tls13 ? 3 : 2, n)
                            .isEqualTo(contiguous.asSlice(0, len).toArray(ValueLayout.JAVA_BYTE));
                }
                assertThat(b.sequence()).isEqualTo(a.sequence());
            }
        }
    }

    @Test
    void shouldRoundTripTls13WithPaddingAndKeyUpdate() {
        byte[] secret = randomBytes(32);
        MemorySegment buf = arena.allocate(40000);
        boolean[] requested = new boolean[1];
        int[] updates = new int[1];
        try (RecordSealer sealer = RecordSealer.tls13(gcm, SUITE, secret.clone());
             RecordOpener opener = RecordOpener.tls13(gcm, SUITE, secret.clone(), r -> {
                 requested[0] = r;
                 updates[0]++;
             })) {
            byte[] data = randomBytes(1000);
            MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, 5, data.length);
            int len = sealer.seal(buf, 0, data.length, RecordLayout.APPLICATION_DATA, 77);
            assertThat(len).isEqualTo(5 + 1000 + 1 + 77 + 16);
            assertThat(opener.open(buf, 0, len - 1)).isEqualTo(RecordOpener.INCOMPLETE);
            assertThat(opener.bytesNeeded()).isEqualTo(len);
            assertThat(opener.open(buf, 0, len)).isEqualTo(len);
            assertThat(opener.contentType()).isEqualTo(RecordLayout.APPLICATION_DATA);
            assertThat(opener.plaintextLength()).isEqualTo(1000);
            assertThat(buf.asSlice(opener.plaintextOffset(), 1000).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(data);

            int kuLen = sealer.sealKeyUpdate(buf, 0, true);
            assertThat(sealer.sequence()).isZero();
            assertThat(opener.open(buf, 0, kuLen)).isEqualTo(kuLen);
            assertThat(opener.contentType()).isEqualTo(RecordLayout.HANDSHAKE);
            assertThat(updates[0]).isEqualTo(1);
            assertThat(requested[0]).isTrue();
            assertThat(opener.sequence()).isZero();

            MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, 5, data.length);
            len = sealer.seal(buf, 0, data.length);
            assertThat(opener.open(buf, 0, len)).isEqualTo(len);
            assertThat(buf.asSlice(5, 1000).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(data);

            // replay of the same record: the sequence number moved on, so authentication fails
            MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, 5, data.length);
            sealer.sequence(0);
            len = sealer.seal(buf, 0, data.length);
            assertThat(opener.open(buf, 0, len)).isEqualTo(RecordOpener.BAD_RECORD_MAC);
        }
    }

    @Test
    void shouldRejectGarbageAndOversizedRecords() {
        byte[] secret = randomBytes(32);
        MemorySegment buf = arena.allocate(64);
        try (RecordOpener opener = RecordOpener.tls13(gcm, SUITE, secret, null)) {
            buf.copyFrom(MemorySegment.ofArray("GET / HTTP/1.1\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            assertThat(opener.open(buf, 0, 16)).isEqualTo(RecordOpener.DECODE_ERROR);
            buf.copyFrom(MemorySegment.ofArray(new byte[] {0x17, 3, 3, (byte) 0x41, 0x01}));
            assertThat(opener.open(buf, 0, 5)).isEqualTo(RecordOpener.RECORD_OVERFLOW);
            buf.copyFrom(MemorySegment.ofArray(new byte[] {0x16, 3, 3, 0, 20}));
            assertThat(opener.open(buf, 0, 64)).isEqualTo(RecordOpener.UNEXPECTED_MESSAGE);
            buf.copyFrom(MemorySegment.ofArray(new byte[] {0x17, 3, 3, 0, 40}));
            assertThat(opener.open(buf, 0, 64)).isEqualTo(RecordOpener.BAD_RECORD_MAC);
        }
    }

    @Test
    void shouldSealTls12RecordsTheJdkOpens() throws Exception {
        byte[] key = randomBytes(16);
        byte[] salt = randomBytes(4);
        MemorySegment buf = arena.allocate(20000);
        try (RecordSealer sealer = RecordSealer.tls12(gcm, key.clone(), salt.clone(), 1);
             RecordOpener opener = RecordOpener.tls12(gcm, key.clone(), salt.clone(), 1)) {
            for (int i = 0; i < 3; i++) {
                long seq = sealer.sequence();
                int n = i == 0 ? 16384 : random.nextInt(3000);
                byte[] data = randomBytes(n);
                MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, 13, n);
                int len = sealer.seal(buf, 0, n);
                assertThat(len).isEqualTo(13 + n + 16);
                byte[] record = buf.asSlice(0, len).toArray(ValueLayout.JAVA_BYTE);

                byte[] nonce = ByteBuffer.allocate(12).put(salt).putLong(seq).array();
                assertThat(Arrays.copyOfRange(record, 5, 13)).isEqualTo(Arrays.copyOfRange(nonce, 4, 12));
                byte[] aad = ByteBuffer.allocate(13).putLong(seq).put((byte) 23).putShort((short) 0x0303)
                        .putShort((short) n).array();
                Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
                c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
                c.updateAAD(aad);
                assertThat(c.doFinal(record, 13, n + 16)).isEqualTo(data);

                assertThat(opener.open(buf, 0, len)).isEqualTo(len);
                assertThat(opener.contentType()).isEqualTo(RecordLayout.APPLICATION_DATA);
                assertThat(buf.asSlice(opener.plaintextOffset(), n).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(data);
            }
            int alert = sealer.sealAlert(buf, 0, (byte) 1, (byte) 0);
            assertThat(opener.open(buf, 0, alert)).isEqualTo(alert);
            assertThat(opener.contentType()).isEqualTo(RecordLayout.ALERT);
        }
    }
}
