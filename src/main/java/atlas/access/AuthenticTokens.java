package atlas.access;

/**
 * The EdgeAuth tokens one core has already found authentic, so that a player fetching segment after segment with
 * the same token pays one HMAC per token rather than one per request (an HMAC-SHA256 over a token costs about a
 * microsecond, a fifth of a small GET). Only tokens whose MAC does not depend on the request path are kept — an
 * {@code acl} or {@code url} token — and only the MAC's verdict is remembered: path, address, start and expiry are
 * checked on every request, so a cached token still expires on time and still covers only its ACL.
 * <p>
 * A direct-mapped table of {@link #SLOTS} copies of the exact token bytes, indexed by a hash of them; a new token
 * displaces whatever shared its slot. A hit needs the whole token to be equal, compared in constant time: a
 * guessed token that shares a prefix with a cached one learns nothing from the time its comparison took, and a
 * forged token never enters the table, because only a MAC check puts tokens here. The signing keys are fixed for
 * the server's life, so nothing here ever needs to be forgotten.
 * <p>
 * Threads: one instance per core, touched by that core's thread only; allocates nothing after construction.
 */
final class AuthenticTokens {
    static final int SLOTS = 256;
    /** Real tokens are 100-300 bytes; longer ones are checked every time rather than given a bigger table. */
    static final int MAX_CACHED_BYTES = 512;

    private final byte[][] tokens = new byte[SLOTS][MAX_CACHED_BYTES];
    private final int[] lengths = new int[SLOTS];

    /** True when exactly these bytes were {@link #remember remembered} as authentic. */
    boolean isKnown(byte[] token, int length) {
        if (length > MAX_CACHED_BYTES) {
            return false;
        }
        int slot = slotOf(token, length);
        return lengths[slot] == length && constantTimeEquals(tokens[slot], token, length);
    }

    /** Keeps {@code token[0, length)}, whose MAC was just verified, for the next request that carries it. */
    void remember(byte[] token, int length) {
        if (length > MAX_CACHED_BYTES) {
            return;
        }
        int slot = slotOf(token, length);
        System.arraycopy(token, 0, tokens[slot], 0, length);
        lengths[slot] = length;
    }

    private static boolean constantTimeEquals(byte[] a, byte[] b, int length) {
        int difference = 0;
        for (int i = 0; i < length; i++) {
            difference |= a[i] ^ b[i];
        }
        return difference == 0;
    }

    /**
     * A token ends with its MAC in hex ({@code ~hmac=…}, nothing may follow), so its last bytes are as random as a
     * MAC and index the table for free. An attacker choosing them picks a slot, and learns nothing from it: the
     * comparison there is in constant time.
     */
    private static int slotOf(byte[] token, int length) {
        int h = 0;
        for (int i = Math.max(0, length - 4); i < length; i++) {
            h = h * 31 + token[i];
        }
        return (h ^ (h >>> 8) ^ (h >>> 16)) & (SLOTS - 1);
    }
}
