package atlas.tls;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Opens incoming TLS records in place, one connection's read direction: checks the header, decrypts where the
 * bytes were received and verifies the tag, then (TLS 1.3) strips the padding and finds the inner content type
 * (RFC 8446 §5.2, §5.4). Layouts in {@link RecordLayout}.
 * <p>
 * {@link #open} returns a sentinel or the bytes consumed, never throws on bad input (the connection turns the
 * sentinel into an alert and closes; see docs/tls.md):
 * <ul>
 *   <li>{@code > 0}: one record consumed; {@link #contentType()}, {@link #plaintextOffset()},
 *       {@link #plaintextLength()} describe its plaintext, now in the clear inside the caller's buffer;</li>
 *   <li>{@link #INCOMPLETE}: not a whole record yet, read more ({@link #bytesNeeded()} says how many in all);</li>
 *   <li>{@link #BAD_RECORD_MAC}, {@link #RECORD_OVERFLOW}, {@link #UNEXPECTED_MESSAGE}, {@link #DECODE_ERROR},
 *       {@link #ILLEGAL_PARAMETER}: send that alert and close.</li>
 * </ul>
 * TLS 1.3 handshake records are read here ({@link PostHandshakeMessages}): a KeyUpdate, in one record or
 * fragmented over several, switches this direction to the next traffic secret right after the record that ends it
 * and calls the {@link KeyUpdateListener}, which must, if the peer asked for it, send our own KeyUpdate
 * ({@link RecordSealer#sealKeyUpdate} with {@code requestUpdate = false}) before more data. The caller drops the
 * plaintext of a TLS 1.3 handshake record. Alert records must hold exactly one alert.
 */
public final class RecordOpener implements AutoCloseable {
    public static final int INCOMPLETE = 0;
    public static final int BAD_RECORD_MAC = -20;
    public static final int RECORD_OVERFLOW = -22;
    public static final int UNEXPECTED_MESSAGE = -10;
    public static final int DECODE_ERROR = -50;
    public static final int ILLEGAL_PARAMETER = -47;

    /** Called after a peer's KeyUpdate was applied to the read direction. */
    @FunctionalInterface
    public interface KeyUpdateListener {
        void onKeyUpdate(boolean updateRequested);
    }

    private static final ValueLayout.OfShort SHORT_BE = DirectionKeys.SHORT_BE;

    private final AesGcm gcm;
    private final boolean tls13;
    private final DirectionKeys keys;
    private final KeyUpdateListener keyUpdates;
    /** TLS 1.3: the client's post-handshake messages, reassembled across records. */
    private final PostHandshakeMessages handshake = new PostHandshakeMessages();
    private long sequence;
    /** The most plaintext a record may carry: 2^14, or the max_fragment_length we agreed to (RFC 6066 §4). */
    private int maxPlaintext = RecordLayout.MAX_PLAINTEXT;
    private byte contentType;
    private long plaintextOffset;
    private int plaintextLength;
    private int bytesNeeded;

    private RecordOpener(AesGcm gcm, boolean tls13, DirectionKeys keys, KeyUpdateListener keyUpdates) {
        this.gcm = gcm;
        this.tls13 = tls13;
        this.keys = keys;
        this.keyUpdates = keyUpdates;
    }

    /** A TLS 1.3 read direction from the peer's application traffic secret (kept for KeyUpdate; not copied). */
    public static RecordOpener tls13(AesGcm gcm, KeySchedule.Suite suite, byte[] trafficSecret,
                                     KeyUpdateListener keyUpdates) {
        return new RecordOpener(gcm, true, DirectionKeys.tls13(suite, trafficSecret), keyUpdates);
    }

    /** A TLS 1.2 AES-GCM read direction: the peer's write key and 4-byte salt, and the next sequence number. */
    public static RecordOpener tls12(AesGcm gcm, byte[] peerWriteKey, byte[] salt, long sequence) {
        RecordOpener o = new RecordOpener(gcm, false, DirectionKeys.tls12(peerWriteKey, salt), null);
        o.sequence = sequence;
        return o;
    }

    /** The most plaintext a record may carry before it is refused. */
    public int maxPlaintext() {
        return maxPlaintext;
    }

    /** Refuses records of more than {@code limit} bytes of plaintext with {@link #RECORD_OVERFLOW}; returns this. */
    public RecordOpener maxPlaintext(int limit) {
        if (limit < 1 || limit > RecordLayout.MAX_PLAINTEXT) {
            throw new IllegalArgumentException("record size limit " + limit);
        }
        this.maxPlaintext = limit;
        return this;
    }

    /**
     * Opens the record at {@code buf[recordStart]} given {@code available} received bytes from there.
     *
     * @return bytes consumed ({@code > 0}), {@link #INCOMPLETE}, or a negative alert sentinel
     */
    public int open(MemorySegment buf, long recordStart, long available) {
        if (available < RecordLayout.HEADER) {
            bytesNeeded = RecordLayout.HEADER;
            return INCOMPLETE;
        }
        byte type = buf.get(ValueLayout.JAVA_BYTE, recordStart);
        int length = buf.get(SHORT_BE, recordStart + 3) & 0xFFFF;
        if ((buf.get(ValueLayout.JAVA_BYTE, recordStart + 1) & 0xFF) != 0x03) {
            return DECODE_ERROR; // not TLS at all (e.g. plaintext HTTP on the TLS port)
        }
        if (length > (tls13 ? RecordLayout.MAX_CIPHERTEXT_13 : RecordLayout.MAX_CIPHERTEXT_12)) {
            return RECORD_OVERFLOW;
        }
        int total = RecordLayout.HEADER + length;
        if (available < total) {
            bytesNeeded = total;
            return INCOMPLETE;
        }
        return tls13 ? open13(buf, recordStart, type, length, total) : open12(buf, recordStart, type, length, total);
    }

    private int open13(MemorySegment buf, long recordStart, byte type, int length, int total) {
        // After the handshake every TLS 1.3 record is protected and carries application_data outside.
        if (type != RecordLayout.APPLICATION_DATA) {
            return UNEXPECTED_MESSAGE;
        }
        if (length < RecordLayout.TAG + 1) {
            return DECODE_ERROR;
        }
        int inner = length - RecordLayout.TAG;
        long dataStart = recordStart + RecordLayout.HEADER;
        MemorySegment.copy(buf, recordStart, keys.aad5, 0, RecordLayout.HEADER);
        if (!gcm.open(keys.key, keys.nonce13(sequence), keys.aad5, buf, dataStart, inner)) {
            return BAD_RECORD_MAC;
        }
        sequence++;
        int i = inner - 1;
        while (i >= 0 && buf.get(ValueLayout.JAVA_BYTE, dataStart + i) == 0) {
            i--;
        }
        if (i < 0) {
            return UNEXPECTED_MESSAGE; // all padding, no content type (RFC 8446 §5.4)
        }
        if (i > maxPlaintext) {
            return RECORD_OVERFLOW;
        }
        contentType = buf.get(ValueLayout.JAVA_BYTE, dataStart + i);
        plaintextOffset = dataStart;
        plaintextLength = i;
        if (contentType == RecordLayout.HANDSHAKE) {
            int message = handshake.read(buf, dataStart, i);
            if (message < 0) {
                return message;
            }
            if (message != PostHandshakeMessages.CONTINUE) {
                keys.advance();
                sequence = 0;
                if (keyUpdates != null) {
                    keyUpdates.onKeyUpdate(message == PostHandshakeMessages.KEY_UPDATE_REQUESTED);
                }
            }
            return total;
        }
        if (handshake.inMessage()) {
            return UNEXPECTED_MESSAGE; // RFC 8446 §5.1: nothing may come between the fragments of a message
        }
        int alert = checkAlert(i);
        return alert < 0 ? alert : total;
    }

    /**
     * An alert record holds exactly one two-byte alert (RFC 8446 §5.1, §6; RFC 5246 §7.2): an empty one is
     * {@code unexpected_message} (what tlsfuzzer's {@code test-tls13-empty-alert} and OpenSSL expect), any other
     * length {@code decode_error}. Returns 0 for a record of another type or a well-formed alert.
     */
    private int checkAlert(int length) {
        if (contentType != RecordLayout.ALERT || length == 2) {
            return 0;
        }
        return length == 0 ? UNEXPECTED_MESSAGE : DECODE_ERROR;
    }

    private int open12(MemorySegment buf, long recordStart, byte type, int length, int total) {
        if (type != RecordLayout.APPLICATION_DATA && type != RecordLayout.ALERT && type != RecordLayout.HANDSHAKE) {
            return UNEXPECTED_MESSAGE;
        }
        int dataLength = length - RecordLayout.EXPLICIT_NONCE_12 - RecordLayout.TAG;
        if (dataLength < 0) {
            return DECODE_ERROR;
        }
        if (dataLength > maxPlaintext) {
            return RECORD_OVERFLOW;
        }
        long dataStart = recordStart + RecordLayout.HEADER + RecordLayout.EXPLICIT_NONCE_12;
        // The peer picks the explicit nonce; the AAD binds our own count of its records (RFC 5246 §6.2.3.3).
        MemorySegment nonce = keys.nonce12(buf.get(DirectionKeys.LONG_BE, recordStart + RecordLayout.HEADER));
        if (!gcm.open(keys.key, nonce, keys.aad12(sequence, type, dataLength), buf, dataStart, dataLength)) {
            return BAD_RECORD_MAC;
        }
        sequence++;
        contentType = type;
        plaintextOffset = dataStart;
        plaintextLength = dataLength;
        int alert = checkAlert(dataLength);
        return alert < 0 ? alert : total;
    }

    /** Content type of the last opened record (TLS 1.3: the inner type). */
    public byte contentType() {
        return contentType;
    }

    /** Offset in the caller's buffer of the last opened record's plaintext. */
    public long plaintextOffset() {
        return plaintextOffset;
    }

    public int plaintextLength() {
        return plaintextLength;
    }

    /** After {@link #INCOMPLETE}: bytes from the record start needed before the next call can succeed. */
    public int bytesNeeded() {
        return bytesNeeded;
    }

    /** The sequence number the next record must carry. */
    public long sequence() {
        return sequence;
    }

    @Override
    public void close() {
        keys.close();
    }
}
