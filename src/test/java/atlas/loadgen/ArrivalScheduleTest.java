package atlas.loadgen;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The open-loop schedule: Poisson at the asked rate, the same times for the same seed, no clock involved. */
class ArrivalScheduleTest {
    private static final int DRAWS = 200_000;

    @Test
    void shouldDrawExponentialGapsAtTheAskedRate() {
        ArrivalSchedule schedule = new ArrivalSchedule(0, 5_000, 42);
        double sum = 0;
        double sumSquares = 0;
        long previous = 0;
        for (int i = 0; i < DRAWS; i++) {
            long gap = schedule.nextNs() - previous;
            previous = schedule.nextNs();
            schedule.advance();
            assertThat(gap).isNotNegative();
            sum += gap;
            sumSquares += (double) gap * gap;
        }
        double mean = sum / DRAWS;
        double sd = Math.sqrt(sumSquares / DRAWS - mean * mean);
        // 200 000 draws: the mean is within 1% with overwhelming probability (its standard error is 0.22%).
        assertThat(mean).isCloseTo(200_000.0, org.assertj.core.data.Percentage.withPercentage(1));
        // An exponential's standard deviation equals its mean (a fixed spacing would have 0).
        assertThat(sd / mean).isBetween(0.97, 1.03);
    }

    @Test
    void shouldWalkTheSameTimesForTheSameSeed() {
        ArrivalSchedule clock = new ArrivalSchedule(1_000, 100, 7);
        ArrivalSchedule sends = new ArrivalSchedule(1_000, 100, 7);
        long due = clock.advanceTo(2_000_000_000L);
        assertThat(due).as("about 100/s for 2 s").isBetween(140L, 260L);
        for (long i = 0; i < due; i++) {
            assertThat(sends.nextNs()).isLessThanOrEqualTo(2_000_000_000L).isGreaterThan(1_000);
            sends.advance();
        }
        assertThat(sends.nextNs()).isEqualTo(clock.nextNs()).isGreaterThan(2_000_000_000L);
    }

    @Test
    void shouldTakeNothingBeforeTheFirstArrival() {
        ArrivalSchedule schedule = new ArrivalSchedule(500, 1_000, 3);
        long first = schedule.nextNs();
        assertThat(first).isGreaterThan(500);
        assertThat(schedule.advanceTo(first - 1)).isZero();
        assertThat(schedule.advanceTo(first)).isEqualTo(1);
    }

    @Test
    void shouldRefuseARateOfZero() {
        assertThatThrownBy(() -> new ArrivalSchedule(0, 0, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
