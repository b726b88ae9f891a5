package atlas.it;

import atlas.testing.Await;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operator's surface against a real server: {@code /_atlas/metrics} scraped with curl, the access log and its
 * rotation, health while draining, the start-up report and {@code --print-config}.
 */
class OperatorIT {
    private static Path workDir;
    private static ServerProcess server;
    private static HttpCurl curl;
    private static Path accessLog;

    @BeforeAll
    static void startServer() throws Exception {
        workDir = HttpTestServers.workDir(OperatorIT.class);
        accessLog = workDir.resolve("logs").resolve("access.log");
        server = HttpTestServers.start(workDir, "--access-log", accessLog.toString());
        curl = new HttpCurl(workDir);
    }

    @AfterAll
    static void stopServer() throws IOException {
        if (server != null) {
            server.close();
        }
        HttpTestServers.deleteTree(workDir);
    }

    /** The sum over every series of {@code name} whose labels contain {@code labelFilter} ("" for all). */
    static double sum(String exposition, String name, String labelFilter) {
        Pattern p = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*})? (\\S+)$", Pattern.MULTILINE);
        Matcher m = p.matcher(exposition);
        double total = 0;
        while (m.find()) {
            String labels = m.group(1) == null ? "" : m.group(1);
            if (labels.contains(labelFilter)) {
                total += Double.parseDouble(m.group(2));
            }
        }
        return total;
    }

    private String scrape() throws Exception {
        HttpCurl.Response r = curl.run(server.adminUrl("_atlas/metrics"));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/plain; version=0.0.4");
        return r.bodyText();
    }

    @Test
    void shouldCountRequestsBytesAndStatusCodesInMetrics() throws Exception {
        String before = scrape();
        assertThat(before).contains("# TYPE atlas_requests_total counter", "atlas_info{engine=",
                "# TYPE atlas_request_duration_seconds histogram", "atlas_connections_active{core=\"0\"}",
                "atlas_io_buffers_in_use{core=\"0\"}", "atlas_errors_total{core=\"0\",kind=\"disk\"}",
                "atlas_commits_total{core=\"0\"}", "atlas_commit_entries_total{core=\"0\"}");
        for (int i = 0; i < 5; i++) {
            assertThat(curl.run(server.url("demo/seg000.ts")).status()).isEqualTo(200);
        }
        assertThat(curl.run(server.url("no-such-object")).status()).isEqualTo(404);
        Path body = workDir.resolve("put.bin");
        Files.write(body, new byte[10_000]);
        assertThat(curl.run("-T", body.toString(), server.url("up/one.bin")).status()).isIn(201, 204);
        Path small = workDir.resolve("small.m3u8");
        Files.writeString(small, "#EXTM3U\n#EXT-X-VERSION:3\n");
        assertThat(curl.run("-T", small.toString(), server.url("up/small.m3u8")).status()).isIn(201, 204);
        String after = scrape();
        // The 10 KB body: O_DSYNC body writes and a journal group; the playlist: its body rode in its entry, and its
        // extent copy was written without a flush.
        assertThat(sum(after, "atlas_disk_write_duration_seconds_count", "kind=\"body\"")).isGreaterThanOrEqualTo(
                sum(before, "atlas_disk_write_duration_seconds_count", "kind=\"body\"") + 1);
        assertThat(sum(after, "atlas_disk_write_duration_seconds_count", "kind=\"journal\"")).isGreaterThanOrEqualTo(
                sum(before, "atlas_disk_write_duration_seconds_count", "kind=\"journal\"") + 2);
        assertThat(sum(after, "atlas_disk_write_duration_seconds_count", "kind=\"inline_extent\""))
                .isGreaterThanOrEqualTo(sum(before, "atlas_disk_write_duration_seconds_count",
                        "kind=\"inline_extent\"") + 1);
        assertThat(sum(after, "atlas_commit_inline_bodies_total", "")).isGreaterThanOrEqualTo(
                sum(before, "atlas_commit_inline_bodies_total", "") + 1);
        assertThat(sum(after, "atlas_requests_total", "")).isGreaterThanOrEqualTo(
                sum(before, "atlas_requests_total", "") + 7);
        assertThat(sum(after, "atlas_sent_bytes_total", "")).isGreaterThan(
                sum(before, "atlas_sent_bytes_total", "") + 5 * 100_000);
        assertThat(sum(after, "atlas_responses_total", "code=\"200\"")).isGreaterThanOrEqualTo(
                sum(before, "atlas_responses_total", "code=\"200\"") + 5);
        assertThat(sum(after, "atlas_responses_total", "code=\"404\"")).isGreaterThanOrEqualTo(1);
        assertThat(sum(after, "atlas_errors_total", "kind=\"client\"")).isGreaterThanOrEqualTo(1);
        assertThat(sum(after, "atlas_commits_total", "")).isGreaterThanOrEqualTo(1);
        assertThat(sum(after, "atlas_commit_entries_total", "")).isGreaterThanOrEqualTo(1);
        assertThat(sum(after, "atlas_received_bytes_total", "")).isGreaterThan(10_000);
        assertThat(sum(after, "atlas_request_duration_seconds_count", "")).isGreaterThanOrEqualTo(7);
        // Five GETs of a segment: the first two read from flash (timed, their bytes counted, none left open); the
        // second access makes it popular, so the hot tier holds it and the other three are sent from memory.
        assertThat(sum(after, "atlas_disk_read_duration_seconds_count", "")).isGreaterThanOrEqualTo(
                sum(before, "atlas_disk_read_duration_seconds_count", "") + 2);
        assertThat(sum(after, "atlas_disk_read_bytes_total", "")).isGreaterThanOrEqualTo(
                sum(before, "atlas_disk_read_bytes_total", "") + 2 * 100_000);
        assertThat(sum(after, "atlas_hot_hits_total", "")).isGreaterThanOrEqualTo(
                sum(before, "atlas_hot_hits_total", "") + 3);
        assertThat(sum(after, "atlas_hot_admissions_total", "")).isGreaterThanOrEqualTo(1);
        assertThat(sum(after, "atlas_disk_reads_in_flight", "")).isZero();
        assertThat(sum(after, "atlas_connections_opened_total", "")).isGreaterThanOrEqualTo(8);
        // The scrape's own connection is open while it is answered.
        assertThat(sum(after, "atlas_connections_active", "")).isGreaterThanOrEqualTo(1);
        // Buffers exist once reads needed them, never beyond the cap.
        double allocated = sum(after, "atlas_io_buffer_bytes_allocated", "");
        assertThat(allocated).isGreaterThanOrEqualTo(256 << 10)
                .isLessThanOrEqualTo(sum(after, "atlas_io_buffer_bytes_limit", ""));
    }

    @Test
    void shouldServeStatsAsJson() throws Exception {
        curl.run(server.url("missing/for-stats"));
        HttpCurl.Response r = curl.run(server.adminUrl("_atlas/stats"));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        assertThat(r.bodyText()).startsWith("{\"timeMillis\":").contains("\"engine\":", "\"cores\":[",
                "\"recentErrors\":[", "GET /missing/for-stats HTTP/1.1");
    }

    @Test
    void shouldWriteAccessLogLinesWithEveryField() throws Exception {
        HttpCurl.Response r = curl.run("-H", "Range: bytes=0-99", "-A", "operator-it/1", "-e", "http://ref.example/",
                server.url("demo/seg001.ts"));
        assertThat(r.status()).isEqualTo(206);
        String line = awaitLine(accessLog, "GET /demo/seg001.ts HTTP/1.1");
        String engine = HttpTestServers.engine().equals("uring") ? "io_uring" : "nio";
        Pattern combined = Pattern.compile("^127\\.0\\.0\\.1 - - \\[\\d{2}/[A-Z][a-z]{2}/\\d{4}:\\d{2}:\\d{2}:\\d{2} "
                + "\\+0000] \"GET /demo/seg001\\.ts HTTP/1\\.1\" 206 (\\d+) \"http://ref\\.example/\" "
                + "\"operator-it/1\" 0 \"bytes=0-99\" (\\d+) " + engine + " - ok -$");
        Matcher m = combined.matcher(line);
        assertThat(m.matches()).as(line).isTrue();
        assertThat(Long.parseLong(m.group(1))).as("bytes sent, head included").isGreaterThan(100).isLessThan(2000);
    }

    @Test
    void shouldLogTheWorstCaseRequestEscapedAndCut() throws Exception {
        // Path bytes and field bytes escaped (\xHH is four bytes per byte; the query is logged raw), fields at and
        // past their cuts: the per-exchange buffers grow to the worst case instead of always holding it.
        String path = "demo/" + "%C3%A9".repeat(150) + ".ts";
        String query = "tok=" + "%22".repeat(1200);
        String agent = "\u00e9\"".repeat(400);
        HttpCurl.Response r = curl.run("-A", agent, "-e", "r".repeat(700), "-H", "Range: bytes=" + "0,".repeat(300)
                + "0-1", server.url(path + "?" + query));
        assertThat(r.status()).isEqualTo(404);
        String line = awaitLine(accessLog, "GET /demo/\\xc3\\xa9\\xc3\\xa9");
        assertThat(line).contains("?tok=%22%22").contains(" 404 ").endsWith(" - ok -")
                .contains("\"" + "r".repeat(512) + "\" ");
        assertThat(line.length()).isLessThan(16 * 1024);
    }

    @Test
    void shouldReopenTheAccessLogWhenRotated() throws Exception {
        curl.run(server.url("demo/index.m3u8?before-rotation"));
        awaitLine(accessLog, "before-rotation");
        Path rotated = accessLog.resolveSibling("access.log.1");
        Files.move(accessLog, rotated);
        // SIGUSR1 asks for the reopen at once; without it the writer notices the move within a second.
        new ProcessBuilder("kill", "-USR1", Long.toString(server.pid())).start().waitFor(10, TimeUnit.SECONDS);
        Await.until("the access log reopened after SIGUSR1", Duration.ofSeconds(10), () -> Files.exists(accessLog));
        curl.run(server.url("demo/index.m3u8?after-rotation"));
        String line = awaitLine(accessLog, "after-rotation");
        assertThat(line).contains("\"GET /demo/index.m3u8?after-rotation HTTP/1.1\" 200");
        assertThat(Files.readString(rotated)).contains("before-rotation").doesNotContain("after-rotation");
        assertThat(server.isAlive()).as("SIGUSR1 must not kill the server").isTrue();
    }

    @Test
    void shouldReportWhatItDetectedAtStartUp() {
        String out = server.output();
        assertThat(out).containsPattern("atlas: engine (io_uring|nio), \\d+ cores, O_DIRECT reads of up to \\d+ KiB "
                + "\\(4096-byte alignment\\)");
        assertThat(out).containsPattern("atlas: DAX: (no|yes) \\([^)]*MAP_SYNC (refused|works)\\) — journal ");
        assertThat(out).containsPattern("atlas: memlock: [0-9a-zA-Z ]+\n");
        assertThat(out).contains("atlas: TLS: off (--tls-listen HOST:PORT serves HTTPS)");
        assertThat(out).contains("atlas: access log " + accessLog);
        assertThat(out).contains("_atlas/metrics", "_atlas/health");
    }

    @Test
    void shouldAnswerHealth503WhileDrainingThenExitZero() throws Exception {
        Path dir = HttpTestServers.workDir(OperatorIT.class);
        try (ServerProcess s = HttpTestServers.start(dir, "--drain-delay", "3s", "--access-log", "off")) {
            assertThat(curl.run(s.url("_atlas/health")).status()).isEqualTo(200);
            new ProcessBuilder("kill", "-TERM", Long.toString(s.pid())).start().waitFor(10, TimeUnit.SECONDS);
            // Within the 3 s drain delay: after it the listeners close.
            HttpCurl.Response health = Await.until("health to answer 503 once SIGTERM arrived",
                    Duration.ofSeconds(3), () -> curl.run(s.url("_atlas/health")), h -> h.status() == 503);
            assertThat(health.bodyText()).isEqualTo("draining\n");
            // Everything else is still served during the delay.
            assertThat(curl.run(s.url("demo/index.m3u8")).status()).isEqualTo(200);
            assertThat(s.awaitExit(Duration.ofSeconds(30))).isZero();
        } finally {
            HttpTestServers.deleteTree(dir);
        }
    }

    @Test
    void shouldPrintTheEffectiveConfigWithOrigins() throws Exception {
        Path dir = HttpTestServers.workDir(OperatorIT.class);
        try {
            Files.writeString(dir.resolve("atlas.conf"), "# test\nidle-timeout = 2m\nlisten = 127.0.0.1:9\n");
            ProcessBuilder pb = new ProcessBuilder(ServerProcess.atlasCommand(List.of("serve", "--data",
                    dir.toString(), "--print-config", "--listen", "127.0.0.1:0")));
            pb.environment().put("ATLAS_SEND_TIMEOUT", "7s");
            pb.redirectErrorStream(true);
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as(out).isZero();
            assertThat(out).containsPattern("idle-timeout = 2m +# file .*atlas\\.conf:2")
                    .containsPattern("listen = 127\\.0\\.0\\.1:0 +# flag")
                    .containsPattern("send-timeout = 7s +# environment ATLAS_SEND_TIMEOUT")
                    .containsPattern("header-timeout = 10s +# default");

            Files.writeString(dir.resolve("atlas.conf"), "idle-timeout = 2m\nengine = fast\n");
            Process bad = new ProcessBuilder(ServerProcess.atlasCommand(List.of("serve", "--data", dir.toString())))
                    .redirectErrorStream(true).start();
            String err = new String(bad.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(bad.waitFor()).isEqualTo(2);
            assertThat(err.lines().toList()).hasSize(1);
            assertThat(err).startsWith("atlas serve: " + dir.resolve("atlas.conf") + ":2: invalid value for engine: 'fast'");
        } finally {
            HttpTestServers.deleteTree(dir);
        }
    }

    /** Waits (the writer flushes every 100 ms) for a line of {@code log} containing {@code text}. */
    static String awaitLine(Path log, String text) throws Exception {
        String content = Await.until("a line with '" + text + "' in " + log, Duration.ofSeconds(10),
                () -> Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "(no file)",
                c -> c.lines().anyMatch(line -> line.contains(text)));
        return content.lines().filter(line -> line.contains(text)).findFirst().orElseThrow();
    }
}
