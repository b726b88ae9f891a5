package atlas.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * LL-HLS blocking playlist reload (draft-pantos-hls-rfc8216bis §6.2.5.2) with curl: a GET with {@code _HLS_msn}
 * for a segment the playlist does not have yet is held — seen held in {@code /metrics} — and answered by the PUT of
 * the playlist that has it, with that version; part requests likewise; more than two segments ahead or a part
 * without a segment is 400; a hold nothing satisfies ends in 503 after three target durations; plain polls and
 * playlists never uploaded since start are answered at once.
 */
class BlockingReloadIT {
    private static final String PLAYLIST = "live/ch1/index.m3u8";
    private static Path work;
    private static ServerProcess server;
    private static HttpCurl curl;

    @BeforeAll
    static void start() throws Exception {
        work = HttpTestServers.workDir(BlockingReloadIT.class);
        server = HttpTestServers.start(work);
        curl = new HttpCurl(work);
    }

    @AfterAll
    static void stop() throws IOException {
        if (server != null) {
            server.close();
        }
        HttpTestServers.deleteTree(work);
    }

    /** A live playlist, target duration 1 s, segments first..last, and {@code parts} parts of the next. */
    private static String playlist(int first, int last, int parts) {
        StringBuilder p = new StringBuilder("#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:1\n"
                + "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.6\n#EXT-X-PART-INF:PART-TARGET=0.2\n"
                + "#EXT-X-MEDIA-SEQUENCE:" + first + "\n");
        for (int s = first; s <= last; s++) {
            p.append("#EXTINF:1.000,\nseg").append(s).append(".mp4\n");
        }
        for (int i = 0; i < parts; i++) {
            p.append("#EXT-X-PART:DURATION=0.2,URI=\"seg").append(last + 1).append('.').append(i).append(".mp4\"\n");
        }
        return p.toString();
    }

    private static void put(String body) throws Exception {
        Path file = work.resolve("playlist-" + System.nanoTime());
        Files.writeString(file, body, StandardCharsets.US_ASCII);
        HttpCurl.Response r = curl.run("-T", file.toString(), server.url(PLAYLIST));
        assertThat(r.status()).as(r.toString()).isBetween(201, 204);
    }

    private static double held(String exposition) {
        return OperatorIT.sum(exposition, "atlas_playlist_requests_held", "");
    }

    private static CompletableFuture<HttpCurl.Response> getLater(String query) {
        // A thread of its own each: the common pool may have one thread on a small machine, serialising the holds.
        CompletableFuture<HttpCurl.Response> answer = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                answer.complete(curl.run(server.url(PLAYLIST) + "?" + query));
            } catch (Exception e) {
                answer.completeExceptionally(e);
            }
        });
        return answer;
    }

    @Test
    void shouldHoldARequestUntilThePlaylistHasTheSegmentOrPartThenAnswerWithThatVersion() throws Exception {
        put(playlist(0, 2, 0));
        assertThat(curl.run(server.url(PLAYLIST) + "?_HLS_msn=2").bodyText()).as("has it: at once").contains("seg2.mp4");
        CompletableFuture<HttpCurl.Response> segment = getLater("_HLS_msn=3");
        CompletableFuture<HttpCurl.Response> part = getLater("_HLS_msn=3&_HLS_part=1");
        server.awaitMetrics("both requests held", e -> held(e) == 2, Duration.ofSeconds(20));
        assertThat(segment).isNotDone();
        put(playlist(0, 2, 1));
        server.awaitMetrics("one part is not enough for either", e -> held(e) == 2, Duration.ofSeconds(5));
        put(playlist(0, 2, 2));
        HttpCurl.Response partAnswer = part.get();
        assertThat(partAnswer.status()).isEqualTo(200);
        assertThat(partAnswer.bodyText()).contains("seg3.1.mp4").doesNotContain("seg3.mp4");
        server.awaitMetrics("the segment request still held", e -> held(e) == 1, Duration.ofSeconds(5));
        assertThat(segment).isNotDone();
        put(playlist(1, 3, 0));
        HttpCurl.Response segmentAnswer = segment.get();
        assertThat(segmentAnswer.status()).isEqualTo(200);
        assertThat(segmentAnswer.bodyText()).contains("seg3.mp4");
    }

    @Test
    void shouldRefuseMalformedOrTooDistantDirectivesAndGiveUpAfterThreeTargetDurations() throws Exception {
        put(playlist(10, 12, 0));
        assertThat(curl.run(server.url(PLAYLIST) + "?_HLS_msn=15").status()).as("three ahead").isEqualTo(400);
        assertThat(curl.run(server.url(PLAYLIST) + "?_HLS_part=0").status()).as("part alone").isEqualTo(400);
        assertThat(curl.run(server.url(PLAYLIST) + "?_HLS_msn=x").status()).isEqualTo(400);
        assertThat(curl.run(server.url(PLAYLIST) + "?v=1").bodyText()).as("a plain poll").contains("seg12.mp4");
        long start = System.nanoTime();
        HttpCurl.Response gaveUp = curl.run(server.url(PLAYLIST) + "?_HLS_msn=14");
        long waitedMs = (System.nanoTime() - start) / 1_000_000;
        assertThat(gaveUp.status()).isEqualTo(503);
        assertThat(waitedMs).as("held three target durations of 1 s").isGreaterThanOrEqualTo(2900);
        assertThat(curl.run(server.url("demo/index.m3u8") + "?_HLS_msn=999").status())
                .as("a playlist not uploaded since start is served as it is").isEqualTo(200);
    }
}
