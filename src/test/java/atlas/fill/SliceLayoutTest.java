package atlas.fill;

import atlas.store.ObjectKey;
import atlas.store.UpstreamCopy;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SliceLayoutTest {
    private final SliceLayout layout = new SliceLayout(1 << 20);

    @Test
    void shouldCutAnObjectIntoSlicesWithAShorterLastOne() {
        long complete = 3L * (1 << 20) + 5;
        assertThat(layout.indexOf(0)).isZero();
        assertThat(layout.indexOf((1 << 20) - 1)).isZero();
        assertThat(layout.indexOf(1 << 20)).isEqualTo(1);
        assertThat(layout.start(3)).isEqualTo(3L << 20);
        assertThat(layout.end(2, complete)).isEqualTo(3L << 20);
        assertThat(layout.end(3, complete)).isEqualTo(complete);
    }

    @Test
    void shouldNameSlicesSoThatNoClientCanAndReadTheNameBack() {
        String stored = layout.name("vod/movie.mp4", 42);
        assertThat(stored).isEqualTo("vod/movie.mp4\u00011024:42");
        assertThat(atlas.store.ObjectNames.problem(stored.getBytes(StandardCharsets.UTF_8), stored.length())).as("refused as a client's name").isNotNull();
        assertThat(SliceLayout.index(stored)).isEqualTo(42);
        assertThat(SliceLayout.objectOf(stored)).isEqualTo("vod/movie.mp4");
        assertThat(SliceLayout.index("vod/movie.mp4")).isEqualTo(-1);
        assertThat(SliceLayout.objectOf("vod/movie.mp4")).isEqualTo("vod/movie.mp4");
        assertThat(SliceLayout.describe(stored)).isEqualTo("vod/movie.mp4 [slice 42 of 1024 KiB]");
        assertThat(SliceLayout.of(stored).sliceBytes()).as("the layout it was cut by").isEqualTo(1 << 20);
        assertThat(SliceLayout.of("vod/movie.mp4").on()).isFalse();
        assertThat(new SliceLayout(2 << 20).key("vod/movie.mp4", 42)).as("another layout's slice is another name")
                .isNotEqualTo(layout.key("vod/movie.mp4", 42));
    }

    @Test
    void shouldTakeAnUploadsSliceFromItsAtlasSliceValueOnlyInItsOwnForm() {
        byte[] name = "a.mp4".getBytes(StandardCharsets.UTF_8);
        byte[] scratch = new byte[name.length + SliceLayout.KEY_SUFFIX_BYTES];
        for (String bad : new String[]{"", "12", ":3", "3:", "1024:3:4", "1024;3", "1024:-3", "9999999999999999999:1"}) {
            java.nio.ByteBuffer v = java.nio.ByteBuffer.wrap(bad.getBytes(StandardCharsets.US_ASCII));
            assertThat(SliceLayout.keyOfSuffix(name, name.length, v, 0, bad.length(), scratch)).as(bad).isEqualTo(-1);
        }
        String value = layout.suffix(7).substring(1);
        java.nio.ByteBuffer v = java.nio.ByteBuffer.wrap(value.getBytes(StandardCharsets.US_ASCII));
        int n = SliceLayout.keyOfSuffix(name, name.length, v, 0, value.length(), scratch);
        assertThat(ObjectKey.probe().wrap(scratch, n)).isEqualTo(layout.key("a.mp4", 7));
    }

    @Test
    void shouldBuildTheSameKeyInAScratchArrayAsFromTheName() {
        byte[] name = "a/b.mp4".getBytes(StandardCharsets.UTF_8);
        byte[] scratch = new byte[name.length + SliceLayout.KEY_SUFFIX_BYTES];
        for (int k : new int[]{0, 7, 10, 99, 12345, Integer.MAX_VALUE}) {
            int n = layout.key(name, name.length, k, scratch);
            ObjectKey probe = ObjectKey.probe().wrap(scratch, n);
            assertThat(probe).as("slice %d", k).isEqualTo(layout.key("a/b.mp4", k));
            assertThat(new String(Arrays.copyOf(scratch, n), StandardCharsets.UTF_8))
                    .isEqualTo(layout.name("a/b.mp4", k));
        }
    }

    @Test
    void shouldRefuseSlicesTooSmallToPayForTheirRequests() {
        assertThat(SliceLayout.OFF.on()).isFalse();
        assertThatThrownBy(() -> new SliceLayout(4096)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("whole number of KiB");
        assertThat(SliceLayout.valid(0)).isTrue();
        assertThat(SliceLayout.valid((1 << 20) + 1)).as("not whole KiB").isFalse();
        assertThat(SliceLayout.valid(2L << 30)).as("above 1 GiB").isFalse();
    }

    @Test
    void shouldParseAContentRangeOnlyWhenItNamesBytesOfAKnownLength() {
        assertThat(UpstreamFetcher.contentRange("bytes 0-1048575/3145733")).containsExactly(0, 1048575, 3145733);
        assertThat(UpstreamFetcher.contentRange("bytes 3145728-3145732/3145733")).containsExactly(3145728, 3145732,
                3145733);
        assertThat(UpstreamFetcher.contentRange("bytes 0-99/*")).isNull();
        assertThat(UpstreamFetcher.contentRange("bytes */100")).isNull();
        assertThat(UpstreamFetcher.contentRange("bytes 10-5/100")).isNull();
        assertThat(UpstreamFetcher.contentRange("bytes 0-100/100")).as("last byte past the end").isNull();
        assertThat(UpstreamFetcher.contentRange("items 0-1/2")).isNull();
        assertThat(UpstreamFetcher.contentRange(null)).isNull();
    }

    @Test
    void shouldStitchOnlySlicesOfOneUpstreamVersion() {
        UpstreamCopy.Terms a = new UpstreamCopy.Terms(1, 0, 2, 0, 0, "\"v1\"", "Tue, 01 Dec 2026 10:00:00 GMT",
                null).sliceOf(5_000_000);
        UpstreamCopy.Terms refreshed = new UpstreamCopy.Terms(9, 0, 99, 0, 0, "\"v1\"",
                "Tue, 01 Dec 2026 10:00:00 GMT", "max-age=60").sliceOf(5_000_000);
        assertThat(a.sameVersion(refreshed)).as("fresher terms, same version").isTrue();
        assertThat(a.sameVersion(new UpstreamCopy.Terms(1, 0, 2, 0, 0, "\"v2\"", "Tue, 01 Dec 2026 10:00:00 GMT",
                null).sliceOf(5_000_000))).as("another ETag").isFalse();
        assertThat(a.sameVersion(new UpstreamCopy.Terms(1, 0, 2, 0, 0, "\"v1\"", "Tue, 01 Dec 2026 10:00:00 GMT",
                null).sliceOf(5_000_001))).as("another length").isFalse();
        assertThat(new UpstreamCopy.Terms(1, 0, 2, 0, 0, null, null, null).completeLength())
                .isEqualTo(UpstreamCopy.Terms.WHOLE);
    }
}
