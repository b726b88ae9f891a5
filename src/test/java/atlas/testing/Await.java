package atlas.testing;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Waiting in a test for a condition instead of for a time: polls until the condition holds and returns at once,
 * or fails when the deadline passes, saying what did not happen (and what was last seen). A sleep chosen to be
 * "long enough" is either slow on a fast machine or flaky on a loaded one; the deadline here is only a bound on a
 * failure, so it can be generous.
 * <p>
 * Polls back off from {@link #FIRST_PAUSE_NS} to {@link #MAX_PAUSE_NS}: a condition that is nearly there is seen
 * within a millisecond, one that takes seconds (a server's sweep, a certificate check) costs a few polls a
 * second, which matters when a poll is an HTTP scrape or a process on a machine shared by test runs.
 * Where the code under test takes a clock, a test advances the clock instead and needs none of this.
 */
public final class Await {
    private static final long FIRST_PAUSE_NS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long MAX_PAUSE_NS = TimeUnit.MILLISECONDS.toNanos(100);
    /** Of the last sample in a failure message: enough to read a metrics exposition's worth. */
    private static final int MAX_SAMPLE_CHARS = 8_000;

    private Await() {
    }

    /** A condition that may need I/O to be judged (a file, an HTTP scrape); an exception fails the wait. */
    @FunctionalInterface
    public interface Condition {
        boolean holds() throws Exception;
    }

    /** A value to sample until it is the expected one, e.g. a metrics exposition. */
    @FunctionalInterface
    public interface Sample<T> {
        T take() throws Exception;
    }

    /** Returns once {@code condition} holds; fails with "{@code what}" once {@code timeout} has passed. */
    public static void until(String what, Duration timeout, Condition condition) throws Exception {
        until(what, timeout, condition::holds, Boolean::booleanValue);
    }

    /**
     * Takes samples until {@code done} accepts one and returns that one; fails with "{@code what}" and the last
     * sample once {@code timeout} has passed.
     */
    public static <T> T until(String what, Duration timeout, Sample<T> sample, Predicate<? super T> done)
            throws Exception {
        long deadlineNs = System.nanoTime() + timeout.toNanos();
        long pauseNs = FIRST_PAUSE_NS;
        while (true) {
            T last = sample.take();
            if (done.test(last)) {
                return last;
            }
            long leftNs = deadlineNs - System.nanoTime();
            if (leftNs <= 0) {
                String seen = String.valueOf(last);
                throw new AssertionError("waited " + timeout.toMillis() + " ms for " + what
                        + (last instanceof Boolean ? "" : "; last seen: "
                        + (seen.length() > MAX_SAMPLE_CHARS ? seen.substring(0, MAX_SAMPLE_CHARS) + "..." : seen)));
            }
            TimeUnit.NANOSECONDS.sleep(Math.min(pauseNs, leftNs));
            pauseNs = Math.min(pauseNs * 2, MAX_PAUSE_NS);
        }
    }
}
