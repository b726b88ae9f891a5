package atlas.loadgen;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code atlas bench --slo}: the highest request rate whose latency percentile stays within an SLO. Each step is
 * one open-loop run at a target rate (its own connections, warm-up and measured part, so no step inherits the
 * previous one's queues); {@link StepVerdict#judge} decides whether it met the SLO and {@link SloSearch} which rate
 * comes next. The steps run one after the other on the calling thread.
 */
public final class RateSearch {
    /** Runs one step at a rate and reports it; the real one is {@link #loadSteps}, tests pass fakes. */
    @FunctionalInterface
    public interface StepRunner {
        BenchReport run(long ratePerSecond) throws InterruptedException;
    }

    /** Told about each step as it finishes, on the thread that called {@link #run}. */
    @FunctionalInterface
    public interface StepListener {
        void onStep(SearchStep step);
    }

    private final Slo slo;
    private final long startRate;
    private final int maxSteps;
    private final StepRunner runner;

    public RateSearch(Slo slo, long startRate, int maxSteps, StepRunner runner) {
        this.slo = slo;
        this.startRate = startRate;
        this.maxSteps = maxSteps;
        this.runner = runner;
    }

    /**
     * Steps as {@link LoadGenerator} runs: {@code template} with the step's rate (its warm-up and duration are each
     * step's), reporting each second of a step to {@code progress}.
     */
    public static StepRunner loadSteps(LoadGenerator.Settings template, LoadGenerator.IntervalListener progress) {
        return rate -> new LoadGenerator(template.withRate(rate)).run(progress);
    }

    /** The longest a search can take: every step run in full. */
    public static Duration longest(int maxSteps, Duration warmup, Duration stepDuration) {
        return warmup.plus(stepDuration).multipliedBy(maxSteps);
    }

    public SearchResult run(StepListener listener) throws InterruptedException {
        long beganNs = System.nanoTime();
        SloSearch search = new SloSearch(startRate, maxSteps);
        List<SearchStep> steps = new ArrayList<>();
        for (long rate = search.firstRate(); rate != SloSearch.DONE; ) {
            SearchStep step = SearchStep.of(steps.size() + 1, rate, runner.run(rate), slo);
            steps.add(step);
            listener.onStep(step);
            rate = search.next(rate, switch (step.verdict()) {
                case MET -> SloSearch.Outcome.MET;
                case TOO_FEW -> SloSearch.Outcome.INCONCLUSIVE;
                default -> SloSearch.Outcome.NOT_MET;
            });
        }
        return new SearchResult(slo, startRate, maxSteps, steps, System.nanoTime() - beganNs);
    }
}
