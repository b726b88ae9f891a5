package atlas.tls;

import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsFatalAlert;

/**
 * Checks the inner syntax of the ClientHello extensions BouncyCastle reads, before it reads them. BC parses the
 * outer structure itself and answers a broken one with decode_error, but an extension whose inner vector
 * disagrees with its length (a signature_algorithms list 2 bytes short, an empty key_share or ALPN extension)
 * surfaces from deep inside its negotiation as an {@code EOFException}, which it reports as internal_error — the
 * alert that says "our fault" when it is the client's (tlsfuzzer's {@code test-tls13-signature-algorithms},
 * {@code test-tls13-keyshare-omitted}, {@code test-alpn-negotiation}). RFC 8446 §6.2 / RFC 5246 §7.2.2:
 * decode_error for a message that cannot be parsed, missing_extension for a TLS 1.3 ClientHello that has
 * supported_groups without key_share or the reverse (§9.2).
 *
 * <pre>
 *   ClientHello: version(2) random(32) session_id&lt;0..32&gt; cipher_suites&lt;2..2^16-2&gt; compression&lt;1..2^8-1&gt;
 *                extensions&lt;0..2^16-1&gt;: { type(2) length(2) data } ...
 *   checked data:  supported_groups, signature_algorithms(_cert): u16 list of u16, &gt;= 1 entry, filling the data
 *                  ALPN: u16 list of u8-length names, each &gt;= 1 byte, &gt;= 1 name, filling the data
 *                  key_share: u16 list of { group(2) u16-length key &gt;= 1 byte }, may be empty, filling the data
 *                  supported_versions: u8 list of u16, &gt;= 1; ec_point_formats, psk_key_exchange_modes: u8 list, &gt;= 1
 * </pre>
 */
final class ClientHelloSyntax {
    private static final int SUPPORTED_GROUPS = 10;
    private static final int EC_POINT_FORMATS = 11;
    private static final int SIGNATURE_ALGORITHMS = 13;
    private static final int ALPN = 16;
    private static final int SUPPORTED_VERSIONS = 43;
    private static final int PSK_KEY_EXCHANGE_MODES = 45;
    private static final int SIGNATURE_ALGORITHMS_CERT = 50;
    private static final int KEY_SHARE = 51;
    private static final int TLS13 = 0x0304;

    private ClientHelloSyntax() {
    }

    /**
     * Checks the ClientHello body {@code b} (after the 4-byte handshake header). An outer structure that does not
     * parse is left for BC to refuse.
     *
     * @throws TlsFatalAlert decode_error or missing_extension
     */
    static void check(byte[] b) throws TlsFatalAlert {
        int p = 2 + 32;
        if (p >= b.length) {
            return;
        }
        p += 1 + (b[p] & 0xFF); // session id
        if (p + 2 > b.length) {
            return;
        }
        p += 2 + u16(b, p); // cipher suites
        if (p >= b.length) {
            return;
        }
        p += 1 + (b[p] & 0xFF); // compression methods
        if (p + 2 > b.length) {
            return; // no extensions
        }
        int end = Math.min(b.length, p + 2 + u16(b, p));
        boolean groups = false;
        boolean keyShare = false;
        boolean offers13 = false;
        for (p += 2; p + 4 <= end; ) {
            int type = u16(b, p);
            int length = u16(b, p + 2);
            int data = p + 4;
            if (data + length > end) {
                return; // BC refuses the outer structure
            }
            switch (type) {
                case SUPPORTED_GROUPS, SIGNATURE_ALGORITHMS, SIGNATURE_ALGORITHMS_CERT -> {
                    groups |= type == SUPPORTED_GROUPS;
                    requireU16List(b, data, length, 2);
                }
                case ALPN -> requireAlpn(b, data, length);
                case KEY_SHARE -> {
                    keyShare = true;
                    requireKeyShares(b, data, length);
                }
                case SUPPORTED_VERSIONS -> offers13 = requireVersions(b, data, length);
                case EC_POINT_FORMATS, PSK_KEY_EXCHANGE_MODES -> requireU8List(b, data, length, 1);
                default -> {
                }
            }
            p = data + length;
        }
        if (offers13 && groups != keyShare) {
            throw new TlsFatalAlert(AlertDescription.missing_extension,
                    groups ? "TLS 1.3 ClientHello with supported_groups but no key_share"
                            : "TLS 1.3 ClientHello with key_share but no supported_groups");
        }
    }

    private static int u16(byte[] b, int p) {
        return (b[p] & 0xFF) << 8 | (b[p + 1] & 0xFF);
    }

    private static TlsFatalAlert malformed(int type) {
        return new TlsFatalAlert(AlertDescription.decode_error, "malformed ClientHello extension " + type);
    }

    /** A u16-length list of {@code item}-byte entries, at least one, exactly filling the extension. */
    private static void requireU16List(byte[] b, int data, int length, int item) throws TlsFatalAlert {
        if (length < 2 || u16(b, data) != length - 2 || length - 2 < item || (length - 2) % item != 0) {
            throw malformed(u16(b, data - 4));
        }
    }

    /** A u8-length list of {@code item}-byte entries, at least one, exactly filling the extension. */
    private static void requireU8List(byte[] b, int data, int length, int item) throws TlsFatalAlert {
        if (length < 1 || (b[data] & 0xFF) != length - 1 || length - 1 < item || (length - 1) % item != 0) {
            throw malformed(u16(b, data - 4));
        }
    }

    private static void requireAlpn(byte[] b, int data, int length) throws TlsFatalAlert {
        if (length < 2 || u16(b, data) != length - 2 || length == 2) {
            throw malformed(ALPN);
        }
        int end = data + length;
        for (int p = data + 2; p < end; ) {
            int n = b[p] & 0xFF;
            if (n == 0 || p + 1 + n > end) {
                throw malformed(ALPN);
            }
            p += 1 + n;
        }
    }

    private static void requireKeyShares(byte[] b, int data, int length) throws TlsFatalAlert {
        if (length < 2 || u16(b, data) != length - 2) {
            throw malformed(KEY_SHARE);
        }
        int end = data + length;
        for (int p = data + 2; p < end; ) {
            if (p + 4 > end) {
                throw malformed(KEY_SHARE);
            }
            int n = u16(b, p + 2);
            if (n == 0 || p + 4 + n > end) {
                throw malformed(KEY_SHARE);
            }
            p += 4 + n;
        }
    }

    /** Checks supported_versions; true if it lists TLS 1.3. */
    private static boolean requireVersions(byte[] b, int data, int length) throws TlsFatalAlert {
        requireU8List(b, data, length, 2);
        for (int p = data + 1; p + 2 <= data + length; p += 2) {
            if (u16(b, p) == TLS13) {
                return true;
            }
        }
        return false;
    }
}
