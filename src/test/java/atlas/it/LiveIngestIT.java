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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real live encoder publishes into the server while a player reads the same stream: {@code ffmpeg -re … -f hls
 * -method PUT} uploads segments and rewrites the playlist every 2 s (with {@code delete_segments} it also DELETEs
 * segments that left the window), and a reader polls the playlist the whole time. Every playlist the reader sees
 * must be whole (playlist overwrites are atomic) and every segment it lists must be fetchable as MPEG-TS; at the
 * end ffmpeg decodes the stream over HTTP.
 */
class LiveIngestIT {
    private static Path work;
    private static ServerProcess server;

    @BeforeAll
    static void start() throws IOException {
        assumeTrue(HttpTestServers.onPath("ffmpeg"), "ffmpeg not installed (./atlas test installs it)");
        work = HttpTestServers.workDir(LiveIngestIT.class);
        server = HttpTestServers.start(work, "--no-demo");
    }

    @AfterAll
    static void stop() throws IOException {
        if (server != null) {
            server.close();
        }
        HttpTestServers.deleteTree(work);
    }

    @Test
    void shouldServeALiveStreamWhileAnEncoderPublishesIt() throws Exception {
        String playlistUrl = server.url("live/cam1/index.m3u8");
        Process encoder = new ProcessBuilder("ffmpeg", "-v", "error", "-re",
                "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-t", "10",
                "-c:v", "libx264", "-preset", "ultrafast", "-g", "25",
                "-f", "hls", "-hls_time", "2", "-hls_list_size", "3", "-hls_flags", "delete_segments",
                "-method", "PUT", playlistUrl)
                .redirectErrorStream(true).start();

        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build()) {
            ReadCounts counts = new ReadCounts();
            List<String> problems = new ArrayList<>();
            String previous = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
            while (encoder.isAlive() && System.nanoTime() < deadline) {
                // Like a player: read the playlist until the encoder has rewritten it, each read checked whole.
                String seen = previous;
                String playlist = Await.until("the encoder to publish a new playlist", Duration.ofSeconds(20),
                        () -> readPlaylist(client, playlistUrl, counts, problems),
                        body -> body != null && !body.equals(seen) || !encoder.isAlive());
                if (playlist == null || playlist.equals(previous)) {
                    break; // the encoder finished
                }
                previous = playlist;
                counts.versions++;
                for (String line : playlist.split("\n")) {
                    if (line.isEmpty() || line.startsWith("#")) {
                        continue;
                    }
                    HttpResponse<byte[]> segment = client.send(HttpRequest.newBuilder(
                            URI.create(playlistUrl).resolve(line)).timeout(Duration.ofSeconds(5)).build(),
                            HttpResponse.BodyHandlers.ofByteArray());
                    // A segment may leave the window (DELETE) between our playlist read and this GET; anything
                    // else but a whole MPEG-TS is a fault.
                    if (segment.statusCode() == 404) {
                        continue;
                    }
                    counts.segments++;
                    byte[] ts = segment.body();
                    if (segment.statusCode() != 200 || ts.length == 0 || ts.length % 188 != 0 || ts[0] != 0x47
                            || !segment.headers().firstValue("Content-Type").orElse("").equals("video/mp2t")) {
                        problems.add(line + ": status " + segment.statusCode() + ", " + ts.length + " bytes");
                    }
                }
            }
            assertThat(encoder.waitFor(30, TimeUnit.SECONDS)).as("encoder finished").isTrue();
            String encoderOutput = new String(encoder.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(encoder.exitValue()).as("ffmpeg publishing: %s", encoderOutput).isZero();
            assertThat(problems).isEmpty();
            assertThat(counts.reads).as("playlists read while live").isGreaterThan(10);
            assertThat(counts.versions).as("playlist versions seen while live").isGreaterThanOrEqualTo(3);
            assertThat(counts.segments).as("segments fetched while live").isGreaterThan(5);

            String listing = client.send(HttpRequest.newBuilder(URI.create(server.adminUrl("_atlas/list?prefix=live/cam1/")))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            long segmentsStored = listing.lines().filter(l -> l.contains(".ts\t")).count();
            assertThat(segmentsStored).as("segments left after the encoder deleted old ones:\n%s", listing)
                    .isBetween(1L, 4L);
        }

        Process player = new ProcessBuilder("ffmpeg", "-v", "error", "-i", playlistUrl, "-f", "null", "-")
                .redirectErrorStream(true).start();
        assertThat(player.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String playerOutput = new String(player.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(player.exitValue()).as("ffmpeg decoding the published stream: %s", playerOutput).isZero();
        assertThat(playerOutput).isEmpty();
    }

    /** What the reader did while the stream was live. */
    private static final class ReadCounts {
        int reads;
        int versions;
        int segments;
    }

    /** The playlist as it is now (null before the encoder's first one), checked to be whole. */
    private static String readPlaylist(HttpClient client, String url, ReadCounts counts, List<String> problems)
            throws Exception {
        HttpResponse<String> playlist = client.send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        if (playlist.statusCode() == 404) {
            return null;
        }
        counts.reads++;
        String body = playlist.body();
        if (!body.startsWith("#EXTM3U\n") || !body.endsWith("\n")) {
            problems.add("torn playlist: " + body);
        }
        return body;
    }

}
