package atlas.access;

import java.nio.charset.StandardCharsets;

/**
 * A token carried as the first path segment:
 * <pre>
 *   /hdnts=st=1~exp=2~acl=%2Flive%2Fch1%2F*~hmac=abcd/live/ch1/index.m3u8
 *   |&lt;------------------- token segment -------------&gt;|&lt;--- path ------&gt;|
 * </pre>
 * Why in the path: a playlist names its segments by relative URL ({@code seg1.ts}), and players (hls.js, dash.js,
 * Safari, ExoPlayer) resolve those against the playlist's URL by RFC 3986, which keeps its path and drops its query.
 * A token in the query is therefore lost on the first segment; a token in the path reaches every segment and
 * sub-playlist with no player code and no cookies, cross-origin included. Inside the segment a '/' of the ACL must be
 * percent-encoded ({@code %2F}), so the segment ends at the first raw '/'.
 */
public final class PathToken {
    private PathToken() {
    }

    /**
     * @param rawTarget the request target as received (origin form, not decoded)
     * @return the length of a leading {@code /NAME=…} segment including its leading '/', or 0 when the target
     *         does not start with one or nothing follows it (a token segment always precedes an object's path)
     */
    public static int segmentLength(byte[] rawTarget, int offset, int length, String tokenName) {
        int nameLength = tokenName.length();
        if (length < nameLength + 3 || rawTarget[offset] != '/' || rawTarget[offset + 1 + nameLength] != '=') {
            return 0;
        }
        for (int i = 0; i < nameLength; i++) {
            if (rawTarget[offset + 1 + i] != tokenName.charAt(i)) {
                return 0;
            }
        }
        int end = offset + length;
        for (int i = offset + nameLength + 2; i < end; i++) {
            byte b = rawTarget[i];
            if (b == '/') {
                return i - offset;
            }
            if (b == '?' || b == '#') {
                return 0;
            }
        }
        return 0;
    }

    /**
     * @param segmentLength what {@link #segmentLength} returned (greater than 0)
     * @return the token, percent-decoded; "" when its percent-encoding is malformed, which
     *         {@link UrlTokenVerifier#verify} answers with {@link TokenVerdict#INVALID} (a token was present)
     */
    public static String decode(byte[] rawTarget, int offset, int segmentLength, String tokenName) {
        int from = offset + tokenName.length() + 2;
        int to = offset + segmentLength;
        byte[] decoded = new byte[to - from];
        int n = 0;
        for (int i = from; i < to; i++) {
            byte b = rawTarget[i];
            if (b == '%') {
                int value = i + 2 < to ? ByteScratch.hexPair(rawTarget[i + 1], rawTarget[i + 2]) : -1;
                if (value < 0) {
                    return "";
                }
                decoded[n++] = (byte) value;
                i += 2;
            } else {
                decoded[n++] = b;
            }
        }
        return new String(decoded, 0, n, StandardCharsets.UTF_8);
    }

    /**
     * The segment to put before an object's path: {@code /NAME=TOKEN}, the token encoded by
     * {@link TokenEncoding#pathSegment} ('/' among what is encoded, so the segment ends where it should).
     */
    public static String pathForm(String token, String tokenName) {
        return "/" + tokenName + "=" + TokenEncoding.pathSegment(token);
    }
}
