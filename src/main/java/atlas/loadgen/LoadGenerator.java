package atlas.loadgen;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A load run: {@code threads} {@link LoadWorker}s share {@code connections} between them, and the calling thread
 * reports once a second and builds the final {@link BenchReport}.
 * <p>
 * With a target rate, each worker gets the share of it that its connections are of all connections, as its own
 * Poisson process; the sum of independent Poisson processes is a Poisson process at the total rate, so the server
 * sees the same arrivals as from one schedule (see {@link LoadWorker} for how arrivals become requests).
 * <p>
 * Reporting swaps each worker's {@link org.HdrHistogram.Recorder}s for interval histograms (recycled, so the
 * steady state allocates nothing) and adds the latencies both into this second's histogram, for the progress line,
 * and into the run's total. Rates divide by the time from the end of the warm-up to the moment the workers are told
 * to stop; responses still in flight then are not counted.
 * <p>
 * The warm-up exists because this is a JVM: for its first second or so the worker loop runs interpreted and the
 * JIT compiles it on the same CPUs the server needs, which on a small box made a cold 5 s run read 5-30% below
 * wrk (a C program, fast from its first request). With {@code --warmup 0s} the figures cover the whole run, from
 * before the first connect, as wrk's do.
 */
public final class LoadGenerator {
    static final long REPORT_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

    /**
     * @param ratePerSecond total target rate over all connections, or 0 for a closed loop (as fast as responses
     *                      come back)
     */
    public record Settings(TargetList targets, int connections, int threads, Duration warmup, Duration duration,
                           long ratePerSecond, Duration timeout) {
        public Settings {
            if (threads < 1 || connections < threads) {
                throw new IllegalArgumentException("need 1 <= threads <= connections, got " + threads + " threads and "
                        + connections + " connections");
            }
        }

        /** The same run at another target rate. */
        public Settings withRate(long rate) {
            return new Settings(targets, connections, threads, warmup, duration, rate, timeout);
        }
    }

    /** Receives one sample per second, on the thread that called {@link #run}. */
    @FunctionalInterface
    public interface IntervalListener {
        void onInterval(IntervalSample sample);
    }

    /**
     * The last second: rates over {@code intervalNs}, percentiles of the responses completed in it (µs);
     * {@code warmup} while the warm-up runs (not counted in the report), {@code elapsedNs} since the warm-up ended;
     * {@code backlog}, with a target rate, the arrivals due and not sent yet (all connections busy, or the client
     * behind).
     */
    public record IntervalSample(boolean warmup, long elapsedNs, long intervalNs, long requests, long bytes,
                                 long errorsTotal, long p50Us, long p99Us, long backlog) {
        public double requestsPerSecond() {
            return intervalNs == 0 ? 0 : requests * 1e9 / intervalNs;
        }

        public double gigabitsPerSecond() {
            return intervalNs == 0 ? 0 : bytes * 8.0 / intervalNs;
        }
    }

    private final Settings settings;

    public LoadGenerator(Settings settings) {
        this.settings = settings;
    }

    /**
     * One blocking connect before the run, so "nothing listens there" is one clear error and not a report full of
     * connect errors.
     */
    public static void probe(TargetList targets) throws IOException {
        InetSocketAddress address = targets.address();
        if (address.isUnresolved()) {
            throw new IOException("cannot resolve host '" + targets.host() + "'");
        }
        try (Socket socket = new Socket()) {
            socket.connect(address, (int) PROBE_TIMEOUT.toMillis());
        } catch (ConnectException e) {
            throw new IOException("cannot connect to " + targets.origin() + " (is 'atlas serve' running there?)", e);
        } catch (SocketTimeoutException e) {
            throw new IOException("cannot connect to " + targets.origin() + ": no answer within "
                    + PROBE_TIMEOUT.toSeconds() + " s", e);
        }
    }

    /** Runs for the configured duration, calling {@code listener} every second; returns the final report. */
    public BenchReport run(IntervalListener listener) throws InterruptedException {
        int threads = settings.threads();
        long timeoutNs = settings.timeout().toNanos();
        List<LoadWorker> workers = new ArrayList<>(threads);
        long seed = System.nanoTime();
        for (int i = 0; i < threads; i++) {
            // Connections split as evenly as possible: the first (connections % threads) workers take one more.
            int share = settings.connections() / threads + (i < settings.connections() % threads ? 1 : 0);
            double rate = settings.ratePerSecond() * (double) share / settings.connections();
            workers.add(new LoadWorker(settings.targets(), share, timeoutNs, rate, seed + i * 0x9E3779B97F4A7C15L));
        }
        Histogram total = new Histogram(LoadWorker.MAX_LATENCY_US, 3);
        Histogram interval = new Histogram(LoadWorker.MAX_LATENCY_US, 3);
        Histogram[] recycled = new Histogram[threads];
        Histogram sendDelayTotal = new Histogram(LoadWorker.MAX_LATENCY_US, 3);
        Histogram sendDelayInterval = new Histogram(LoadWorker.MAX_LATENCY_US, 3);
        Histogram[] sendDelayRecycled = new Histogram[threads];
        long[] previous = new long[LoadCounters.SLOTS];
        long[] current = new long[LoadCounters.SLOTS];
        long[] baseline = new long[LoadCounters.SLOTS];
        long[] busyBaselineNs = new long[threads];

        long warmupNs = settings.warmup().toNanos();
        long durationNs = settings.duration().toNanos();
        long launchNs = System.nanoTime();
        long startNs = launchNs + warmupNs;
        long endNs = startNs + durationNs;
        boolean warming = warmupNs > 0;
        List<Thread> threadList = new ArrayList<>(threads);
        for (int i = 0; i < threads; i++) {
            threadList.add(Thread.ofPlatform().name("atlas-bench-" + i).daemon().start(workers.get(i)));
        }
        long lastTickNs = launchNs;
        long stopNs;
        try {
            while (true) {
                long tickNs = Math.min(lastTickNs + REPORT_INTERVAL_NS, warming ? startNs : endNs);
                for (long now = System.nanoTime(); now < tickNs; now = System.nanoTime()) {
                    LockSupport.parkNanos(tickNs - now);
                    if (Thread.interrupted()) {
                        throw new InterruptedException();
                    }
                }
                long now = System.nanoTime();
                if (now >= endNs) {
                    stopNs = now;
                    break;
                }
                collect(workers, recycled, interval, total, current);
                collectSendDelays(workers, sendDelayRecycled, sendDelayInterval, sendDelayTotal);
                listener.onInterval(sample(warming, warming ? now - launchNs : now - startNs, now - lastTickNs,
                        previous, current, interval));
                System.arraycopy(current, 0, previous, 0, current.length);
                lastTickNs = now;
                if (warming && now >= startNs) {
                    // The JIT has compiled the worker loop by now; what came before is not part of the figures.
                    warming = false;
                    startNs = now;
                    endNs = startNs + durationNs;
                    total.reset();
                    sendDelayTotal.reset();
                    System.arraycopy(current, 0, baseline, 0, current.length);
                    for (int i = 0; i < threads; i++) {
                        busyBaselineNs[i] = workers.get(i).counters().getAcquire(LoadCounters.BUSY_NS);
                    }
                }
                if (!anyAlive(threadList)) {
                    stopNs = now;
                    break;
                }
            }
        } finally {
            for (LoadWorker w : workers) {
                w.stop();
            }
            for (Thread t : threadList) {
                t.join();
            }
        }
        collect(workers, recycled, interval, total, current);
        collectSendDelays(workers, sendDelayRecycled, sendDelayInterval, sendDelayTotal);
        long measuredNs = Math.max(0, stopNs - startNs);
        // The busiest thread is the one that limits the client; the average would hide one saturated selector.
        double busiest = 0;
        for (int i = 0; i < threads; i++) {
            long busyNs = workers.get(i).counters().getAcquire(LoadCounters.BUSY_NS) - busyBaselineNs[i];
            busiest = Math.max(busiest, measuredNs == 0 ? 0 : Math.min(1.0, (double) busyNs / measuredNs));
        }
        long backlogAtEnd = Math.max(0, current[LoadCounters.ARRIVALS] - current[LoadCounters.SENT]);
        for (int i = 0; i < current.length; i++) {
            current[i] -= baseline[i];
        }
        return new BenchReport(settings.targets().origin(), settings.targets().size(), settings.connections(), threads,
                settings.ratePerSecond(), settings.warmup().toNanos(), measuredNs, current, total, sendDelayTotal,
                busiest, backlogAtEnd);
    }

    private static boolean anyAlive(List<Thread> threads) {
        for (Thread t : threads) {
            if (t.isAlive()) {
                return true;
            }
        }
        return false;
    }

    /** Swaps every recorder: {@code interval} gets the last interval only, {@code total} accumulates. */
    private static void collect(List<LoadWorker> workers, Histogram[] recycled, Histogram interval, Histogram total,
                                long[] counters) {
        interval.reset();
        java.util.Arrays.fill(counters, 0);
        for (int i = 0; i < workers.size(); i++) {
            LoadWorker w = workers.get(i);
            // Counters first, then the histogram: a response counted here is in this or the next histogram.
            w.counters().addTo(counters);
            recycled[i] = w.recorder().getIntervalHistogram(recycled[i]);
            interval.add(recycled[i]);
        }
        total.add(interval);
    }

    /** The send delays are reported for the whole run only; {@code interval} is scratch space. */
    private static void collectSendDelays(List<LoadWorker> workers, Histogram[] recycled, Histogram interval,
                                          Histogram total) {
        interval.reset();
        for (int i = 0; i < workers.size(); i++) {
            recycled[i] = workers.get(i).sendDelayRecorder().getIntervalHistogram(recycled[i]);
            interval.add(recycled[i]);
        }
        total.add(interval);
    }

    private static IntervalSample sample(boolean warmup, long elapsedNs, long intervalNs, long[] previous, long[] current,
                                         Histogram interval) {
        long requests = current[LoadCounters.REQUESTS] - previous[LoadCounters.REQUESTS];
        long bytes = current[LoadCounters.BYTES_RECEIVED] - previous[LoadCounters.BYTES_RECEIVED];
        long errors = LoadCounters.errorsIn(current) - LoadCounters.errorsIn(previous);
        boolean any = interval.getTotalCount() > 0;
        return new IntervalSample(warmup, elapsedNs, intervalNs, requests, bytes, errors,
                any ? interval.getValueAtPercentile(50) : 0, any ? interval.getValueAtPercentile(99) : 0,
                Math.max(0, current[LoadCounters.ARRIVALS] - current[LoadCounters.SENT]));
    }
}
