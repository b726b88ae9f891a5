package atlas.fill;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;

/**
 * Fetches a missing object from the upstream origins, in the order given (the next one on a connection failure, a
 * timeout or a 5xx), and stores it through this node's own ingest: the upstream's body is streamed, as it arrives,
 * into a PUT to this node's listener on loopback, marked with a secret only this process knows
 * ({@code Atlas-Fill}). So a fill is written once into the volume by the same O_DIRECT path as any upload, is
 * acknowledged only once durable, is readable while it arrives (the waiting clients stream it from its first byte),
 * and leaves nothing behind if the upstream fails mid-body — the PUT is cut off, so ingest stores nothing and its
 * readers end abnormally.
 * <p>
 * Threads: one virtual thread per fill, blocked on the two HTTP exchanges; never a core's.
 */
public final class UpstreamFetcher implements AutoCloseable {
    /** What became of a fill. Called once, on the fill's thread. */
    public interface Outcome {
        void stored();

        void notFound(int status);

        void failed(int status, String why);
    }

    private final List<URI> upstreams;
    private final Duration timeout;
    private final HttpClient client;
    private final ExecutorService threads = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("atlas-fill-", 0).factory());
    private final String secret = HexFormat.of().formatHex(SecureRandom.getSeed(16));
    private volatile URI self;
    final LongAdder upstreamRequests = new LongAdder();
    final LongAdder upstreamErrors = new LongAdder();
    final LongAdder upstreamNanos = new LongAdder();

    /** {@code upstreams}: base URLs ending in {@code /}; {@code timeout}: to connect and for each response head. */
    public UpstreamFetcher(List<URI> upstreams, Duration timeout) {
        // Idle connections of the fill client (to the upstreams, and the PUTs to this node) go after 5 s rather
        // than the JDK's 30: they should not hold this node's connections long after a burst of fills.
        if (System.getProperty("jdk.httpclient.keepalive.timeout") == null) {
            System.setProperty("jdk.httpclient.keepalive.timeout", "5");
        }
        this.upstreams = List.copyOf(upstreams);
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER).executor(threads).build();
    }

    /** This node's own listener (loopback), known once it listens; fills before then fail with 503. */
    public void storeThrough(URI selfBase) {
        this.self = selfBase;
    }

    /** The value of {@code Atlas-Fill} that makes an upload from loopback a fill. */
    public String secret() {
        return secret;
    }

    /** Starts fetching {@code name}; {@code outcome} hears once how it ended. */
    void fetch(String name, Outcome outcome) {
        threads.execute(() -> run(name, outcome));
    }

    private void run(String name, Outcome outcome) {
        URI store = self;
        if (store == null) {
            outcome.failed(503, "the node is starting");
            return;
        }
        String path = encodePath(name);
        String lastError = "no upstream";
        int lastStatus = 502;
        for (URI upstream : upstreams) {
            long start = System.nanoTime();
            HttpResponse<InputStream> response;
            try {
                upstreamRequests.increment();
                response = client.send(HttpRequest.newBuilder(upstream.resolve(path)).timeout(timeout)
                        .header("User-Agent", "atlas-edge").GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (HttpTimeoutException e) {
                upstreamErrors.increment();
                lastError = upstream + ": no answer in " + timeout.toMillis() + " ms";
                lastStatus = 504;
                continue;
            } catch (IOException e) {
                upstreamErrors.increment();
                lastError = upstream + ": " + e;
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                outcome.failed(503, "the node is stopping");
                return;
            } finally {
                upstreamNanos.add(System.nanoTime() - start);
            }
            int status = response.statusCode();
            if (status == 404 || status == 410) {
                drain(response);
                outcome.notFound(404);
                return;
            }
            if (status != 200) {
                drain(response);
                upstreamErrors.increment();
                lastError = upstream + " answered " + status;
                if (status >= 500) {
                    continue; // the next upstream may have it
                }
                outcome.failed(502, lastError);
                return;
            }
            store(store, path, response, outcome);
            return;
        }
        outcome.failed(lastStatus, lastError);
    }

    /** Streams the upstream's body into a PUT to this node; its answer says whether the object is stored. */
    private void store(URI store, String path, HttpResponse<InputStream> upstream, Outcome outcome) {
        long length = upstream.headers().firstValueAsLong("Content-Length").orElse(-1);
        InputStream body = upstream.body();
        HttpRequest.BodyPublisher publisher = length >= 0
                ? HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> body), length)
                : HttpRequest.BodyPublishers.ofInputStream(() -> body);
        HttpRequest.Builder put = HttpRequest.newBuilder(store.resolve(path)).header("Atlas-Fill", secret)
                .PUT(publisher);
        upstream.headers().firstValue("Content-Type").ifPresent(t -> put.header("Content-Type", t));
        try (body) {
            int status = client.send(put.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status == 201 || status == 204) {
                outcome.stored();
            } else {
                outcome.failed(502, "storing the fill failed: " + status);
            }
        } catch (IOException e) {
            upstreamErrors.increment();
            outcome.failed(502, "the upstream's body ended early or storing it failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            outcome.failed(503, "the node is stopping");
        }
    }

    private static void drain(HttpResponse<InputStream> response) {
        try (InputStream in = response.body()) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (IOException e) {
            // closing it is all that matters
        }
    }

    /** Each segment percent-encoded, as {@code atlas put} does. */
    static String encodePath(String name) {
        StringBuilder out = new StringBuilder();
        for (String segment : name.split("/", -1)) {
            if (!out.isEmpty()) {
                out.append('/');
            }
            out.append(URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return out.toString();
    }

    @Override
    public void close() {
        threads.shutdownNow();
        client.close();
    }
}
