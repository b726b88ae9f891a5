package atlas.server;

import atlas.http.Method;
import atlas.store.Device;
import atlas.store.ObjectRecord;
import atlas.store.Volume;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Endpoints under the reserved {@code /_atlas/} prefix (object names can never start with it):
 * <ul>
 *   <li>{@code /_atlas/health} — "ok" (200) while the server takes requests, "degraded" (200, one line per
 *       failed device: the other devices' objects are served) when a device failed, "draining" (503) from
 *       SIGTERM on: for load balancers;</li>
 *   <li>{@code /_atlas/metrics} — Prometheus text format ({@link Metrics});</li>
 *   <li>{@code /_atlas/stats} — the same numbers as JSON, for the dashboard;</li>
 *   <li>{@code /_atlas/} — the dashboard, {@code /_atlas/player?src=/demo/index.m3u8} — an HLS player; both are
 *       static files packaged in the jar under {@code dashboard/} (hls.js comes from npm at build time);</li>
 *   <li>{@code /_atlas/list?prefix=P&limit=N} — one line per object, {@code name\tlength\tcontentType\tetag\tmtimeMillis},
 *       for {@code atlas ls} against a running server.</li>
 * </ul>
 * Control path: allocation is fine here.
 */
final class AdminEndpoints {
    static final byte[] PREFIX = "_atlas/".getBytes(StandardCharsets.US_ASCII);
    private static final int DEFAULT_LIST_LIMIT = 100_000;
    /** Static files of the dashboard by name; loaded from the jar once. */
    private static final Map<String, byte[]> ASSETS = new ConcurrentHashMap<>();
    private static final byte[] MISSING = new byte[0];

    private AdminEndpoints() {
    }

    /**
     * {@code GET /metrics}: where Prometheus looks by default, so a scrape config needs no metrics_path. This makes
     * "metrics" a reserved name at the top level (objects live under prefixes such as vod/ and live/).
     */
    static void metrics(HttpConnection c) {
        if (c.method() != Method.GET && c.method() != Method.HEAD) {
            StatusAnswers.methodNotAllowed(c, "GET, HEAD");
            return;
        }
        c.sendBody(200, Metrics.textContentType(), "no-store", c.core().metrics.server().scrape());
    }

    private static final byte[] HEALTH = "_atlas/health".getBytes(StandardCharsets.US_ASCII);

    /** {@code /_atlas/health}: the one admin endpoint the public listener serves, for load balancers. */
    static boolean isHealth(atlas.http.RequestHead head) {
        if (head.pathLength() != HEALTH.length) {
            return false;
        }
        byte[] path = head.pathBytes();
        for (int i = 0; i < HEALTH.length; i++) {
            if (path[i] != HEALTH[i]) {
                return false;
            }
        }
        return true;
    }

    static void handle(HttpConnection c) {
        String rest = new String(c.head().pathBytes(), PREFIX.length, c.head().pathLength() - PREFIX.length,
                StandardCharsets.UTF_8);
        if (c.method() != Method.GET && c.method() != Method.HEAD) {
            StatusAnswers.methodNotAllowed(c, "GET, HEAD");
            return;
        }
        Metrics metrics = c.core().metrics.server();
        switch (rest) {
            case "health" -> {
                if (metrics.draining() || c.core().draining()) {
                    c.sendBody(503, "text/plain; charset=utf-8", "no-store",
                            "draining\n".getBytes(StandardCharsets.US_ASCII));
                } else {
                    c.sendBody(200, "text/plain; charset=utf-8", "no-store",
                            healthText(c.core().volume).getBytes(StandardCharsets.UTF_8));
                }
            }
            case "metrics" -> c.sendBody(200, Metrics.textContentType(), "no-store", metrics.scrape());
            case "stats" -> c.sendBody(200, "application/json", "no-store",
                    metrics.statsJson().getBytes(StandardCharsets.UTF_8));
            case "list" -> list(c);
            case "", "index.html" -> asset(c, "index.html");
            case "player" -> asset(c, "player.html");
            default -> asset(c, rest);
        }
    }

    /** "ok", or "degraded" and a line per failed device. */
    static String healthText(Volume volume) {
        if (volume.healthy()) {
            return "ok\n";
        }
        StringBuilder text = new StringBuilder("degraded\n");
        for (Device d : volume.devices()) {
            if (d.failed()) {
                text.append("device ").append(d.index()).append(" (").append(d.path()).append(") failed: ")
                        .append(d.failure()).append('\n');
            }
        }
        return text.toString();
    }

    /** A file of the dashboard from the jar ({@code dashboard/NAME}); names are flat, no folders. */
    private static void asset(HttpConnection c, String name) {
        if (!name.matches("[a-z0-9][a-z0-9.-]*")) {
            c.respondError(404, "no such endpoint");
            return;
        }
        byte[] body = ASSETS.computeIfAbsent(name, AdminEndpoints::load);
        if (body == MISSING) {
            c.respondError(404, "no such endpoint");
            return;
        }
        c.sendBody(200, contentType(name), "no-cache", body);
    }

    private static byte[] load(String name) {
        try (InputStream in = AdminEndpoints.class.getResourceAsStream("/dashboard/" + name)) {
            return in == null ? MISSING : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String contentType(String name) {
        if (name.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        if (name.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        }
        if (name.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        return "application/octet-stream";
    }

    private static void list(HttpConnection c) {
        String prefix = param(c.head().query(), "prefix", "");
        int limit;
        try {
            limit = Integer.parseInt(param(c.head().query(), "limit", Integer.toString(DEFAULT_LIST_LIMIT)));
        } catch (NumberFormatException e) {
            c.respondError(400, "limit must be a number");
            return;
        }
        List<ObjectRecord> records = c.core().volume.list(prefix, Math.max(1, limit));
        StringBuilder sb = new StringBuilder(records.size() * 64);
        for (ObjectRecord r : records) {
            // A slice of an edge's large object has a control byte in its name: shown as "name [slice k]".
            sb.append(atlas.fill.SliceLayout.describe(r.name())).append('\t').append(r.length()).append('\t').append(r.contentType()).append('\t')
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
