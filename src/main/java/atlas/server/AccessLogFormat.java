package atlas.server;

import atlas.dataplane.LoopClock;
import atlas.http.Method;
import atlas.http.RequestHead;
import atlas.http.RequestHead.Field;
import atlas.metrics.AccessLogRing;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.IdentityHashMap;

/**
 * Formats one core's access-log lines — the combined log format plus seven fields — and hands them to the core's
 * {@link AccessLogRing}:
 * <pre>
 *   127.0.0.1 - - [05/Mar/2026:10:00:00 +0000] "GET /demo/seg000.ts HTTP/1.1" 206 1324 "-" "curl/8.1" 0 "bytes=0-1023" 412 io_uring - ok -
 *   |host       |time of the request head          |request line   |status|bytes|referer|user agent|in|range     |µs |engine |tls|outcome|cache
 * </pre>
 * {@code bytes} counts every response byte handed to the socket (head included); {@code in} is the request's
 * declared body length (0 without one); {@code range} is the Range header as sent ("-" without one); {@code µs}
 * runs from the complete request head to the last byte handed to the socket; {@code tls} is the connection's
 * TLS version ("TLSv1.3", "TLSv1.2") or "-" for plain HTTP; {@code outcome} is {@code ok}, or {@code aborted} when the connection closed before the response was
 * sent; {@code cache} is what an edge's cache did ({@link CacheOutcome}: hit, miss, fill, stale, revalidated,
 * negative), "-" elsewhere. Unprintable bytes, {@code "} and {@code \} in fields are written as {@code \xHH}.
 * <p>
 * The head is valid only while {@link #onRequest} runs, so the request's fields are copied then into a pooled
 * {@link Pending} kept per connection in an {@link IdentityHashMap} (open addressing: a put allocates nothing
 * once the table has grown to the core's concurrency). Everything runs on the core's thread.
 */
final class AccessLogFormat {
    /** Path and query are each cut at this many bytes (a line stays under the ring's 16 KiB scratch). */
    private static final int MAX_REQUEST = 1024;
    private static final int MAX_HEADER = 512;
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final String[] MONTHS =
            {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

    /**
     * What is known of an exchange once its head was parsed. One per exchange in progress, pooled; its arrays start
     * at what a typical request needs and grow to the worst case only for a request that needs it, so thousands of
     * concurrent exchanges do not hold 15 KiB each.
     */
    static final class Pending {
        /** {@code host - - [time] "request line"} ready to copy. */
        byte[] head = new byte[512];
        int headLength;
        /** Where the request line (inside the quotes) lies in {@link #head}. */
        int requestStart;
        int requestEnd;
        /** {@code "referer" "user agent"}. */
        byte[] headers = new byte[256];
        int headersLength;
        /** {@code "range"}. */
        byte[] range = new byte[64];
        int rangeLength;
        long requestBodyBytes;

        /** The request line, for the dashboard's recent errors (allocates: error path only). */
        String requestLine() {
            return new String(head, requestStart, requestEnd - requestStart, StandardCharsets.ISO_8859_1);
        }
    }

    private final AccessLogRing ring;
    private final byte[] engine;
    private final IdentityHashMap<HttpConnection, Pending> pending = new IdentityHashMap<>(1024);
    private final ArrayDeque<Pending> free = new ArrayDeque<>();
    private final byte[] line = new byte[16 * 1024];
    private final byte[] time = new byte[28];
    private long timeSecond = -1;
    private final LoopClock clock;

    /** {@code ring} null: the log is off, but requests are still staged for the dashboard's recent errors. */
    AccessLogFormat(AccessLogRing ring, String engine, LoopClock clock) {
        this.ring = ring;
        this.clock = clock;
        this.engine = (" " + engine + " ").getBytes(StandardCharsets.US_ASCII);
    }

    void onRequest(HttpConnection c) {
        Pending p = free.pollLast();
        if (p == null) {
            p = new Pending();
        }
        RequestHead h = c.head();
        reserve(p, h);
        int n = writeHostAndTime(c, p.head);
        p.head[n++] = '"';
        p.requestStart = n;
        Method m = c.method();
        n = putAscii(p.head, n, m == Method.OTHER ? "-" : m.name());
        p.head[n++] = ' ';
        if (h.isAsteriskTarget()) {
            p.head[n++] = '*';
        } else {
            p.head[n++] = '/';
            n = putEscaped(p.head, n, h.pathBytes(), h.pathLength(), MAX_REQUEST);
            String query = h.query(); // null (no allocation) unless there is a query
            if (query != null) {
                p.head[n++] = '?';
                n = putEscaped(p.head, n, query, MAX_REQUEST);
            }
        }
        n = putAscii(p.head, n, c.versionMinor() == 0 ? " HTTP/1.0" : " HTTP/1.1");
        p.requestEnd = n;
        p.head[n++] = '"';
        p.headLength = n;

        int k = putQuotedField(p.headers, 0, h, Field.REFERER);
        p.headers[k++] = ' ';
        p.headersLength = putQuotedField(p.headers, k, h, Field.USER_AGENT);
        p.rangeLength = putQuotedField(p.range, 0, h, Field.RANGE);
        p.requestBodyBytes = Math.max(0, h.contentLength());
        pending.put(c, p);
    }

    /**
     * Grows {@code p}'s arrays to the worst case of this request: every byte escaped as {@code \xHH}, fields cut at
     * their maxima, plus the fixed parts (host of at most 64 bytes, time, method, version, quotes).
     */
    private static void reserve(Pending p, RequestHead h) {
        int query = h.queryLength() < 0 ? 0 : 1 + 4 * Math.min(h.queryLength(), MAX_REQUEST);
        int head = 256 + 4 * Math.min(h.pathLength(), MAX_REQUEST) + query;
        if (p.head.length < head) {
            p.head = new byte[head];
        }
        int headers = 16 + 4 * (fieldBytes(h, Field.REFERER) + fieldBytes(h, Field.USER_AGENT));
        if (p.headers.length < headers) {
            p.headers = new byte[headers];
        }
        int range = 8 + 4 * fieldBytes(h, Field.RANGE);
        if (p.range.length < range) {
            p.range = new byte[range];
        }
    }

    private static int fieldBytes(RequestHead h, Field f) {
        return h.valueOffset(f) < 0 ? 0 : Math.min(h.valueLength(f), MAX_HEADER);
    }

    /** The staged request of {@code c}, removed; null when the exchange was refused before a valid head. */
    Pending take(HttpConnection c) {
        return pending.remove(c);
    }

    /** Writes the line of a finished exchange ({@code p} may be null) and recycles {@code p}. */
    void write(HttpConnection c, Pending p, boolean completed, long durationNs) {
        if (ring != null) {
            int n;
            String user = c.credentialName();
            if (p != null && user != null) {
                n = withUser(p, user);
            } else if (p != null) {
                System.arraycopy(p.head, 0, line, 0, p.headLength);
                n = p.headLength;
            } else {
                n = writeHostAndTime(c, line);
                n = putAscii(line, n, "\"-\"");
            }
            line[n++] = ' ';
            n = atlas.http.AsciiDecimal.put(line, n, c.status());
            line[n++] = ' ';
            n = atlas.http.AsciiDecimal.put(line, n, c.exchangeBytesSent());
            line[n++] = ' ';
            if (p != null) {
                System.arraycopy(p.headers, 0, line, n, p.headersLength);
                n += p.headersLength;
            } else {
                n = putAscii(line, n, "\"-\" \"-\"");
            }
            line[n++] = ' ';
            n = atlas.http.AsciiDecimal.put(line, n, p == null ? 0 : p.requestBodyBytes);
            line[n++] = ' ';
            if (p != null) {
                System.arraycopy(p.range, 0, line, n, p.rangeLength);
                n += p.rangeLength;
            } else {
                n = putAscii(line, n, "\"-\"");
            }
            line[n++] = ' ';
            n = atlas.http.AsciiDecimal.put(line, n, Math.max(0, durationNs / 1000));
            System.arraycopy(engine, 0, line, n, engine.length);
            n += engine.length;
            n = putAscii(line, n, c.transport().security());
            n = putAscii(line, n, completed ? " ok" : " aborted");
            byte[] cache = c.cacheOutcome().logField;
            System.arraycopy(cache, 0, line, n, cache.length);
            n += cache.length;
            line[n++] = '\n';
            ring.offer(line, n);
        }
        if (p != null && free.size() < 4096) {
            free.addLast(p);
        }
    }

    /** The staged head with the combined format's user field filled: {@code host - NAME [time] "…"}. */
    private int withUser(Pending p, String user) {
        int dash = 0;
        while (dash < p.headLength && p.head[dash] != ' ') {
            dash++; // the host never holds a space
        }
        System.arraycopy(p.head, 0, line, 0, dash);
        int n = putAscii(line, dash, " - ");
        n = putEscaped(line, n, user, 64);
        int rest = dash + 4; // past " - -"
        System.arraycopy(p.head, rest, line, n, p.headLength - rest);
        return n + p.headLength - rest;
    }

    private int writeHostAndTime(HttpConnection c, byte[] dst) {
        String remote = c.transport().remoteAddress();
        // "203.0.113.9:53412" or "[2001:db8::1]:53412": the host is what precedes the last colon.
        int end = remote == null ? -1 : remote.lastIndexOf(':');
        int n = 0;
        if (end <= 0) {
            dst[n++] = '-';
        } else {
            for (int i = 0; i < end && n < 64; i++) {
                dst[n++] = (byte) remote.charAt(i);
            }
        }
        n = putAscii(dst, n, " - - ");
        long second = clock.epochMillis() / 1000;
        if (second != timeSecond) {
            formatTime(second);
        }
        System.arraycopy(time, 0, dst, n, time.length);
        n += time.length;
        dst[n++] = ' ';
        return n;
    }

    /** {@code [05/Mar/2026:10:00:00 +0000]}, once a second (the allocation of LocalDateTime is that rare). */
    private void formatTime(long epochSecond) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC);
        String s = String.format("[%02d/%s/%04d:%02d:%02d:%02d +0000]", t.getDayOfMonth(),
                MONTHS[t.getMonthValue() - 1], t.getYear(), t.getHour(), t.getMinute(), t.getSecond());
        putAscii(time, 0, s);
        timeSecond = epochSecond;
    }

    private static int putQuotedField(byte[] dst, int n, RequestHead h, Field f) {
        int offset = h.valueOffset(f);
        if (offset < 0) {
            return putAscii(dst, n, "\"-\"");
        }
        dst[n++] = '"';
        ByteBuffer buf = h.buffer();
        int length = Math.min(h.valueLength(f), MAX_HEADER);
        for (int i = 0; i < length; i++) {
            n = putByte(dst, n, buf.get(offset + i));
        }
        dst[n++] = '"';
        return n;
    }

    private static int putEscaped(byte[] dst, int n, byte[] src, int length, int max) {
        int end = Math.min(length, max);
        for (int i = 0; i < end; i++) {
            n = putByte(dst, n, src[i]);
        }
        return n;
    }

    private static int putEscaped(byte[] dst, int n, String src, int max) {
        int end = Math.min(src.length(), max);
        for (int i = 0; i < end; i++) {
            n = putByte(dst, n, (byte) src.charAt(i));
        }
        return n;
    }

    /** One byte, as itself when printable ASCII other than {@code "} and {@code \}, else {@code \xHH}. */
    private static int putByte(byte[] dst, int n, byte b) {
        if (b >= 0x20 && b < 0x7f && b != '"' && b != '\\') {
            dst[n++] = b;
        } else {
            dst[n++] = '\\';
            dst[n++] = 'x';
            dst[n++] = HEX[(b >> 4) & 0xf];
            dst[n++] = HEX[b & 0xf];
        }
        return n;
    }

    private static int putAscii(byte[] dst, int n, String s) {
        for (int i = 0; i < s.length(); i++) {
            dst[n++] = (byte) s.charAt(i);
        }
        return n;
    }
}
