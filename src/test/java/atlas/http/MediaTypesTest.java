package atlas.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MediaTypesTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "live/index.m3u8|application/vnd.apple.mpegurl", "vod/manifest.mpd|application/dash+xml",
        "seg_001.ts|video/mp2t", "chunk-1.m4s|video/mp4", "init.mp4|video/mp4", "audio.m4a|audio/mp4",
        "a.aac|audio/aac", "subs/en.vtt|text/vtt", "clip.webm|video/webm", "keys/k1.key|application/octet-stream",
        "index.html|text/html; charset=utf-8", "style.css|text/css; charset=utf-8",
        "player.js|text/javascript; charset=utf-8", "data.json|application/json",
        "readme.txt|text/plain; charset=utf-8", "poster.png|image/png", "thumb.jpg|image/jpeg",
        "thumb.jpeg|image/jpeg", "logo.svg|image/svg+xml", "favicon.ico|image/vnd.microsoft.icon",
        "decoder.wasm|application/wasm", "sitemap.xml|application/xml"})
    void shouldMapExtensions(String name, String type) {
        assertThat(MediaTypes.forName(name)).isEqualTo(type);
    }

    @Test
    void shouldMatchExtensionsCaseInsensitively() {
        assertThat(MediaTypes.forName("SEG.TS")).isEqualTo("video/mp2t");
        assertThat(MediaTypes.forName("Index.M3u8")).isEqualTo("application/vnd.apple.mpegurl");
        assertThat(MediaTypes.isManifest("LIVE.MPD")).isTrue();
    }

    @Test
    void shouldReturnNullWithoutKnownExtension() {
        assertThat(MediaTypes.forName("segment.xyz")).isNull();
        assertThat(MediaTypes.forName("README")).isNull();
        assertThat(MediaTypes.forName("dir.ts/file")).isNull();
        assertThat(MediaTypes.forName(".ts")).isNull();
        assertThat(MediaTypes.forName("dir/.ts")).isNull();
        assertThat(MediaTypes.forName("name.")).isNull();
        assertThat(MediaTypes.forName("")).isNull();
    }

    @Test
    void shouldRecogniseManifestsOnly() {
        assertThat(MediaTypes.isManifest("a/b.m3u8")).isTrue();
        assertThat(MediaTypes.isManifest("b.mpd")).isTrue();
        assertThat(MediaTypes.isManifest("b.ts")).isFalse();
        assertThat(MediaTypes.isManifest("m3u8")).isFalse();
        assertThat(MediaTypes.isManifest("b.m3u")).isFalse();
    }
}
