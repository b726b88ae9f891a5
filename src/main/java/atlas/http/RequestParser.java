package atlas.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Incremental HTTP/1.1 request-head parser (RFC 9112 §2-§7). Strict where leniency enables smuggling
 * (both Content-Length and Transfer-Encoding, differing Content-Lengths, whitespace before the colon,
 * obs-fold, bare CR) and tolerant where it does not (bare LF line ends, empty lines before the request line).
 * <pre>
 *   start ─▶ [empty lines, at most 4] ─▶ request-line ─▶ *( field-line ) ─▶ empty line ─▶ done
 *             CRLF or LF each             method SP request-target SP HTTP-version
 * </pre>
 * The scanner looks for line ends once, byte by byte, remembering where it stopped; each line is validated and
 * applied to the {@link RequestHead} the moment its LF arrives, so re-parsing a growing region is linear overall.
 * <p>
 * Decisions beyond RFC 9112's MUSTs, all answered with a negative status from {@link #parse}:
 * <ul>
 *   <li>-413 when Content-Length exceeds {@link HttpLimits#maxBodyBytes()} (checked once the head is complete).
 *   <li>-417 for an Expect field other than "100-continue" (RFC 9110 §10.1.1 permits it).
 *   <li>Transfer-Encoding whose final coding is not chunked, or chunked twice: -400 (RFC 9112 §6.3 item 4 MUST);
 *       chunked preceded by another coding ("gzip, chunked"): -501 (§6.1, coding not implemented).
 *   <li>The path may not contain "." or ".." segments (raw or percent-encoded) nor decode to a control
 *       character: clients remove dot-segments before sending (RFC 3986 §5.2.4), so these only come from probes.
 *       The leading '/' is removed; empty segments are kept (and refused as names by the store).
 *   <li>In absolute-form only the http and https schemes are accepted, userinfo ('@') is refused (RFC 9110
 *       §4.2.4) and the authority must be a valid {@code uri-host [":" port]} ({@link HostSyntax}). Host is still
 *       required in HTTP/1.1, once, with a valid value (RFC 9112 §3.2, same syntax); the target's authority wins
 *       (§3.2.2), and since the path is all the server routes on, the authority is simply dropped.
 * </ul>
 */
public final class RequestParser {
    /** Returned while the head is incomplete. */
    public static final int NEED_MORE = 0;

    /** RFC 9112 §2.2 asks to ignore "at least one" empty line before the request line; a few is plenty. */
    static final int MAX_LEADING_EMPTY_LINES = 4;

    private static final byte[] GET = ascii("GET");
    private static final byte[] HEAD = ascii("HEAD");
    private static final byte[] PUT = ascii("PUT");
    private static final byte[] POST = ascii("POST");
    private static final byte[] DELETE = ascii("DELETE");
    private static final byte[] OPTIONS = ascii("OPTIONS");
    private static final byte[] CHUNKED = ascii("chunked");
    private static final byte[] CLOSE = ascii("close");
    private static final byte[] KEEP_ALIVE = ascii("keep-alive");
    private static final byte[] CONTINUE = ascii("100-continue");
    private static final byte[] HTTP_SCHEME = ascii("http://");
    private static final byte[] HTTPS_SCHEME = ascii("https://");

    /** tchar (RFC 9110 §5.6.2), indexed by byte value 0-127. */
    private static final boolean[] TCHAR = new boolean[128];

    static {
        for (int c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    private final HttpLimits limits;

    // Scan state, valid while started: where the head begins, where the scan stopped, the current line.
    private boolean started;
    private int start;
    private int scanPos;
    private int lineStart;
    private boolean inFields;
    private int emptyLines;
    private int fieldCount;
    /** Sticky outcome once the head is complete or refused, so a repeated call answers the same. */
    private int outcome;

    // Cursor of the comma-separated list scanner (RFC 9110 §5.6.1), in fields to avoid allocation.
    private int elementStart;
    private int elementEnd;
    private int listPos;

    /** {@code /NAME=} of a path token, or null when signed URLs are off. */
    private final byte[] pathTokenPrefix;

    public RequestParser(HttpLimits limits) {
        this(limits, null);
    }

    /**
     * A parser that also takes a signed-URL token as the target's first segment, {@code /tokenName=…/rest}: that
     * raw segment (whose '/' are written %2F, which a path may not hold) is set aside for the access check and the
     * path is the rest. Players resolve relative segment URLs against the playlist's path, so the token reaches every
     * segment with no player code.
     */
    public RequestParser(HttpLimits limits, String tokenName) {
        this.limits = limits;
        this.pathTokenPrefix = tokenName == null ? null
                : ("/" + tokenName + "=").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** Forgets any partial scan; call before parsing a new request. */
    public void reset() {
        started = false;
    }

    /**
     * Parses the head at {@code buf[start, end)} (absolute indices; the buffer's position and limit are not used or
     * changed). Returns the head's length in bytes (&gt; 0) when complete, with {@code head} filled in;
     * {@link #NEED_MORE} when more bytes are needed; or a negative HTTP status (-400, -413, -414, -417, -431, -501,
     * -505) when the request must be refused. Remembers how far it scanned, so repeated calls on a growing region
     * are linear overall. A call with a different {@code start} than the previous one starts afresh.
     */
    public int parse(ByteBuffer buf, int start, int end, RequestHead head) {
        if (!started || start != this.start) {
            begin(buf, start, head);
        }
        // The caller may have moved the bytes to a larger buffer at the same indices (a head outgrowing a small one).
        head.buffer = buf;
        if (outcome != NEED_MORE) {
            return outcome;
        }
        int headLimit = start + limits.maxHeadBytes();
        int lineLimit = limits.maxRequestLineBytes();
        int i = scanPos;
        while (i < end) {
            if (i >= headLimit) {
                return outcome = -431;
            }
            byte b = buf.get(i);
            if (b == '\n') {
                int contentEnd = i > lineStart && buf.get(i - 1) == '\r' ? i - 1 : i;
                int result = onLine(buf, lineStart, contentEnd, head, i + 1);
                if (result != NEED_MORE) {
                    return outcome = result;
                }
                lineStart = i + 1;
            } else if (b == '\r') {
                if (i + 1 == end) {
                    break; // CR is valid only before LF: decide when the next byte arrives
                }
                if (buf.get(i + 1) != '\n') {
                    return outcome = -400; // bare CR (RFC 9112 §2.2)
                }
            } else if (!inFields && i - lineStart >= lineLimit) {
                return outcome = -414; // request line too long, detected before its end arrives
            }
            i++;
        }
        scanPos = i;
        return NEED_MORE;
    }

    private void begin(ByteBuffer buf, int start, RequestHead head) {
        started = true;
        this.start = start;
        scanPos = start;
        lineStart = start;
        inFields = false;
        emptyLines = 0;
        fieldCount = 0;
        outcome = NEED_MORE;
        head.clear();
        head.buffer = buf;
    }

    /** Applies the line {@code buf[from, to)} (terminator excluded); {@code next} is the index after its LF. */
    private int onLine(ByteBuffer buf, int from, int to, RequestHead head, int next) {
        if (!inFields) {
            if (from == to) {
                return ++emptyLines > MAX_LEADING_EMPTY_LINES ? -400 : NEED_MORE;
            }
            inFields = true;
            return parseRequestLine(buf, from, to, head);
        }
        if (from == to) {
            return finish(head, next - start);
        }
        if (++fieldCount > limits.maxHeaderCount()) {
            return -431;
        }
        return parseFieldLine(buf, from, to, head);
    }

    /** Checks that span several fields, once the empty line ending the head has arrived. */
    private int finish(RequestHead head, int headLength) {
        if (head.versionMinor == 1 && !head.has(RequestHead.Field.HOST)) {
            return -400; // RFC 9112 §3.2
        }
        if (head.chunked && head.contentLength >= 0) {
            return -400; // RFC 9112 §6.3 item 3: ambiguous framing, a smuggling vector
        }
        if (head.contentLength > limits.maxBodyBytes()) {
            return -413;
        }
        return headLength;
    }

    // ---- request line (RFC 9112 §3) ----

    private int parseRequestLine(ByteBuffer buf, int from, int to, RequestHead head) {
        int i = from;
        while (i < to && isTchar(buf.get(i))) {
            i++;
        }
        if (i == from || i == to || buf.get(i) != ' ') {
            return -400;
        }
        head.method = method(buf, from, i - from);
        int targetStart = ++i;
        while (i < to && buf.get(i) != ' ') {
            i++;
        }
        if (i == targetStart || i == to) {
            return -400;
        }
        int targetEnd = i++;
        int version = parseVersion(buf, i, to);
        if (version < 0) {
            return version;
        }
        head.versionMinor = version;
        return parseTarget(buf, targetStart, targetEnd, head);
    }

    /** "HTTP/" DIGIT "." DIGIT, case-sensitive (§2.3): the minor version, -505 for another version, -400. */
    private static int parseVersion(ByteBuffer buf, int from, int to) {
        if (to - from != 8 || buf.get(from) != 'H' || buf.get(from + 1) != 'T' || buf.get(from + 2) != 'T'
            || buf.get(from + 3) != 'P' || buf.get(from + 4) != '/' || buf.get(from + 6) != '.') {
            return -400;
        }
        int major = buf.get(from + 5) - '0';
        int minor = buf.get(from + 7) - '0';
        if (major < 0 || major > 9 || minor < 0 || minor > 9) {
            return -400;
        }
        return major == 1 && minor <= 1 ? minor : -505;
    }

    private static Method method(ByteBuffer buf, int from, int length) {
        return switch (length) {
            case 3 -> matches(buf, from, GET) ? Method.GET : matches(buf, from, PUT) ? Method.PUT : Method.OTHER;
            case 4 -> matches(buf, from, HEAD) ? Method.HEAD : matches(buf, from, POST) ? Method.POST : Method.OTHER;
            case 6 -> matches(buf, from, DELETE) ? Method.DELETE : Method.OTHER;
            case 7 -> matches(buf, from, OPTIONS) ? Method.OPTIONS : Method.OTHER;
            default -> Method.OTHER;
        };
    }

    /** request-target forms (RFC 9112 §3.2): origin, absolute, asterisk; authority-form is for CONNECT only. */
    private int parseTarget(ByteBuffer buf, int from, int to, RequestHead head) {
        head.targetOffset = from;
        head.targetLength = to - from;
        byte first = buf.get(from);
        if (first == '/') {
            return decodePath(buf, skipPathToken(buf, from, to, head), to, head);
        }
        if (first == '*' && to - from == 1) {
            if (head.method != Method.OPTIONS) {
                return -400;
            }
            head.asteriskTarget = true;
            return NEED_MORE;
        }
        int authority = schemeEnd(buf, from, to);
        if (authority < 0) {
            return -400; // authority-form, another scheme, or garbage
        }
        int i = authority;
        while (i < to) {
            byte b = buf.get(i);
            if (b == '/' || b == '?') {
                break;
            }
            i++;
        }
        // Userinfo ('@') fails this too; so does an empty host, which http URIs may not have (RFC 9110 §4.2.1).
        if (!HostSyntax.isValidAuthority(buf, authority, i)) {
            return -400;
        }
        return decodePath(buf, i, to, head);
    }

    /** Sets aside a leading {@code /NAME=…} segment followed by a path; returns where the path starts. */
    private int skipPathToken(ByteBuffer buf, int from, int to, RequestHead head) {
        byte[] prefix = pathTokenPrefix;
        if (prefix == null || to - from <= prefix.length) {
            return from;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (buf.get(from + i) != prefix[i]) {
                return from;
            }
        }
        for (int i = from + prefix.length; i < to; i++) {
            byte b = buf.get(i);
            if (b == '/') {
                head.pathTokenOffset = from;
                head.pathTokenLength = i - from;
                return i;
            }
            if (b == '?' || isRawInvalid(b)) {
                return from;
            }
        }
        return from;
    }

    /** Index after "http://" or "https://" (scheme case-insensitive, RFC 3986 §3.1), else -1. */
    private static int schemeEnd(ByteBuffer buf, int from, int to) {
        if (to - from > HTTP_SCHEME.length && RequestHead.equalsIgnoreCase(buf, from, HTTP_SCHEME)) {
            return from + HTTP_SCHEME.length;
        }
        if (to - from > HTTPS_SCHEME.length && RequestHead.equalsIgnoreCase(buf, from, HTTPS_SCHEME)) {
            return from + HTTPS_SCHEME.length;
        }
        return -1;
    }

    /**
     * Percent-decodes the path at {@code buf[from, to)} (starting at its first '/' or '?', or empty) into the
     * head's path buffer without its leading '/', and records the raw query after '?'.
     */
    private static int decodePath(ByteBuffer buf, int from, int to, RequestHead head) {
        if (head.path.length < to - from) {
            // Decoding never lengthens: the raw target bounds the path. Grown once per connection, if ever (most
            // paths fit the initial size), so an idle connection does not hold a request line's worth of bytes.
            head.path = new byte[Math.max(to - from, 2 * head.path.length)];
        }
        byte[] path = head.path;
        int n = 0;
        int segmentStart = 0;
        int i = from;
        while (i < to) {
            byte b = buf.get(i);
            if (b == '?') {
                break;
            }
            if (b == '%') {
                int hi = i + 2 < to ? hexValue(buf.get(i + 1)) : -1;
                int lo = i + 2 < to ? hexValue(buf.get(i + 2)) : -1;
                if (hi < 0 || lo < 0) {
                    return -400;
                }
                int decoded = hi << 4 | lo;
                // %00 and other controls would truncate or corrupt file names and logs; an encoded '/' would make
                // "a%2Fb" one segment here and two in the file system.
                if (decoded < 0x20 || decoded == 0x7F || decoded == '/') {
                    return -400;
                }
                path[n++] = (byte) decoded;
                i += 3;
                continue;
            }
            if (isRawInvalid(b)) {
                return -400;
            }
            if (b == '/') {
                if (isDotSegment(path, segmentStart, n)) {
                    return -400;
                }
                if (i > from) {
                    // Only the leading '/' is dropped; an empty segment ("a//b") stays so that the name check
                    // refuses it instead of two spellings silently naming one object.
                    path[n++] = '/';
                }
                segmentStart = n;
            } else {
                path[n++] = b;
            }
            i++;
        }
        if (isDotSegment(path, segmentStart, n)) {
            return -400;
        }
        head.pathLength = n;
        if (i < to) {
            for (int q = i + 1; q < to; q++) {
                if (isRawInvalid(buf.get(q))) {
                    return -400;
                }
            }
            head.queryOffset = i + 1;
            head.queryLength = to - i - 1;
        }
        return NEED_MORE;
    }

    private static boolean isDotSegment(byte[] path, int from, int to) {
        return to - from == 1 && path[from] == '.' || to - from == 2 && path[from] == '.' && path[from + 1] == '.';
    }

    /** Bytes never allowed raw in a request-target: controls, SP, DEL, and '#' (fragments are not sent). */
    private static boolean isRawInvalid(byte b) {
        return b >= 0 && b < 0x21 || b == 0x7F || b == '#';
    }

    // ---- field lines (RFC 9112 §5) ----

    private int parseFieldLine(ByteBuffer buf, int from, int to, RequestHead head) {
        byte first = buf.get(from);
        if (first == ' ' || first == '\t') {
            return -400; // obs-fold (§5.2), or whitespace between start-line and first field (§2.2)
        }
        int i = from;
        while (i < to && isTchar(buf.get(i))) {
            i++;
        }
        if (i == from || i == to || buf.get(i) != ':') {
            return -400; // includes whitespace before the colon (§5.1), a smuggling vector
        }
        int nameEnd = i++;
        while (i < to && isOws(buf.get(i))) {
            i++;
        }
        int valueEnd = to;
        while (valueEnd > i && isOws(buf.get(valueEnd - 1))) {
            valueEnd--;
        }
        for (int v = i; v < valueEnd; v++) {
            byte b = buf.get(v);
            if (b >= 0 && b < 0x20 && b != '\t' || b == 0x7F) {
                return -400; // NUL and other controls (RFC 9110 §5.5)
            }
        }
        RequestHead.Field field = RequestHead.lookup(buf, from, nameEnd - from);
        return field == null ? NEED_MORE : applyField(field, buf, i, valueEnd, head);
    }

    private int applyField(RequestHead.Field field, ByteBuffer buf, int from, int to, RequestHead head) {
        boolean first = !head.has(field);
        if (first) {
            head.valueOffsets[field.ordinal()] = from;
            head.valueLengths[field.ordinal()] = to - from;
        }
        switch (field) {
            case HOST -> {
                // RFC 9112 §3.2: several Host lines, or one with an invalid value, MUST get 400.
                return first && HostSyntax.isValidHostField(buf, from, to) ? NEED_MORE : -400;
            }
            case AUTHORIZATION -> {
                // One credential per request: two would leave it open which one a proxy and we each checked.
                return first ? NEED_MORE : -400;
            }
            case CONTENT_LENGTH -> {
                long length = parseContentLength(buf, from, to);
                if (length < 0 || head.contentLength >= 0 && head.contentLength != length) {
                    return -400; // RFC 9112 §6.3 item 5
                }
                head.contentLength = length;
                return NEED_MORE;
            }
            case TRANSFER_ENCODING -> {
                if (!first || head.versionMinor == 0) {
                    return -400; // a repeated field would mean chunked twice; §6.1 for HTTP/1.0
                }
                return checkTransferCoding(buf, from, to, head);
            }
            case CONNECTION -> {
                listPos = from;
                while (nextElement(buf, to)) {
                    int length = elementEnd - elementStart;
                    if (length == CLOSE.length && RequestHead.equalsIgnoreCase(buf, elementStart, CLOSE)) {
                        head.connectionClose = true;
                    } else if (length == KEEP_ALIVE.length
                        && RequestHead.equalsIgnoreCase(buf, elementStart, KEEP_ALIVE)) {
                        head.connectionKeepAlive = true;
                    }
                }
                return NEED_MORE;
            }
            case EXPECT -> {
                if (to - from != CONTINUE.length || !RequestHead.equalsIgnoreCase(buf, from, CONTINUE)) {
                    return -417;
                }
                head.expectsContinue = head.versionMinor >= 1; // RFC 9110 §10.1.1: ignore it from HTTP/1.0
                return NEED_MORE;
            }
            default -> {
                return NEED_MORE;
            }
        }
    }

    /** Transfer-Encoding must end in a single "chunked" (RFC 9112 §6.1, §6.3 item 4). */
    private int checkTransferCoding(ByteBuffer buf, int from, int to, RequestHead head) {
        int codings = 0;
        int chunkedCount = 0;
        boolean lastIsChunked = false;
        listPos = from;
        while (nextElement(buf, to)) {
            int nameEnd = elementStart;
            while (nameEnd < elementEnd && isTchar(buf.get(nameEnd))) {
                nameEnd++;
            }
            if (nameEnd == elementStart) {
                return -400;
            }
            lastIsChunked = nameEnd == elementEnd && elementEnd - elementStart == CHUNKED.length
                && RequestHead.equalsIgnoreCase(buf, elementStart, CHUNKED);
            codings++;
            if (lastIsChunked) {
                chunkedCount++;
            }
        }
        if (codings == 0 || !lastIsChunked || chunkedCount > 1) {
            return -400;
        }
        if (codings > 1) {
            return -501;
        }
        head.chunked = true;
        return NEED_MORE;
    }

    /** Next non-empty element of a #list in {@code buf[listPos, to)}, OWS trimmed (RFC 9110 §5.6.1). */
    private boolean nextElement(ByteBuffer buf, int to) {
        while (listPos < to) {
            int i = listPos;
            while (i < to && buf.get(i) != ',') {
                i++;
            }
            int s = listPos;
            int e = i;
            listPos = i + 1;
            while (s < e && isOws(buf.get(s))) {
                s++;
            }
            while (e > s && isOws(buf.get(e - 1))) {
                e--;
            }
            if (e > s) {
                elementStart = s;
                elementEnd = e;
                return true;
            }
        }
        return false;
    }

    /** 1*DIGIT without overflow, else -1. */
    private static long parseContentLength(ByteBuffer buf, int from, int to) {
        if (from == to) {
            return -1;
        }
        long value = 0;
        for (int i = from; i < to; i++) {
            int d = buf.get(i) - '0';
            if (d < 0 || d > 9 || value > (Long.MAX_VALUE - d) / 10) {
                return -1;
            }
            value = value * 10 + d;
        }
        return value;
    }

    private static boolean isTchar(byte b) {
        return b >= 0 && TCHAR[b];
    }

    private static boolean isOws(byte b) {
        return b == ' ' || b == '\t';
    }

    private static boolean matches(ByteBuffer buf, int from, byte[] literal) {
        for (int i = 0; i < literal.length; i++) {
            if (buf.get(from + i) != literal[i]) {
                return false;
            }
        }
        return true;
    }

    private static int hexValue(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        int lower = b | 0x20;
        return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
