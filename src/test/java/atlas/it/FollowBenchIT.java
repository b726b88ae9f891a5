package atlas.it;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code atlas bench --follow} against a stream published in real time: its viewers join behind the live edge,
 * fetch each new segment once, reload with {@code _HLS_msn} (the playlist allows blocking reload) and report it.
 */
class FollowBenchIT {
    @Test
    void shouldFollowALiveStreamAsPlayersDoAndReportSegmentsAndBlockingReloads() throws Exception {
        assumeTrue(HttpTestServers.onPath("ffmpeg"), "ffmpeg is not installed");
        Path work = HttpTestServers.workDir(FollowBenchIT.class);
        try (ServerProcess server = HttpTestServers.start(work)) {
            LiveHlsPublisher publisher = new LiveHlsPublisher(server, work, "live/f/", 14);
            publisher.publishFirst(4);
            publisher.startRealTime(4);
            Process bench = new ProcessBuilder(ServerProcess.atlasCommand(List.of("bench", "--follow",
                    publisher.playlistUrl(), "-c", "20", "-d", "6s", "--json"))).start();
            String err = new String(bench.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            String json = new String(bench.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(bench.waitFor(120, TimeUnit.SECONDS)).isTrue();
            publisher.finish();
            assertThat(bench.exitValue()).as(err).isZero();
            assertThat(err).contains("atlas bench --follow:").contains("following " + publisher.playlistUrl());
            long viewers = number(json, "viewers");
            long segments = number(json, "segments");
            // 20 viewers for ~6 s of a segment a second: each gets its 3 joining segments and ~5 new ones.
            assertThat(viewers).isEqualTo(20);
            assertThat(segments).as(json).isGreaterThanOrEqualTo(20 * 6);
            assertThat(number(json, "blockingReloads")).as(json).isGreaterThanOrEqualTo(20 * 3);
            assertThat(json).contains("\"errors\":{\"http\":0,\"io\":0}");
        } finally {
            HttpTestServers.deleteTree(work);
        }
    }

    private static long number(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":(\\d+)").matcher(json);
        assertThat(m.find()).as(field + " in " + json).isTrue();
        return Long.parseLong(m.group(1));
    }
}
