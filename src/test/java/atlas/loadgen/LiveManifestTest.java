package atlas.loadgen;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The MPD fields a DASH follower reads, from the manifest ffmpeg's dash muxer writes in low-latency mode. */
class LiveManifestTest {
    private static final URI BASE = URI.create("http://127.0.0.1:8080/live/ch1/manifest.mpd");
    /** As ffmpeg 5.1 writes it with -ldash 1 -streaming 1 -use_template 1 -use_timeline 0 (trimmed). */
    private static final String FFMPEG_LL_DASH = """
            <?xml version="1.0" encoding="utf-8"?>
            <MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011"
                type="dynamic" minimumUpdatePeriod="PT500S" availabilityStartTime="2026-12-03T13:43:30.561Z"
                maxSegmentDuration="PT2.0S" minBufferTime="PT2.0S">
              <Period id="0" start="PT0.0S">
                <AdaptationSet id="0" contentType="video" segmentAlignment="true">
                  <Representation id="0" mimeType="video/mp4" codecs="avc1.64001e" bandwidth="1221344">
                    <SegmentTemplate timescale="1000000" duration="2000000" availabilityTimeOffset="1.967"
                        availabilityTimeComplete="false" initialization="init-stream$RepresentationID$.m4s"
                        media="chunk-stream$RepresentationID$-$Number%05d$.m4s" startNumber="1">
                    </SegmentTemplate>
                  </Representation>
                </AdaptationSet>
              </Period>
            </MPD>
            """;

    @Test
    void readsTheTimingAndTheTemplateOfALowLatencyMpd() {
        LiveManifest m = LiveManifest.parse(BASE, FFMPEG_LL_DASH);
        assertThat(m.availabilityStartEpochMillis())
                .isEqualTo(Instant.parse("2026-12-03T13:43:30.561Z").toEpochMilli());
        assertThat(m.segmentNanos()).isEqualTo(2_000_000_000L);
        assertThat(m.startNumber()).isEqualTo(1);
        assertThat(m.availabilityTimeOffsetSeconds()).isEqualTo(1.967);
        assertThat(m.init()).hasToString("http://127.0.0.1:8080/live/ch1/init-stream0.m4s");
        assertThat(m.media(42)).hasToString("http://127.0.0.1:8080/live/ch1/chunk-stream0-00042.m4s");
    }

    @Test
    void aPlainNumberAndAnEscapedDollarAreSubstituted() {
        LiveManifest m = LiveManifest.parse(BASE, FFMPEG_LL_DASH
                .replace("chunk-stream$RepresentationID$-$Number%05d$.m4s", "s$$x-$Number$.m4s"));
        assertThat(m.media(7)).hasToString("http://127.0.0.1:8080/live/ch1/s$x-7.m4s");
    }

    @Test
    void refusesWhatItCannotFollowWithTheReason() {
        assertThatThrownBy(() -> LiveManifest.parse(BASE, FFMPEG_LL_DASH.replace("dynamic", "static")))
                .hasMessageContaining("not a live MPD");
        assertThatThrownBy(() -> LiveManifest.parse(BASE, "#EXTM3U\n"))
                .hasMessageContaining("not an MPD");
        assertThatThrownBy(() -> LiveManifest.parse(BASE, FFMPEG_LL_DASH.replace(" duration=\"2000000\"", "")))
                .hasMessageContaining("not number-based with a duration");
        assertThatThrownBy(() -> LiveManifest.parse(BASE, FFMPEG_LL_DASH
                .replace("<!DOCTYPE", "x").replace("<?xml version=\"1.0\" encoding=\"utf-8\"?>",
                        "<?xml version=\"1.0\"?><!DOCTYPE MPD [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>")))
                .as("no external entities from a server's manifest").hasMessageContaining("not an MPD");
    }
}
