package atlas.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ObjectNamesTest {
    @ParameterizedTest
    @ValueSource(strings = {"vod/title/seg00042.ts", "a", "live/ch1/index.m3u8", "vidéo/日本語/セグメント.ts",
            "a.b/c..d/.hidden", "emoji/🎬.mp4", "_atlas", "x/_atlas/y", "with space/and%20escapes"})
    void shouldAcceptGoodNames(String name) {
        assertThat(problem(name)).isNull();
        assertThat(ObjectNames.requireValid(name)).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "..", ".", "a/../b", "a/./b", "a//b", "/a", "a/", "/", "a\\b", "a\u0000b",
            "a\u001fb", "a\u007fb", "a\nb", "_atlas/x", "_atlas/", "x/.."})
    void shouldRejectBadNames(String name) {
        assertThat(problem(name)).isNotNull();
        assertThatThrownBy(() -> ObjectNames.requireValid(name)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bad object name");
    }

    @Test
    void shouldRejectNamesLongerThanTheLimit() {
        assertThat(problem("a".repeat(ObjectNames.MAX_LENGTH))).isNull();
        assertThat(problem("a".repeat(ObjectNames.MAX_LENGTH + 1))).contains("longer than 1024");
    }

    @Test
    void shouldRejectMalformedUtf8() {
        assertThat(ObjectNames.problem(new byte[] {'a', (byte) 0xC0, (byte) 0xAF}, 3)).contains("UTF-8"); // overlong
        assertThat(ObjectNames.problem(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, 3)).contains("UTF-8");
        assertThat(ObjectNames.problem(new byte[] {'a', (byte) 0xE2, (byte) 0x82}, 3)).contains("UTF-8"); // cut
        assertThat(ObjectNames.problem(new byte[] {(byte) 0xF5, (byte) 0x80, (byte) 0x80, (byte) 0x80}, 4))
                .contains("UTF-8");
        assertThat(ObjectNames.problem(new byte[] {(byte) 0x80}, 1)).contains("UTF-8");
    }

    @Test
    void shouldOnlyLookAtTheGivenLength() {
        byte[] buf = "ok/name//junk".getBytes(StandardCharsets.US_ASCII);
        assertThat(ObjectNames.problem(buf, 7)).isNull();
        assertThat(ObjectNames.problem(buf, 8)).isNotNull();
    }

    private static String problem(String name) {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        return ObjectNames.problem(b, b.length);
    }
}
