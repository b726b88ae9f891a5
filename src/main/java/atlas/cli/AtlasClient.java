package atlas.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The CLI's side of Atlas' HTTP interface: PUT a file, DELETE a name, list names ({@code GET /_atlas/list}).
 * HTTP/1.1 on purpose: it is what the server speaks, and the JDK client would otherwise try an h2c upgrade.
 */
final class AtlasClient {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Small requests only; uploads have no overall timeout because a large file over a slow link is legitimate. */
    private static final Duration CONTROL_TIMEOUT = Duration.ofSeconds(60);

    private final URI base;
    private final HttpClient http;
    /** Sent with writes; null: none (a server without an auth file takes writes from loopback peers). */
    private final String authorization;

    AtlasClient(URI base) {
        this(base, null);
    }

    AtlasClient(URI base, String authorization) {
        this.base = base;
        this.authorization = authorization;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    URI base() {
        return base;
    }

    /** Status and the first line of the body (the server's one-line reason on errors). */
    record Reply(int status, String firstLine) {
        boolean ok() {
            return status >= 200 && status < 300;
        }

        /** {@code HTTP 413 body too large}, as printed after the object name. */
        String describe() {
            return "HTTP " + status + (firstLine.isEmpty() ? "" : " " + firstLine);
        }
    }

    Reply put(String name, Path file, String contentType) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(ObjectUrls.of(base, name))
                .header("Content-Type", contentType)
                .PUT(HttpRequest.BodyPublishers.ofFile(file));
        return send(authorized(request).build());
    }

    Reply delete(String name) throws IOException, InterruptedException {
        return send(authorized(HttpRequest.newBuilder(ObjectUrls.of(base, name)).timeout(CONTROL_TIMEOUT).DELETE())
                .build());
    }

    /** Every object whose name starts with {@code prefix}, from the server's tab-separated listing. */
    List<ListedObject> list(String prefix) throws IOException, InterruptedException {
        // An explicit limit: the server's default caps a listing, and ls must show everything.
        URI uri = base.resolve("_atlas/list?prefix=" + ObjectUrls.encodeQueryValue(prefix)
                + "&limit=" + Integer.MAX_VALUE);
        HttpResponse<String> response = exchange(HttpRequest.newBuilder(uri).timeout(CONTROL_TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException(uri + ": HTTP " + response.statusCode() + " " + firstLine(response.body()));
        }
        List<ListedObject> out = new ArrayList<>();
        for (String line : response.body().split("\n")) {
            if (!line.isEmpty()) {
                out.add(ListedObject.parse(line));
            }
        }
        return out;
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder request) {
        return authorization == null ? request : request.header("Authorization", authorization);
    }

    private Reply send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> response = exchange(request, HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), firstLine(response.body()));
    }

    private <T> HttpResponse<T> exchange(HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        try {
            return http.send(request, handler);
        } catch (ConnectException e) {
            throw new ServerUnreachableException(base, e);
        } catch (HttpTimeoutException e) {
            throw new IOException(request.uri() + ": no answer within " + CONTROL_TIMEOUT.toSeconds() + " s", e);
        }
    }

    private static String firstLine(String body) {
        String b = body.strip();
        int nl = b.indexOf('\n');
        String line = (nl < 0 ? b : b.substring(0, nl)).strip();
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }

    /** No server at the URL: one message for the whole run rather than one per file. */
    static final class ServerUnreachableException extends IOException {
        private static final long serialVersionUID = 1L;

        ServerUnreachableException(URI base, Throwable cause) {
            super("cannot connect to " + base + " (is 'atlas serve' running? use --server URL)", cause);
        }
    }
}
