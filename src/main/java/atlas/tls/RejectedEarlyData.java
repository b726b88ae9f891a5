package atlas.tls;

import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Skips the 0-RTT records of a client whose early data we do not accept (RFC 8446 §4.2.10). We issue no tickets,
 * so no early data is ever accepted, but a client resuming a session from another server (or a fuzzer) may send
 * the early_data extension followed by 0-RTT records right behind its ClientHello, before it has seen our answer.
 * BouncyCastle would try to read them under the handshake keys and fail with bad_record_mac; the RFC says:
 *
 * <pre>
 *   after our ServerHello:        try the client handshake key; skip a record that does not open
 *   after a HelloRetryRequest:    skip every application_data record until the second ClientHello
 *   either way:                   at most MAX_EARLY_DATA_BYTES in all; the first record that opens ends it
 * </pre>
 * Skipped records never reach BC, so its read sequence number stays 0 until the first real record, which is why the
 * trial decryption always uses sequence 0. Handshake path, once per rejected client: JDK cipher, allocation allowed.
 */
final class RejectedEarlyData {
    /**
     * Early data we skip before giving up (then BC's bad_record_mac stands): 2^14, OpenSSL's default
     * max_early_data, counted as each record's payload less the smallest TLS 1.3 overhead (tag and content type).
     */
    static final int MAX_EARLY_DATA_BYTES = 1 << 14;
    private static final int MIN_OVERHEAD = RecordLayout.TAG + 1;

    private long skippedBytes;
    private boolean ended;
    private Cipher cipher;
    private SecretKeySpec key;
    private byte[] iv;

    /** True while records may still be skipped. */
    boolean isOpen() {
        return !ended;
    }

    /** Stops skipping for good (the handshake moved on, or the client offered no early data after all). */
    void end() {
        ended = true;
        key = null;
        iv = null;
    }

    /** Between a HelloRetryRequest and the second ClientHello: skips the record if the budget allows. */
    boolean skipUnread(int recordLength) {
        return withinBudget(recordLength);
    }

    /** Sets the client handshake traffic key and IV (RFC 8446 §7.3) for {@link #skipIfUndecryptable}. */
    void handshakeKeys(byte[] keyBytes, byte[] ivBytes) throws GeneralSecurityException {
        cipher = Cipher.getInstance("AES/GCM/NoPadding");
        key = new SecretKeySpec(keyBytes, "AES");
        iv = ivBytes;
    }

    boolean hasHandshakeKeys() {
        return key != null;
    }

    /**
     * After our ServerHello: true if the TLS 1.3 record {@code src[offset, offset + length)} does not open under the
     * client handshake key at sequence 0 (early data), and the budget allows skipping it; false (and skipping ends)
     * for the first record that opens: the client's own handshake has begun.
     */
    boolean skipIfUndecryptable(byte[] src, int offset, int length) {
        int payload = length - RecordLayout.HEADER;
        if (payload >= RecordLayout.TAG) {
            try {
                cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(RecordLayout.TAG * 8, iv));
                cipher.updateAAD(src, offset, RecordLayout.HEADER);
                cipher.doFinal(src, offset + RecordLayout.HEADER, payload);
                end();
                return false;
            } catch (AEADBadTagException e) {
                // early data under a key we never derived: skip it
            } catch (GeneralSecurityException e) {
                end();
                return false;
            }
        }
        return withinBudget(length);
    }

    private boolean withinBudget(int recordLength) {
        skippedBytes += Math.max(0, recordLength - RecordLayout.HEADER - MIN_OVERHEAD);
        if (skippedBytes > MAX_EARLY_DATA_BYTES) {
            end();
            return false;
        }
        return true;
    }
}
