package atlas.access;

import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Akamai EdgeAuth (Auth Token 2.0) tokens, as Akamai's EdgeAuth-Token generators make them:
 * <pre>
 *   ip=203.0.113.7~st=1700000000~exp=1700003600~acl=/live/ch1/*~id=s1~data=x~hmac=&lt;64 lowercase hex&gt;
 *   |&lt;---------------------------- signed part -------------------------------&gt;|
 *
 *   fields, in this order, joined by '~':  ip (optional)  st (optional, epoch s)  exp (epoch s)
 *                                          acl (one or more patterns joined by '!') or url  id, data (optional)
 *   hmac = hex(HMAC-SHA256(key, signed part))                          for an acl token
 *   hmac = hex(HMAC-SHA256(key, signed part + "~url=" + request path)) for a url token
 * </pre>
 * A url token does not carry its url: the generators hash {@code url=PATH} without emitting it, and the edge
 * appends the path it is serving, so the token is only good for that one path. A token that does carry a
 * {@code url=} field is accepted too (the field is then part of the signed part and must equal the path).
 * The generators' "escape early" option (percent-encoding values before hashing) is not supported: values are
 * hashed as they are, which is the generators' default.
 *
 * <p>The static methods sign (the CLI, tests). An instance is a reusable flyweight over one token's bytes for
 * {@link UrlTokenVerifier}: {@link #wrap} finds the fields without allocating, {@link #isSignedBy} checks the MAC.
 */
public final class EdgeAuthToken {
    static final byte FIELD_DELIMITER = '~';
    static final int HMAC_BYTES = 32;
    private static final byte[] URL_SUFFIX = "~url=".getBytes(StandardCharsets.US_ASCII);
    /** Epoch seconds fit in 18 digits for the next 31 billion years, and a long never overflows parsing them. */
    private static final int MAX_TIME_DIGITS = 18;

    private byte[] token;
    private int ipStart;
    private int ipEnd;
    private long startEpochSec;
    private long expiryEpochSec;
    private int aclStart;
    private int aclEnd;
    private int urlStart;
    private int urlEnd;
    private int signedLength;
    private final byte[] givenMac = new byte[HMAC_BYTES];
    private final byte[] computedMac = new byte[HMAC_BYTES];

    /**
     * An ACL token, signed with the first key.
     *
     * @param startEpochSec  the first second it is valid, or negative for none (valid as soon as made)
     * @param expiryEpochSec the last second it is valid
     * @param acl            one or more patterns joined by '!', e.g. {@code /live/ch1/*}
     * @param ip             the only client address it is good for, or null for any
     * @return {@code [ip=…~][st=…~]exp=…~acl=…~hmac=…}
     */
    public static String sign(SigningKeys keys, long startEpochSec, long expiryEpochSec, String acl, String ip) {
        requireValue("acl", acl);
        return signed(keys, fields(startEpochSec, expiryEpochSec, ip).append("~acl=").append(acl), null);
    }

    /** A url token: good for exactly {@code urlPath} (the decoded path, e.g. {@code /vod/a.mp4}), which it does not carry. */
    public static String signUrl(SigningKeys keys, long startEpochSec, long expiryEpochSec, String urlPath, String ip) {
        requireValue("url", urlPath);
        return signed(keys, fields(startEpochSec, expiryEpochSec, ip), urlPath);
    }

    private static StringBuilder fields(long startEpochSec, long expiryEpochSec, String ip) {
        if (expiryEpochSec <= 0) {
            throw new IllegalArgumentException("expiry must be a positive epoch second, not " + expiryEpochSec);
        }
        if (startEpochSec >= 0 && expiryEpochSec <= startEpochSec) {
            throw new IllegalArgumentException("expiry " + expiryEpochSec + " is not after start " + startEpochSec);
        }
        StringBuilder sb = new StringBuilder(160);
        if (ip != null) {
            requireValue("ip", ip);
            sb.append("ip=").append(ip).append('~');
        }
        if (startEpochSec >= 0) {
            sb.append("st=").append(startEpochSec).append('~');
        }
        return sb.append("exp=").append(expiryEpochSec);
    }

    private static String signed(SigningKeys keys, StringBuilder fields, String urlPath) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("no signing key");
        }
        HMac mac = newMac(keys.key(0));
        byte[] signedPart = fields.toString().getBytes(StandardCharsets.UTF_8);
        mac.update(signedPart, 0, signedPart.length);
        if (urlPath != null) {
            mac.update(URL_SUFFIX, 0, URL_SUFFIX.length);
            byte[] url = urlPath.getBytes(StandardCharsets.UTF_8);
            mac.update(url, 0, url.length);
        }
        byte[] out = new byte[HMAC_BYTES];
        mac.doFinal(out, 0);
        return fields.append("~hmac=").append(HexFormat.of().formatHex(out)).toString();
    }

    private static void requireValue(String field, String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(field + " is empty");
        }
        if (value.indexOf('~') >= 0) {
            throw new IllegalArgumentException(field + " contains '~', the field delimiter: '" + value + "'");
        }
    }

    /**
     * BouncyCastle's HMac rather than {@code javax.crypto.Mac}: its {@code doFinal(out, offset)} writes into the
     * caller's array and resets to the keyed state, while the JCA one returns a fresh array from every MAC.
     */
    static HMac newMac(byte[] key) {
        HMac mac = new HMac(new SHA256Digest());
        mac.init(new KeyParameter(key));
        return mac;
    }

    /**
     * Finds the fields of {@code token[0, length)}. Strict: unknown, repeated or empty fields, a missing
     * {@code exp}, both {@code acl} and {@code url}, or anything after {@code hmac} make it unparseable.
     *
     * @return false when the token does not parse
     */
    boolean wrap(byte[] token, int length) {
        this.token = token;
        ipStart = ipEnd = aclStart = aclEnd = urlStart = urlEnd = -1;
        startEpochSec = expiryEpochSec = -1;
        signedLength = -1;
        int seen = 0;
        int fieldStart = 0;
        while (fieldStart < length) {
            if (signedLength >= 0) {
                return false; // something after hmac
            }
            int fieldEnd = indexOf(token, FIELD_DELIMITER, fieldStart, length);
            int equals = indexOf(token, (byte) '=', fieldStart, fieldEnd);
            if (equals <= fieldStart || equals == fieldEnd) {
                return false; // no name, or no '='
            }
            int valueStart = equals + 1;
            int field = Field.of(token, fieldStart, equals);
            if (field < 0 || (seen & 1 << field) != 0 || valueStart == fieldEnd) {
                return false;
            }
            seen |= 1 << field;
            switch (field) {
                case Field.IP -> {
                    ipStart = valueStart;
                    ipEnd = fieldEnd;
                }
                case Field.ST -> startEpochSec = parseEpoch(token, valueStart, fieldEnd);
                case Field.EXP -> expiryEpochSec = parseEpoch(token, valueStart, fieldEnd);
                case Field.ACL -> {
                    aclStart = valueStart;
                    aclEnd = fieldEnd;
                }
                case Field.URL -> {
                    urlStart = valueStart;
                    urlEnd = fieldEnd;
                }
                case Field.HMAC -> {
                    if (fieldStart == 0 || !decodeHex(token, valueStart, fieldEnd, givenMac)) {
                        return false;
                    }
                    signedLength = fieldStart - 1;
                }
                default -> {
                    // id and data: signed, otherwise opaque to the server
                }
            }
            fieldStart = fieldEnd + 1;
            if (fieldEnd == length - 1) {
                return false; // a trailing '~'
            }
        }
        boolean timesParse = (seen & 1 << Field.ST) == 0 || startEpochSec >= 0;
        return signedLength >= 0 && expiryEpochSec >= 0 && timesParse && (aclStart < 0 || urlStart < 0);
    }

    /** True when the MAC covers the token's bytes alone (an acl or url token), not the request path as well. */
    boolean isSignedIndependentOfPath() {
        return aclStart >= 0 || urlStart >= 0;
    }

    /**
     * True when one of {@code macs} signed this token (after {@link #wrap} returned true). Every candidate is
     * compared in constant time, so the time taken says nothing about how many leading bytes were right.
     *
     * @param path the request path's UTF-8 bytes, hashed in for a url token that does not carry its url
     */
    boolean isSignedBy(HMac[] macs, byte[] path, int pathLength) {
        boolean urlImplied = aclStart < 0 && urlStart < 0;
        boolean signed = false;
        for (HMac mac : macs) {
            mac.update(token, 0, signedLength);
            if (urlImplied) {
                mac.update(URL_SUFFIX, 0, URL_SUFFIX.length);
                mac.update(path, 0, pathLength);
            }
            mac.doFinal(computedMac, 0);
            signed |= MessageDigest.isEqual(computedMac, givenMac);
        }
        return signed;
    }

    /** True when the token's acl or url covers the path; a url token without a url covers it by its MAC. */
    boolean covers(byte[] path, int pathLength) {
        if (aclStart >= 0) {
            return AclWildcard.matchesAny(token, aclStart, aclEnd, path, pathLength);
        }
        if (urlStart >= 0) {
            return Arrays.equals(token, urlStart, urlEnd, path, 0, pathLength);
        }
        return true;
    }

    /**
     * True when the token names no address, or the client's: the same text, or the same address written
     * another way ({@link IpAddressText}).
     *
     * @param client        the client's address as 16 bytes, or null when its text did not parse
     * @param scratchAddress 16 bytes to parse the token's address into
     */
    boolean allows(String clientIp, byte[] client, byte[] scratchAddress) {
        if (ipStart < 0) {
            return true;
        }
        if (clientIp == null) {
            return false;
        }
        if (clientIp.length() == ipEnd - ipStart) {
            boolean same = true;
            for (int i = 0; i < clientIp.length() && same; i++) {
                same = token[ipStart + i] == clientIp.charAt(i);
            }
            if (same) {
                return true;
            }
        }
        return client != null && IpAddressText.parse(token, ipStart, ipEnd, scratchAddress)
                && Arrays.equals(client, scratchAddress);
    }

    /** The {@code st} field, or -1 when absent. */
    long startEpochSec() {
        return startEpochSec;
    }

    long expiryEpochSec() {
        return expiryEpochSec;
    }

    private static long parseEpoch(byte[] b, int from, int to) {
        if (to - from > MAX_TIME_DIGITS) {
            return -1;
        }
        long value = 0;
        for (int i = from; i < to; i++) {
            int digit = b[i] - '0';
            if (digit < 0 || digit > 9) {
                return -1;
            }
            value = value * 10 + digit;
        }
        return value;
    }

    private static boolean decodeHex(byte[] b, int from, int to, byte[] out) {
        if (to - from != 2 * out.length) {
            return false;
        }
        for (int i = 0; i < out.length; i++) {
            int value = ByteScratch.hexPair(b[from + 2 * i], b[from + 2 * i + 1]);
            if (value < 0) {
                return false;
            }
            out[i] = (byte) value;
        }
        return true;
    }

    private static int indexOf(byte[] b, byte value, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == value) {
                return i;
            }
        }
        return to;
    }

    /** Field names as bit positions in a "seen" mask. */
    private static final class Field {
        static final int IP = 0;
        static final int ST = 1;
        static final int EXP = 2;
        static final int ACL = 3;
        static final int URL = 4;
        static final int ID = 5;
        static final int DATA = 6;
        static final int HMAC = 7;
        private static final byte[][] NAMES = {
            ascii("ip"), ascii("st"), ascii("exp"), ascii("acl"), ascii("url"), ascii("id"), ascii("data"), ascii("hmac")
        };

        static int of(byte[] b, int from, int to) {
            for (int f = 0; f < NAMES.length; f++) {
                if (Arrays.equals(b, from, to, NAMES[f], 0, NAMES[f].length)) {
                    return f;
                }
            }
            return -1;
        }

        private static byte[] ascii(String s) {
            return s.getBytes(StandardCharsets.US_ASCII);
        }
    }
}
