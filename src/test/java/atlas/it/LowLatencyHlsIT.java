package atlas.it;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * hls.js in low-latency mode, in headless Chromium, plays a live stream published in real time — a segment a second
 * and the playlist after it, as a packager PUTs them, the playlist announcing {@code CAN-BLOCK-RELOAD=YES} — and
 * reloads the playlist with {@code _HLS_msn}: those requests are held by the server until the publisher's next
 * playlist has the segment ({@code atlas_playlist_holds_total} moves), and every one is answered 200.
 */
class LowLatencyHlsIT {
    private static final int SEGMENTS = 16;

    @Test
    void shouldPlayALiveStreamInHlsJsWithBlockingPlaylistReload() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/chromium")), "chromium is not installed");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/node")), "node is not installed");
        assumeTrue(HttpTestServers.onPath("ffmpeg"), "ffmpeg is not installed");
        Path repo = Path.of(System.getProperty("atlas.repo", ".")).toAbsolutePath();
        assumeTrue(Files.isDirectory(repo.resolve("web/node_modules/hls.js")), "web/node_modules missing");
        Path work = HttpTestServers.workDir(LowLatencyHlsIT.class);
        try (ServerProcess server = HttpTestServers.start(work)) {
            LiveHlsPublisher publisher = new LiveHlsPublisher(server, work, "live/ch1/", SEGMENTS);
            publisher.publishFirst(3);
            publisher.startRealTime(3);
            Path shots = repo.resolve("target").resolve("screenshots").resolve("ll-hls-" + HttpTestServers.engine());
            Process p = new ProcessBuilder(List.of("node", repo.resolve("web/test/live-playback.mjs").toString(),
                    server.url("live/ch1/index.m3u8"), shots.toString()))
                    .directory(repo.resolve("web").toFile()).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            byte[] output = p.getInputStream().readAllBytes();
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            publisher.finish();
            String out = new String(output, StandardCharsets.UTF_8);
            System.out.println("hls.js low-latency: " + out.strip()); // blocking reloads, their durations, latency
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).contains("\"ok\":true");
            server.awaitMetrics("blocking reloads held by the server",
                    e -> OperatorIT.sum(e, "atlas_playlist_holds_total", "") >= 1, Duration.ofSeconds(10));
        } finally {
            HttpTestServers.deleteTree(work);
        }
    }
}
