package atlas.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two Atlas nodes behind Debian's HAProxy running the shipped {@code docs/haproxy.cfg} (its bind address, server
 * lines and maxconn replaced by this test's): each URL is always answered by the same node and both nodes get a share
 * (consistent hashing of the path); each node's agent check answers {@code ready up 100%}; and a node that gets SIGTERM
 * under load is drained — the agent says {@code drain} and health 503 during its drain delay, HAProxy moves its URLs
 * to the other node, and not one client request fails.
 */
class HaproxyIT {
    private static final Pattern AGENT_PORT = Pattern.compile("agent-check agent-port (\\d+)");

    private Path workDir;
    private final List<ServerProcess> nodes = new ArrayList<>();
    private Process haproxy;
    private int port;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void startTheFleet() throws Exception {
        Assumptions.assumeTrue(canRun("haproxy", "-v"), "haproxy is not installed (./atlas test installs it)");
        workDir = HttpTestServers.workDir(HaproxyIT.class);
        for (int i = 0; i < 2; i++) {
            nodes.add(ServerProcess.start(workDir.resolve("node" + i), "--listen", "127.0.0.1:0", "--engine",
                    HttpTestServers.engine(), "--no-demo", "--access-log", "off", "--agent-listen", "127.0.0.1:0",
                    "--drain-delay", "3s"));
        }
        port = freePort();
        String config = fleetConfig(Files.readString(Path.of(System.getProperty("atlas.repo", "."))
                .resolve("docs/haproxy.cfg")));
        Path cfg = workDir.resolve("haproxy.cfg");
        Files.writeString(cfg, config);
        haproxy = new ProcessBuilder("haproxy", "-db", "-f", cfg.toString()).redirectErrorStream(true)
                .redirectOutput(workDir.resolve("haproxy.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!listening(port)) {
            assertThat(haproxy.isAlive()).as("haproxy: " + Files.readString(workDir.resolve("haproxy.log")))
                    .isTrue();
            assertThat(System.nanoTime()).as("haproxy listens within 10 s").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @AfterEach
    void stopTheFleet() throws Exception {
        http.close();
        if (haproxy != null) {
            haproxy.destroy();
            haproxy.waitFor(10, TimeUnit.SECONDS);
        }
        for (ServerProcess n : nodes) {
            n.close();
        }
        if (workDir != null) {
            HttpTestServers.deleteTree(workDir);
        }
    }

    /** The shipped config with this machine's addresses: the frontend on a free port, our nodes as servers. */
    private String fleetConfig(String shipped) {
        StringBuilder servers = new StringBuilder();
        for (int i = 0; i < nodes.size(); i++) {
            ServerProcess n = nodes.get(i);
            Matcher m = AGENT_PORT.matcher(n.output());
            assertThat(m.find()).as("the agent's port in the start-up report").isTrue();
            servers.append("    server atlas").append(i + 1).append(" 127.0.0.1:").append(n.port())
                    .append(" agent-port ").append(m.group(1)).append('\n');
        }
        // maxconn as shipped needs an fd limit of twice it; this machine's hard limit is lower.
        String config = shipped.replace("    bind :80\n", "    bind 127.0.0.1:" + port + "\n")
                .replace("    maxconn 100000\n", "    maxconn 4000\n")
                .replaceAll("(?m)^    server atlas\\d .*\\n", "");
        assertThat(config).doesNotContain("server atlas");
        return config.stripTrailing() + "\n" + servers;
    }

    private HttpResponse<byte[]> get(String name) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/" + name))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String agent(int agentPort) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", agentPort), 2000);
            s.setSoTimeout(2000);
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private int agentPort(int node) {
        Matcher m = AGENT_PORT.matcher(nodes.get(node).output());
        assertThat(m.find()).isTrue();
        return Integer.parseInt(m.group(1));
    }

    @Test
    void shouldPinEachUrlToOneNodeAndDrainANodeWithoutAFailedRequest() throws Exception {
        Map<String, byte[]> content = new LinkedHashMap<>();
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 40; i++) {
            byte[] b = new byte[5_000 + random.nextInt(200_000)];
            random.nextBytes(b);
            content.put("vod/t" + i + "/seg.m4s", b);
        }
        for (ServerProcess n : nodes) { // both nodes hold the catalogue (an origin's role, until edges fill)
            for (Map.Entry<String, byte[]> e : content.entrySet()) {
                int status = http.send(HttpRequest.newBuilder(URI.create(n.url(e.getKey())))
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(e.getValue())).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
                assertThat(status).isEqualTo(201);
            }
        }
        assertThat(agent(agentPort(0))).isEqualTo("ready up 100%\n");
        // Until HAProxy's checks and agent see both nodes up, a URL may be answered by either.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        Map<String, String> nodeOf = new HashMap<>();
        while (true) {
            nodeOf.clear();
            boolean stable = true;
            for (String name : content.keySet()) {
                HttpResponse<byte[]> r = get(name);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isEqualTo(content.get(name));
                nodeOf.put(name, r.headers().firstValue("X-Atlas-Node").orElseThrow());
            }
            for (String name : content.keySet()) {
                stable &= get(name).headers().firstValue("X-Atlas-Node").orElseThrow().equals(nodeOf.get(name));
            }
            if (stable && new HashSet<>(nodeOf.values()).size() == 2) {
                break;
            }
            assertThat(System.nanoTime()).as("HAProxy spreads the URLs over both nodes, each on one")
                    .isLessThan(deadline);
        }
        Set<String> onSecond = new HashSet<>();
        nodeOf.forEach((name, node) -> {
            if (node.equals("atlas2")) {
                onSecond.add(name);
            }
        });
        assertThat(onSecond.size()).as("consistent hashing gives each node a share").isBetween(5, 35);

        // Readers over every URL while node 2 is stopped (SIGTERM, 3 s drain delay).
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        List<String> names = new ArrayList<>(content.keySet());
        List<Thread> readers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int offset = t * 7;
            readers.add(Thread.ofPlatform().start(() -> {
                for (int i = offset; !stop.get(); i++) {
                    String name = names.get(i % names.size());
                    try {
                        HttpResponse<byte[]> r = get(name);
                        if (r.statusCode() == 200 && java.util.Arrays.equals(r.body(), content.get(name))) {
                            ok.incrementAndGet();
                        } else {
                            failed.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failed.incrementAndGet();
                    }
                }
            }));
        }
        long before = ok.get();
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ok.get() < before + 100 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        int secondAgent = agentPort(1);
        Thread stopper = Thread.ofPlatform().start(() -> nodes.get(1).terminate());
        String drained = "";
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (!drained.equals("drain\n") && System.nanoTime() < deadline) {
            drained = agent(secondAgent);
        }
        assertThat(drained).as("the agent during the drain delay").isEqualTo("drain\n");
        stopper.join(TimeUnit.SECONDS.toMillis(30));
        long afterStop = ok.get();
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ok.get() < afterStop + 200 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        stop.set(true);
        for (Thread r : readers) {
            r.join();
        }
        System.out.printf("haproxy: %d of %d URLs on atlas2; drain of atlas2 under load: %d requests served "
                + "(%d after it stopped), %d failed%n", onSecond.size(), content.size(), ok.get(),
                ok.get() - afterStop, failed.get());
        assertThat(failed.get()).as("client requests that failed during the drain").isZero();
        assertThat(ok.get()).isGreaterThan(afterStop + 100);
        for (String name : onSecond) {
            HttpResponse<byte[]> r = get(name);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("X-Atlas-Node")).as(name + " moved").contains("atlas1");
        }
    }

    private static boolean canRun(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
