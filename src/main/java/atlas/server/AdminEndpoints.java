package atlas.server;

import atlas.http.Method;
import atlas.store.ObjectRecord;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Endpoints under the reserved {@code /_atlas/} prefix (object names can never start with it):
 * <ul>
 *   <li>{@code /_atlas/health} — "ok" while the server accepts requests (for load balancers);</li>
 *   <li>{@code /_atlas/list?prefix=P&limit=N} — one line per object, {@code name\tlength\tcontentType\tetag\tmtimeMillis},
 *       for {@code atlas ls} against a running server.</li>
 * </ul>
 * Control path: allocation is fine here.
 */
final class AdminEndpoints {
    static final byte[] PREFIX = "_atlas/".getBytes(StandardCharsets.US_ASCII);
    private static final int DEFAULT_LIST_LIMIT = 100_000;

    private AdminEndpoints() {
    }

    static void handle(HttpConnection c) {
        String rest = new String(c.head.pathBytes(), PREFIX.length, c.head.pathLength() - PREFIX.length,
                StandardCharsets.UTF_8);
        if (c.method != Method.GET && c.method != Method.HEAD) {
            c.respondMethodNotAllowed("GET, HEAD");
            return;
        }
        switch (rest) {
            case "health" -> c.sendBody(200, "text/plain; charset=utf-8", "no-store",
                    "ok\n".getBytes(StandardCharsets.US_ASCII));
            case "list" -> list(c);
            default -> c.respondError(404, "no such endpoint");
        }
    }

    private static void list(HttpConnection c) {
        String prefix = param(c.head.query(), "prefix", "");
        int limit;
        try {
            limit = Integer.parseInt(param(c.head.query(), "limit", Integer.toString(DEFAULT_LIST_LIMIT)));
        } catch (NumberFormatException e) {
            c.respondError(400, "limit must be a number");
            return;
        }
        List<ObjectRecord> records = c.core.volume.list(prefix, Math.max(1, limit));
        StringBuilder sb = new StringBuilder(records.size() * 64);
        for (ObjectRecord r : records) {
            sb.append(r.name()).append('\t').append(r.length()).append('\t').append(r.contentType()).append('\t')
                    .append(r.etag()).append('\t').append(r.mtimeMillis()).append('\n');
        }
        c.sendBody(200, "text/plain; charset=utf-8", "no-store", sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The decoded value of {@code name} in a query string, or {@code fallback}. */
    static String param(String query, String name, String fallback) {
        if (query == null) {
            return fallback;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (key.equals(name)) {
                try {
                    return URLDecoder.decode(eq < 0 ? "" : pair.substring(eq + 1), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    return fallback;
                }
            }
        }
        return fallback;
    }
}
