package atlas.loadgen;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The search driven by fake steps: each "run" returns the report a modelled server would produce at that rate, at
 * once, so the sequence, the result and its text and JSON are checked without a network or a clock.
 */
class RateSearchTest {
    private static final Slo SLO = Slo.parse("500us");
    private static final long STEP_NS = 3_000_000_000L;

    /**
     * A server that can do {@code capacity} req/s with p99 = 100 µs / (1 - load), like a single queue: the SLO
     * (500 µs) holds up to 80% of its capacity; at or over capacity it answers only {@code capacity} req/s.
     */
    private static BenchReport queueingServer(long rate, long capacity, double clientBusy) {
        long due = rate * STEP_NS / 1_000_000_000L;
        double load = (double) rate / capacity;
        long completed = load < 1 ? due : capacity * STEP_NS / 1_000_000_000L;
        long p99Us = load < 1 ? Math.round(100 / (1 - load)) : 1_000_000;
        return report(rate, due, completed, p99Us, clientBusy);
    }

    static BenchReport report(long rate, long due, long completed, long p99Us, double clientBusy) {
        Histogram latency = new Histogram(LoadWorker.MAX_LATENCY_US, 3);
        latency.recordValueWithCount(Math.max(1, p99Us / 3), Math.max(1, completed * 98 / 100));
        latency.recordValueWithCount(p99Us, Math.max(1, completed * 2 / 100));
        Histogram sendDelay = new Histogram(LoadWorker.MAX_LATENCY_US, 3);
        sendDelay.recordValueWithCount(5, Math.max(1, completed));
        long[] counters = new long[LoadCounters.SLOTS];
        counters[LoadCounters.REQUESTS] = completed;
        counters[LoadCounters.SENT] = completed;
        counters[LoadCounters.ARRIVALS] = due;
        counters[LoadCounters.BYTES_RECEIVED] = completed * 1_000;
        counters[LoadCounters.BODY_BYTES] = completed * 900;
        return new BenchReport("http://127.0.0.1:8080/", 3, 100, 1, rate, 1_000_000_000L, STEP_NS, counters, latency,
                sendDelay, clientBusy, 0);
    }

    @Test
    void shouldFindTheHighestRateWithinTheSloToFivePercent() throws InterruptedException {
        List<String> lines = new ArrayList<>();
        SearchResult result = new RateSearch(SLO, 1_000, SloSearch.DEFAULT_MAX_STEPS,
                rate -> queueingServer(rate, 10_000, 0.2)).run(step -> lines.add(step.line(SLO, 12)));

        // p99 <= 500 us up to 8000 req/s.
        assertThat(result.highestRate()).isBetween(7_600L, 8_000L);
        assertThat(result.steps()).hasSizeLessThanOrEqualTo(SloSearch.DEFAULT_MAX_STEPS).hasSameSizeAs(lines);
        assertThat(lines.getFirst()).startsWith("step  1/12  target     1000/s").endsWith("ok");
        assertThat(lines).anyMatch(l -> l.contains("over SLO: p99"));
        assertThat(result.limit().verdict()).isIn(StepVerdict.SLO_EXCEEDED, StepVerdict.SERVER_BEHIND);
        assertThat(result.best().targetRate()).isEqualTo(result.highestRate());

        String text = result.text(false);
        assertThat(text).startsWith("target    http://127.0.0.1:8080/")
                .endsWith("highest rate meeting p99 <= 500 us: " + result.highestRate() + " req/s"
                        + System.lineSeparator());
        assertThat(result.text(true)).contains("highest rate meeting p99 ≤ 500 µs: ");

        String json = result.json();
        assertThat(json).startsWith("{\"target\":").endsWith("]}}")
                .contains("\"highestRateMeetingSlo\":" + result.highestRate() + ",")
                .contains("\"slo\":{\"percentile\":99.000,\"latencyMicros\":500}");
        Matcher steps = Pattern.compile("\\{\"step\":").matcher(json);
        assertThat(steps.results().count()).isEqualTo(result.steps().size());
    }

    @Test
    void shouldSayWhenTheClientIsTheLimit() throws InterruptedException {
        SearchResult result = new RateSearch(SLO, 1_000, SloSearch.DEFAULT_MAX_STEPS,
                rate -> queueingServer(rate, 1_000_000, rate >= 4_000 ? 0.97 : 0.5)).run(step -> { });
        assertThat(result.highestRate()).isBetween(3_800L, 3_999L);
        assertThat(result.limit().verdict()).isEqualTo(StepVerdict.CLIENT_BEHIND);
        assertThat(result.text(false)).contains("this client was the bottleneck, not necessarily the server");
        assertThat(result.json()).contains("\"limitedBy\":\"client-behind\"");
    }

    @Test
    void shouldReportNoRateWhenEvenTheLowestFails() throws InterruptedException {
        SearchResult result = new RateSearch(SLO, 4, SloSearch.DEFAULT_MAX_STEPS,
                rate -> report(rate, rate * 3, rate * 3, 2_000, 0.01)).run(step -> { });
        assertThat(result.steps()).extracting(SearchStep::targetRate).containsExactly(4L, 2L, 1L);
        assertThat(result.highestRate()).isZero();
        assertThat(result.best().targetRate()).isEqualTo(1);
        assertThat(result.text(false)).endsWith("highest rate meeting p99 <= 500 us: none (lowest tried: 1 req/s)"
                + System.lineSeparator());
        assertThat(result.json()).contains("\"highestRateMeetingSlo\":0,");
    }

    @Test
    void shouldExplainANoRateResultByTheLowestFailureNotByAnInconclusiveStepBelowIt() throws InterruptedException {
        // 3 s steps: 40/s and 20/s have p99 2 ms (over); 10/s has 30 responses, too few for a p99.
        SearchResult result = new RateSearch(SLO, 40, SloSearch.DEFAULT_MAX_STEPS,
                rate -> report(rate, rate * 3, rate * 3, rate >= 20 ? 2_000 : 300, 0.01)).run(step -> { });
        assertThat(result.steps()).extracting(SearchStep::verdict)
                .containsExactly(StepVerdict.SLO_EXCEEDED, StepVerdict.SLO_EXCEEDED, StepVerdict.TOO_FEW);
        assertThat(result.highestRate()).isZero();
        assertThat(result.limit().targetRate()).isEqualTo(20);
        assertThat(result.best().targetRate()).isEqualTo(20);
        assertThat(result.noRateReason()).isEqualTo("at 20 req/s: over SLO: p99 2.00 ms > 500 us");
        assertThat(result.text(false)).endsWith("none (lowest tried: 10 req/s)" + System.lineSeparator());
    }

    @Test
    void shouldNoteWhenEveryStepMetTheSlo() throws InterruptedException {
        SearchResult result = new RateSearch(SLO, 1_000, 3, rate -> queueingServer(rate, 1_000_000, 0.1))
                .run(step -> { });
        assertThat(result.highestRate()).isEqualTo(4_000);
        assertThat(result.limit()).isNull();
        assertThat(result.text(false)).contains("every step met the SLO");
        assertThat(result.json()).contains("\"limitedBy\":null");
    }
}
