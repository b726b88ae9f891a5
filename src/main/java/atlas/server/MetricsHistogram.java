package atlas.server;

import java.util.concurrent.atomic.LongAdder;

/**
 * One core's classic histogram of durations: fixed upper bounds in nanoseconds, one adder per bucket, the sum in
 * nanoseconds. {@link #record} is a short scan and two adder increments — no allocation, unlike the client
 * library's {@code Histogram.observe}, which we measured at 40 bytes per call. {@link Metrics} turns it into a
 * Prometheus histogram snapshot at scrape time (cumulative buckets in seconds, {@code _sum}, {@code _count}).
 */
final class MetricsHistogram {
    private final long[] upperBoundsNs;
    /** Per bucket, not cumulative; the last one is +Inf. */
    private final LongAdder[] counts;
    private final LongAdder sumNs = new LongAdder();

    MetricsHistogram(double[] upperBoundsSeconds) {
        upperBoundsNs = new long[upperBoundsSeconds.length];
        for (int i = 0; i < upperBoundsSeconds.length; i++) {
            upperBoundsNs[i] = Math.round(upperBoundsSeconds[i] * 1e9);
        }
        counts = new LongAdder[upperBoundsSeconds.length + 1];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    void record(long valueNs) {
        int i = 0;
        while (i < upperBoundsNs.length && valueNs > upperBoundsNs[i]) {
            i++;
        }
        counts[i].increment();
        sumNs.add(valueNs);
    }

    /** Per-bucket counts (the last is +Inf), read at scrape time from any thread. */
    long[] counts() {
        long[] out = new long[counts.length];
        for (int i = 0; i < counts.length; i++) {
            out[i] = counts[i].sum();
        }
        return out;
    }

    double sumSeconds() {
        return sumNs.sum() / 1e9;
    }
}
