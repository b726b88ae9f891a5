package atlas.tls;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The part of the TLS 1.3 key schedule the record layer needs once the handshake library has produced the
 * application traffic secrets (RFC 8446 §7.1, §7.2, §7.3): HKDF-Expand-Label, the write key and IV of a traffic
 * secret, and the next secret after a KeyUpdate. The handshake itself (Extract, Derive-Secret over the transcript)
 * stays in the TLS library: we do not write handshake cryptography.
 * <p>
 * Control path only (a new connection, a KeyUpdate): it allocates freely. HMAC comes from the JDK.
 *
 * <pre>
 *   HkdfLabel (RFC 8446 §7.1), the "info" of HKDF-Expand:
 *   +--------+--------+------------------------------+--------+--------------------+
 *   | length (uint16) | len | "tls13 " + label       | len    | context            |
 *   +--------+--------+-----+------------------------+--------+--------------------+
 *      2 bytes          1     6 + |label| (7..255)     1        0..255
 * </pre>
 */
public final class KeySchedule {
    private static final byte[] PREFIX = "tls13 ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EMPTY = new byte[0];

    private KeySchedule() {
    }

    /** The hash of a TLS 1.3 cipher suite: its JDK HMAC name and output length. */
    public enum Hash {
        SHA256("HmacSHA256", 32),
        SHA384("HmacSHA384", 48);

        final String hmac;
        public final int length;

        Hash(String hmac, int length) {
            this.hmac = hmac;
            this.length = length;
        }
    }

    /** The TLS 1.3 AES-GCM suites the in-place record layer supports (RFC 8446 Appendix B.4). */
    public enum Suite {
        TLS_AES_128_GCM_SHA256(0x1301, 16, Hash.SHA256),
        TLS_AES_256_GCM_SHA384(0x1302, 32, Hash.SHA384);

        public final int code;
        public final int keyLength;
        public final Hash hash;

        Suite(int code, int keyLength, Hash hash) {
            this.code = code;
            this.keyLength = keyLength;
            this.hash = hash;
        }

        /** Null for suites we do not seal ourselves (e.g. ChaCha20-Poly1305, which the handshake must not offer). */
        public static Suite forCode(int code) {
            for (Suite s : values()) {
                if (s.code == code) {
                    return s;
                }
            }
            return null;
        }
    }

    /** HKDF-Expand-Label(Secret, Label, Context, Length), RFC 8446 §7.1. */
    public static byte[] hkdfExpandLabel(Hash hash, byte[] secret, String label, byte[] context, int length) {
        byte[] labelBytes = label.getBytes(StandardCharsets.US_ASCII);
        int fullLabel = PREFIX.length + labelBytes.length;
        if (fullLabel > 255 || context.length > 255 || length > 0xFFFF) {
            throw new IllegalArgumentException("HkdfLabel field too long");
        }
        byte[] info = new byte[2 + 1 + fullLabel + 1 + context.length];
        int p = 0;
        info[p++] = (byte) (length >>> 8);
        info[p++] = (byte) length;
        info[p++] = (byte) fullLabel;
        System.arraycopy(PREFIX, 0, info, p, PREFIX.length);
        p += PREFIX.length;
        System.arraycopy(labelBytes, 0, info, p, labelBytes.length);
        p += labelBytes.length;
        info[p++] = (byte) context.length;
        System.arraycopy(context, 0, info, p, context.length);
        return hkdfExpand(hash, secret, info, length);
    }

    /** HKDF-Expand (RFC 5869 §2.3): T(i) = HMAC(PRK, T(i-1) | info | i). */
    static byte[] hkdfExpand(Hash hash, byte[] prk, byte[] info, int length) {
        if (length > 255 * hash.length) {
            throw new IllegalArgumentException("HKDF-Expand output too long: " + length);
        }
        try {
            Mac mac = Mac.getInstance(hash.hmac);
            mac.init(new SecretKeySpec(prk, hash.hmac));
            byte[] out = new byte[length];
            byte[] t = EMPTY;
            int done = 0;
            for (int i = 1; done < length; i++) {
                mac.update(t);
                mac.update(info);
                mac.update((byte) i);
                t = mac.doFinal();
                int n = Math.min(t.length, length - done);
                System.arraycopy(t, 0, out, done, n);
                done += n;
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(hash.hmac + " unavailable", e);
        }
    }

    /** [sender]_write_key = HKDF-Expand-Label(Secret, "key", "", key_length), RFC 8446 §7.3. */
    public static byte[] writeKey(Suite suite, byte[] trafficSecret) {
        return hkdfExpandLabel(suite.hash, trafficSecret, "key", EMPTY, suite.keyLength);
    }

    /** [sender]_write_iv = HKDF-Expand-Label(Secret, "iv", "", iv_length), RFC 8446 §7.3; 12 bytes for GCM. */
    public static byte[] writeIv(Suite suite, byte[] trafficSecret) {
        return hkdfExpandLabel(suite.hash, trafficSecret, "iv", EMPTY, AesGcm.NONCE_LENGTH);
    }

    /**
     * application_traffic_secret_N+1 = HKDF-Expand-Label(application_traffic_secret_N, "traffic upd", "",
     * Hash.length), RFC 8446 §7.2 — the secret after a KeyUpdate in that direction.
     */
    public static byte[] nextTrafficSecret(Suite suite, byte[] trafficSecret) {
        return hkdfExpandLabel(suite.hash, trafficSecret, "traffic upd", EMPTY, suite.hash.length);
    }
}
