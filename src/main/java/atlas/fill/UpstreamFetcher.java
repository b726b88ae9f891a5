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
        /**
         * The body is about to be stored as {@code storedName} (the object, or one of its slices) under {@code
         * terms} (null: not to be kept, see {@link #stored}).
         */
        void storing(UpstreamCopy.Terms terms, String storedName);

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
    private final SliceLayout slices;
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
     * upstreams, or null for the JDK's default; {@code slices}: how large objects are cut.
     */
    public UpstreamFetcher(List<URI> upstreams, Duration timeout, CachePolicy policy, String token,
                           javax.net.ssl.SSLContext tls, SliceLayout slices) {
        this.slices = slices;
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
     * Starts fetching {@code name} (a stored name: an object, or a slice of one) — conditionally, with {@code
     * stale}'s validators, when it revalidates a stored copy (null for a miss); {@code outcome} hears once how it
     * ended. With slices on, a miss asks for the slice's bytes only ({@code Range}); the answer decides what is
     * stored: the whole object when it fits one slice or the upstream ignores ranges, else the slice.
     */
    void fetch(String name, UpstreamCopy.Terms stale, Outcome outcome) {
        threads.execute(() -> run(name, stale, outcome));
    }

    /**
     * Deletes the version of {@code name} (a stored name) whose ETag is {@code etag} (evicted, or not to be kept);
     * best effort.
     */
    boolean delete(String name, String etag) {
        URI store = self;
        if (store == null) {
            return false;
        }
        try {
            HttpRequest.Builder delete = HttpRequest.newBuilder(store.resolve(encodePath(SliceLayout.objectOf(name))))
                    .timeout(timeout).header("Atlas-Fill", secret).header("If-Match", etag);
            int slice = SliceLayout.index(name);
            if (slice >= 0) {
                delete.header("Atlas-Slice", SliceLayout.of(name).suffix(slice).substring(1));
            }
            int status = client.send(delete.DELETE().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
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
        String object = SliceLayout.objectOf(name);
        int slice = Math.max(0, SliceLayout.index(name));
        // A slice is fetched under the layout it was cut by (its name says it: an earlier run's may differ).
        SliceLayout slices = SliceLayout.index(name) >= 0 ? SliceLayout.of(name) : this.slices;
        // A miss asks for a slice; so does a slice's revalidation. A whole copy's revalidation asks for the whole.
        boolean ranged = slices.on() && (stale == null || SliceLayout.index(name) >= 0)
                && SliceLayout.sliceable(object.getBytes(StandardCharsets.UTF_8).length);
        String path = encodePath(object);
        String lastError = "no upstream";
        int lastStatus = 502;
        for (int u = 0; u < upstreams.size(); u++) {
            URI upstream = upstreams.get(u);
            long start = System.nanoTime();
            HttpResponse<InputStream> response;
            try {
                upstreamRequests.increment();
                HttpRequest.Builder get = HttpRequest.newBuilder(upstream.resolve(path)).timeout(timeout)
                        .header("User-Agent", "atlas-edge");
                if (upstreamAuthorization != null) {
                    get.header("Authorization", upstreamAuthorization);
                }
                if (ranged) {
                    long first = slices.start(slice);
                    get.header("Range", "bytes=" + first + "-" + (first + slices.sliceBytes() - 1));
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
                outcome.notModified(ResponseFreshness.refreshed(object, stale, response.headers(), arrived, policy));
                return;
            }
            if (status == 404 || status == 410) {
                drain(response);
                outcome.notFound(ResponseFreshness.negativeMillis(object, response.headers(), policy));
                return;
            }
            if (status == 416 && ranged) {
                // The slice starts past the object's end: ask again for what it begins with (or, for an empty
                // object, for all of it), from the same upstream.
                drain(response);
                if (slice > 0) {
                    slice = 0;
                } else {
                    ranged = false;
                }
                u--;
                continue;
            }
            UpstreamCopy.Terms terms = ResponseFreshness.of(object, response.headers(), arrived, policy);
            if (status == 206 && ranged) {
                if (storeSlice(store, slices, object, slice, response, terms, outcome)) {
                    return;
                }
                ranged = false; // not to be kept, and larger than a slice: its starter gets it whole, unsliced
                u--;
                continue;
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
            // The whole object: not asked for a range, or the upstream ignores ranges (then a slice's miss waits
            // for the bytes in front of its own; still correct, and stored whole once).
            long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            store(store, object, null, length, response, terms, outcome);
            return;
        }
        outcome.failed(lastStatus, lastError);
    }

    /**
     * A 206 to a slice's request: {@code Content-Range} must be exactly the slice asked for (the last one shorter),
     * of a known complete length. An object that fits in one slice is stored whole, as without slices. Returns
     * false, having stored nothing, for an answer not to be kept ({@code terms} null: no-store, private) of an
     * object larger than a slice: such a body goes to the one request that asked for it, which is answered from one
     * unsliced fill.
     */
    private boolean storeSlice(URI store, SliceLayout slices, String object, int slice,
                               HttpResponse<InputStream> response, UpstreamCopy.Terms terms, Outcome outcome) {
        long[] range = contentRange(response.headers().firstValue("Content-Range").orElse(null));
        long first = slices.start(slice);
        if (range == null || range[0] != first || range[1] != slices.end(slice, range[2]) - 1) {
            drain(response);
            upstreamErrors.increment();
            outcome.failed(502, "the upstream answered a slice's range with Content-Range "
                    + response.headers().firstValue("Content-Range").orElse("(none)"));
            return true;
        }
        long complete = range[2];
        long length = range[1] - range[0] + 1;
        if ((complete - 1) / slices.sliceBytes() > Integer.MAX_VALUE) {
            drain(response);
            outcome.failed(502, "the object is too large to slice: " + complete + " bytes");
            return true;
        }
        if (slice == 0 && length == complete) {
            store(store, object, null, length, response, terms, outcome);
        } else if (terms == null) {
            drain(response);
            return false;
        } else {
            store(store, object, slices.name(object, slice), length, response, terms.sliceOf(complete), outcome);
        }
        return true;
    }

    /** {@code bytes first-last/complete} as three numbers, or null when malformed or the complete length is "*". */
    static long[] contentRange(String value) {
        if (value == null || !value.regionMatches(true, 0, "bytes ", 0, 6)) {
            return null;
        }
        int dash = value.indexOf('-', 6);
        int slash = value.indexOf('/', 6);
        if (dash < 0 || slash < dash) {
            return null;
        }
        try {
            long first = Long.parseLong(value, 6, dash, 10);
            long last = Long.parseLong(value, dash + 1, slash, 10);
            long complete = Long.parseLong(value.strip(), slash + 1, value.strip().length(), 10);
            return first >= 0 && first <= last && last < complete ? new long[]{first, last, complete} : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Streams the upstream's body into a PUT to this node; its answer says whether the object is stored. A body the
     * upstream forbids storing ({@code terms} null) is stored all the same, so that it reaches the clients waiting
     * for it; the registry deletes it once complete. {@code slice}: the stored name of the slice of {@code object}
     * the body is (null: all of it), {@code length} its bytes (-1: unknown, chunked).
     */
    private void store(URI store, String object, String slice, long length, HttpResponse<InputStream> upstream,
                       UpstreamCopy.Terms terms, Outcome outcome) {
        String path = encodePath(object);
        InputStream body = upstream.body();
        HttpRequest.BodyPublisher publisher = length >= 0
                ? HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> body), length)
                : HttpRequest.BodyPublishers.ofInputStream(() -> body);
        HttpRequest.Builder put = HttpRequest.newBuilder(store.resolve(path)).header("Atlas-Fill", secret)
                .PUT(publisher);
        if (slice != null) {
            put.header("Atlas-Slice", slice.substring(object.length() + 1)); // stored under the slice's name
        }
        upstream.headers().firstValue("Content-Type").ifPresent(t -> put.header("Content-Type", t));
        outcome.storing(terms, slice != null ? slice : object);
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
