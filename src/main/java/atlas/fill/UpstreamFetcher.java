package atlas.fill;

import atlas.store.UpstreamCopy;

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
    /** What became of a fill or a revalidation. Called once, on the fill's thread. */
    public interface Outcome {
        /** The body is about to be stored under {@code terms} (null: not to be kept, see {@link #stored}). */
        void storing(UpstreamCopy.Terms terms);

        /**
         * Stored through this node's ingest as the version whose ETag is {@code storedEtag}, under {@code terms};
         * null terms: the upstream forbids storing it (no-store, private): it must be deleted again.
         */
        void stored(String storedEtag, UpstreamCopy.Terms terms);

        /** The upstream answered 304 to a revalidation: the stored copy is fresh again under {@code terms}. */
        void notModified(UpstreamCopy.Terms terms);

        /** The upstream has no such object (404, 410); remember that for {@code negativeMillis}. */
        void notFound(long negativeMillis);

        void failed(int status, String why);
    }

    private final List<URI> upstreams;
    private final Duration timeout;
    private final CachePolicy policy;
    private final HttpClient client;
    private final ExecutorService threads = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("atlas-fill-", 0).factory());
    private final String secret = HexFormat.of().formatHex(SecureRandom.getSeed(16));
    /** {@code Authorization} for the upstreams ("Bearer …"), or null: never sent to this node's own listener. */
    private final String upstreamAuthorization;
    private volatile URI self;
    private volatile Runnable onVolumeFull = () -> { };
    final LongAdder upstreamRequests = new LongAdder();
    final LongAdder upstreamErrors = new LongAdder();
    final LongAdder upstreamNanos = new LongAdder();
    /** Told how long each upstream took to its response head (nanoseconds), from the fill's own thread. */
    private volatile java.util.function.LongConsumer responseHeadNanos = ns -> { };

    /**
     * {@code upstreams}: base URLs ending in {@code /}; {@code timeout}: to connect and for each response head;
     * {@code policy}: the terms of what the upstream leaves unsaid; {@code token}: a bearer token for the
     * upstreams (an origin's credential to read what it protects), or null; {@code tls}: the context for https://
     * upstreams, or null for the JDK's default.
     */
    public UpstreamFetcher(List<URI> upstreams, Duration timeout, CachePolicy policy, String token,
                           javax.net.ssl.SSLContext tls) {
        this.upstreamAuthorization = token == null ? null : "Bearer " + token;
        // Idle connections of the fill client (to the upstreams, and the PUTs to this node) go after 5 s rather
        // than the JDK's 30: they should not hold this node's connections long after a burst of fills.
        if (System.getProperty("jdk.httpclient.keepalive.timeout") == null) {
            System.setProperty("jdk.httpclient.keepalive.timeout", "5");
        }
        this.upstreams = List.copyOf(upstreams);
        this.timeout = timeout;
        this.policy = policy;
        HttpClient.Builder client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).executor(threads);
        if (tls != null) {
            client.sslContext(tls);
        }
        this.client = client.build();
    }

    /** This node's own listener (loopback), known once it listens; fills before then fail with 503. */
    public void storeThrough(URI selfBase) {
        this.self = selfBase;
    }

    /** Where each upstream exchange's time to its response head goes (a histogram the metrics own). */
    void measureResponseHeads(java.util.function.LongConsumer sink) {
        this.responseHeadNanos = sink;
    }

    /** Told when this node refused to store a fill for want of room (507): the evictor should run now. */
    void whenVolumeFull(Runnable action) {
        this.onVolumeFull = action;
    }

    /** The value of {@code Atlas-Fill} that makes an upload from loopback a fill. */
    public String secret() {
        return secret;
    }

    /**
     * Starts fetching {@code name} — conditionally, with {@code stale}'s validators, when it revalidates a stored
     * copy (null for a miss); {@code outcome} hears once how it ended.
     */
    void fetch(String name, UpstreamCopy.Terms stale, Outcome outcome) {
        threads.execute(() -> run(name, stale, outcome));
    }

    /** Deletes the version of {@code name} whose ETag is {@code etag} (evicted, or not to be kept); best effort. */
    boolean delete(String name, String etag) {
        URI store = self;
        if (store == null) {
            return false;
        }
        try {
            int status = client.send(HttpRequest.newBuilder(store.resolve(encodePath(name))).timeout(timeout)
                            .header("Atlas-Fill", secret).header("If-Match", etag).DELETE().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
            return status == 204 || status == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void run(String name, UpstreamCopy.Terms stale, Outcome outcome) {
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
                HttpRequest.Builder get = HttpRequest.newBuilder(upstream.resolve(path)).timeout(timeout)
                        .header("User-Agent", "atlas-edge");
                if (upstreamAuthorization != null) {
                    get.header("Authorization", upstreamAuthorization);
                }
                if (stale != null && stale.etag() != null) {
                    get.header("If-None-Match", stale.etag());
                } else if (stale != null && stale.lastModified() != null) {
                    get.header("If-Modified-Since", stale.lastModified()); // §13.1.3: only without an ETag
                }
                response = client.send(get.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
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
                long waited = System.nanoTime() - start;
                upstreamNanos.add(waited);
                responseHeadNanos.accept(waited);
            }
            int status = response.statusCode();
            long arrived = System.currentTimeMillis();
            if (status == 304 && stale != null) {
                drain(response);
                outcome.notModified(ResponseFreshness.refreshed(name, stale, response.headers(), arrived, policy));
                return;
            }
            if (status == 404 || status == 410) {
                drain(response);
                outcome.notFound(ResponseFreshness.negativeMillis(name, response.headers(), policy));
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
            store(store, name, response, ResponseFreshness.of(name, response.headers(), arrived, policy), outcome);
            return;
        }
        outcome.failed(lastStatus, lastError);
    }

    /**
     * Streams the upstream's body into a PUT to this node; its answer says whether the object is stored. A body the
     * upstream forbids storing ({@code terms} null) is stored all the same, so that it reaches the clients waiting
     * for it; the registry deletes it once complete.
     */
    private void store(URI store, String name, HttpResponse<InputStream> upstream, UpstreamCopy.Terms terms,
                       Outcome outcome) {
        String path = encodePath(name);
        long length = upstream.headers().firstValueAsLong("Content-Length").orElse(-1);
        InputStream body = upstream.body();
        HttpRequest.BodyPublisher publisher = length >= 0
                ? HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> body), length)
                : HttpRequest.BodyPublishers.ofInputStream(() -> body);
        HttpRequest.Builder put = HttpRequest.newBuilder(store.resolve(path)).header("Atlas-Fill", secret)
                .PUT(publisher);
        upstream.headers().firstValue("Content-Type").ifPresent(t -> put.header("Content-Type", t));
        outcome.storing(terms);
        try (body) {
            HttpResponse<Void> stored = client.send(put.build(), HttpResponse.BodyHandlers.discarding());
            int status = stored.statusCode();
            String etag = stored.headers().firstValue("ETag").orElse(null);
            if ((status == 201 || status == 204) && etag != null) {
                outcome.stored(etag, terms);
            } else if (status == 507) {
                onVolumeFull.run();
                outcome.failed(503, "the edge's volume is full; evicting copies to make room");
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

    /**
     * Stops fetching. The cores are stopped by now, so a fill still streaming fails (nothing stored); one whose
     * store was acknowledged gets a moment to record its copy in the ledger before the threads are interrupted.
     */
    @Override
    public void close() {
        threads.shutdown();
        try {
            threads.awaitTermination(2, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        threads.shutdownNow();
        client.close();
    }
}
