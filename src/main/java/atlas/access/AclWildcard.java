package atlas.access;

/**
 * EdgeAuth ACL matching: {@code acl=/live/ch1/*!/ads/*} lists patterns separated by '!', and '*' matches any run of
 * bytes including '/', so {@code /live/ch1/*} covers {@code /live/ch1/720p/seg1.ts} but not {@code /live/ch10/x}
 * (the '/' before the star is literal). There is no escape for a literal '*' or '!', as in Akamai's format.
 */
final class AclWildcard {
    static final byte ACL_DELIMITER = '!';
    private static final byte STAR = '*';

    private AclWildcard() {
    }

    /** True when any pattern of {@code acl[from, to)} matches all of {@code path[0, pathLength)}. */
    static boolean matchesAny(byte[] acl, int from, int to, byte[] path, int pathLength) {
        int start = from;
        for (int i = from; i <= to; i++) {
            if (i == to || acl[i] == ACL_DELIMITER) {
                if (i > start && matches(acl, start, i, path, pathLength)) {
                    return true;
                }
                start = i + 1;
            }
        }
        return false;
    }

    /**
     * Glob match with one backtrack point: on a mismatch, the most recent star absorbs one more byte. That is
     * enough for '*'-only patterns and costs at most pattern × path steps; the pattern is at most 4 KiB and only an
     * authentic token's is matched (the verifier checks the MAC first), so a client cannot choose a costly one.
     */
    static boolean matches(byte[] pattern, int from, int to, byte[] text, int textLength) {
        int p = from;
        int t = 0;
        int star = -1;
        int starText = 0;
        while (t < textLength) {
            if (p < to && pattern[p] == STAR) {
                star = p++;
                starText = t;
            } else if (p < to && pattern[p] == text[t]) {
                p++;
                t++;
            } else if (star >= 0) {
                p = star + 1;
                t = ++starText;
            } else {
                return false;
            }
        }
        while (p < to && pattern[p] == STAR) {
            p++;
        }
        return p == to;
    }
}
