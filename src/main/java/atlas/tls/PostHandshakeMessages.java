package atlas.tls;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The client's TLS 1.3 post-handshake handshake messages, read across records without buffering (RFC 8446 §4.6,
 * §5.1). A server that never asks for post-handshake authentication and issues no tickets to clients may receive
 * exactly one kind: KeyUpdate, a 5-byte message that may arrive in any fragmentation. Anything else is an error:
 *
 * <pre>
 *   KeyUpdate (RFC 8446 §4.6.3):  +------+----------------+----------------+
 *                                 | 0x18 | length = 1 (3) | request_update |   request_update: 0 or 1
 *                                 +------+----------------+----------------+
 *   another message type (NewSessionTicket, Certificate, ... from a client)  -> unexpected_message
 *   length other than 1 (empty, oversized)                                  -> decode_error
 *   request_update not 0 or 1                                               -> illegal_parameter
 *   bytes after a KeyUpdate in the same record (they would span the key change, §5.1)  -> unexpected_message
 *   a zero-length handshake record, or another content type while a message is incomplete -> unexpected_message
 * </pre>
 * Only the state of the one message in progress is kept (bytes seen, the request byte), so nothing is allocated.
 */
final class PostHandshakeMessages {
    /** The record held a part of a KeyUpdate, or nothing to act on. */
    static final int CONTINUE = 0;
    /** The record completed a KeyUpdate with update_not_requested: switch the read key after it. */
    static final int KEY_UPDATE = 1;
    /** The record completed a KeyUpdate with update_requested: switch, and send our own KeyUpdate. */
    static final int KEY_UPDATE_REQUESTED = 2;

    private static final int KEY_UPDATE_LENGTH = 1;

    /** Bytes of the current message seen so far: 0 between messages, 1..4 in the header, 5 done. */
    private int seen;
    private int declaredLength;

    /** True while a message has begun but not ended: only another handshake record may come next. */
    boolean inMessage() {
        return seen != 0;
    }

    /**
     * Reads one record's handshake bytes {@code buf[offset, offset + length)}.
     *
     * @return {@link #CONTINUE}, {@link #KEY_UPDATE}, {@link #KEY_UPDATE_REQUESTED}, or a {@link RecordOpener}
     *         alert sentinel
     */
    int read(MemorySegment buf, long offset, int length) {
        if (length == 0) {
            return RecordOpener.UNEXPECTED_MESSAGE; // RFC 8446 §5.1: no zero-length handshake fragments
        }
        for (int i = 0; i < length; i++) {
            int b = buf.get(ValueLayout.JAVA_BYTE, offset + i) & 0xFF;
            switch (seen) {
                case 0 -> {
                    if (b != RecordLayout.KEY_UPDATE) {
                        return RecordOpener.UNEXPECTED_MESSAGE;
                    }
                    declaredLength = 0;
                }
                case 1, 2, 3 -> {
                    declaredLength = declaredLength << 8 | b;
                    if (seen == 3 && declaredLength != KEY_UPDATE_LENGTH) {
                        return RecordOpener.DECODE_ERROR;
                    }
                }
                default -> {
                    if (b > 1) {
                        return RecordOpener.ILLEGAL_PARAMETER;
                    }
                    seen = 0;
                    if (i != length - 1) {
                        return RecordOpener.UNEXPECTED_MESSAGE; // the rest would be under the old key
                    }
                    return b == 1 ? KEY_UPDATE_REQUESTED : KEY_UPDATE;
                }
            }
            seen++;
        }
        return CONTINUE;
    }
}
