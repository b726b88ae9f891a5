package atlas.access;

/**
 * Finds {@code name=value} in a query string ({@code a=1&hdnts=…}) or a Cookie field ({@code a=1; hdnts=…}) by
 * index, without splitting or allocating. Names match ignoring ASCII case, as nginx's {@code $arg_} and
 * {@code $cookie_} variables do; the first occurrence wins.
 */
final class NamedValues {
    private NamedValues() {
    }

    /** The index where the value of query argument {@code name} starts, or -1. */
    static int queryValue(String query, String name) {
        return valueStart(query, name, '&');
    }

    /** The index where the value of cookie {@code name} starts (after optional spaces), or -1. */
    static int cookieValue(String cookies, String name) {
        return valueStart(cookies, name, ';');
    }

    /** The end of the value starting at {@code start}: the next '&' or the end. */
    static int queryValueEnd(String query, int start) {
        int amp = query.indexOf('&', start);
        return amp < 0 ? query.length() : amp;
    }

    /** The end of the cookie value starting at {@code start}: before the next ';' and any spaces before it. */
    static int cookieValueEnd(String cookies, int start) {
        int semi = cookies.indexOf(';', start);
        int end = semi < 0 ? cookies.length() : semi;
        while (end > start && (cookies.charAt(end - 1) == ' ' || cookies.charAt(end - 1) == '\t')) {
            end--;
        }
        return end;
    }

    private static int valueStart(String s, String name, char delimiter) {
        int pair = 0;
        int n = name.length();
        while (pair < s.length()) {
            while (pair < s.length() && (s.charAt(pair) == ' ' || s.charAt(pair) == '\t')) {
                pair++;
            }
            if (s.regionMatches(true, pair, name, 0, n) && pair + n < s.length() && s.charAt(pair + n) == '=') {
                return pair + n + 1;
            }
            int next = s.indexOf(delimiter, pair);
            if (next < 0) {
                return -1;
            }
            pair = next + 1;
        }
        return -1;
    }
}
