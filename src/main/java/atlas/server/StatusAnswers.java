package atlas.server;

import atlas.access.WriteAuthorizer;
import atlas.http.Method;
import atlas.http.RequestHead.Field;
import atlas.http.ResponseHeadWriter;

import java.nio.charset.StandardCharsets;

/**
 * The answers whose heads carry more than an error line: 401 with its challenge, 429 with Retry-After, 415 with
 * Accept-Encoding, 416 with the unsatisfied Content-Range, 405 with Allow, and OPTIONS (CORS preflight). Each
 * writes the connection's out buffer and sends it; stateless, the connection's core.
 */
final class StatusAnswers {
    private static final byte[] RANGE_NOT_SATISFIABLE = "416 Range Not Satisfiable\n"
            .getBytes(StandardCharsets.US_ASCII);
    /** Request fields a cross-origin player may send: ranges, revalidation, and the signed-URL token header. */
    private static final String CORS_ALLOWED_HEADERS = "Range, If-None-Match, If-Modified-Since, If-Range, hdnts";

    private StatusAnswers() {
    }

    /** 401 with the challenge: a write without a credential, or with a wrong one. */
    static void unauthorized(HttpConnection c, String detail) {
        c.core().counters.clientErrors.increment();
        if (!c.headValid() || c.bodyUnread()) {
            c.closeAfterAnswer();
        }
        byte[] body = HttpConnection.errorBody(401, detail);
        c.beginHead(401).field("WWW-Authenticate", WriteAuthorizer.CHALLENGE)
                .field("Content-Type", "text/plain; charset=utf-8").field("Content-Length", body.length)
                .field("Cache-Control", "no-store").end();
        bodyUnlessHead(c, body);
    }

    /** 429 with the seconds until the client may try again (at least 1, RFC 9110 §10.2.3 counts whole seconds). */
    static void tooManyRequests(HttpConnection c, long waitNs, String detail) {
        c.core().counters.clientErrors.increment();
        if (c.bodyUnread()) {
            c.closeAfterAnswer();
        }
        byte[] body = HttpConnection.errorBody(429, detail);
        c.beginHead(429).field("Retry-After", Math.max(1, (waitNs + 999_999_999L) / 1_000_000_000L))
                .field("Content-Type", "text/plain; charset=utf-8").field("Content-Length", body.length)
                .field("Cache-Control", "no-store").end();
        bodyUnlessHead(c, body);
    }

    /**
     * 415 for a coded PUT body: the store keeps no Content-Encoding, so a gzip body would later be served as if it
     * were the segment itself (RFC 9110 §15.5.16: Accept-Encoding says what would be accepted).
     */
    static void unsupportedCoding(HttpConnection c) {
        c.core().counters.clientErrors.increment();
        if (c.bodyUnread()) {
            c.closeAfterAnswer();
        }
        byte[] body = HttpConnection.errorBody(415,
                "Content-Encoding is not supported: send the object's bytes as they are");
        c.beginHead(415).field("Accept-Encoding", "identity").field("Content-Type", "text/plain; charset=utf-8")
                .field("Content-Length", body.length).field("Cache-Control", "no-store").end();
        c.out().put(body);
        c.sendOut();
    }

    /** 416 for a Range none of whose ranges falls inside the {@code length} bytes of the representation. */
    static void rangeNotSatisfiable(HttpConnection c, long length) {
        c.core().counters.clientErrors.increment();
        c.beginHead(416).unsatisfiedContentRange(length)
                .field("Content-Type", "text/plain; charset=utf-8")
                .field("Content-Length", RANGE_NOT_SATISFIABLE.length)
                .end();
        c.out().put(RANGE_NOT_SATISFIABLE);
        c.sendOut();
    }

    static void methodNotAllowed(HttpConnection c, String allow) {
        c.core().counters.clientErrors.increment();
        byte[] body = ("405 Method Not Allowed: use " + allow + "\n").getBytes(StandardCharsets.US_ASCII);
        c.beginHead(405).field("Allow", allow).field("Content-Type", "text/plain; charset=utf-8")
                .field("Content-Length", body.length).end();
        bodyUnlessHead(c, body);
    }

    static void options(HttpConnection c, String allow) {
        ResponseHeadWriter w = c.beginHead(204).field("Allow", allow);
        if (c.hasOrigin() && c.head().has(Field.ACCESS_CONTROL_REQUEST_METHOD)) {
            // CORS preflight: browsers may read, never write, from any origin (ingest is not for web pages).
            w.field("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
                    .field("Access-Control-Allow-Headers", CORS_ALLOWED_HEADERS)
                    .field("Access-Control-Max-Age", 86400);
        }
        w.end();
        c.sendOut();
    }

    private static void bodyUnlessHead(HttpConnection c, byte[] body) {
        if (c.method() != Method.HEAD) {
            c.out().put(body);
        }
        c.sendOut();
    }
}
