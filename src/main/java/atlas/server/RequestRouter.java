package atlas.server;

import atlas.access.ClientTable;
import atlas.access.PathToken;
import atlas.access.TokenVerdict;
import atlas.http.Method;
import atlas.http.RequestHead;
import atlas.http.RequestHead.Field;
import atlas.store.ObjectNames;

import java.nio.charset.StandardCharsets;

/**
 * Where a parsed request goes, in this order: the client's rate limit (429), {@code OPTIONS *}, the admin surface
 * ({@code /_atlas/…}, {@code /metrics}: on the admin listener only, health everywhere), directory listings (admin
 * only unless {@code --public-listing}), the object name's syntax (400), a signed URL for a protected name (403,
 * 410), then by method: GET and HEAD of an object ({@link ObjectGet}, a live playlist possibly held first by
 * {@link PlaylistHold}), PUT, POST and DELETE through the {@link WriteGate}, OPTIONS. Stateless: every decision is
 * made from the head and answered through the connection.
 */
final class RequestRouter {
    private static final byte[] METRICS_PATH = "metrics".getBytes(StandardCharsets.US_ASCII);
    private static final String ADMIN_ONLY = "not served on this listener (the admin surface is on --admin-listen)";

    private RequestRouter() {
    }

    static void route(HttpConnection c) {
        RequestHead head = c.head();
        Method method = c.method();
        HttpCore core = c.core();
        if (method == Method.OTHER) {
            c.respondError(501, "method not implemented");
            return;
        }
        if (c.client() != null) {
            long waitNs = core.access.clients().admitRequest(c.client(), c.exchangeStartNs());
            if (waitNs > 0) {
                StatusAnswers.tooManyRequests(c, waitNs, "request rate limit of this client address exceeded");
                return;
            }
        }
        if (head.isAsteriskTarget()) {
            StatusAnswers.options(c, "OPTIONS");
            return;
        }
        byte[] path = head.pathBytes();
        int pathLength = head.pathLength();
        if (ObjectNames.hasPrefix(path, pathLength, AdminEndpoints.PREFIX)) {
            if (c.adminSurface() || AdminEndpoints.isHealth(head)) {
                AdminEndpoints.handle(c);
            } else {
                c.respondError(404, ADMIN_ONLY);
            }
            return;
        }
        if (pathLength == METRICS_PATH.length && ObjectNames.hasPrefix(path, pathLength, METRICS_PATH)) {
            if (c.adminSurface()) {
                AdminEndpoints.metrics(c);
            } else {
                c.respondError(404, ADMIN_ONLY);
            }
            return;
        }
        if (head.pathIsDirectory()) {
            listing(c, path, pathLength);
            return;
        }
        String problem = ObjectNames.problem(path, pathLength);
        if (problem != null) {
            c.respondError(400, "invalid object name: " + problem);
            return;
        }
        if ((method == Method.GET || method == Method.HEAD) && core.urlTokens != null
                && core.isProtected(path, pathLength)
                && !core.writes.mayRead(head.value(Field.AUTHORIZATION), path, pathLength) && !signedUrlValid(c)) {
            return;
        }
        switch (method) {
            case GET, HEAD -> {
                if (method == Method.HEAD || !c.playlistHold().takes(head)) {
                    ObjectGet.respond(c);
                }
            }
            case PUT, POST, DELETE -> c.writeGate().begin();
            case OPTIONS -> StatusAnswers.options(c, "GET, HEAD, PUT, POST, DELETE, OPTIONS");
            default -> c.respondError(501, "method not implemented");
        }
    }

    private static void listing(HttpConnection c, byte[] path, int pathLength) {
        if (!c.adminSurface() && !c.core().access.publicListing()) {
            c.respondError(404, "listings are served on the admin listener only (or with --public-listing)");
            return;
        }
        String prefixProblem = pathLength > 1 ? ObjectNames.problem(path, pathLength - 1) : null;
        if (prefixProblem != null || pathLength == 1) {
            c.respondError(400, "invalid prefix: " + (prefixProblem != null ? prefixProblem : "empty segment"));
            return;
        }
        switch (c.method()) {
            case GET, HEAD -> c.sendBody(200, "text/html; charset=utf-8", "no-cache",
                    Listing.html(c.core().volume, new String(path, 0, pathLength, StandardCharsets.UTF_8)));
            case OPTIONS -> StatusAnswers.options(c, "GET, HEAD, OPTIONS");
            default -> StatusAnswers.methodNotAllowed(c, "GET, HEAD, OPTIONS");
        }
    }

    /**
     * Checks the signed URL of a protected GET; answers 403 (missing or bad) or 410 (expired, as nginx's
     * secure_link) and returns false when it does not hold. Strings are made here: protected reads only.
     */
    private static boolean signedUrlValid(HttpConnection c) {
        RequestHead head = c.head();
        HttpCore core = c.core();
        byte[] segment = head.pathTokenSegment();
        String pathToken = segment == null ? null : PathToken.decode(segment, 0, segment.length, core.pathTokenName());
        String clientIp = ClientTable.hostOf(c.transport().remoteAddress());
        String path = "/" + new String(head.pathBytes(), 0, head.pathLength(), StandardCharsets.UTF_8);
        TokenVerdict verdict = core.urlTokens.verify(path, head.query(), head.value(Field.COOKIE),
                head.value(Field.HDNTS), pathToken, clientIp, core.clock().epochMillis() / 1000);
        switch (verdict) {
            case VALID -> {
                return true;
            }
            case EXPIRED -> c.respondError(410, "signed URL expired");
            case MISSING -> c.respondError(403, "this name needs a signed URL");
            default -> c.respondError(403, "signed URL not valid for this name");
        }
        return false;
    }
}
