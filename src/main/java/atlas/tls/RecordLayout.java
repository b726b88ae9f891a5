package atlas.tls;

/**
 * The TLS record framing the in-place sealer writes and the opener reads, declared once.
 *
 * <pre>
 *  TLS 1.3 (RFC 8446 §5.2), AEAD = AES-GCM, nonce = write_iv XOR (0^32 || seq_be64), AAD = the 5-byte header:
 *    0      1      3      5                       5+n    5+n+1      5+n+1+p              +16
 *    +------+------+------+-----------------------+------+----------+--------------------+
 *    | 0x17 | 0303 | len  | data (n <= 16384)     | type | 0 x p    | tag                |
 *    +------+------+------+-----------------------+------+----------+--------------------+
 *    |<---- header ------>|<------------ encrypted in place -------->|
 *                          len = n + 1 + p + 16 ;  n + 1 + p <= 2^14 + 1
 *
 *  TLS 1.2 AES-GCM (RFC 5288 §3, RFC 5246 §6.2.3.3), nonce = salt(4, from the key block) || explicit(8),
 *  explicit = seq_be64, AAD = seq_be64 || type || 0303 || n:
 *    0      1      3      5                13                         13+n            +16
 *    +------+------+------+----------------+--------------------------+---------------+
 *    | type | 0303 | len  | explicit nonce | data (n <= 16384)        | tag           |
 *    +------+------+------+----------------+--------------------------+---------------+
 *                                           |<-- encrypted in place -->|
 *                          len = 8 + n + 16
 * </pre>
 * The caller leaves {@link #headerLength(boolean)} bytes free before the data and
 * {@link #trailerLength(boolean)} bytes (plus any TLS 1.3 padding) after it.
 */
public final class RecordLayout {
    /** 2^14: the most plaintext one record may carry (RFC 8446 §5.1, RFC 5246 §6.2.1). */
    public static final int MAX_PLAINTEXT = 1 << 14;
    /** The largest TLS 1.3 ciphertext a peer may send: 2^14 + 256 (RFC 8446 §5.2). */
    public static final int MAX_CIPHERTEXT_13 = MAX_PLAINTEXT + 256;
    /** The largest TLS 1.2 ciphertext: 2^14 + 2048 (RFC 5246 §6.2.3). */
    public static final int MAX_CIPHERTEXT_12 = MAX_PLAINTEXT + 2048;

    public static final int HEADER = 5;
    public static final int EXPLICIT_NONCE_12 = 8;
    public static final int TAG = AesGcm.TAG_LENGTH;

    /** ContentType (RFC 8446 §5.1). */
    public static final byte CHANGE_CIPHER_SPEC = 20;
    public static final byte ALERT = 21;
    public static final byte HANDSHAKE = 22;
    public static final byte APPLICATION_DATA = 23;

    /** HandshakeType key_update (RFC 8446 §4). */
    public static final byte KEY_UPDATE = 24;

    /** legacy_record_version 0x0303, written in every record. */
    public static final short LEGACY_VERSION = 0x0303;

    private RecordLayout() {
    }

    /** Bytes the caller leaves before the data: 5, or 13 in TLS 1.2 (explicit nonce). */
    public static int headerLength(boolean tls13) {
        return tls13 ? HEADER : HEADER + EXPLICIT_NONCE_12;
    }

    /** Bytes the caller leaves after the data without padding: content type + tag (17), or the tag (16). */
    public static int trailerLength(boolean tls13) {
        return tls13 ? 1 + TAG : TAG;
    }

    /** Header plus trailer: what a record adds to its data on the wire. */
    public static int overhead(boolean tls13) {
        return headerLength(tls13) + trailerLength(tls13);
    }
}
