package atlas.it;

import atlas.testing.Await;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The edge fleet as it is deployed, on this machine: every node in its own network namespace with its own address
 * on a bridge ({@link FleetNetwork}) — an Atlas origin holding the content by PUT, an Atlas origin shield (an edge of
 * the origin), three Atlas edges filling from the shield (the origin as their second upstream), and Debian's HAProxy
 * in front running the shipped {@code docs/haproxy.cfg}; the test is the clients. What the fleet must show:
 * <ul>
 *   <li>a burst of 1000 simultaneous requests for one object nobody holds makes exactly one origin request, and at
 *       most one upstream request per edge (HAProxy's bounded loads spread the burst over the edges: the shield is
 *       why the origin still sees one);</li>
 *   <li>reading the catalogue several times costs the origin at most 1.05 × its bytes;</li>
 *   <li>kill -9 of one edge under load: requests after HAProxy marks it down all succeed, the other edges refetch
 *       about its share of the catalogue and not all of it, and the edge restarts with its cache;</li>
 *   <li>SIGTERM of an edge under load (drain delay): not one failed request;</li>
 *   <li>live through the fleet: an encoder PUTs to the origin, viewers through HAProxy get every segment and never
 *       a playlist more than one manifest TTL behind the origin, and each segment leaves the origin once.</li>
 * </ul>
 * One fleet for the class (five JVMs and HAProxy take a while to start on two CPUs); the tests run in order and
 * each uses names of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetIT {
    private static final int EDGES = 3;
    private static final int PORT = 8080;
    private static final int ADMIN_PORT = 9180;
    private static final int AGENT_PORT = 9181;
    /**
     * Concurrent readers under load. Not fewer: HAProxy's bounded loads admit a request to a server holding fewer
     * than 1.5 × (in flight + 1) / 3 requests, so at 4 in flight one on a busy edge already spills to the next one
     * on the ring (which then fills its own copy); at 24 a spill takes an edge at twice its share of the load.
     */
    private static final int READERS = 24;
    private static final String TOKEN = "fleet-it-encoder-secret";
    private static final Pattern DOWN = Pattern.compile("Server atlas/(atlas\\d) is DOWN");

    private Path workDir;
    private FleetNetwork net;
    private ServerProcess origin;
    private ServerProcess shield;
    private final List<ServerProcess> edges = new ArrayList<>();
    private Process haproxy;
    private Path haproxyLog;
    private String front;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    void buildTheFleet() throws Exception {
        Assumptions.assumeTrue(FleetNetwork.available(), "network namespaces need root and iproute2");
        Assumptions.assumeTrue(HttpTestServers.onPath("haproxy"), "haproxy is not installed (./atlas test installs it)");
        workDir = HttpTestServers.workDir(FleetIT.class);
        net = FleetNetwork.create();
        String originAddress = net.node("origin", 2);
        String shieldAddress = net.node("shield", 3);
        String lbAddress = net.node("lb", 5);
        // The test writes to the origin over the network: with a credential, as an encoder would.
        Path auth = workDir.resolve("origin-auth");
        Files.writeString(auth, "encoder:{SHA256}" + java.util.HexFormat.of().formatHex(MessageDigest
                .getInstance("SHA-256").digest(TOKEN.getBytes(java.nio.charset.StandardCharsets.US_ASCII))) + "\n");
        origin = node("origin", originAddress, "--hot-prefix", "live/", "--auth-file", auth.toString());
        shield = node("shield", shieldAddress, "--upstream", "http://" + originAddress + ":" + PORT + "/",
                "--hot-prefix", "live/");
        for (int i = 1; i <= EDGES; i++) {
            String address = net.node("edge" + i, 10 + i);
            edges.add(node("edge" + i, address, "--upstream", "http://" + shieldAddress + ":" + PORT + "/",
                    "--upstream", "http://" + originAddress + ":" + PORT + "/", "--hot-prefix", "live/",
                    "--agent-listen", address + ":" + AGENT_PORT, "--drain-delay", "3s"));
        }
        Path cfg = workDir.resolve("haproxy.cfg");
        Files.writeString(cfg, fleetConfig(Files.readString(Path.of(System.getProperty("atlas.repo", "."))
                .resolve("docs/haproxy.cfg")), lbAddress));
        haproxyLog = workDir.resolve("haproxy.log");
        List<String> cmd = new ArrayList<>(net.inside("lb"));
        cmd.addAll(List.of("haproxy", "-db", "-f", cfg.toString()));
        haproxy = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(haproxyLog.toFile()).start();
        front = "http://" + lbAddress + "/";
        Await.until("haproxy listening on " + front, Duration.ofSeconds(10), () -> {
            assertThat(haproxy.isAlive()).as("haproxy: " + Files.readString(haproxyLog)).isTrue();
            return listening(lbAddress, 80);
        });
    }

    private ServerProcess node(String name, String address, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("--listen", address + ":" + PORT, "--admin-listen",
                address + ":" + ADMIN_PORT, "--engine", HttpTestServers.engine(), "--no-demo", "--cores", "1",
                "--access-log", workDir.resolve(name + "-access.log").toString()));
        all.addAll(List.of(args));
        return ServerProcess.startThrough(net.inside(name), workDir.resolve(name), all.toArray(String[]::new));
    }

    /** The shipped config with this fleet's addresses: the frontend on the lb's address, the three edges. */
    private String fleetConfig(String shipped, String lbAddress) {
        StringBuilder servers = new StringBuilder();
        for (int i = 1; i <= EDGES; i++) {
            servers.append("    server atlas").append(i).append(' ').append(net.address("edge" + i)).append(':')
                    .append(PORT).append(" agent-port ").append(AGENT_PORT).append('\n');
        }
        String config = shipped.replace("    bind :80\n", "    bind " + lbAddress + ":80\n")
                .replace("    maxconn 100000\n", "    maxconn 4000\n") // fd limit: twice maxconn
                .replaceAll("(?m)^    server atlas\\d .*\\n", "");
        assertThat(config).contains("bind " + lbAddress).doesNotContain("server atlas");
        return config.stripTrailing() + "\n" + servers;
    }

    /** A test that failed half-way may have left an edge down: the next one starts with all three. */
    @org.junit.jupiter.api.BeforeEach
    void everyEdgeUp() throws IOException {
        for (ServerProcess edge : edges) {
            if (!edge.isAlive()) {
                edge.restart();
            }
        }
    }

    @AfterAll
    void stopTheFleet() throws Exception {
        http.close();
        // Everything is stopped whatever fails on the way (a node's leak check throws from close()): the first
        // failure is thrown at the end, the others added to it.
        List<Throwable> failures = new ArrayList<>();
        if (haproxy != null) { // first: its idle connections to the edges would fail their leak checks
            haproxy.destroy();
            if (!haproxy.waitFor(10, TimeUnit.SECONDS)) {
                haproxy.destroyForcibly();
            }
        }
        List<ServerProcess> inOrder = new ArrayList<>(edges); // clients before their servers
        inOrder.add(shield);
        inOrder.add(origin);
        for (ServerProcess node : inOrder) {
            if (node != null) {
                try {
                    node.close();
                } catch (Throwable t) {
                    failures.add(t);
                }
            }
        }
        if (net != null) {
            net.close();
        }
        if (workDir != null && failures.isEmpty()) {
            HttpTestServers.deleteTree(workDir);
        }
        if (!failures.isEmpty()) {
            AssertionError first = new AssertionError("stopping the fleet (work dir kept: " + workDir + ")",
                    failures.getFirst());
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
        }
    }

    // ---- the tests ---------------------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void shouldAskTheOriginOnceForABurstOfAThousandRequests() throws Exception {
        byte[] object = content(1 << 20, 1);
        put("burst/seg.m4s", object);
        byte[] digest = sha256(object);
        long[] edgeUpstreamBefore = edgeUpstreamRequests();
        double shieldBefore = metric(shield, "atlas_upstream_requests_total");
        int clients = 1000;
        CountDownLatch start = new CountDownLatch(1);
        AtomicLong ok = new AtomicLong();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    start.await();
                    HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(front + "burst/seg.m4s"))
                            .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofInputStream());
                    byte[] got;
                    try (InputStream in = r.body()) {
                        got = sha256(in);
                    }
                    if (r.statusCode() == 200 && Arrays.equals(got, digest)) {
                        ok.incrementAndGet();
                    } else {
                        failures.add(r.statusCode() + " " + r.headers().map());
                    }
                } catch (Exception e) {
                    failures.add(e.toString());
                }
            }));
        }
        start.countDown();
        for (Thread t : threads) {
            t.join(Duration.ofSeconds(120));
        }
        assertThat(failures).as("failed requests of the burst").isEmpty();
        assertThat(ok.get()).isEqualTo(clients);
        long[] edgeUpstream = edgeUpstreamRequests();
        long[] perEdge = new long[EDGES];
        for (int i = 0; i < EDGES; i++) {
            perEdge[i] = edgeUpstream[i] - edgeUpstreamBefore[i];
        }
        long originRequests = Await.until("the origin's access log to show its request for burst/seg.m4s",
                Duration.ofSeconds(10), () -> originGets("burst/seg.m4s"), n -> n >= 1);
        System.out.printf("fleet burst: %d clients, all served; upstream requests per edge %s, shield %.0f, "
                + "origin %d%n", clients, Arrays.toString(perEdge),
                metric(shield, "atlas_upstream_requests_total") - shieldBefore, originRequests);
        assertThat(originRequests).as("origin requests for 1000 simultaneous clients").isEqualTo(1);
        assertThat(Arrays.stream(perEdge).max().orElseThrow()).as("upstream requests of one edge").isLessThanOrEqualTo(1);
        assertThat(Arrays.stream(perEdge).sum()).isGreaterThanOrEqualTo(1);
    }

    @Test
    @Order(2)
    void shouldCostTheOriginTheCatalogueOnceOverSeveralReads() throws Exception {
        Map<String, byte[]> catalogue = catalogue("vod/", 60, 2);
        long bytes = catalogue.values().stream().mapToLong(b -> b.length).sum();
        double originSentBefore = metric(origin, "atlas_sent_bytes_total");
        double shieldSentBefore = metric(shield, "atlas_sent_bytes_total");
        int rounds = 3;
        runReaders(catalogue, 4, () -> false, rounds * catalogue.size());
        double egress = metric(origin, "atlas_sent_bytes_total") - originSentBefore;
        double edgesFetched = metric(shield, "atlas_sent_bytes_total") - shieldSentBefore;
        System.out.printf("fleet offload: catalogue %d objects, %.1f MiB, read %d times through %d edges: origin "
                + "egress %.1f MiB = %.3f × the catalogue; the edges fetched %.3f × it from the shield (the origin's "
                + "egress without one)%n", catalogue.size(), bytes / 1048576.0, rounds, EDGES, egress / 1048576.0,
                egress / bytes, edgesFetched / bytes);
        assertThat(egress / bytes).as("origin egress ÷ catalogue bytes").isBetween(0.95, 1.05);
    }

    @Test
    @Order(3)
    void shouldRefetchOnlyTheLostEdgesShareAndRestartWithItsCache() throws Exception {
        Map<String, byte[]> catalogue = catalogue("loss/", 60, 3);
        long bytes = catalogue.values().stream().mapToLong(b -> b.length).sum();
        Map<String, String> home = homes(catalogue);
        // Once at the load's own concurrency first: what bounded loads spill to a second edge is filled there
        // before the loss, so what is fetched after it is what the loss costs.
        runReaders(catalogue, READERS, () -> false, catalogue.size());
        ServerProcess lost = edges.get(2);
        long share = catalogue.entrySet().stream().filter(e -> home.get(e.getKey()).equals("atlas3"))
                .mapToLong(e -> e.getValue().length).sum();
        assertThat(share).as("atlas3 is home to part of the catalogue").isPositive();
        int downBefore = downMarks("atlas3");
        double shieldSentBefore = metric(shield, "atlas_sent_bytes_total");

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong downAt = new AtomicLong(Long.MAX_VALUE);
        Readers readers = startReaders(catalogue, READERS, stop::get);
        readers.awaitServed(100, Duration.ofSeconds(20));
        long shieldRequestsAtKill = (long) metric(shield, "atlas_requests_total");
        lost.kill9();
        long killedAt = System.nanoTime();
        Await.until("HAProxy to mark atlas3 down", Duration.ofSeconds(15), () -> downMarks("atlas3") > downBefore);
        downAt.set(System.nanoTime());
        long servedAtDown = readers.ok.get();
        readers.awaitServed(servedAtDown + 200, Duration.ofSeconds(20));
        stop.set(true);
        readers.join();
        // Every object once more, one at a time (nothing spills): each of atlas3's is asked of its new home, and
        // every other one is still answered by the edge it was on — consistent hashing moved only atlas3's.
        List<String> movedOthers = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : catalogue.entrySet()) {
            HttpResponse<byte[]> r = get(e.getKey());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(e.getValue());
            String node = r.headers().firstValue("X-Atlas-Node").orElse("?");
            String was = home.get(e.getKey());
            if (was.equals("atlas3") ? node.equals("atlas3") : !node.equals(was)) {
                movedOthers.add(e.getKey() + ": " + was + " → " + node);
            }
        }
        assertThat(movedOthers).as("objects answered by another edge than before, atlas3's aside").isEmpty();
        double refetched = metric(shield, "atlas_sent_bytes_total") - shieldSentBefore;
        // What the shield sent after the kill, by whose object it was: its access log, past the lines of the
        // requests it had had by then (one core: lines in the order the answers completed).
        long requestsNow = (long) metric(shield, "atlas_requests_total");
        List<String> log = Await.until("the shield's access log to hold a line per request", Duration.ofSeconds(10),
                () -> Files.readAllLines(workDir.resolve("shield-access.log")), l -> l.size() >= requestsNow - 2);
        long moved = 0;
        long others = 0;
        for (String line : log.subList((int) Math.min(shieldRequestsAtKill, log.size()), log.size())) {
            // 206: an edge asks for its first slice's range, and an object within one slice comes whole in it.
            Matcher m = Pattern.compile("\"GET /(\\S+) HTTP/1.1\" 20[06] ").matcher(line);
            if (m.find() && catalogue.containsKey(m.group(1))) {
                long b = catalogue.get(m.group(1)).length;
                if (home.get(m.group(1)).equals("atlas3")) {
                    moved += b;
                } else {
                    others += b;
                }
            }
        }
        List<Long> failedAfterDown = readers.failedAt.stream().filter(t -> t > downAt.get()).toList();
        System.out.printf("fleet node loss: kill -9 of atlas3 (home of %.1f of %.1f MiB), marked down after %d ms; "
                + "%d requests served, %d failed before it was marked down, %d after; refetched %.2f of the catalogue: "
                + "%.2f × atlas3's share (%.2f of the catalogue) and %.3f of the other edges' objects%n",
                share / 1048576.0, bytes / 1048576.0, (downAt.get() - killedAt) / 1_000_000, readers.ok.get(),
                readers.failedAt.size() - failedAfterDown.size(), failedAfterDown.size(), refetched / bytes,
                (double) moved / share, (double) share / bytes, (double) others / (bytes - share));
        assertThat(failedAfterDown).as("requests failed after HAProxy marked atlas3 down").isEmpty();
        // Consistent hashing: only atlas3's objects move. Each of them is fetched by the edge it moved to — and
        // by the one a request retried before the mark down was sent to, which may be the other one: at most 2×.
        assertThat((double) moved).as("bytes of atlas3's objects fetched again").isBetween(share * 0.5, share * 2.0);
        // The others stayed where they were (checked above). Some are fetched again all the same, by the edge a
        // bounded-load spill took a request to (with two edges left, one holding 19 of 24 requests in flight: an
        // edge slowed down by its new fills): 0.015–0.205 of them measured. Modulo hashing would move half of them.
        assertThat((double) others).as("bytes of the other edges' objects fetched again")
                .isLessThanOrEqualTo((bytes - share) * 0.4);

        lost.restart();
        Await.until("HAProxy to send atlas3 its share again", Duration.ofSeconds(20), () -> {
            String first = home.entrySet().stream().filter(e -> e.getValue().equals("atlas3")).findFirst()
                    .orElseThrow().getKey();
            return get(first).headers().firstValue("X-Atlas-Node").orElse("").equals("atlas3");
        });
        for (Map.Entry<String, byte[]> e : catalogue.entrySet()) {
            if (home.get(e.getKey()).equals("atlas3")) {
                // Asked until atlas3 answers: a request HAProxy still counts in flight can make even a sweep one at
                // a time spill to the next edge (bounded loads), which is HAProxy's call, not atlas3's cache.
                HttpResponse<byte[]> r = Await.until(e.getKey() + " answered by atlas3", Duration.ofSeconds(10),
                        () -> get(e.getKey()), x -> x.headers().firstValue("X-Atlas-Node").orElse("").equals("atlas3"));
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isEqualTo(e.getValue());
            }
        }
        assertThat(metric(lost, "atlas_upstream_requests_total"))
                .as("upstream requests of the restarted atlas3 for its own share: its cache survived").isZero();
    }

    @Test
    @Order(4)
    void shouldDrainAnEdgeUnderLoadWithoutAFailedRequest() throws Exception {
        Map<String, byte[]> catalogue = catalogue("drain/", 40, 4);
        homes(catalogue);
        ServerProcess drained = edges.get(1);
        AtomicBoolean stop = new AtomicBoolean();
        Readers readers = startReaders(catalogue, READERS, stop::get);
        readers.awaitServed(100, Duration.ofSeconds(20));
        Thread stopper = Thread.ofPlatform().start(drained::terminate);
        stopper.join(Duration.ofSeconds(40));
        long afterStop = readers.ok.get();
        readers.awaitServed(afterStop + 200, Duration.ofSeconds(20));
        stop.set(true);
        readers.join();
        System.out.printf("fleet drain: SIGTERM of atlas2 under %d readers: %d requests served (%d after it "
                + "stopped), %d failed%n", READERS, readers.ok.get(), readers.ok.get() - afterStop, readers.failedAt.size());
        assertThat(readers.failedAt).as("failed client requests during the drain").isEmpty();
        drained.restart();
    }

    @Test
    @Order(5)
    void shouldCarryALiveStreamThroughTheFleet() throws Exception {
        Assumptions.assumeTrue(HttpTestServers.onPath("ffmpeg"), "ffmpeg is not installed");
        Path encoder = Files.createDirectories(workDir.resolve("encoder"));
        LiveHlsPublisher publisher = new LiveHlsPublisher(origin, encoder, "live/ch1/", 12)
                .authorizedBy("Bearer " + TOKEN);
        int segments = publisher.segmentCount();
        publisher.publishFirst(2);
        publisher.startRealTime(2);
        List<Viewer> viewers = new ArrayList<>();
        for (int v = 0; v < 4; v++) {
            viewers.add(new Viewer(publisher));
        }
        for (Viewer v : viewers) {
            v.thread.join(Duration.ofSeconds(60));
        }
        publisher.finish();
        long worst = viewers.stream().mapToLong(v -> v.maxStaleNs).max().orElseThrow();
        for (Viewer v : viewers) {
            assertThat(v.failures).as("a viewer's failures").isEmpty();
            assertThat(v.got).as("a viewer got every segment from the one it joined at to the last")
                    .isEqualTo(java.util.stream.IntStream.range(v.got.getFirst(), segments).boxed().toList());
        }
        List<Long> perSegment = new ArrayList<>();
        int firstViewed = viewers.stream().mapToInt(v -> v.got.getFirst()).min().orElseThrow();
        for (int i = firstViewed; i < segments; i++) {
            String name = "live/ch1/" + publisher.segmentName(i);
            perSegment.add(Await.until("the origin's access log to show " + name, Duration.ofSeconds(10),
                    () -> originGets(name), n -> n >= 1));
        }
        System.out.printf("fleet live: %d segments through %d edges to %d viewers, playlists at most %d ms behind "
                + "the origin (manifest TTL 1 s); origin GETs per segment from %d on %s%n", segments, EDGES, viewers.size(),
                worst / 1_000_000, firstViewed, perSegment);
        assertThat(worst).as("how far a playlist a viewer got was behind the origin's (ns)")
                .isLessThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(1_200));
        assertThat(perSegment).as("origin GETs per segment: once for the fleet (the shield)")
                .allSatisfy(n -> assertThat(n).isEqualTo(1));
    }

    /**
     * A player at the live edge through HAProxy: reloads the playlist every half target duration (as HLS clients
     * without blocking reload do) and fetches each new segment once, checking its bytes; notes how far each playlist
     * was behind the origin: the time since the next playlist had been acknowledged, when it had.
     */
    private final class Viewer {
        final List<Integer> got = new ArrayList<>();
        final List<String> failures = new ArrayList<>();
        long maxStaleNs;
        final Thread thread;

        Viewer(LiveHlsPublisher publisher) {
            thread = Thread.ofPlatform().start(() -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
                int last = publisher.segmentCount() - 1;
                try {
                    while ((got.isEmpty() || got.getLast() < last) && System.nanoTime() < deadline) {
                        long asked = System.nanoTime();
                        HttpResponse<byte[]> r = get("live/ch1/index.m3u8");
                        if (r.statusCode() != 200) {
                            failures.add("playlist " + r.statusCode());
                            return;
                        }
                        List<Integer> listed = new ArrayList<>();
                        for (String line : new String(r.body(), java.nio.charset.StandardCharsets.US_ASCII)
                                .split("\n")) {
                            if (line.startsWith("seg") && line.endsWith(".ts")) {
                                listed.add(Integer.parseInt(line.substring(3, line.length() - 3)));
                            }
                        }
                        long next = publisher.playlistAcknowledgedNanos(listed.getLast() + 1);
                        if (next != 0 && next < asked) {
                            maxStaleNs = Math.max(maxStaleNs, asked - next);
                        }
                        for (int i : listed) {
                            if (got.isEmpty() ? i == listed.getLast() : i > got.getLast()) {
                                HttpResponse<byte[]> seg = get("live/ch1/" + publisher.segmentName(i));
                                if (seg.statusCode() != 200 || !Arrays.equals(seg.body(), publisher.segmentBytes(i))) {
                                    failures.add("segment " + i + ": " + seg.statusCode());
                                }
                                got.add(i);
                            }
                        }
                        // A player's reload interval (half the target duration), not a wait for a condition.
                        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
                    }
                } catch (Exception e) {
                    failures.add(e.toString());
                }
            });
        }
    }

    // ---- readers -----------------------------------------------------------------------------------------------------

    /** Reader threads over the catalogue through HAProxy, each checking every body; failures noted with their time. */
    private final class Readers {
        final AtomicLong ok = new AtomicLong();
        final ConcurrentLinkedQueue<Long> failedAt = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        final List<Thread> threads = new ArrayList<>();

        void awaitServed(long n, Duration timeout) throws Exception {
            Await.until(n + " requests served by the readers (" + failures + ")", timeout, () -> ok.get() >= n);
        }

        void join() throws InterruptedException {
            for (Thread t : threads) {
                t.join(Duration.ofSeconds(60));
            }
        }
    }

    private Readers startReaders(Map<String, byte[]> catalogue, int threads, java.util.function.BooleanSupplier stop) {
        return readers(catalogue, threads, stop, Long.MAX_VALUE);
    }

    /** {@code total} requests over {@code threads} readers, to their end; fails on a failed one. */
    private void runReaders(Map<String, byte[]> catalogue, int threads, java.util.function.BooleanSupplier stop,
                            long total) throws Exception {
        Readers r = readers(catalogue, threads, stop, total);
        r.join();
        assertThat(r.failures).as("failed requests").isEmpty();
        assertThat(r.ok.get()).isEqualTo(total);
    }

    private Readers readers(Map<String, byte[]> catalogue, int threads, java.util.function.BooleanSupplier stop,
                            long total) {
        Readers readers = new Readers();
        List<String> names = new ArrayList<>(catalogue.keySet());
        AtomicLong next = new AtomicLong();
        for (int t = 0; t < threads; t++) {
            readers.threads.add(Thread.ofPlatform().start(() -> {
                for (long i; !stop.getAsBoolean() && (i = next.getAndIncrement()) < total; ) {
                    String name = names.get((int) (i % names.size()));
                    try {
                        HttpResponse<byte[]> r = get(name);
                        if (r.statusCode() == 200 && Arrays.equals(r.body(), catalogue.get(name))) {
                            readers.ok.incrementAndGet();
                        } else {
                            readers.failedAt.add(System.nanoTime());
                            readers.failures.add(name + ": " + r.statusCode());
                        }
                    } catch (Exception e) {
                        readers.failedAt.add(System.nanoTime());
                        readers.failures.add(name + ": " + e);
                    }
                }
            }));
        }
        return readers;
    }

    // ---- helpers -----------------------------------------------------------------------------------------------------

    /** {@code count} objects of 50–250 KiB under {@code prefix}, PUT to the origin. */
    private Map<String, byte[]> catalogue(String prefix, int count, int seed) throws Exception {
        Map<String, byte[]> catalogue = new LinkedHashMap<>();
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < count; i++) {
            byte[] b = new byte[50_000 + random.nextInt(200_000)];
            random.nextBytes(b);
            catalogue.put(prefix + "t" + i + "/seg.m4s", b);
            put(prefix + "t" + i + "/seg.m4s", b);
        }
        return catalogue;
    }

    /** Which edge answers each name once HAProxy sees all three up, each read twice to be sure it is stable. */
    private Map<String, String> homes(Map<String, byte[]> catalogue) throws Exception {
        Map<String, String> home = new HashMap<>();
        return Await.until("every URL answered by one edge, and every edge home to some", Duration.ofSeconds(30),
                () -> {
                    home.clear();
                    boolean stable = true;
                    for (String name : catalogue.keySet()) {
                        String a = get(name).headers().firstValue("X-Atlas-Node").orElse("?");
                        String b = get(name).headers().firstValue("X-Atlas-Node").orElse("?");
                        stable &= a.equals(b);
                        home.put(name, a);
                    }
                    return stable ? Map.copyOf(home) : Map.<String, String>of();
                }, h -> h.size() == catalogue.size() && h.values().stream().distinct().count() == EDGES);
    }

    private void put(String name, byte[] body) throws Exception {
        int status = http.send(HttpRequest.newBuilder(URI.create(origin.url(name)))
                .header("Authorization", "Bearer " + TOKEN).PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
        assertThat(status).as("PUT " + name + " to the origin").isBetween(200, 204);
    }

    private HttpResponse<byte[]> get(String name) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(front + name)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private long[] edgeUpstreamRequests() throws Exception {
        long[] n = new long[EDGES];
        for (int i = 0; i < EDGES; i++) {
            n[i] = (long) metric(edges.get(i), "atlas_upstream_requests_total");
        }
        return n;
    }

    private double metric(ServerProcess node, String name) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(node.adminUrl("_atlas/metrics")))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return OperatorIT.sum(r.body(), name, "");
    }

    /** GETs of {@code name} in the origin's access log: the upstream requests that reached it. */
    private long originGets(String name) throws IOException {
        Path log = workDir.resolve("origin-access.log");
        if (!Files.exists(log)) {
            return 0;
        }
        try (var lines = Files.lines(log)) {
            return lines.filter(l -> l.contains("\"GET /" + name + " ")).count();
        }
    }

    /** How often HAProxy has reported {@code server} down so far. */
    private int downMarks(String server) throws IOException {
        Matcher m = DOWN.matcher(Files.readString(haproxyLog));
        int n = 0;
        while (m.find()) {
            n += m.group(1).equals(server) ? 1 : 0;
        }
        return n;
    }

    private static byte[] content(int length, int seed) {
        byte[] b = new byte[length];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    private static byte[] sha256(byte[] b) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(b);
    }

    private static byte[] sha256(InputStream in) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[64 << 10];
        for (int n; (n = in.read(buf)) >= 0; ) {
            d.update(buf, 0, n);
        }
        return d.digest();
    }

    private static boolean listening(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
