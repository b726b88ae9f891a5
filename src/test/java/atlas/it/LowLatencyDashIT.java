package atlas.it;

import atlas.testing.Await;
import org.junit.jupiter.api.Test;

import java.io.File;
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
 * Low-latency DASH end to end with the real parts: ffmpeg encodes in real time and pushes LL-DASH by chunked PUT
 * ({@code -ldash 1 -streaming 1 -method PUT -http_persistent 1}: one CMAF chunk per frame, each segment's PUT
 * open for its 2 s), and dash.js in low-latency mode, in headless Chromium, plays it while segments are read as
 * they arrive. Playback advances without stalls and dash.js's own live latency stays under 2 s — below one
 * segment, which a server that shows a segment only once stored cannot reach (bench/live-latency.sh sets nginx
 * beside it). Then 200 viewers of {@code atlas bench --follow} on the MPD get every segment with no stall.
 */
class LowLatencyDashIT {
    private static final Pattern LATENCY = Pattern.compile("\"latencyP50\":([0-9.]+)");
    private static final Pattern STALLS = Pattern.compile("\"stalls\":([0-9]+)");
    private static final Pattern SEGMENTS = Pattern.compile("\"segments\":([0-9]+)");
    private static final Pattern START_TO_FIRST_BYTE_P99 =
            Pattern.compile("\"startToFirstByteMicros\":\\{\"p50\":[0-9]+,\"p99\":([0-9]+)");

    @Test
    void dashJsPlaysAnLlDashPushFromFfmpegBelowOneSegmentOfLatency() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/chromium")), "chromium is not installed");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/node")), "node is not installed");
        assumeTrue(HttpTestServers.onPath("ffmpeg"), "ffmpeg is not installed");
        Path repo = Path.of(System.getProperty("atlas.repo", ".")).toAbsolutePath();
        assumeTrue(Files.isDirectory(repo.resolve("web/node_modules/dashjs")), "web/node_modules missing");
        Path work = HttpTestServers.workDir(LowLatencyDashIT.class);
        Process encoder = null;
        try (ServerProcess server = HttpTestServers.start(work, "--no-demo", "--hot-memory", "64m",
                "--hot-prefix", "live/")) {
            HttpCurl curl = new HttpCurl(work);
            encoder = new ProcessBuilder(List.of("ffmpeg", "-hide_banner", "-loglevel", "error", "-re",
                    "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-t", "120",
                    "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
                    "-g", "60", "-keyint_min", "60", "-sc_threshold", "0",
                    "-f", "dash", "-ldash", "1", "-streaming", "1", "-seg_duration", "2", "-frag_type", "every_frame",
                    "-use_template", "1", "-use_timeline", "0", "-window_size", "6", "-remove_at_exit", "0",
                    "-method", "PUT", "-http_persistent", "1", server.url("live/ll/manifest.mpd")))
                    .redirectErrorStream(true).redirectOutput(work.resolve("ffmpeg.log").toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            try {
                measure(server, curl, repo, work, encoder);
            } finally {
                stop(encoder); // before the server closes: it checks that no client is connected
            }
        } finally {
            if (encoder != null) {
                stop(encoder);
            }
            HttpTestServers.deleteTree(work);
        }
    }

    private static void measure(ServerProcess server, HttpCurl curl, Path repo, Path work, Process encoder)
            throws Exception {
        Await.until("ffmpeg's manifest and first segments", Duration.ofSeconds(30),
                () -> curl.run("-I", server.url("live/ll/chunk-stream0-00002.m4s")).status() == 200);

        Path shots = repo.resolve("target").resolve("screenshots").resolve("ll-dash-" + HttpTestServers.engine());
        Process p = new ProcessBuilder(List.of("node", repo.resolve("web/test/live-latency.mjs").toString(),
                shots.toString(), "10", "atlas,dash," + server.url("live/ll/manifest.mpd")))
                .directory(repo.resolve("web").toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        byte[] output = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String out = new String(output, StandardCharsets.UTF_8);
        System.out.println("dash.js low-latency through Atlas: " + out.strip());
        assertThat(encoder.isAlive()).as("ffmpeg still publishing: " + Files.readString(work.resolve("ffmpeg.log")))
                .isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        double latency = number(LATENCY, out);
        assertThat(latency).as("dash.js live latency, median over 10 s (s)").isBetween(0.1, 2.0);
        assertThat(number(STALLS, out)).as("stalls while measured").isLessThanOrEqualTo(1);
        String metrics = curl.run(server.adminUrl("_atlas/metrics")).bodyText();
        assertThat(OperatorIT.sum(metrics, "atlas_growing_reads_total", ""))
                .as("segments streamed to dash.js while their PUT arrived").isGreaterThanOrEqualTo(3);

        // The same stream followed by 200 DASH viewers of atlas bench --follow: each segment once, no stall.
        Process bench = new ProcessBuilder(ServerProcess.atlasCommand(List.of("bench", "--follow",
                server.url("live/ll/manifest.mpd"), "--connections", "200", "--duration", "7s", "--json")))
                .redirectError(work.resolve("follow.err").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String json = new String(bench.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(bench.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String report = json + Files.readString(work.resolve("follow.err"));
        assertThat(bench.exitValue()).as(report).isZero();
        assertThat(number(SEGMENTS, json)).as(report).isGreaterThanOrEqualTo(400);
        assertThat(number(STALLS, json)).as(report).isZero();
        assertThat(json).as(report).contains("\"errors\":{\"http\":0,\"io\":0}");
        assertThat(number(START_TO_FIRST_BYTE_P99, json)).as("µs from a segment's start to its first byte: " + report)
                .isBetween(1.0, 1_000_000.0);
    }

    private static void stop(Process encoder) throws InterruptedException {
        encoder.destroy();
        if (!encoder.waitFor(10, TimeUnit.SECONDS)) {
            encoder.destroyForcibly();
            encoder.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static double number(Pattern p, String out) {
        Matcher m = p.matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
