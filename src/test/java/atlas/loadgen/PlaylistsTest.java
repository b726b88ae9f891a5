package atlas.loadgen;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PlaylistsTest {
    private static final URI BASE = URI.create("http://127.0.0.1:8080/vod/title/index.m3u8");

    @Test
    void shouldResolveSegmentsRelativeToThePlaylist() {
        String text = """
                #EXTM3U
                #EXT-X-VERSION:3
                #EXT-X-TARGETDURATION:2
                #EXTINF:2.0,
                seg000.ts
                #EXTINF:2.0,
                ../other/seg001.ts

                #EXTINF:2.0,
                /abs/seg002.ts?token=a%20b
                #EXTINF:2.0,
                http://127.0.0.1:8080/full/seg003.ts
                #EXT-X-ENDLIST
                """;
        Playlists.Parsed parsed = Playlists.parse(BASE, text);
        assertThat(parsed.isMaster()).isFalse();
        assertThat(parsed.segments()).containsExactly(
                URI.create("http://127.0.0.1:8080/vod/title/seg000.ts"),
                URI.create("http://127.0.0.1:8080/vod/other/seg001.ts"),
                URI.create("http://127.0.0.1:8080/abs/seg002.ts?token=a%20b"),
                URI.create("http://127.0.0.1:8080/full/seg003.ts"));
    }

    @Test
    void shouldFollowTheFirstVariantOfAMasterPlaylist() {
        String text = "#EXTM3U\r\n"
                + "#EXT-X-STREAM-INF:BANDWIDTH=1280000,RESOLUTION=640x360\r\n"
                + "360p/index.m3u8\r\n"
                + "#EXT-X-STREAM-INF:BANDWIDTH=2560000,RESOLUTION=1280x720\r\n"
                + "720p/index.m3u8\r\n";
        Playlists.Parsed parsed = Playlists.parse(BASE, text);
        assertThat(parsed.isMaster()).isTrue();
        assertThat(parsed.variant()).isEqualTo(URI.create("http://127.0.0.1:8080/vod/title/360p/index.m3u8"));
    }

    @Test
    void shouldRefuseTextThatIsNotAPlaylist() {
        assertThatThrownBy(() -> Playlists.parse(BASE, "<html>not found</html>"))
                .hasMessageContaining("not an HLS playlist");
    }

    @Test
    void shouldRecogniseAPlaylistByItsExtension() {
        assertThat(Playlists.looksLikePlaylist(URI.create("http://h/demo/index.m3u8"))).isTrue();
        assertThat(Playlists.looksLikePlaylist(URI.create("http://h/demo/index.m3u8?x=1"))).isTrue();
        assertThat(Playlists.looksLikePlaylist(URI.create("http://h/demo/seg000.ts"))).isFalse();
    }

    @Test
    void shouldBuildOneRequestPerTargetOnOneOrigin() {
        TargetList targets = TargetList.of(List.of(URI.create("http://127.0.0.1:8080/a.ts"),
                URI.create("http://127.0.0.1:8080/b.ts?q=1")));
        assertThat(targets.paths()).containsExactly("/a.ts", "/b.ts?q=1");
        assertThat(new String(targets.request(1), java.nio.charset.StandardCharsets.US_ASCII))
                .startsWith("GET /b.ts?q=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n").endsWith("\r\n\r\n");
        assertThatThrownBy(() -> TargetList.of(List.of(URI.create("http://127.0.0.1:8080/a.ts"),
                URI.create("http://127.0.0.1:8081/b.ts")))).hasMessageContaining("same server");
        assertThatThrownBy(() -> TargetList.of(List.of(URI.create("https://127.0.0.1/a.ts"))))
                .hasMessageContaining("only http://");
    }
}
