package atlas.loadgen;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;

import static org.assertj.core.api.Assertions.assertThat;

/** The search on its own: each "server" is a predicate saying whether a rate meets the SLO. No time passes. */
class SloSearchTest {
    /** The rates tried, in order, against {@code meets}. */
    private static List<Long> tried(SloSearch search, LongPredicate meets) {
        List<Long> rates = new ArrayList<>();
        for (long rate = search.firstRate(); rate != SloSearch.DONE;
                rate = search.next(rate, meets.test(rate) ? SloSearch.Outcome.MET : SloSearch.Outcome.NOT_MET)) {
            rates.add(rate);
        }
        return rates;
    }

    @Test
    void shouldDoubleUntilARateFailsThenBisect() {
        SloSearch search = new SloSearch(1_000, 12);
        List<Long> rates = tried(search, rate -> rate <= 10_000);
        assertThat(rates).startsWith(1_000L, 2_000L, 4_000L, 8_000L, 16_000L, 12_000L, 10_000L, 11_000L);
        assertThat(search.highestMet()).isEqualTo(10_000);
        assertThat(search.lowestFailed()).isBetween(10_001L, 10_500L);
        assertThat(rates).hasSizeLessThanOrEqualTo(12);
    }

    @Test
    void shouldEndWithinFivePercentOfTheLimitWhenTheStepsSuffice() {
        for (long limit : new long[] {1_500, 3_000, 7_777, 20_000, 50_000}) {
            SloSearch search = new SloSearch(1_000, SloSearch.DEFAULT_MAX_STEPS);
            List<Long> rates = tried(search, rate -> rate <= limit);
            assertThat(rates).as("limit %d", limit).hasSizeLessThanOrEqualTo(SloSearch.DEFAULT_MAX_STEPS);
            assertThat(search.highestMet()).as("limit %d, tried %s", limit, rates)
                    .isLessThanOrEqualTo(limit).isGreaterThanOrEqualTo((long) (limit * 0.95));
        }
    }

    @Test
    void shouldHalveWhenTheFirstRateAlreadyFails() {
        SloSearch search = new SloSearch(1_000, 12);
        List<Long> rates = tried(search, rate -> rate <= 300);
        assertThat(rates).startsWith(1_000L, 500L, 250L, 375L);
        assertThat(search.highestMet()).isBetween(285L, 300L);
    }

    @Test
    void shouldStopAtOneRequestPerSecondWhenNothingMeetsIt() {
        SloSearch search = new SloSearch(8, 12);
        assertThat(tried(search, rate -> false)).containsExactly(8L, 4L, 2L, 1L);
        assertThat(search.highestMet()).isZero();
        assertThat(search.lowestFailed()).isEqualTo(1);
    }

    @Test
    void shouldDoubleOnPastAnInconclusiveStepButNotGoBelowAFailedOne() {
        SloSearch up = new SloSearch(10, 12);
        assertThat(up.next(10, SloSearch.Outcome.INCONCLUSIVE)).isEqualTo(20);
        assertThat(up.next(20, SloSearch.Outcome.MET)).isEqualTo(40);
        assertThat(up.highestMet()).isEqualTo(20);

        SloSearch down = new SloSearch(1_000, 12);
        assertThat(down.next(1_000, SloSearch.Outcome.NOT_MET)).isEqualTo(500);
        assertThat(down.next(500, SloSearch.Outcome.INCONCLUSIVE)).isEqualTo(SloSearch.DONE);
        assertThat(down.highestMet()).isZero();
    }

    @Test
    void shouldNeverRunMoreThanMaxSteps() {
        SloSearch search = new SloSearch(1_000, 5);
        assertThat(tried(search, rate -> true)).containsExactly(1_000L, 2_000L, 4_000L, 8_000L, 16_000L);
        assertThat(search.steps()).isEqualTo(5);
        assertThat(search.lowestFailed()).isZero();
        assertThat(search.highestMet()).isEqualTo(16_000);
    }
}
