package atlas.bench;

import atlas.uring.CompletionHandler;
import atlas.posix.Errno;
import atlas.uring.IoUring;
import atlas.uring.IoUringException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The ring's bare submit/complete path: a batch of N NOPs prepared, submitted and reaped with ONE
 * {@code io_uring_enter} (submit + GETEVENTS), then drained through {@link IoUring#forEachCompletion} — one turn
 * of a per-core loop with nothing but ring overhead in it. Scores are NOPs per second on one thread, i.e. one
 * core ({@code @OperationsPerInvocation(N)}); N = 1 is the per-syscall cost, 16 and 64 show how far batching
 * amortises it. {@code -prof gc} should show ~0 B/op: the data path allocates nothing.
 * <p>
 * One method per N rather than a {@code @Param}: {@code @OperationsPerInvocation} takes only a constant.
 * The ring is {@code Scope.Thread} and opened in {@code @Setup}, which JMH runs on the benchmark thread itself —
 * the ring is confined to (and, with SINGLE_ISSUER, only enterable by) the thread that opened it.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class RingNopBenchmark {
    /** SQ size: the largest batch fits twice, so a turn never finds the SQ full. */
    private static final int SQ_ENTRIES = 128;

    private IoUring ring;
    private final Counter counter = new Counter();

    /** One long-lived handler: a lambda made per call would be exactly the allocation this benchmark looks for. */
    static final class Counter implements CompletionHandler {
        long completed;
        long failed;

        @Override
        public void onCompletion(long userData, int res, int flags) {
            completed++;
            if (res < 0) {
                failed++;
            }
        }
    }

    @Setup(Level.Trial)
    public void open() throws IoUringException {
        // A throwaway ring first: the first close() links the munmap/close downcalls (MBs of one-off method-handle
        // spinning), which would otherwise land in the last iteration's gc.alloc.rate.norm via @TearDown.
        IoUring.open(SQ_ENTRIES).close();
        ring = IoUring.open(SQ_ENTRIES);
    }

    @TearDown(Level.Trial)
    public void close() {
        ring.close();
        if (counter.failed != 0) {
            throw new IllegalStateException(counter.failed + " of " + counter.completed + " NOPs failed");
        }
    }

    @Benchmark
    @OperationsPerInvocation(1)
    public long batch01() throws IoUringException {
        return turn(1);
    }

    @Benchmark
    @OperationsPerInvocation(16)
    public long batch16() throws IoUringException {
        return turn(16);
    }

    @Benchmark
    @OperationsPerInvocation(64)
    public long batch64() throws IoUringException {
        return turn(64);
    }

    /** One loop turn: prepare {@code n} NOPs, one enter to submit them and wait for all, drain the CQ. */
    private long turn(int n) throws IoUringException {
        IoUring r = ring;
        for (int i = 0; i < n; i++) {
            r.prepNop(r.nextSqe(), i);
        }
        int reaped = 0;
        while (reaped < n) {
            int rc = r.submitAndWait(n - reaped);
            if (rc < 0 && rc != -Errno.EAGAIN && rc != -Errno.EBUSY) { // those two: reap, then enter again
                throw new IllegalStateException("io_uring_enter: " + Errno.describe(rc));
            }
            reaped += r.forEachCompletion(counter);
        }
        return counter.completed;
    }
}
