package atlas.cli;

import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * Object name → request URL. Each path segment is percent-encoded on its own, so '/' keeps separating folders
 * while a space, '?', '#' or '%' inside a segment cannot change the meaning of the URL. Only RFC 3986
 * "unreserved" characters stay literal: safest for a server that decodes exactly once.
 */
final class ObjectUrls {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private ObjectUrls() {
    }

    static URI of(URI base, String name) {
        return base.resolve(encodePath(name));
    }

    static String encodePath(String name) {
        StringBuilder sb = new StringBuilder(name.length() + 16);
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if (c == '/' || isUnreserved(c)) {
                sb.append((char) c);
            } else {
                sb.append('%').append(HEX[c >>> 4]).append(HEX[c & 0xF]);
            }
        }
        return sb.toString();
    }

    /** Query parameter value: same rule, and '/' encoded too. */
    static String encodeQueryValue(String value) {
        return encodePath(value).replace("/", "%2F");
    }

    private static boolean isUnreserved(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }

    /** The base URL with exactly one trailing '/', so {@link URI#resolve} appends instead of replacing. */
    static URI base(String url) {
        String u = url.trim();
        URI uri = URI.create(u.endsWith("/") ? u : u + "/");
        if (uri.getScheme() == null || uri.getHost() == null
                || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
            throw new IllegalArgumentException("not an http(s) URL: " + url);
        }
        return uri;
    }
}
