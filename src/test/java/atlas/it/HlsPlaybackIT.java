package atlas.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The demo HLS stream as real players read it: ffprobe and ffmpeg fetch {@code demo/index.m3u8} over HTTP and
 * decode every segment; curl checks each listed segment's type. Skipped only where ffmpeg is not installed
 * ({@code ./atlas test} installs it).
 */
class HlsPlaybackIT {
    private static final String PLAYLIST = "demo/index.m3u8";

    private static Path workDir;
    private static ServerProcess server;
    private static HttpCurl curl;

    record Run(int exit, String out, String err) {
    }

    @BeforeAll
    static void startServer() throws Exception {
        workDir = HttpTestServers.workDir(HlsPlaybackIT.class);
        server = HttpTestServers.start(workDir);
        curl = new HttpCurl(workDir);
    }

    @AfterAll
    static void stopServer() throws IOException {
        if (server != null) {
            server.close();
        }
        HttpTestServers.deleteTree(workDir);
    }

    @Test
    void shouldReportTheDemoDurationToFfprobe() throws Exception {
        assumeTrue(HttpTestServers.onPath("ffprobe"), "ffprobe is not installed");
        Run probe = run("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                server.url(PLAYLIST));
        assertThat(probe.exit()).as(probe.toString()).isZero();
        assertThat(probe.err()).as("ffprobe errors").isEmpty();
        double seconds = Double.parseDouble(probe.out().trim());
        assertThat(seconds).as("demo duration in seconds").isGreaterThan(5.0).isLessThan(60.0);
    }

    @Test
    void shouldDecodeEverySegmentWithFfmpeg() throws Exception {
        assumeTrue(HttpTestServers.onPath("ffmpeg"), "ffmpeg is not installed");
        Run decode = run("ffmpeg", "-nostdin", "-v", "error", "-i", server.url(PLAYLIST), "-f", "null", "-");
        assertThat(decode.exit()).as(decode.toString()).isZero();
        assertThat(decode.err()).as("ffmpeg errors").isEmpty();
    }

    @Test
    void shouldServeEveryListedSegmentAsMpegTs() throws Exception {
        HttpCurl.Response playlist = curl.run(server.url(PLAYLIST));
        assertThat(playlist.status()).as(playlist.toString()).isEqualTo(200);
        assertThat(playlist.header("Content-Type")).startsWith("application/vnd.apple.mpegurl");
        String text = playlist.bodyText();
        assertThat(text).startsWith("#EXTM3U").contains("#EXT-X-ENDLIST");
        List<String> segments = text.lines().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .toList();
        long extinf = text.lines().filter(l -> l.startsWith("#EXTINF:")).count();
        assertThat(segments).as("segment URIs").isNotEmpty().hasSize((int) extinf);
        for (String segment : segments) {
            HttpCurl.Response head = curl.run("-I", server.url("demo/" + segment));
            assertThat(head.status()).as(segment + ": " + head).isEqualTo(200);
            assertThat(head.header("Content-Type")).as(segment).isEqualTo("video/mp2t");
            assertThat(Long.parseLong(head.header("Content-Length"))).as(segment).isPositive();
        }
    }


    private static Run run(String... cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile(workDir, "out", ".txt");
        Path err = Files.createTempFile(workDir, "err", ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish within 120 s");
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }
}
