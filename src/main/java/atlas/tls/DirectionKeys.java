package atlas.tls;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The key material of one direction of one TLS connection, shared in shape by {@link RecordSealer} (ours) and
 * {@link RecordOpener} (the peer's): the AES-GCM key, the static IV (TLS 1.3 write_iv) or salt (TLS 1.2), the
 * traffic secret a TLS 1.3 KeyUpdate derives the next keys from, and native scratch for the per-record nonce and
 * AAD, so building them allocates nothing.
 * <p>
 * Confined: made, used and closed by its connection's core thread (closing a shared arena would stall every thread).
 */
final class DirectionKeys implements AutoCloseable {
    static final ValueLayout.OfLong LONG_BE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    final GcmKey key;
    private final KeySchedule.Suite suite;
    private final Arena arena = Arena.ofConfined();
    /** TLS 1.3: write_iv (12); TLS 1.2: salt (4) in bytes 0..3. */
    private final MemorySegment staticIv = arena.allocate(AesGcm.NONCE_LENGTH);
    final MemorySegment nonce = arena.allocate(AesGcm.NONCE_LENGTH);
    /** TLS 1.2: seq || type || version || length (13); TLS 1.3 uses its first 5 bytes, the record header. */
    final MemorySegment aad13 = arena.allocate(13);
    final MemorySegment aad5 = aad13.asSlice(0, RecordLayout.HEADER);
    private byte[] trafficSecret;

    private DirectionKeys(KeySchedule.Suite suite, byte[] key, byte[] iv, byte[] trafficSecret) {
        this.suite = suite;
        this.key = new GcmKey(key);
        Arrays.fill(key, (byte) 0);
        MemorySegment.copy(iv, 0, staticIv, ValueLayout.JAVA_BYTE, 0, iv.length);
        this.trafficSecret = trafficSecret;
    }

    /** From a TLS 1.3 application traffic secret (kept for KeyUpdate; not copied). */
    static DirectionKeys tls13(KeySchedule.Suite suite, byte[] trafficSecret) {
        return new DirectionKeys(suite, KeySchedule.writeKey(suite, trafficSecret),
                KeySchedule.writeIv(suite, trafficSecret), trafficSecret);
    }

    /** From a TLS 1.2 key block's write key and 4-byte salt (RFC 5288 §3). */
    static DirectionKeys tls12(byte[] writeKey, byte[] salt) {
        if (salt.length != 4) {
            throw new IllegalArgumentException("TLS 1.2 GCM salt is 4 bytes, got " + salt.length);
        }
        return new DirectionKeys(null, writeKey, salt, null);
    }

    /** TLS 1.3 nonce of record {@code sequence}: write_iv XOR (0^32 || seq_be64) (RFC 8446 §5.3). */
    MemorySegment nonce13(long sequence) {
        MemorySegment.copy(staticIv, 0, nonce, 0, 4);
        nonce.set(LONG_BE, 4, staticIv.get(LONG_BE, 4) ^ sequence);
        return nonce;
    }

    /** TLS 1.2 nonce: salt || the 8-byte explicit nonce (RFC 5288 §3). */
    MemorySegment nonce12(long explicit) {
        MemorySegment.copy(staticIv, 0, nonce, 0, 4);
        nonce.set(LONG_BE, 4, explicit);
        return nonce;
    }

    /** TLS 1.2 AAD: seq_be64 || type || 0303 || length (RFC 5246 §6.2.3.3). */
    MemorySegment aad12(long sequence, byte contentType, int dataLength) {
        aad13.set(LONG_BE, 0, sequence);
        aad13.set(ValueLayout.JAVA_BYTE, 8, contentType);
        aad13.set(SHORT_BE, 9, RecordLayout.LEGACY_VERSION);
        aad13.set(SHORT_BE, 11, (short) dataLength);
        return aad13;
    }

    /** TLS 1.3 KeyUpdate: moves to application_traffic_secret_N+1 (RFC 8446 §7.2); control path, allocates. */
    void advance() {
        byte[] next = KeySchedule.nextTrafficSecret(suite, trafficSecret);
        Arrays.fill(trafficSecret, (byte) 0);
        trafficSecret = next;
        key.setAndWipe(KeySchedule.writeKey(suite, next));
        MemorySegment.copy(KeySchedule.writeIv(suite, next), 0, staticIv, ValueLayout.JAVA_BYTE, 0,
                AesGcm.NONCE_LENGTH);
    }

    @Override
    public void close() {
        if (trafficSecret != null) {
            Arrays.fill(trafficSecret, (byte) 0);
        }
        staticIv.fill((byte) 0);
        key.close();
        arena.close();
    }
}
