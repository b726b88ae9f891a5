package atlas.server;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class EntityTagsTest {
    private static final byte[] TAG = "\"2a-beef\"".getBytes(StandardCharsets.US_ASCII);

    private static ByteBuffer direct(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer buf = ByteBuffer.allocateDirect(b.length + 8);
        buf.put(4, b);
        return buf;
    }

    private static boolean matches(String list, boolean weak) {
        ByteBuffer b = direct(list);
        return EntityTags.listMatches(b, 4, list.length(), TAG, weak);
    }

    @Test
    void shouldMatchExactTagInList() {
        assertThat(matches("\"2a-beef\"", false)).isTrue();
        assertThat(matches("\"x\", \"2a-beef\"", false)).isTrue();
        assertThat(matches(" \"x\" ,\t\"2a-beef\" ", false)).isTrue();
    }

    @Test
    void shouldNotMatchOtherTagsOrPrefixes() {
        assertThat(matches("\"2a-bee\"", false)).isFalse();
        assertThat(matches("\"2a-beeff\"", false)).isFalse();
        assertThat(matches("2a-beef", false)).isFalse();
        assertThat(matches("", false)).isFalse();
    }

    @Test
    void shouldMatchWeakTagsOnlyUnderWeakComparison() {
        assertThat(matches("W/\"2a-beef\"", true)).isTrue();
        assertThat(matches("W/\"2a-beef\"", false)).isFalse();
    }

    @Test
    void shouldTreatStarAsAnyRepresentation() {
        assertThat(matches("*", false)).isTrue();
        assertThat(matches(" * ", true)).isTrue();
    }

    @Test
    void shouldStopAtMalformedMember() {
        assertThat(matches("\"unterminated, \"2a-beef\"", false)).isFalse();
    }

    @Test
    void shouldTellTagsFromDates() {
        String date = "Sun, 06 Nov 1994 08:49:37 GMT";
        assertThat(EntityTags.looksLikeTag(direct(date), 4, date.length())).isFalse();
        assertThat(EntityTags.looksLikeTag(direct("\"a\""), 4, 3)).isTrue();
        assertThat(EntityTags.looksLikeTag(direct("W/\"a\""), 4, 5)).isTrue();
    }
}
