package atlas.it;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

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
    private static final int WINDOW = 6;

    private record Segment(String name, String duration) {
    }

    @Test
    void shouldPlayALiveStreamInHlsJsWithBlockingPlaylistReload() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/chromium")), "chromium is not installed");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/node")), "node is not installed");
        assumeTrue(HttpTestServers.onPath("ffmpeg"), "ffmpeg is not installed");
        Path repo = Path.of(System.getProperty("atlas.repo", ".")).toAbsolutePath();
        assumeTrue(Files.isDirectory(repo.resolve("web/node_modules/hls.js")), "web/node_modules missing");
        Path work = HttpTestServers.workDir(LowLatencyHlsIT.class);
        try (ServerProcess server = HttpTestServers.start(work)) {
            List<Segment> segments = encode(work);
            HttpCurl curl = new HttpCurl(work);
            AtomicReference<Throwable> publishFailure = new AtomicReference<>();
            for (int i = 0; i < 3; i++) {
                publish(curl, server, work, segments, i);
            }
            Thread publisher = Thread.ofPlatform().name("publisher").start(() -> {
                long start = System.nanoTime();
                try {
                    for (int i = 3; i < segments.size(); i++) {
                        // The encoder's clock: segment i is complete one segment duration after segment i - 1.
                        long due = start + (i - 2) * 1_000_000_000L;
                        LockSupport.parkNanos(due - System.nanoTime());
                        publish(curl, server, work, segments, i);
                    }
                } catch (Throwable t) {
                    publishFailure.set(t);
                }
            });
            Path shots = repo.resolve("target").resolve("screenshots").resolve("ll-hls-" + HttpTestServers.engine());
            Process p = new ProcessBuilder(List.of("node", repo.resolve("web/test/live-playback.mjs").toString(),
                    server.url("live/ch1/index.m3u8"), shots.toString()))
                    .directory(repo.resolve("web").toFile()).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            byte[] output = p.getInputStream().readAllBytes();
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            publisher.join();
            assertThat(publishFailure.get()).isNull();
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

    /** SEGMENTS one-second H.264 segments in MPEG-TS, cut by ffmpeg's HLS muxer; their names and durations. */
    private static List<Segment> encode(Path work) throws Exception {
        Path dir = Files.createDirectories(work.resolve("encoded"));
        Process ffmpeg = new ProcessBuilder("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
                "testsrc2=size=320x180:rate=25", "-t", Integer.toString(SEGMENTS), "-c:v", "libx264", "-preset",
                "ultrafast", "-pix_fmt", "yuv420p", "-g", "25", "-keyint_min", "25", "-sc_threshold", "0",
                "-f", "hls", "-hls_time", "1", "-hls_list_size", "0",
                "-hls_segment_filename", dir.resolve("seg%d.ts").toString(), dir.resolve("vod.m3u8").toString())
                .redirectErrorStream(true).start();
        String err = new String(ffmpeg.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(ffmpeg.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(ffmpeg.exitValue()).as(err).isZero();
        List<Segment> segments = new ArrayList<>();
        String duration = null;
        for (String line : Files.readAllLines(dir.resolve("vod.m3u8"))) {
            if (line.startsWith("#EXTINF:")) {
                duration = line.substring("#EXTINF:".length(), line.indexOf(',') < 0 ? line.length() : line.indexOf(','));
            } else if (!line.startsWith("#") && !line.isBlank() && duration != null) {
                segments.add(new Segment(line.strip(), duration));
                duration = null;
            }
        }
        assertThat(segments).hasSizeGreaterThanOrEqualTo(SEGMENTS - 1);
        return segments;
    }

    /** PUTs segment {@code i}, then the live playlist's window ending with it, as a packager does. */
    private static void publish(HttpCurl curl, ServerProcess server, Path work, List<Segment> segments, int i)
            throws Exception {
        Segment s = segments.get(i);
        HttpCurl.Response put = curl.run("-T", work.resolve("encoded").resolve(s.name()).toString(),
                server.url("live/ch1/" + s.name()));
        assertThat(put.status()).as(put.toString()).isBetween(201, 204);
        int first = Math.max(0, i - WINDOW + 1);
        StringBuilder playlist = new StringBuilder("#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:2\n"
                + "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,HOLD-BACK=3.0\n#EXT-X-MEDIA-SEQUENCE:" + first + "\n");
        for (int k = first; k <= i; k++) {
            playlist.append("#EXTINF:").append(segments.get(k).duration()).append(",\n")
                    .append(segments.get(k).name()).append('\n');
        }
        Path file = work.resolve("index-" + i + ".m3u8");
        Files.writeString(file, playlist, StandardCharsets.US_ASCII);
        put = curl.run("-T", file.toString(), server.url("live/ch1/index.m3u8"));
        assertThat(put.status()).as(put.toString()).isBetween(201, 204);
    }
}
