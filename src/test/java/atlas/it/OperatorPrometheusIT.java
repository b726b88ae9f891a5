package atlas.it;

import atlas.testing.Await;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real Prometheus (Debian's {@code prometheus}, which {@code ./atlas test} installs) scrapes
 * {@code /metrics} (the default path) every second on loopback; its HTTP API must then report {@code up{job="atlas"} == 1} and
 * a request counter above zero. Skipped where the binary is missing.
 */
class OperatorPrometheusIT {
    private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    private static final Pattern VALUE = Pattern.compile("\"value\":\\[[0-9.]+,\"([^\"]+)\"]");

    /** What the query API says: {@code up{job="atlas"}} and the summed request counter (null while absent). */
    record Scraped(String up, String requests) {
        boolean counted() {
            return "1".equals(up) && requests != null && Double.parseDouble(requests) > 0;
        }
    }

    @Test
    void shouldBeScrapedByARealPrometheus() throws Exception {
        assumeTrue(Files.isExecutable(PROMETHEUS), "prometheus is not installed");
        Path dir = HttpTestServers.workDir(OperatorPrometheusIT.class);
        // Closed in reverse order: the client, then the server, whose leak check needs every client gone
        // (Prometheus, which keeps its scrape connection open, is stopped in the finally below).
        try (ServerProcess server = HttpTestServers.start(dir);
             HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            for (int i = 0; i < 3; i++) {
                http.send(HttpRequest.newBuilder(URI.create(server.url("demo/index.m3u8"))).build(),
                        HttpResponse.BodyHandlers.discarding());
            }
            int port = freePort();
            Path config = dir.resolve("prometheus.yml");
            Files.writeString(config, """
                    global:
                      scrape_interval: 1s
                      evaluation_interval: 1s
                    scrape_configs:
                      - job_name: atlas
                        static_configs:
                          - targets: ['127.0.0.1:%d']
                    """.formatted(URI.create(server.adminBaseUrl()).getPort()));
            Path log = dir.resolve("prometheus.log");
            Process prometheus = new ProcessBuilder(List.of(PROMETHEUS.toString(), "--config.file=" + config,
                    "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port))
                    .redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            try {
                String api = "http://127.0.0.1:" + port + "/api/v1/query?query=";
                Scraped seen = Await.until("Prometheus to scrape atlas and count its requests (or to exit; log "
                                + log + ")", Duration.ofSeconds(60),
                        () -> new Scraped(query(http, api, "up{job=\"atlas\"}"),
                                query(http, api, "sum(atlas_requests_total{job=\"atlas\"})")),
                        q -> q.counted() || !prometheus.isAlive());
                assertThat(seen.up()).as("up{job=\"atlas\"}; prometheus log:\n" + readQuietly(log)).isEqualTo("1");
                assertThat(seen.counted()).as("sum(atlas_requests_total) above zero: " + seen).isTrue();
            } finally {
                prometheus.destroy();
                if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly();
                }
            }
        } finally {
            HttpTestServers.deleteTree(dir);
        }
    }

    /** The value of an instant query's first sample, or null while there is none (or Prometheus is starting). */
    private static String query(HttpClient http, String api, String promql) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api
                    + URLEncoder.encode(promql, StandardCharsets.UTF_8))).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            Matcher m = VALUE.matcher(r.body());
            return r.statusCode() == 200 && m.find() ? m.group(1) : null;
        } catch (Exception e) {
            return null;
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return "(unreadable)";
        }
    }
}
