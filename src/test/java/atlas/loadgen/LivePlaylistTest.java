package atlas.loadgen;

import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LivePlaylistTest {
    private static final URI BASE = URI.create("http://127.0.0.1:8080/live/ch1/index.m3u8?hdnts=x");

    @Test
    void shouldNumberTheSegmentsFromTheMediaSequenceAndResolveThemAgainstThePlaylist() {
        LivePlaylist p = LivePlaylist.parse(BASE, """
                #EXTM3U
                #EXT-X-TARGETDURATION:2
                #EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.0
                #EXT-X-MEDIA-SEQUENCE:41
                #EXTINF:2.002,
                seg41.ts
                #EXTINF:1.5,title
                /other/seg42.ts
                """);
        assertThat(p.canBlockReload()).isTrue();
        assertThat(p.ended()).isFalse();
        assertThat(p.targetDurationSeconds()).isEqualTo(2.0);
        assertThat(p.lastMsn()).isEqualTo(42);
        assertThat(p.segments()).containsExactly(
                new LivePlaylist.Segment(41, URI.create("http://127.0.0.1:8080/live/ch1/seg41.ts"), 2.002),
                new LivePlaylist.Segment(42, URI.create("http://127.0.0.1:8080/other/seg42.ts"), 1.5));
    }

    @Test
    void shouldSeeAnEndedOrEmptyPlaylistAndRefuseWhatIsNotOne() {
        assertThat(LivePlaylist.parse(BASE, "#EXTM3U\n#EXTINF:4,\na.ts\n#EXT-X-ENDLIST\n").ended()).isTrue();
        LivePlaylist empty = LivePlaylist.parse(BASE, "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:7\n#EXT-X-TARGETDURATION:4\n");
        assertThat(empty.lastMsn()).isEqualTo(6);
        assertThat(empty.canBlockReload()).isFalse();
        assertThatThrownBy(() -> LivePlaylist.parse(BASE, "<html>")).hasMessageContaining("not an HLS playlist");
    }
}
