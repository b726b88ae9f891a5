package atlas.loadgen;

/**
 * Which rate to try next in an SLO search, from the verdicts so far; no clock, no I/O, so it is tested on its own.
 * <pre>
 *   start ──met──▶ ×2 ──met──▶ ×2 ── … ──fails──┐            (or, if the start fails: ÷2 until one is met)
 *                                               ▼
 *        bisect [highest met, lowest failed] until the gap is within PRECISION of the highest met
 *   every branch ends after maxSteps steps
 * </pre>
 * A step can also be inconclusive (too few responses for the percentile, {@link StepVerdict#TOO_FEW}): while
 * doubling that is no reason to turn back, so the search doubles on without counting the rate as met; below a
 * failed rate, a lower rate would have fewer responses still, so the search ends there.
 * Doubling finds the order of magnitude in log2(limit / start) steps and bisecting then halves the bracket per
 * step: from 1000/s, a limit near 64 000/s is bracketed after 7 steps and known to 5% after 5 more, which is why
 * {@link #DEFAULT_MAX_STEPS} is 12. Rates are whole requests per second, at least 1.
 */
public final class SloSearch {
    public static final int DEFAULT_MAX_STEPS = 12;
    /** Bisecting stops when the bracket is at most this share of the highest rate met. */
    static final double PRECISION = 0.05;
    /** {@link #next} when the search is over. */
    public static final long DONE = 0;

    /** What a step says about its rate. */
    public enum Outcome { MET, NOT_MET, INCONCLUSIVE }

    private final long startRate;
    private final int maxSteps;
    private int steps;
    private long highestMet;
    private long lowestFailed;

    public SloSearch(long startRate, int maxSteps) {
        if (startRate < 1 || maxSteps < 1) {
            throw new IllegalArgumentException("need startRate >= 1 and maxSteps >= 1, got " + startRate + " and "
                    + maxSteps);
        }
        this.startRate = startRate;
        this.maxSteps = maxSteps;
    }

    /** The rate of the first step. */
    public long firstRate() {
        return startRate;
    }

    /** Records what the step at {@code rate} found and returns the rate of the next step, or {@link #DONE}. */
    public long next(long rate, Outcome outcome) {
        steps++;
        boolean doubling = lowestFailed == 0;
        switch (outcome) {
            case MET -> highestMet = Math.max(highestMet, rate);
            case NOT_MET -> lowestFailed = lowestFailed == 0 ? rate : Math.min(lowestFailed, rate);
            case INCONCLUSIVE -> {
                if (!doubling && highestMet == 0) {
                    return DONE;
                }
                if (!doubling) {
                    // Between a met and a failed rate, which had enough responses: count it as not met, to be safe.
                    lowestFailed = Math.min(lowestFailed, rate);
                }
            }
        }
        if (steps >= maxSteps) {
            return DONE;
        }
        if (lowestFailed == 0) {
            return rate > Long.MAX_VALUE / 2 ? DONE : rate * 2;
        }
        if (highestMet == 0) {
            return rate <= 1 ? DONE : rate / 2;
        }
        long gap = lowestFailed - highestMet;
        if (gap <= Math.max(1, (long) (highestMet * PRECISION))) {
            return DONE;
        }
        return highestMet + gap / 2;
    }

    /** Steps recorded so far. */
    public int steps() {
        return steps;
    }

    /** The highest rate that met the SLO, 0 if none did. */
    public long highestMet() {
        return highestMet;
    }

    /** The lowest rate that did not, 0 if all did. */
    public long lowestFailed() {
        return lowestFailed;
    }
}
