package atlas.tls;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Seals outgoing TLS records in place in an I/O buffer, one connection's write direction (layouts in
 * {@link RecordLayout}). The caller puts the data at {@code recordStart + headerLength()} and leaves
 * {@code trailerLength()} bytes after it; {@link #seal} writes the header, encrypts the data where it lies and
 * appends the content type (TLS 1.3) and the tag. The write sequence number is kept here and bumped per record.
 * <p>
 * Hot path: {@link #seal} allocates no buffers (the nonce and AAD live in a few bytes of native scratch).
 * Owned by the connection's core thread, like the {@link AesGcm} context it borrows.
 * <p>
 * AES-GCM key limit (RFC 8446 §5.5): after {@link #KEY_UPDATE_AFTER_RECORDS} records a TLS 1.3 sender must
 * update its key; {@link #needsKeyUpdate()} says when, {@link #sealKeyUpdate} does it. TLS 1.2 has no KeyUpdate;
 * at 16 KiB per record the limit is 256 GiB on one connection, and the connection must then be closed.
 */
public final class RecordSealer implements AutoCloseable {
    /** 2^24 full-size records: well inside the 2^24.5 of RFC 8446 §5.5. */
    public static final long KEY_UPDATE_AFTER_RECORDS = 1L << 24;

    private static final ValueLayout.OfLong LONG_BE = DirectionKeys.LONG_BE;
    private static final ValueLayout.OfShort SHORT_BE = DirectionKeys.SHORT_BE;

    private final AesGcm gcm;
    private final boolean tls13;
    private final DirectionKeys keys;
    private long sequence;
    /** The most data one record may carry: 2^14, or less when the peer negotiated max_fragment_length. */
    private int maxPlaintext = RecordLayout.MAX_PLAINTEXT;

    private RecordSealer(AesGcm gcm, boolean tls13, DirectionKeys keys) {
        this.gcm = gcm;
        this.tls13 = tls13;
        this.keys = keys;
    }

    /** A TLS 1.3 write direction from its application traffic secret (kept for KeyUpdate; not copied). */
    public static RecordSealer tls13(AesGcm gcm, KeySchedule.Suite suite, byte[] trafficSecret) {
        return new RecordSealer(gcm, true, DirectionKeys.tls13(suite, trafficSecret));
    }

    /**
     * A TLS 1.2 AES-GCM write direction from the key block: the write key (16 or 32 bytes) and the 4-byte implicit
     * salt ("write IV"), RFC 5288 §3. {@code sequence} is the number of records already sent under this key
     * (1 after the handshake's Finished, which is the first record sealed with it).
     */
    public static RecordSealer tls12(AesGcm gcm, byte[] writeKey, byte[] salt, long sequence) {
        RecordSealer s = new RecordSealer(gcm, false, DirectionKeys.tls12(writeKey, salt));
        s.sequence = sequence;
        return s;
    }

    public boolean isTls13() {
        return tls13;
    }

    public int headerLength() {
        return RecordLayout.headerLength(tls13);
    }

    public int trailerLength() {
        return RecordLayout.trailerLength(tls13);
    }

    /** The sequence number the next record will use. */
    public long sequence() {
        return sequence;
    }

    /** Sets the sequence number of the next record (after the handshake library sent records with this key). */
    public void sequence(long next) {
        this.sequence = next;
    }

    /** The most data {@link #seal} and its siblings put in one record. */
    public int maxPlaintext() {
        return maxPlaintext;
    }

    /**
     * Limits records to {@code limit} bytes of data: the peer's max_fragment_length (RFC 6066 §4, 512 to 4096), so
     * that a constrained client with small receive buffers can read every record we send. Returns this.
     */
    public RecordSealer maxPlaintext(int limit) {
        if (limit < 1 || limit > RecordLayout.MAX_PLAINTEXT) {
            throw new IllegalArgumentException("record size limit " + limit);
        }
        this.maxPlaintext = limit;
        return this;
    }

    public boolean needsKeyUpdate() {
        return tls13 && sequence >= KEY_UPDATE_AFTER_RECORDS;
    }

    /** Seals application data; returns the record length (header to tag). */
    public int seal(MemorySegment buf, long recordStart, int dataLength) {
        return seal(buf, recordStart, dataLength, RecordLayout.APPLICATION_DATA, 0);
    }

    /**
     * Seals one record of {@code contentType} holding the {@code dataLength} bytes at
     * {@code recordStart + headerLength()}. TLS 1.3 may add {@code padding} zero bytes after the content type
     * (RFC 8446 §5.4), which must also fit in the buffer; TLS 1.2 needs {@code padding == 0}.
     *
     * @return the record length on the wire, from {@code recordStart} to the end of the tag
     */
    public int seal(MemorySegment buf, long recordStart, int dataLength, byte contentType, int padding) {
        if (dataLength < 0 || dataLength > maxPlaintext || padding < 0
                || (!tls13 && padding != 0) || dataLength + padding > maxPlaintext) {
            throw new IllegalArgumentException("record data " + dataLength + " + padding " + padding);
        }
        if (sequence == -1L) {
            // 2^64 - 1 records: the sequence number must not wrap (RFC 8446 §5.3).
            throw new IllegalStateException("TLS sequence number exhausted");
        }
        long seq = sequence;
        if (tls13) {
            long dataStart = recordStart + RecordLayout.HEADER;
            int inner = dataLength + 1 + padding;
            buf.set(ValueLayout.JAVA_BYTE, dataStart + dataLength, contentType);
            if (padding > 0) {
                buf.asSlice(dataStart + dataLength + 1, padding).fill((byte) 0);
            }
            prepare13(buf, recordStart, inner, seq);
            gcm.seal(keys.key, keys.nonce, keys.aad5, buf, dataStart, inner);
            sequence = seq + 1;
            return RecordLayout.HEADER + inner + RecordLayout.TAG;
        }
        long dataStart = recordStart + RecordLayout.HEADER + RecordLayout.EXPLICIT_NONCE_12;
        prepare12(buf, recordStart, contentType, dataLength, seq);
        gcm.seal(keys.key, keys.nonce, keys.aad13, buf, dataStart, dataLength);
        sequence = seq + 1;
        return RecordLayout.HEADER + RecordLayout.EXPLICIT_NONCE_12 + dataLength + RecordLayout.TAG;
    }

    /**
     * Seals one application-data record at {@code buf[recordStart]} whose data is the {@code inPlace} bytes already
     * at {@code recordStart + headerLength()} followed by {@code fromSrc} bytes read from {@code src[srcOffset]}
     * (shared memory, never written: encrypted straight into {@code buf}). Returns the record length.
     */
    public int sealFrom(MemorySegment buf, long recordStart, int inPlace, MemorySegment src, long srcOffset,
                        int fromSrc) {
        int dataLength = inPlace + fromSrc;
        if (inPlace < 0 || fromSrc < 0 || dataLength > maxPlaintext) {
            throw new IllegalArgumentException("record data " + inPlace + " + " + fromSrc);
        }
        if (sequence == -1L) {
            throw new IllegalStateException("TLS sequence number exhausted");
        }
        long seq = sequence;
        if (tls13) {
            long dataStart = recordStart + RecordLayout.HEADER;
            buf.set(ValueLayout.JAVA_BYTE, dataStart + dataLength, RecordLayout.APPLICATION_DATA);
            prepare13(buf, recordStart, dataLength + 1, seq);
            gcm.sealFrom(keys.key, keys.nonce, keys.aad5, buf, dataStart, inPlace, src, srcOffset, fromSrc, 1);
            sequence = seq + 1;
            return RecordLayout.HEADER + dataLength + 1 + RecordLayout.TAG;
        }
        long dataStart = recordStart + RecordLayout.HEADER + RecordLayout.EXPLICIT_NONCE_12;
        prepare12(buf, recordStart, RecordLayout.APPLICATION_DATA, dataLength, seq);
        gcm.sealFrom(keys.key, keys.nonce, keys.aad13, buf, dataStart, inPlace, src, srcOffset, fromSrc, 0);
        sequence = seq + 1;
        return RecordLayout.HEADER + RecordLayout.EXPLICIT_NONCE_12 + dataLength + RecordLayout.TAG;
    }

    /**
     * Seals one application-data record whose {@code dataLength} bytes stay where they are, at {@code buf[data]},
     * encrypted in place; the header ({@link #headerLength()} bytes) goes to {@code buf[header]} and the trailer
     * ({@link #trailerLength()}: TLS 1.3 content type + tag, or the tag) to {@code buf[trailer]}. On the wire the
     * record is header, data, trailer — sent as a gather list, so a disk read's bytes are framed and encrypted
     * without moving (Atlas §4.2).
     */
    public void sealApart(MemorySegment buf, long header, long data, int dataLength, long trailer) {
        if (dataLength < 0 || dataLength > maxPlaintext) {
            throw new IllegalArgumentException("record data " + dataLength);
        }
        if (sequence == -1L) {
            throw new IllegalStateException("TLS sequence number exhausted");
        }
        long seq = sequence;
        if (tls13) {
            buf.set(ValueLayout.JAVA_BYTE, trailer, RecordLayout.APPLICATION_DATA); // the inner content type
            prepare13(buf, header, dataLength + 1, seq);
            gcm.sealApart(keys.key, keys.nonce, keys.aad5, buf, data, dataLength, trailer, 1, trailer + 1);
        } else {
            prepare12(buf, header, RecordLayout.APPLICATION_DATA, dataLength, seq);
            gcm.sealApart(keys.key, keys.nonce, keys.aad13, buf, data, dataLength, 0, 0, trailer);
        }
        sequence = seq + 1;
    }

    /** TLS 1.3: writes the header at {@code header} for {@code inner} bytes of inner plaintext; AAD and nonce. */
    private void prepare13(MemorySegment buf, long header, int inner, long seq) {
        buf.set(ValueLayout.JAVA_BYTE, header, RecordLayout.APPLICATION_DATA);
        buf.set(SHORT_BE, header + 1, RecordLayout.LEGACY_VERSION);
        buf.set(SHORT_BE, header + 3, (short) (inner + RecordLayout.TAG));
        MemorySegment.copy(buf, header, keys.aad5, 0, RecordLayout.HEADER);
        keys.nonce13(seq);
    }

    /** TLS 1.2: writes header and explicit nonce at {@code header}; AAD and nonce. */
    private void prepare12(MemorySegment buf, long header, byte contentType, int dataLength, long seq) {
        buf.set(ValueLayout.JAVA_BYTE, header, contentType);
        buf.set(SHORT_BE, header + 1, RecordLayout.LEGACY_VERSION);
        buf.set(SHORT_BE, header + 3, (short) (RecordLayout.EXPLICIT_NONCE_12 + dataLength + RecordLayout.TAG));
        // The explicit nonce is the sequence number: unique per key without any state beyond the counter.
        buf.set(LONG_BE, header + RecordLayout.HEADER, seq);
        keys.nonce12(seq);
        keys.aad12(seq, contentType, dataLength);
    }

    /** Seals an alert (level, description) at {@code recordStart}; returns the record length. */
    public int sealAlert(MemorySegment buf, long recordStart, byte level, byte description) {
        long data = recordStart + headerLength();
        buf.set(ValueLayout.JAVA_BYTE, data, level);
        buf.set(ValueLayout.JAVA_BYTE, data + 1, description);
        return seal(buf, recordStart, 2, RecordLayout.ALERT, 0);
    }

    /**
     * TLS 1.3 only: seals a KeyUpdate handshake message under the current key, then switches this direction to
     * the next traffic secret (RFC 8446 §4.6.3, §7.2). {@code requestUpdate} asks the peer to update too; when
     * answering a peer's request it must be false. Control path (allocates). Returns the record length.
     */
    public int sealKeyUpdate(MemorySegment buf, long recordStart, boolean requestUpdate) {
        if (!tls13) {
            throw new IllegalStateException("KeyUpdate is TLS 1.3 only");
        }
        long data = recordStart + RecordLayout.HEADER;
        buf.set(ValueLayout.JAVA_BYTE, data, RecordLayout.KEY_UPDATE);
        buf.set(ValueLayout.JAVA_BYTE, data + 1, (byte) 0);
        buf.set(SHORT_BE, data + 2, (short) 1);
        buf.set(ValueLayout.JAVA_BYTE, data + 4, (byte) (requestUpdate ? 1 : 0));
        int length = seal(buf, recordStart, 5, RecordLayout.HANDSHAKE, 0);
        keys.advance();
        sequence = 0;
        return length;
    }

    @Override
    public void close() {
        keys.close();
    }
}
