package atlas.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RangeSetTest {
    private final RangeSet ranges = new RangeSet(3);

    private int parse(String value, long length) {
        ByteBuffer buf = Bytes.direct(value, 7);
        return ranges.parse(buf, 7, value.length(), length);
    }

    private void assertRanges(long... firstLastPairs) {
        assertThat(ranges.count()).isEqualTo(firstLastPairs.length / 2);
        for (int i = 0; i < ranges.count(); i++) {
            assertThat(new long[] {ranges.first(i), ranges.last(i)})
                .containsExactly(firstLastPairs[2 * i], firstLastPairs[2 * i + 1]);
        }
    }

    @Test
    void shouldResolveTheThreeRangeForms() {
        assertThat(parse("bytes=0-499", 1000)).isEqualTo(RangeSet.SATISFIABLE);
        assertRanges(0, 499);
        assertThat(parse("bytes=500-", 1000)).isEqualTo(RangeSet.SATISFIABLE);
        assertRanges(500, 999);
        assertThat(parse("bytes=-200", 1000)).isEqualTo(RangeSet.SATISFIABLE);
        assertRanges(800, 999);
    }

    @Test
    void shouldClampLastAndLongSuffix() {
        assertThat(parse("bytes=900-5000", 1000)).isEqualTo(RangeSet.SATISFIABLE);
        assertRanges(900, 999);
        assertThat(parse("bytes=-2000", 1000)).isEqualTo(RangeSet.SATISFIABLE);
        assertRanges(0, 999);
        assertThat(parse("bytes=999-999", 1000)).isEqualTo(RangeSet.SATISFIABLE);
        assertRanges(999, 999);
    }

    @Test
    void shouldMatchUnitCaseInsensitively() {
        assertThat(parse("BYTES=0-1", 10)).isEqualTo(RangeSet.SATISFIABLE);
        assertThat(parse("Bytes=0-1", 10)).isEqualTo(RangeSet.SATISFIABLE);
    }

    @Test
    void shouldAcceptOwsAndEmptyListElementsKeepingOrder() {
        assertThat(parse("bytes= 8-9 ,, 0-1 ,\t-1,", 100)).isEqualTo(RangeSet.SATISFIABLE);
        assertRanges(8, 9, 0, 1, 99, 99);
    }

    @Test
    void shouldNotMergeOverlappingRanges() {
        assertThat(parse("bytes=0-10,5-15", 100)).isEqualTo(RangeSet.SATISFIABLE);
        assertRanges(0, 10, 5, 15);
        assertThat(ranges.totalLength()).isEqualTo(22);
    }

    @Test
    void shouldDropUnsatisfiableElementsAmongSatisfiableOnes() {
        assertThat(parse("bytes=2000-3000,0-1,-0", 1000)).isEqualTo(RangeSet.SATISFIABLE);
        assertRanges(0, 1);
    }

    @Test
    void shouldReportUnsatisfiableWhenNothingRemains() {
        assertThat(parse("bytes=1000-", 1000)).isEqualTo(RangeSet.UNSATISFIABLE);
        assertThat(ranges.count()).isZero();
        assertThat(parse("bytes=-0", 1000)).isEqualTo(RangeSet.UNSATISFIABLE);
        assertThat(parse("bytes=1000-2000, 5000-", 1000)).isEqualTo(RangeSet.UNSATISFIABLE);
    }

    @Test
    void shouldFindEveryRangeUnsatisfiableForZeroLengthRepresentation() {
        assertThat(parse("bytes=0-", 0)).isEqualTo(RangeSet.UNSATISFIABLE);
        assertThat(parse("bytes=-5", 0)).isEqualTo(RangeSet.UNSATISFIABLE);
        assertThat(parse("bytes=0-0", 0)).isEqualTo(RangeSet.UNSATISFIABLE);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "bytes=5-1", "bytes=a-b", "bytes=", "bytes=,", "bytes= , ", "bytes=-", "bytes 0-1", "items=0-1",
        "bytes=0-1;", "bytes=1-2-3", "bytes=0--1", "bytes = 0-1", "bytes=0-1 2-3", "bytes=+1-2", "bytes=1- 2",
        "", "bytes", "bytes=0x1-2"})
    void shouldIgnoreSyntaxErrorsAndOtherUnits(String value) {
        assertThat(parse("bytes=0-1", 10)).isEqualTo(RangeSet.SATISFIABLE);
        assertThat(parse(value, 1000)).isEqualTo(RangeSet.IGNORE);
        assertThat(ranges.count()).isZero();
    }

    @Test
    void shouldIgnoreMoreRangesThanTheCap() {
        assertThat(parse("bytes=0-1,2-3,4-5", 100)).isEqualTo(RangeSet.SATISFIABLE);
        assertThat(ranges.count()).isEqualTo(3);
        assertThat(parse("bytes=0-1,2-3,4-5,6-7", 100)).isEqualTo(RangeSet.IGNORE);
        assertThat(ranges.count()).isZero();
        assertThat(parse("bytes=0-1,2-3,4-5,9000-", 100)).isEqualTo(RangeSet.IGNORE);
    }

    @Test
    void shouldSaturateHugeNumbers() {
        assertThat(parse("bytes=0-99999999999999999999999", 1000)).isEqualTo(RangeSet.SATISFIABLE);
        assertRanges(0, 999);
        assertThat(parse("bytes=99999999999999999999-", 1000)).isEqualTo(RangeSet.UNSATISFIABLE);
        assertThat(parse("bytes=-99999999999999999999", 1000)).isEqualTo(RangeSet.SATISFIABLE);
        assertRanges(0, 999);
    }

    @Test
    void shouldParseFromHeapBuffer() {
        ByteBuffer buf = Bytes.heap("xxbytes=1-2", 0);
        assertThat(ranges.parse(buf, 2, 9, 10)).isEqualTo(RangeSet.SATISFIABLE);
        assertRanges(1, 2);
    }
}
