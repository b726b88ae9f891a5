package atlas.access;

import java.util.List;

/**
 * The HMAC keys of EdgeAuth tokens, immutable. Keys are given as hex, as Akamai's property manager shows them.
 * The first key signs; every key verifies, so a key can be rotated without a gap: add the new key after the
 * old, then move it first once every signer has it, then drop the old one once its tokens have expired.
 */
public final class SigningKeys {
    /** HMAC-SHA256 takes keys of any length, but under 128 bits a key is guessable offline from one token. */
    public static final int MIN_KEY_BYTES = 16;

    private static final SigningKeys NONE = new SigningKeys(new byte[0][]);

    private final byte[][] keys;

    private SigningKeys(byte[][] keys) {
        this.keys = keys;
    }

    /** No keys: EdgeAuth tokens are not accepted. */
    public static SigningKeys none() {
        return NONE;
    }

    /**
     * @param hexKeys keys as hex digits, the signing key first
     * @throws IllegalArgumentException naming the key (1-based) and what is wrong with it; the key itself is
     *                                  never echoed, it is a secret
     */
    public static SigningKeys parse(List<String> hexKeys) {
        if (hexKeys.isEmpty()) {
            return NONE;
        }
        byte[][] keys = new byte[hexKeys.size()][];
        for (int i = 0; i < keys.length; i++) {
            String hex = hexKeys.get(i);
            String problem = problem(hex);
            if (problem != null) {
                throw new IllegalArgumentException("signing key " + (i + 1) + " of " + keys.length + ": " + problem);
            }
            keys[i] = decode(hex);
        }
        return new SigningKeys(keys);
    }

    /**
     * The keys of a keys file's {@code lines}: one hex key per line, the signing key first; blank lines and
     * {@code #} comments skipped.
     *
     * @throws IllegalArgumentException "line N: what is wrong" (the key itself is never echoed), or "holds no key"
     */
    public static SigningKeys fromLines(List<String> lines) {
        List<String> hex = new java.util.ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String problem = problem(line);
            if (problem != null) {
                throw new IllegalArgumentException("line " + (i + 1) + ": " + problem);
            }
            hex.add(line);
        }
        if (hex.isEmpty()) {
            throw new IllegalArgumentException("holds no key");
        }
        return parse(hex);
    }

    /** Null when {@code hex} is a usable key, else what is wrong with it (for callers that name the source). */
    public static String problem(String hex) {
        if (hex == null || hex.isEmpty()) {
            return "empty";
        }
        for (int i = 0; i < hex.length(); i++) {
            if (Character.digit(hex.charAt(i), 16) < 0 || hex.charAt(i) > 0x7F) {
                return "not a hex digit at index " + i + " (" + describe(hex.charAt(i)) + ")";
            }
        }
        if ((hex.length() & 1) != 0) {
            return "odd number of hex digits (" + hex.length() + ")";
        }
        if (hex.length() / 2 < MIN_KEY_BYTES) {
            return hex.length() / 2 + " bytes, at least " + MIN_KEY_BYTES + " needed (" + 2 * MIN_KEY_BYTES
                    + " hex digits)";
        }
        return null;
    }

    public boolean isEmpty() {
        return keys.length == 0;
    }

    public int size() {
        return keys.length;
    }

    /** The raw key; package-private and not copied because the verifier builds one MAC per key once. */
    byte[] key(int index) {
        return keys[index];
    }

    /** Never the key material: configurations get logged. */
    @Override
    public String toString() {
        return "SigningKeys[" + keys.length + (keys.length == 1 ? " key]" : " keys]");
    }

    private static byte[] decode(String hex) {
        byte[] key = new byte[hex.length() / 2];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) (Character.digit(hex.charAt(2 * i), 16) << 4 | Character.digit(hex.charAt(2 * i + 1), 16));
        }
        return key;
    }

    private static String describe(char c) {
        if (c == ' ') {
            return "a space";
        }
        return c > ' ' && c < 0x7F ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }
}
