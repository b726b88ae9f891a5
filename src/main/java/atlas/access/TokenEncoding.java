package atlas.access;

import java.nio.charset.StandardCharsets;

/**
 * How a token is written into a URL, so that what {@link UrlTokenVerifier} decodes is exactly what was signed.
 * Both forms keep the characters of a token readable where the URL syntax allows it and percent-encode the rest.
 */
public final class TokenEncoding {
    private TokenEncoding() {
    }

    /**
     * A path segment: RFC 3986 unreserved characters and {@code ! * = : , @} stay, everything else is encoded —
     * '/' above all, so the segment ends where it should, and ';' which some proxies treat as path parameters.
     */
    public static String pathSegment(String token) {
        return encode(token, false);
    }

    /**
     * A query value, readable like Akamai's ({@code acl=/live/ch1/*} stays as it is): only what would end or change
     * the argument ('&amp;', '#', '+', '%'), spaces, controls, characters URLs may not hold and non-ASCII are encoded.
     */
    public static String queryValue(String token) {
        return encode(token, true);
    }

    private static String encode(String token, boolean query) {
        StringBuilder sb = new StringBuilder(token.length() + 32);
        for (byte b : token.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if (query ? keptInQuery(c) : keptInPath(c)) {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >>> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
            }
        }
        return sb.toString();
    }

    private static boolean keptInPath(int c) {
        return isUnreserved(c) || c == '!' || c == '*' || c == '=' || c == ':' || c == ',' || c == '@';
    }

    private static boolean keptInQuery(int c) {
        return c > ' ' && c < 0x7F && c != '&' && c != '#' && c != '+' && c != '%' && c != '"' && c != '<'
                && c != '>' && c != '\\' && c != '^' && c != '`' && c != '{' && c != '|' && c != '}';
    }

    private static boolean isUnreserved(int c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || c == '-' || c == '.' || c == '_' || c == '~';
    }
}
