package atlas.it;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A protected stream in the players viewers use: hls.js and dash.js in headless Chromium ({@code
 * web/test/protected-playback.mjs}) open the path-form signed URL {@code atlas sign} prints, and play — every
 * segment request carried the token by relative resolution alone, no player code — while the same link expired
 * is refused with 410 and nothing plays. The HLS stream is the demo; the DASH one is cut by ffmpeg and uploaded.
 */
class ProtectedPlaybackIT {
    private static final String KEY = "8f4c1e2a9b7d6053e1f2a3b4c5d6e7f8";

    @Test
    void shouldPlayAProtectedStreamInHlsJsAndDashJsWithASignedUrlAndRefuseAnExpiredOne() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/chromium")), "chromium is not installed");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/node")), "node is not installed");
        assumeTrue(HttpTestServers.onPath("ffmpeg"), "ffmpeg is not installed");
        Path repo = Path.of(System.getProperty("atlas.repo", ".")).toAbsolutePath();
        assumeTrue(Files.isDirectory(repo.resolve("web/node_modules/dashjs")),
                "web/node_modules missing: the build's npm ci did not run");
        Path work = HttpTestServers.workDir(ProtectedPlaybackIT.class);
        Path keys = work.resolve("keys");
        Files.writeString(keys, KEY + "\n");
        Path shots = repo.resolve("target").resolve("screenshots").resolve("protected-" + HttpTestServers.engine());
        try (ServerProcess server = HttpTestServers.start(work, "--protect", "demo/", "--token-keys", keys.toString())) {
            uploadDash(server, work);
            String hls = AtlasSign.sign(server, KEY, "--expires 1h", "demo/index.m3u8").get(2);
            String hlsExpired = AtlasSign.sign(server, KEY, "--expiry-epoch 1000000000", "demo/index.m3u8").get(2);
            String dash = AtlasSign.sign(server, KEY, "--expires 1h", "demo/dash/manifest.mpd").get(2);
            String dashExpired = AtlasSign.sign(server, KEY, "--expiry-epoch 1000000000", "demo/dash/manifest.mpd")
                    .get(2);
            Process p = new ProcessBuilder(List.of("node", repo.resolve("web/test/protected-playback.mjs").toString(),
                    server.baseUrl(), shots.toString(), "hls," + hls + ",play", "hls," + hlsExpired + ",410",
                    "dash," + dash + ",play", "dash," + dashExpired + ",410"))
                    .directory(repo.resolve("web").toFile()).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            byte[] output = p.getInputStream().readAllBytes();
            assertThat(p.waitFor(240, TimeUnit.SECONDS)).isTrue();
            String out = new String(output, StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).contains("\"ok\":true");
        } finally {
            HttpTestServers.deleteTree(work);
        }
    }

    /** Six seconds of H.264 in two-second fMP4 segments under {@code demo/dash/}, each file PUT by curl. */
    private static void uploadDash(ServerProcess server, Path work) throws Exception {
        Path dash = Files.createDirectories(work.resolve("dash"));
        Process ffmpeg = new ProcessBuilder("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
                "testsrc2=size=320x180:rate=25", "-t", "6", "-c:v", "libx264", "-preset", "ultrafast",
                "-pix_fmt", "yuv420p", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0", "-f", "dash",
                "-seg_duration", "2", "-use_template", "1", "-use_timeline", "0",
                "-init_seg_name", "init-$RepresentationID$.m4s",
                "-media_seg_name", "chunk-$RepresentationID$-$Number%05d$.m4s",
                dash.resolve("manifest.mpd").toString()).redirectErrorStream(true).start();
        String err = new String(ffmpeg.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(ffmpeg.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(ffmpeg.exitValue()).as(err).isZero();
        HttpCurl curl = new HttpCurl(work);
        List<Path> files;
        try (Stream<Path> listed = Files.list(dash)) {
            files = new ArrayList<>(listed.sorted().toList());
        }
        assertThat(files).hasSizeGreaterThan(3);
        for (Path f : files) {
            HttpCurl.Response put = curl.run("-T", f.toString(), server.url("demo/dash/" + f.getFileName()));
            assertThat(put.status()).as(put.toString()).isBetween(200, 204);
        }
    }
}
