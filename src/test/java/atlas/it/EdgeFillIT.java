package atlas.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Edge mode against a real origin: Debian's nginx serving files with {@code limit_rate}, so a fill takes seconds
 * and clients arrive while it is on its way. A burst of clients for one missing object makes exactly one upstream
 * request and every client is streamed the body from its first byte while it arrives (nginx's own
 * {@code proxy_cache_lock} makes waiters wait for the whole object); then it is a hit, also after a restart; a
 * missing object is 404; a dead first upstream fails over to the next; and an upstream that dies mid-body leaves
 * nothing cached — the next request fetches the object again, whole. And RFC 9111 toward the origin, with its
 * {@code Cache-Control} set per directory: a stale copy is revalidated (304: served without its body being
 * fetched again; a new ETag: the new version), served stale while revalidating or when the origin is down — unless
 * must-revalidate — never kept under no-store, 404s remembered, and the terms kept across a restart.
 */
class EdgeFillIT {
    private static final int RATE_BYTES = 4 << 20;

    private Path workDir;
    private Path root;
    private Path nginxConf;
    private Process nginx;
    private int originPort;
    private ServerProcess edge;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void startOrigin() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/nginx")), "nginx is not installed");
        workDir = HttpTestServers.workDir(EdgeFillIT.class);
        root = workDir.resolve("origin");
        for (String dir : List.of("v", "short", "swr", "strict", "nostore", "long")) {
            Files.createDirectories(root.resolve(dir));
        }
        Files.createDirectories(workDir.resolve("nginx-tmp"));
        originPort = freePort();
        nginxConf = workDir.resolve("nginx.conf");
        Files.writeString(nginxConf, """
                %s
                master_process off;
                daemon off;
                pid %s/nginx.pid;
                error_log %s/nginx-error.log warn;
                events { worker_connections 1024; }
                http {
                    access_log %s/origin-access.log;
                    client_body_temp_path %s/nginx-tmp/body;
                    proxy_temp_path %s/nginx-tmp/proxy;
                    fastcgi_temp_path %s/nginx-tmp/fastcgi;
                    uwsgi_temp_path %s/nginx-tmp/uwsgi;
                    scgi_temp_path %s/nginx-tmp/scgi;
                    server {
                        listen 127.0.0.1:%d;
                        root %s;
                        location / { limit_rate %d; }
                        location /short/ { add_header Cache-Control "max-age=1"; }
                        location /swr/ { add_header Cache-Control "max-age=1, stale-while-revalidate=60"; }
                        location /strict/ { add_header Cache-Control "max-age=1, must-revalidate"; }
                        location /nostore/ { add_header Cache-Control "no-store"; }
                        location /long/ { add_header Cache-Control "max-age=3600"; }
                    }
                }
                """.formatted(isRoot() ? "user root;" : "", workDir, workDir, workDir, workDir, workDir, workDir,
                workDir, workDir, originPort, root, RATE_BYTES));
        startNginx();
    }

    private void startNginx() throws Exception {
        nginx = new ProcessBuilder("/usr/sbin/nginx", "-c", nginxConf.toString()).redirectErrorStream(true)
                .redirectOutput(workDir.resolve("nginx.out").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!listening(originPort)) {
            assertThat(nginx.isAlive()).as("nginx: " + Files.readString(workDir.resolve("nginx.out"))).isTrue();
            assertThat(System.nanoTime()).as("nginx listens").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    @AfterEach
    void stopAll() throws Exception {
        http.close();
        if (edge != null) {
            edge.close();
        }
        if (nginx != null) {
            nginx.destroy();
            nginx.waitFor(10, TimeUnit.SECONDS);
        }
        if (workDir != null) {
            HttpTestServers.deleteTree(workDir);
        }
    }

    private ServerProcess startEdge(String... upstreams) throws IOException {
        return startEdge(List.of(), upstreams);
    }

    private ServerProcess startEdge(List<String> extra, String... upstreams) throws IOException {
        List<String> args = new ArrayList<>(List.of("--listen", "127.0.0.1:0", "--engine", HttpTestServers.engine(),
                "--no-demo", "--access-log", workDir.resolve("edge-access.log").toString(), "--upstream-timeout", "3s"));
        args.addAll(extra);
        for (String u : upstreams) {
            args.add("--upstream");
            args.add(u);
        }
        return ServerProcess.start(workDir.resolve("edge"), args.toArray(String[]::new));
    }

    private String origin() {
        return "http://127.0.0.1:" + originPort + "/";
    }

    private byte[] originObject(String name, int length, int seed) throws IOException {
        byte[] b = new byte[length];
        new SplittableRandom(seed).nextBytes(b);
        Files.write(root.resolve(name), b);
        return b;
    }

    /** Lines of nginx's access log asking for {@code name}: the upstream requests the edge made for it. */
    private long originRequests(String name) throws IOException {
        Path log = workDir.resolve("origin-access.log");
        if (!Files.exists(log)) {
            return 0;
        }
        return Files.readAllLines(log).stream().filter(l -> l.contains("GET /" + name + " ")).count();
    }

    private record Timed(int status, byte[] body, long firstByteNs, long totalNs) {
    }

    /** A GET that notes when its first body byte arrived, reading the body as it streams. */
    private Timed timedGet(String name) throws Exception {
        long start = System.nanoTime();
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(edge.url(name)))
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            int first = in.read();
            long firstByte = System.nanoTime() - start;
            byte[] rest = in.readAllBytes();
            byte[] body = new byte[first < 0 ? 0 : rest.length + 1];
            if (first >= 0) {
                body[0] = (byte) first;
                System.arraycopy(rest, 0, body, 1, rest.length);
            }
            return new Timed(r.statusCode(), body, firstByte, System.nanoTime() - start);
        }
    }

    /** A GET on a client of its own, closed before the server is: its connection is gone for the leak check. */
    private static HttpResponse<byte[]> getOnce(String url) throws Exception {
        try (HttpClient once = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            return once.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        }
    }

    @Test
    void shouldFillFromAnHttpsUpstreamWhoseCertificateItTrusts() throws Exception {
        try (ServerProcess tlsOrigin = ServerProcess.start(workDir.resolve("tls-origin"), "--listen", "127.0.0.1:0",
                "--tls-listen", "127.0.0.1:0", "--engine", HttpTestServers.engine(), "--no-demo")) {
            Matcher m = Pattern.compile("https://localhost:(\\d+)/").matcher(tlsOrigin.output());
            assertThat(m.find()).as("the origin's https listener").isTrue();
            String upstream = "https://localhost:" + m.group(1) + "/";
            byte[] object = new byte[300_000];
            new SplittableRandom(9).nextBytes(object);
            assertThat(http.send(HttpRequest.newBuilder(URI.create(tlsOrigin.url("vod/a.m4s")))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(object)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(201);
            Path ca = tlsOrigin.dataDir().resolve("tls").resolve("selfsigned-cert.pem");
            try (ServerProcess trusting = startEdge(List.of("--upstream-ca", ca.toString()), upstream)) {
                HttpResponse<byte[]> r = getOnce(trusting.url("vod/a.m4s"));
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(Arrays.equals(r.body(), object)).as("bytes as at the origin, over TLS").isTrue();
            }
            // Without --upstream-ca the JDK's roots do not vouch for a self-signed origin: refused, 502.
            try (ServerProcess plain = startEdge(List.of(), upstream)) {
                assertThat(getOnce(plain.url("vod/b.m4s")).statusCode()).as("an origin certificate nobody vouched for")
                        .isEqualTo(502);
            }
            http.close(); // before the origin's leak check: the client's pooled connection to it must be gone
        }
    }

    @Test
    void shouldFetchOnceAndStreamToEveryWaiterFromItsFirstByte() throws Exception {
        byte[] object = originObject("v/seg1.m4s", 8 << 20, 1); // 2 s at the origin's rate
        edge = startEdge(origin());
        List<Thread> clients = new ArrayList<>();
        List<Timed> results = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 40; i++) {
            clients.add(Thread.ofPlatform().start(() -> {
                try {
                    results.add(timedGet("v/seg1.m4s"));
                } catch (Exception e) {
                    results.add(new Timed(-1, new byte[0], 0, 0));
                }
            }));
        }
        for (Thread t : clients) {
            t.join();
        }
        assertThat(results).hasSize(40).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(200);
            assertThat(Arrays.equals(r.body(), object)).as("bytes as at the origin").isTrue();
        });
        assertThat(originRequests("v/seg1.m4s")).as("upstream requests for 40 clients").isEqualTo(1);
        long[] firstByte = results.stream().mapToLong(Timed::firstByteNs).sorted().toArray();
        long[] total = results.stream().mapToLong(Timed::totalNs).sorted().toArray();
        System.out.printf("edge fill: 40 clients, 1 upstream request; first byte p50 %d ms, p100 %d ms; complete "
                + "p50 %d ms%n", firstByte[20] / 1_000_000, firstByte[39] / 1_000_000, total[20] / 1_000_000);
        assertThat(firstByte[39]).as("every client's first byte came while the fill was still arriving")
                .isLessThan(total[0] / 2);
        String metrics = http.send(HttpRequest.newBuilder(URI.create(edge.adminUrl("_atlas/metrics"))).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("atlas_fills_total{result=\"stored\"} 1.0")
                .contains("atlas_upstream_requests_total 1.0")
                .contains("atlas_upstream_response_seconds_count 1");

        // A hit from now on, also after a restart: the fill was stored durably.
        assertThat(timedGet("v/seg1.m4s").body()).isEqualTo(object);
        edge.terminate();
        edge = startEdge(origin());
        assertThat(timedGet("v/seg1.m4s").body()).isEqualTo(object);
        assertThat(originRequests("v/seg1.m4s")).isEqualTo(1);
    }

    @Test
    void shouldAnswer404ForWhatTheUpstreamDoesNotHaveAndFailOverToTheNextUpstream() throws Exception {
        byte[] object = originObject("v/a.ts", 100_000, 2);
        edge = startEdge("http://127.0.0.1:" + freePort() + "/", origin()); // the first one is dead
        Timed missing = timedGet("v/none.ts");
        assertThat(missing.status()).isEqualTo(404);
        Timed found = timedGet("v/a.ts");
        assertThat(found.status()).isEqualTo(200);
        assertThat(found.body()).isEqualTo(object);
    }

    @Test
    void shouldStoreNothingWhenTheUpstreamDiesMidBody() throws Exception {
        byte[] object = originObject("v/cut.m4s", 16 << 20, 3); // 4 s at the origin's rate
        edge = startEdge(origin());
        Thread killer = Thread.ofPlatform().start(() -> {
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                // Mid-body: once the edge's own ingest has received a MiB of the fill (4 s for all of it).
                while (receivedBytes() < (1 << 20) && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                nginx.destroyForcibly();
                nginx.waitFor();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Timed cut;
        try {
            cut = timedGet("v/cut.m4s");
        } catch (IOException e) {
            cut = new Timed(-1, new byte[0], 0, 0); // the response ended abnormally: what the client must see
        }
        killer.join();
        assertThat(cut.body().length).as("a cut-off fill never looks complete").isLessThan(object.length);
        startNginx();
        Timed again = timedGet("v/cut.m4s");
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.body()).as("fetched again, whole").isEqualTo(object);
    }

    /** Lines of nginx's access log asking for {@code name} answered {@code status}. */
    private long originAnswers(String name, int status) throws IOException {
        Path log = workDir.resolve("origin-access.log");
        if (!Files.exists(log)) {
            return 0;
        }
        return Files.readAllLines(log).stream().filter(l -> l.contains("GET /" + name + " ")
                && l.contains("\" " + status + " ")).count();
    }

    /** Answers with a body: 200, or 206 — an edge asks for its first slice, which holds all of a small object. */
    private long originBodies(String name) throws IOException {
        return originAnswers(name, 200) + originAnswers(name, 206);
    }

    private HttpResponse<byte[]> get(String name) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(edge.url(name))).timeout(Duration.ofSeconds(30)).GET()
                .build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** The edge's access log (written every 100 ms) comes to hold every one of {@code parts}. */
    private void awaitAccessLog(String... parts) throws IOException {
        Path log = workDir.resolve("edge-access.log");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            String text = Files.exists(log) ? Files.readString(log) : "";
            if (Arrays.stream(parts).allMatch(text::contains)) {
                return;
            }
            assertThat(System.nanoTime()).as("access log holds %s: %s", Arrays.toString(parts), text)
                    .isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    private static String cacheStatus(HttpResponse<?> r) {
        return r.headers().firstValue("Cache-Status").orElse("");
    }

    /** GETs {@code name} until its Cache-Status contains {@code wanted} (the copy's freshness ran out), bounded. */
    private HttpResponse<byte[]> getUntil(String name, String wanted) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (true) {
            HttpResponse<byte[]> r = get(name);
            if (cacheStatus(r).contains(wanted)) {
                return r;
            }
            assertThat(System.nanoTime()).as("Cache-Status %s for %s; last: %s", wanted, name, cacheStatus(r))
                    .isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    @Test
    void shouldRevalidateAStaleCopyAndFetchOnlyWhatChanged() throws Exception {
        byte[] v1 = originObject("short/a.ts", 50_000, 4);
        edge = startEdge(origin());
        HttpResponse<byte[]> first = get("short/a.ts");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(cacheStatus(first)).isEqualTo("atlas; fwd=uri-miss; stored");
        edge.awaitMetrics("the fill stored", m -> m.contains("atlas_fills_total{result=\"stored\"} 1.0"),
                Duration.ofSeconds(10));
        HttpResponse<byte[]> hit = get("short/a.ts");
        assertThat(cacheStatus(hit)).startsWith("atlas; hit; ttl=");
        assertThat(hit.headers().firstValue("Cache-Control")).hasValue("max-age=1"); // the origin's, passed on
        assertThat(hit.headers().firstValue("Age")).isPresent();

        // Stale after a second: one conditional request, 304, the same bytes without fetching them again.
        HttpResponse<byte[]> revalidated = getUntil("short/a.ts", "fwd-status=304");
        assertThat(Arrays.equals(revalidated.body(), v1)).as("the stored bytes").isTrue();
        assertThat(originBodies("short/a.ts")).isEqualTo(1);
        assertThat(originAnswers("short/a.ts", 304)).isGreaterThanOrEqualTo(1);

        // Changed at the origin (a new ETag): the next revalidation brings the new version.
        byte[] v2 = originObject("short/a.ts", 60_000, 5);
        HttpResponse<byte[]> changed = getUntil("short/a.ts", "fwd=uri-miss");
        assertThat(Arrays.equals(changed.body(), v2)).as("the new version").isTrue();
        assertThat(originBodies("short/a.ts")).isEqualTo(2);
        String metrics = edge.awaitMetrics("revalidations", m -> m.contains("atlas_revalidations_total"),
                Duration.ofSeconds(5));
        assertThat(metrics).containsPattern("atlas_revalidations_total\\{result=\"refreshed\"} [1-9]");
        awaitAccessLog(" ok miss\n", " ok hit\n", " ok revalidated\n");
    }

    @Test
    void shouldServeStaleWhileRevalidatingAndWhenTheOriginIsDownUnlessMustRevalidate() throws Exception {
        byte[] swr = originObject("swr/a.ts", 40_000, 6);
        byte[] strict = originObject("strict/a.ts", 40_000, 7);
        byte[] plain = originObject("short/b.ts", 40_000, 10);
        edge = startEdge(origin());
        assertThat(get("swr/a.ts").statusCode()).isEqualTo(200);
        assertThat(get("strict/a.ts").statusCode()).isEqualTo(200);
        assertThat(get("short/b.ts").statusCode()).isEqualTo(200);
        // Past max-age=1, within stale-while-revalidate=60: served at once, one revalidation behind it.
        HttpResponse<byte[]> stale = getUntil("swr/a.ts", "detail=stale-while-revalidate");
        assertThat(Arrays.equals(stale.body(), swr)).as("the stale copy").isTrue();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (originAnswers("swr/a.ts", 304) == 0) {
            assertThat(System.nanoTime()).as("the background revalidation reached the origin").isLessThan(deadline);
            Thread.onSpinWait();
        }

        nginx.destroyForcibly();
        nginx.waitFor();
        // The origin is down: a stale copy stands in (--stale-if-error 1h by default), and says so.
        HttpResponse<byte[]> onError = getUntil("short/b.ts", "detail=stale-if-error");
        assertThat(onError.statusCode()).isEqualTo(200);
        assertThat(Arrays.equals(onError.body(), plain)).as("the stale copy").isTrue();
        // Still within stale-while-revalidate, the origin down or not: served at once.
        assertThat(Arrays.equals(getUntil("swr/a.ts", "detail=stale-while-revalidate").body(), swr)).isTrue();
        // must-revalidate forbids it: an error, never the stale copy.
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        HttpResponse<byte[]> refused;
        while ((refused = get("strict/a.ts")).statusCode() == 200) {
            assertThat(cacheStatus(refused)).doesNotContain("stale");
            assertThat(System.nanoTime()).as("strict/a.ts went stale").isLessThan(deadline);
            Thread.onSpinWait();
        }
        assertThat(refused.statusCode()).isIn(502, 504);
        assertThat(Arrays.equals(refused.body(), strict)).as("not the stale copy").isFalse();
    }

    @Test
    void shouldNotKeepNoStoreAndRememberA404() throws Exception {
        byte[] object = originObject("nostore/a.ts", 30_000, 8);
        edge = startEdge(origin());
        assertThat(Arrays.equals(get("nostore/a.ts").body(), object)).as("first").isTrue();
        assertThat(Arrays.equals(get("nostore/a.ts").body(), object)).as("second").isTrue();
        assertThat(originRequests("nostore/a.ts")).as("no-store: asked each time").isEqualTo(2);

        assertThat(get("v/missing.ts").statusCode()).isEqualTo(404);
        assertThat(get("v/missing.ts").statusCode()).isEqualTo(404);
        assertThat(originRequests("v/missing.ts")).as("the 404 remembered (--negative-ttl 10s)").isEqualTo(1);
        awaitAccessLog(" ok negative\n");
    }

    @Test
    void shouldKeepTheCopiesTermsAcrossARestart() throws Exception {
        byte[] object = originObject("long/a.ts", 30_000, 9);
        edge = startEdge(origin());
        assertThat(Arrays.equals(get("long/a.ts").body(), object)).as("filled").isTrue();
        String metrics = edge.awaitMetrics("the fill recorded",
                m -> m.contains("atlas_fills_total{result=\"stored\"} 1.0"), Duration.ofSeconds(10));
        // Asked for once: streamed to its client from memory, then not kept there (the tier admits by popularity).
        assertThat(metrics).doesNotContainPattern("(?m)^atlas_hot_bytes\\{[^}]*} [1-9]");
        edge.terminate();
        edge = startEdge(origin());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!edge.output().contains("1 copies kept from the last run")) {
            assertThat(System.nanoTime()).as("start-up line: " + edge.output()).isLessThan(deadline);
            Thread.onSpinWait();
        }
        HttpResponse<byte[]> hit = get("long/a.ts");
        assertThat(Arrays.equals(hit.body(), object)).as("the kept copy").isTrue();
        assertThat(cacheStatus(hit)).startsWith("atlas; hit; ttl=").doesNotContain("fwd");
        assertThat(originRequests("long/a.ts")).as("fresh for an hour: not asked again").isEqualTo(1);
    }

    @Test
    void shouldEvictCopiesToStayBelowTheWatermarkNeverOriginContentAndKeepTheRestAcrossARestart() throws Exception {
        int objects = 80;
        int size = 1 << 20;
        List<byte[]> bodies = new ArrayList<>();
        for (int i = 0; i < objects; i++) {
            bodies.add(originObject("long/e" + i + ".ts", size, 100 + i));
        }
        List<String> small = List.of("--volume-size", "64m", "--hot-memory", "0");
        edge = startEdge(small, origin());
        // Origin content, PUT to the edge directly (loopback may write): never evicted.
        byte[] own = new byte[8 << 20];
        new SplittableRandom(7).nextBytes(own);
        assertThat(http.send(HttpRequest.newBuilder(URI.create(edge.url("own/master.ts")))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(own)).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode()).isEqualTo(201);
        for (int i = 0; i < objects; i++) {
            HttpResponse<byte[]> r = get("long/e" + i + ".ts");
            assertThat(r.statusCode()).as("e%d", i).isEqualTo(200);
            assertThat(Arrays.equals(r.body(), bodies.get(i))).as("e%d's bytes", i).isTrue();
        }
        // 88 MiB through a 64 MiB volume: the evictor keeps it at most 90 % full (57.6 MiB), down to 85 %.
        String metrics = edge.awaitMetrics("evictions", m -> sum(m, "atlas_evictions_total") > 0
                && sum(m, "atlas_volume_live_bytes") <= 0.9 * (64 << 20), Duration.ofSeconds(20));
        System.out.printf("eviction: %d evicted, %.1f MiB live of 64 MiB, %d copies held%n",
                (long) sum(metrics, "atlas_evictions_total"), sum(metrics, "atlas_volume_live_bytes") / 1048576.0,
                (long) sum(metrics, "atlas_cache_copies"));
        HttpResponse<byte[]> mine = get("own/master.ts");
        assertThat(mine.statusCode()).isEqualTo(200);
        assertThat(Arrays.equals(mine.body(), own)).as("origin content kept").isTrue();
        assertThat(cacheStatus(mine)).as("origin content is no copy").isEmpty();

        // The last object read is still held; after a restart too (evictions were journaled deletes).
        long before = originRequests("long/e" + (objects - 1) + ".ts");
        edge.terminate();
        edge = startEdge(small, origin());
        HttpResponse<byte[]> last = get("long/e" + (objects - 1) + ".ts");
        assertThat(Arrays.equals(last.body(), bodies.get(objects - 1))).isTrue();
        assertThat(cacheStatus(last)).startsWith("atlas; hit");
        assertThat(originRequests("long/e" + (objects - 1) + ".ts")).isEqualTo(before);
        HttpResponse<byte[]> first = get("long/e0.ts"); // evicted first (one hit, written first): fetched again
        assertThat(Arrays.equals(first.body(), bodies.getFirst())).isTrue();
        assertThat(cacheStatus(first)).isEqualTo("atlas; fwd=uri-miss; stored");
    }

    /** Body bytes nginx sent for {@code name} (its access log's combined format): what the edge's fills cost it. */
    private long originBodyBytes(String name) throws IOException {
        Path log = workDir.resolve("origin-access.log");
        if (!Files.exists(log)) {
            return 0;
        }
        Pattern line = Pattern.compile("\"GET /" + Pattern.quote(name) + " HTTP/1\\.1\" \\d{3} (\\d+) ");
        long total = 0;
        for (String l : Files.readAllLines(log)) {
            Matcher m = line.matcher(l);
            if (m.find()) {
                total += Long.parseLong(m.group(1));
            }
        }
        return total;
    }

    /**
     * The origin's body bytes for {@code name} once they reach {@code expected} (nginx logs a request when its last
     * byte is sent: a fill may still be on its way after the client got its range), bounded; then what they are.
     */
    private long awaitOriginBodyBytes(String name, long expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        long bytes;
        while ((bytes = originBodyBytes(name)) < expected && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        return bytes;
    }

    private HttpResponse<byte[]> getRange(String name, String range) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(edge.url(name))).timeout(Duration.ofSeconds(30))
                .header("Range", range).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void shouldFillALargeObjectInSlicesSoAFarRangeCostsOnlyItsOwnSlice() throws Exception {
        int mib = 1 << 20;
        byte[] object = originObject("v/movie.mp4", 24 * mib + 12_345, 11); // 6 s whole at the origin's rate
        edge = startEdge(List.of("--fill-slice", "1m"), origin());

        // A seek 20 MiB in, on a miss: one slice asked for and stored, not the 20 MiB in front of it.
        long seek = 20L * mib + 777;
        HttpResponse<byte[]> far = getRange("v/movie.mp4", "bytes=" + seek + "-" + (seek + 99_999));
        assertThat(far.statusCode()).isEqualTo(206);
        assertThat(far.headers().firstValue("Content-Range"))
                .hasValue("bytes " + seek + "-" + (seek + 99_999) + "/" + object.length);
        assertThat(far.body()).isEqualTo(Arrays.copyOfRange(object, (int) seek, (int) seek + 100_000));
        assertThat(awaitOriginBodyBytes("v/movie.mp4", mib)).as("origin bytes for the seek").isEqualTo(mib);

        // Three ranges inside the last slice and across the ones before it, and one past the end.
        HttpResponse<byte[]> tail = getRange("v/movie.mp4", "bytes=-5000");
        assertThat(tail.statusCode()).isEqualTo(206);
        assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(object, object.length - 5000, object.length));
        HttpResponse<byte[]> across = getRange("v/movie.mp4", "bytes=" + (3L * mib - 10) + "-" + (5L * mib + 9));
        assertThat(across.body()).isEqualTo(Arrays.copyOfRange(object, 3 * mib - 10, 5 * mib + 10));
        assertThat(getRange("v/movie.mp4", "bytes=" + (object.length + 10) + "-").statusCode()).isEqualTo(416);

        // The whole object: streamed slice after slice, each fetched once in all.
        HttpResponse<byte[]> whole = get("v/movie.mp4");
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.headers().firstValueAsLong("Content-Length")).hasValue(object.length);
        assertThat(whole.headers().firstValue("ETag")).as("the origin's validator, passed on").isPresent();
        assertThat(Arrays.equals(whole.body(), object)).as("bytes as at the origin").isTrue();
        assertThat(awaitOriginBodyBytes("v/movie.mp4", object.length)).as("origin bytes: each slice once")
                .isEqualTo(object.length);
        HttpResponse<byte[]> conditional = http.send(HttpRequest.newBuilder(URI.create(edge.url("v/movie.mp4")))
                .header("If-None-Match", whole.headers().firstValue("ETag").orElseThrow()).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(conditional.statusCode()).isEqualTo(304);
        String metrics = edge.awaitMetrics("slices stored", m -> m.contains("atlas_fill_slices_total 25.0"),
                Duration.ofSeconds(10));
        assertThat(metrics).contains("atlas_fill_slice_mismatches_total 0.0");

        // Kept across a restart, slice by slice: a hit, no origin request.
        long requests = originRequests("v/movie.mp4");
        edge.terminate();
        edge = startEdge(List.of("--fill-slice", "1m"), origin());
        HttpResponse<byte[]> kept = get("v/movie.mp4");
        assertThat(Arrays.equals(kept.body(), object)).as("the kept slices").isTrue();
        assertThat(cacheStatus(kept)).startsWith("atlas; hit");
        assertThat(originRequests("v/movie.mp4")).isEqualTo(requests);

        // A purge: the DELETE is answered once every slice is gone; the next read is a miss, fetched anew.
        HttpResponse<String> listed = http.send(HttpRequest.newBuilder(URI.create(edge.adminUrl(
                "_atlas/list?prefix=v/movie.mp4"))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(listed.body().lines()).hasSize(25).allMatch(l -> l.startsWith("v/movie.mp4 [slice "));
        assertThat(http.send(HttpRequest.newBuilder(URI.create(edge.url("v/movie.mp4"))).DELETE().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(204);
        assertThat(http.send(HttpRequest.newBuilder(URI.create(edge.adminUrl("_atlas/list?prefix=v/movie.mp4")))
                .build(), HttpResponse.BodyHandlers.ofString()).body()).as("no slice left").isEmpty();
        HttpResponse<byte[]> refetched = getRange("v/movie.mp4", "bytes=0-99");
        assertThat(refetched.body()).isEqualTo(Arrays.copyOf(object, 100));
        assertThat(cacheStatus(refetched)).isEqualTo("atlas; fwd=uri-miss; stored");
    }

    @Test
    void shouldServeALargeNoStoreObjectWholeToEachRequestAndKeepNoSliceOfIt() throws Exception {
        byte[] object = originObject("nostore/big.mp4", 3 * (1 << 20) + 5, 14);
        edge = startEdge(List.of("--fill-slice", "1m"), origin());
        for (int i = 0; i < 2; i++) {
            HttpResponse<byte[]> r = get("nostore/big.mp4");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(Arrays.equals(r.body(), object)).as("read %d", i).isTrue();
        }
        HttpResponse<byte[]> ranged = getRange("nostore/big.mp4", "bytes=2500000-2500099");
        assertThat(ranged.body()).isEqualTo(Arrays.copyOfRange(object, 2_500_000, 2_500_100));
        String metrics = edge.awaitMetrics("fills over", m -> m.contains("atlas_fills_in_flight 0.0"),
                Duration.ofSeconds(10));
        assertThat(metrics).as("not a slice kept").contains("atlas_fill_slices_total 0.0");
        assertThat(originAnswers("nostore/big.mp4", 200)).as("each request asked the origin, whole").isEqualTo(3);
    }

    @Test
    void shouldServeAChangedObjectWholeInItsNewVersionRefetchingTheSlicesOfTheOldOne() throws Exception {
        // With the hot tier a refetched slice is sent as it arrives; without it, once stored.
        changedObjectServedWhole("short/big.mp4", List.of("--fill-slice", "1m"));
        edge.terminate();
        changedObjectServedWhole("short/big2.mp4", List.of("--fill-slice", "1m", "--hot-memory", "0"));
    }

    private void changedObjectServedWhole(String name, List<String> flags) throws Exception {
        int mib = 1 << 20;
        byte[] v1 = originObject(name, 4 * mib, 12);
        edge = startEdge(flags, origin());
        assertThat(Arrays.equals(get(name).body(), v1)).as("v1, four slices").isTrue();

        // A new version at the origin (a new ETag: nginx's is mtime and size); once the copies are stale (max-age=1),
        // a read of the first slice alone brings that slice's new version, the others are still v1.
        byte[] v2 = new byte[4 * mib];
        new SplittableRandom(13).nextBytes(v2);
        Path next = root.resolve(name + ".next");
        Files.write(next, v2);
        Files.setLastModifiedTime(next, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 60_000));
        // Renamed over v1 whole: nginx never serves v2's bytes under another ETag than v2's own.
        Files.move(next, root.resolve(name), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        HttpResponse<byte[]> first = getUntil(name, "bytes=0-99", Arrays.copyOf(v2, 100));
        assertThat(first.statusCode()).isEqualTo(206);

        // The whole object now starts in v2 and would go on in v1: the v1 slices are fetched again on the way.
        HttpResponse<byte[]> whole = get(name);
        assertThat(Arrays.equals(whole.body(), v2)).as("v2, whole, at the first try (%s)", flags).isTrue();
        assertThat(originAnswers(name, 206)).as("1 + 3 slices of v1, 1 + 3 of v2").isEqualTo(8);
        String metrics = edge.awaitMetrics("fills over", m -> m.contains("atlas_fills_in_flight 0.0"),
                Duration.ofSeconds(10));
        assertThat(metrics).as("no response had to be cut").contains("atlas_fill_slice_mismatches_total 0.0");
    }

    /** GETs {@code range} of {@code name} until its body is {@code wanted} (a copy's freshness ran out), bounded. */
    private HttpResponse<byte[]> getUntil(String name, String range, byte[] wanted) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (true) {
            HttpResponse<byte[]> r = getRange(name, range);
            if (Arrays.equals(r.body(), wanted)) {
                return r;
            }
            assertThat(System.nanoTime()).as("%s of %s became the new version", range, name).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    private static double sum(String metrics, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + "(\\{[^}]*})? (\\S+)$").matcher(metrics);
        double total = 0;
        while (m.find()) {
            total += Double.parseDouble(m.group(2));
        }
        return total;
    }

    /** Bytes the edge's listeners received, all cores: the fill's body arrives through its own ingest. */
    private long receivedBytes() throws Exception {
        String metrics = http.send(HttpRequest.newBuilder(URI.create(edge.adminUrl("_atlas/metrics"))).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^atlas_received_bytes_total\\{[^}]*} (\\S+)$").matcher(metrics);
        long sum = 0;
        while (m.find()) {
            sum += (long) Double.parseDouble(m.group(1));
        }
        return sum;
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static boolean listening(int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
