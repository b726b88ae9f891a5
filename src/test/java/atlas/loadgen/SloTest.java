package atlas.loadgen;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SloTest {
    @Test
    void shouldParseLatencyAndOptionalPercentile() {
        assertThat(Slo.parse("500us")).isEqualTo(new Slo(500, 99));
        assertThat(Slo.parse("500µs")).isEqualTo(new Slo(500, 99));
        assertThat(Slo.parse("1ms@99.9")).isEqualTo(new Slo(1_000, 99.9));
        assertThat(Slo.parse("2.5MS@p95")).isEqualTo(new Slo(2_500, 95));
        assertThat(Slo.parse("1s@50")).isEqualTo(new Slo(1_000_000, 50));
    }

    @Test
    void shouldRefuseWhatIsNotAnSlo() {
        String[] refused = {"500", "ms", "500 parsecs", "0us", "0.1us", "1ms@100", "1ms@0", "1ms@x", "2h"};
        for (String bad : refused) {
            assertThatThrownBy(() -> Slo.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith(Slo.EXPECTED);
        }
    }

    @Test
    void shouldDescribeItselfWithOrWithoutUnicode() {
        assertThat(Slo.parse("500us").describe(true)).isEqualTo("p99 ≤ 500 µs");
        assertThat(Slo.parse("500us").describe(false)).isEqualTo("p99 <= 500 us");
        assertThat(Slo.parse("1ms@99.9").describe(true)).isEqualTo("p99.9 ≤ 1 ms");
        assertThat(Slo.parse("2.5ms").latency(false)).isEqualTo("2.5 ms");
        assertThat(Slo.parse("1s@50").describe(false)).isEqualTo("p50 <= 1 s");
    }
}
