package atlas.loadgen;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The engine against the JDK's small HTTP server on loopback: counting, statuses, chunked bodies, the rate. */
class LoadGeneratorTest {
    private static final int FIXED_BYTES = 10_000;
    private static final int CHUNKED_BYTES = 3_000;

    static {
        // The JDK server writes headers and body separately; with Nagle on, the client's delayed ACK adds ~40 ms
        // to every response and the rate test would measure that instead of the pacing.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private HttpServer server;
    private final AtomicLong served = new AtomicLong();

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/fixed", exchange -> {
            served.incrementAndGet();
            exchange.sendResponseHeaders(200, FIXED_BYTES);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(new byte[FIXED_BYTES]);
            }
        });
        server.createContext("/chunked", exchange -> {
            served.incrementAndGet();
            exchange.sendResponseHeaders(200, 0); // 0 = chunked in com.sun.net.httpserver
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(new byte[CHUNKED_BYTES / 2]);
                out.flush();
                out.write(new byte[CHUNKED_BYTES / 2]);
            }
        });
        server.createContext("/missing", exchange -> {
            served.incrementAndGet();
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private TargetList targets(String... paths) {
        List<URI> uris = new ArrayList<>();
        for (String p : paths) {
            uris.add(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + p));
        }
        return TargetList.of(uris);
    }

    @Test
    void shouldCountRequestsBodyBytesAndNon2xxResponses() throws InterruptedException {
        List<LoadGenerator.IntervalSample> samples = new ArrayList<>();
        BenchReport report = new LoadGenerator(new LoadGenerator.Settings(targets("/fixed", "/chunked", "/missing"),
                4, 2, Duration.ZERO, Duration.ofMillis(2_500), 0, Duration.ofSeconds(5))).run(samples::add);

        assertThat(report.requests()).isPositive();
        assertThat(report.requests()).isLessThanOrEqualTo(served.get());
        assertThat(report.errors(ErrorKind.STATUS)).as("404s").isPositive().isLessThan(report.requests());
        assertThat(report.errorsTotal()).isEqualTo(report.errors(ErrorKind.STATUS));
        long ok = report.successes();
        assertThat(report.bodyBytes()).as("bodies of the 2xx responses")
                .isBetween(ok * CHUNKED_BYTES, ok * FIXED_BYTES);
        assertThat(report.bytesReceived()).isGreaterThan(report.bodyBytes());
        assertThat(report.latencyUs(50)).isPositive();
        assertThat(report.maxLatencyUs()).isGreaterThanOrEqualTo(report.latencyUs(99));
        assertThat(samples).hasSize(2);
        assertThat(report.durationSeconds()).isBetween(2.4, 3.5);
        assertThat(report.json()).startsWith("{\"target\":").contains("\"non-2xx\":" + report.errors(ErrorKind.STATUS));
    }

    @Test
    void shouldLeaveTheWarmupOutOfTheFigures() throws InterruptedException {
        List<LoadGenerator.IntervalSample> samples = new ArrayList<>();
        BenchReport report = new LoadGenerator(new LoadGenerator.Settings(targets("/fixed"), 2, 1,
                Duration.ofSeconds(1), Duration.ofMillis(1_500), 0, Duration.ofSeconds(5))).run(samples::add);
        assertThat(samples).extracting(LoadGenerator.IntervalSample::warmup).containsExactly(true, false);
        long warmupRequests = samples.getFirst().requests();
        assertThat(warmupRequests).isPositive();
        assertThat(report.requests()).isPositive().isLessThanOrEqualTo(served.get() - warmupRequests);
        assertThat(report.durationSeconds()).isBetween(1.4, 2.5);
        assertThat(report.text()).contains("warm-up");
    }

    @Test
    void shouldHoldTheTargetRate() throws InterruptedException {
        // No warm-up: at its end the reporter reads the counters and swaps the histogram one after the other, so a
        // response completing in between may fall on different sides of it (CI once saw 416 samples for 417
        // requests); the warm-up has its own test. Without one, every response is in both.
        BenchReport report = new LoadGenerator(new LoadGenerator.Settings(targets("/fixed"), 5, 1,
                Duration.ZERO, Duration.ofSeconds(2), 200, Duration.ofSeconds(5))).run(s -> { });
        // Poisson arrivals at 200/s for 2 s: 400 expected, 20 the standard deviation. None is dropped however late
        // the server is (this box is shared: the JDK server in this JVM stalls now and then): every arrival due was
        // sent or is still queued at the end, and the responses are those sent less at most one per connection in
        // flight at the end. Latency runs from the arrivals' intended times.
        assertThat(report.arrivalsDue()).as(report.text()).isBetween(300L, 500L);
        assertThat(report.sent() + report.backlogAtEnd()).as(report.text()).isGreaterThanOrEqualTo(report.arrivalsDue());
        assertThat(report.requests()).as(report.text()).isGreaterThanOrEqualTo(report.sent() - 5);
        assertThat(report.latencySamples()).isEqualTo(report.requests());
        assertThat(report.errorsTotal()).isZero();
        assertThat(report.text()).contains("open loop, Poisson arrivals at 200 req/s").contains("arrivals  ");
        assertThat(report.json()).contains("\"arrivals\":{\"process\":\"poisson\",\"due\":" + report.arrivalsDue());
    }

    @Test
    void shouldQueueArrivalsWhileEveryConnectionIsBusyAndTimeThemFromWhenTheyWereDue() throws Exception {
        try (TinyHttpServer server = TinyHttpServer.holding()) {
            List<Long> backlogs = new ArrayList<>();
            // One connection, 100 arrivals a second: the server holds the first request until the first progress
            // tick (1 s in), so about 100 arrivals find the connection busy. Open loop means they wait and all go
            // out once it answers; a closed loop (or a per-connection schedule) would have skipped them.
            BenchReport report = new LoadGenerator(new LoadGenerator.Settings(server.targets(), 1, 1, Duration.ZERO,
                    Duration.ofSeconds(2), 100, Duration.ofSeconds(10))).run(sample -> {
                        backlogs.add(sample.backlog());
                        server.open();
                    });

            assertThat(backlogs.getFirst()).as("arrivals waiting at the first tick").isGreaterThan(40);
            assertThat(report.waitedForConnection()).as(report.text()).isGreaterThan(40);
            assertThat(report.requests()).as(report.text()).isGreaterThanOrEqualTo(report.arrivalsDue() - 5);
            assertThat(report.backlogAtEnd()).as(report.text()).isLessThan(5);
            // The first request waited for the gate, about 1 s, and the ones queued behind it nearly as long.
            assertThat(report.maxLatencyUs()).as(report.text()).isGreaterThan(800_000);
            assertThat(report.latencyUs(50)).as(report.text()).isLessThan(report.maxLatencyUs());
            assertThat(report.errorsTotal()).isZero();
        }
    }

    @Test
    void shouldSayWhenNothingListens() throws IOException {
        int port;
        try (var socket = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        TargetList nowhere = TargetList.of(List.of(URI.create("http://127.0.0.1:" + port + "/x")));
        assertThatThrownBy(() -> LoadGenerator.probe(nowhere)).hasMessageContaining("cannot connect to");
    }

    @Test
    void shouldCountConnectErrorsAndKeepRunningWhenTheServerGoes() throws InterruptedException {
        TargetList targets = targets("/fixed");
        server.stop(0);
        BenchReport report = new LoadGenerator(new LoadGenerator.Settings(targets, 2, 1, Duration.ZERO, Duration.ofSeconds(1), 0,
                Duration.ofSeconds(5))).run(s -> { });
        assertThat(report.requests()).isZero();
        assertThat(report.errors(ErrorKind.CONNECT)).isPositive();
    }
}
