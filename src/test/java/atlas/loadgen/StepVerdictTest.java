package atlas.loadgen;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** How a step is judged, from its figures alone. SLO: p99 at most 500 µs. */
class StepVerdictTest {
    private static final Slo SLO = new Slo(500, 99);

    private static StepVerdict judge(long due, long completed, long errors, long p99Us, double busy, long sendDelayUs) {
        return StepVerdict.judge(SLO, due, completed, errors, p99Us, busy, sendDelayUs);
    }

    @Test
    void shouldMeetTheSloWhenEverythingKeptUpWithinIt() {
        assertThat(judge(3_000, 2_990, 0, 500, 0.3, 10)).isEqualTo(StepVerdict.MET);
        assertThat(judge(3_000, 2_990, 2, 480, 0.3, 10)).as("2 errors in 2990 is within 0.1%")
                .isEqualTo(StepVerdict.MET);
    }

    @Test
    void shouldFailOverTheSlo() {
        assertThat(judge(3_000, 2_990, 0, 501, 0.3, 10)).isEqualTo(StepVerdict.SLO_EXCEEDED);
    }

    @Test
    void shouldBlameTheServerWhenArrivalsGoUnanswered() {
        assertThat(judge(3_000, 2_800, 0, 300, 0.3, 10)).isEqualTo(StepVerdict.SERVER_BEHIND);
        assertThat(judge(0, 0, 0, 0, 0, 0)).as("nothing answered").isEqualTo(StepVerdict.SERVER_BEHIND);
    }

    @Test
    void shouldBlameTheClientWhenItIsSaturatedOrHoldsSendsBack() {
        assertThat(judge(3_000, 2_800, 0, 300, 0.95, 10)).isEqualTo(StepVerdict.CLIENT_BEHIND);
        assertThat(judge(3_000, 2_990, 0, 300, 0.3, 126)).as("a quarter of the SLO is 125 us")
                .isEqualTo(StepVerdict.CLIENT_BEHIND);
        assertThat(judge(3_000, 2_990, 0, 900, 0.3, 400)).as("before the latency: it is partly the client's")
                .isEqualTo(StepVerdict.CLIENT_BEHIND);
    }

    @Test
    void shouldNotCountAPercentileOfTooFewResponsesAsMet() {
        assertThat(StepVerdict.minSamples(SLO)).isEqualTo(100);
        assertThat(StepVerdict.minSamples(Slo.parse("1ms@99.9"))).isEqualTo(1_000);
        assertThat(judge(60, 60, 0, 300, 0.01, 10)).isEqualTo(StepVerdict.TOO_FEW);
        assertThat(judge(60, 60, 0, 900, 0.01, 10)).as("too high is too high, however few")
                .isEqualTo(StepVerdict.SLO_EXCEEDED);
    }

    @Test
    void shouldFailOnErrorsFirst() {
        assertThat(judge(3_000, 2_990, 30, 300, 0.95, 10)).isEqualTo(StepVerdict.ERRORS);
        assertThat(judge(3_000, 0, 5, 0, 0, 0)).isEqualTo(StepVerdict.ERRORS);
    }
}
