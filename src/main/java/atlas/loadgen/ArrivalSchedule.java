package atlas.loadgen;

import java.util.SplittableRandom;

/**
 * The intended send times of an open-loop run: a Poisson process, i.e. independent exponentially distributed gaps
 * with mean {@code 1 / rate}, as mutilate and memtier generate them. Poisson rather than evenly spaced because
 * real clients arrive independently of each other: bursts happen, and a server whose p99 holds only under perfectly
 * spaced requests would be sized too small.
 * <pre>
 *   ──┬────┬─┬──────────┬───┬┬─────▶ time
 *     t1   t2 t3        t4  t5 t6       gap(i) = -ln(1 - U) / rate,  U uniform in [0, 1)
 * </pre>
 * The sequence depends only on the seed, the start and the rate, so two instances built alike walk the same
 * times: a {@link LoadWorker} keeps one that follows the clock (arrivals due so far) and one that follows its sends
 * (the oldest arrival not sent yet), and the difference between them is its backlog, with no queue to store.
 * Single-threaded; allocates nothing after construction.
 */
final class ArrivalSchedule {
    private final SplittableRandom random;
    private final double meanGapNs;
    private long nextNs;

    /**
     * @param startNs       when the process starts; the first arrival is one random gap later
     * @param ratePerSecond mean arrivals per second, more than 0
     */
    ArrivalSchedule(long startNs, double ratePerSecond, long seed) {
        if (!(ratePerSecond > 0)) {
            throw new IllegalArgumentException("rate must be positive, got " + ratePerSecond);
        }
        this.random = new SplittableRandom(seed);
        this.meanGapNs = 1e9 / ratePerSecond;
        this.nextNs = startNs;
        advance();
    }

    /** The intended time of the next arrival not yet taken. */
    long nextNs() {
        return nextNs;
    }

    /** Takes the next arrival: {@link #nextNs} moves one gap on. */
    void advance() {
        // 1 - U is in (0, 1], so the logarithm is finite; rounding to the nanosecond is unbiased on average.
        nextNs += Math.round(-Math.log(1.0 - random.nextDouble()) * meanGapNs);
    }

    /** Takes every arrival due at or before {@code nowNs}; returns how many. */
    long advanceTo(long nowNs) {
        long taken = 0;
        while (nextNs <= nowNs) {
            advance();
            taken++;
        }
        return taken;
    }
}
