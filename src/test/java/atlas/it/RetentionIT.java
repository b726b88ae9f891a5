package atlas.it;

import atlas.testing.Await;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --retain live/=2s} (issue 6, point 4): old live segments expire, playlists under the prefix and objects
 * outside it stay, the sweep is logged, and the deletions survive a restart.
 */
class RetentionIT {
    private static Path workDir;
    private static ServerProcess server;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void startServer() throws Exception {
        workDir = HttpTestServers.workDir(RetentionIT.class);
        server = HttpTestServers.start(workDir, "--no-demo", "--retain", "live/=2s");
    }

    @AfterAll
    static void stopServer() throws IOException {
        HTTP.close(); // first: its pooled connection would keep the server's leak check from judging
        if (server != null) {
            server.close();
        }
        HttpTestServers.deleteTree(workDir);
    }

    private static int put(String name, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.url(name)))
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private static HttpResponse<String> get(String name) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.url(name))).GET().build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldExpireOldLiveSegmentsButKeepPlaylistsAndOtherPrefixes() throws Exception {
        assertThat(put("live/a/seg1.ts", "segment one")).isIn(201, 204);
        assertThat(put("live/a/index.m3u8", "#EXTM3U\n")).isIn(201, 204);
        assertThat(put("live/a/manifest.mpd", "<MPD/>")).isIn(201, 204);
        assertThat(put("vod/x.ts", "vod body")).isIn(201, 204);
        assertThat(get("live/a/seg1.ts").statusCode()).as("young segment").isEqualTo(200);

        // Expired once 2 s old, by a sweep every 500 ms: gone after about 2.5 s. The bound only limits a failure.
        Await.until("the 2 s old segment to expire", Duration.ofSeconds(20),
                () -> get("live/a/seg1.ts").statusCode() == 404);
        assertThat(get("live/a/index.m3u8").body()).isEqualTo("#EXTM3U\n");
        assertThat(get("live/a/manifest.mpd").statusCode()).isEqualTo(200);
        assertThat(get("vod/x.ts").body()).isEqualTo("vod body");
        // The sweeper reports after its deletes are durable, so its line can come a moment after the 404: waited for.
        java.util.regex.Pattern expired =
                java.util.regex.Pattern.compile("atlas: retention: expired 1 object \\(11 bytes\\)");
        String output = Await.until("the sweeper's report", Duration.ofSeconds(10), () -> server.output(),
                o -> expired.matcher(o).find());
        assertThat(output).contains("atlas: retention: [live/=2s] (playlists kept)");

        // A segment written now is young again; a rewritten playlist never expires.
        assertThat(put("live/a/seg2.ts", "segment two")).isIn(201, 204);
        assertThat(get("live/a/seg2.ts").statusCode()).isEqualTo(200);

        // The expiry was journaled: it survives a restart (and the sweeper's journal replays cleanly).
        server.restart();
        assertThat(get("live/a/seg1.ts").statusCode()).isEqualTo(404);
        assertThat(get("live/a/index.m3u8").statusCode()).isEqualTo(200);
        assertThat(get("vod/x.ts").statusCode()).isEqualTo(200);
    }
}
