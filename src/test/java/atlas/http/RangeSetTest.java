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
    void shouldCoalesceOverlappingAndAdjacentRanges() {
        assertThat(parse("bytes=0-10,5-15", 100)).isEqualTo(RangeSet.SATISFIABLE);
        assertRanges(0, 15);
        assertThat(ranges.totalLength()).isEqualTo(16);
        assertThat(parse("bytes=10-19,0-9", 100)).as("adjacent, out of order").isEqualTo(RangeSet.SATISFIABLE);
        assertRanges(0, 19);
        assertThat(parse("bytes=0-9,11-19", 100)).as("a one-byte gap stays").isEqualTo(RangeSet.SATISFIABLE);
        assertRanges(0, 9, 11, 19);
        assertThat(parse("bytes=-10,0-,50-60", 100)).as("suffix and open ranges").isEqualTo(RangeSet.SATISFIABLE);
        assertRanges(0, 99);
    }

    /** RFC 9110 §15.3.7.2: parts in request order, a coalesced range where its earliest part was asked. */
    @Test
    void shouldKeepRequestOrderOfWhatRemainsAfterCoalescing() {
        RangeSet five = new RangeSet(5);
        String value = "bytes=0-99,500-599,50-149,150-159,0-0";
        assertThat(five.parse(Bytes.direct(value), 0, value.length(), 1000)).isEqualTo(RangeSet.SATISFIABLE);
        assertThat(five.count()).isEqualTo(2);
        assertThat(new long[] {five.first(0), five.last(0), five.first(1), five.last(1)})
            .containsExactly(0, 159, 500, 599);
        value = "bytes=900-999,500-599,0-9,550-560";
        assertThat(five.parse(Bytes.direct(value), 0, value.length(), 1000)).isEqualTo(RangeSet.SATISFIABLE);
        assertThat(five.count()).isEqualTo(3);
        assertThat(new long[] {five.first(0), five.last(0), five.first(1), five.last(1), five.first(2), five.last(2)})
            .containsExactly(900, 999, 500, 599, 0, 9);
    }

    /** RFC 9110 §17.15: sixteen copies of "0-" select the representation once, as a plain 206. */
    @Test
    void shouldSelectARepeatedWholeRangeOnce() {
        RangeSet sixteen = new RangeSet(16);
        String value = "bytes=" + String.join(",", java.util.Collections.nCopies(16, "0-"));
        assertThat(sixteen.parse(Bytes.direct(value), 0, value.length(), 1 << 20)).isEqualTo(RangeSet.SATISFIABLE);
        assertThat(sixteen.count()).isEqualTo(1);
        assertThat(sixteen.totalLength()).isEqualTo(1 << 20);
        String seventeen = value + ",0-";
        assertThat(sixteen.parse(Bytes.direct(seventeen), 0, seventeen.length(), 1 << 20))
            .as("over the cap: ignored").isEqualTo(RangeSet.IGNORE);
    }

    @Test
    void shouldNeverSelectMoreThanTheRepresentation() {
        RangeSet sixteen = new RangeSet(16);
        java.util.Random random = new java.util.Random(16);
        for (int round = 0; round < 2000; round++) {
            StringBuilder value = new StringBuilder("bytes=");
            int n = 1 + random.nextInt(16);
            boolean[] covered = new boolean[1000];
            for (int i = 0; i < n; i++) {
                int first = random.nextInt(1000);
                int last = first + random.nextInt(200);
                value.append(i == 0 ? "" : ",").append(first).append('-').append(last);
                for (int b = first; b <= Math.min(last, 999); b++) {
                    covered[b] = true;
                }
            }
            String v = value.toString();
            assertThat(sixteen.parse(Bytes.direct(v), 0, v.length(), 1000)).isEqualTo(RangeSet.SATISFIABLE);
            boolean[] selected = new boolean[1000];
            for (int i = 0; i < sixteen.count(); i++) {
                for (int j = 0; j < i; j++) {
                    boolean touch = sixteen.first(i) <= sixteen.last(j) + 1 && sixteen.first(j) <= sixteen.last(i) + 1;
                    assertThat(touch).as(v + ": ranges " + j + " and " + i + " overlap or touch").isFalse();
                }
                for (long b = sixteen.first(i); b <= sixteen.last(i); b++) {
                    assertThat(selected[(int) b]).as(v + ": byte " + b + " twice").isFalse();
                    selected[(int) b] = true;
                }
            }
            assertThat(selected).as(v).isEqualTo(covered);
        }
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
        assertThat(parse("bytes=0-1,3-4,6-7", 100)).isEqualTo(RangeSet.SATISFIABLE);
        assertThat(ranges.count()).isEqualTo(3);
        assertThat(parse("bytes=0-1,3-4,6-7,9-10", 100)).isEqualTo(RangeSet.IGNORE);
        assertThat(ranges.count()).isZero();
        assertThat(parse("bytes=0-1,3-4,6-7,9000-", 100)).as("unsatisfiable ones count").isEqualTo(RangeSet.IGNORE);
        assertThat(parse("bytes=0-1,0-1,0-1,0-1", 100)).as("counted before coalescing").isEqualTo(RangeSet.IGNORE);
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

    private static long firstStart(String value) {
        ByteBuffer buf = Bytes.direct(value, 3);
        return RangeSet.firstStart(buf, 3, value.length());
    }

    @Test
    void shouldTellWhereARangeStartsBeforeTheLengthIsKnown() {
        assertThat(firstStart("bytes=20971520-20972000")).isEqualTo(20971520);
        assertThat(firstStart("bytes= 5-")).isEqualTo(5);
        assertThat(firstStart("bytes=7-9,0-1")).as("the first element's").isEqualTo(7);
        assertThat(firstStart("bytes=-500")).as("a suffix needs the length").isEqualTo(-1);
        assertThat(firstStart("items=0-1")).isEqualTo(-1);
        assertThat(firstStart("bytes=12")).isEqualTo(-1);
        assertThat(firstStart("bytes=9999999999999999999999-")).as("too many digits").isEqualTo(-1);
    }

    @Test
    void shouldHoldOneRangeSetDirectly() {
        ranges.single(1048576, 2097151);
        assertRanges(1048576, 2097151);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ranges.single(5, 4))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
