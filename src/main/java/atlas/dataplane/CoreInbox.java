package atlas.dataplane;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;

/**
 * The one way into a core from another thread: a helper that did blocking work on the core's behalf (growing the
 * data file, say) posts the continuation here, and the core runs it on its own thread at its next turn — so the
 * core never waits for the helper, and the helper never touches the core's state. The poster wakes the loop
 * ({@code wake}: an eventfd the ring reads, or the selector's wake-up), so the continuation runs within one turn.
 * <p>
 * Control path only (rare events): a post allocates a queue node. Threads: {@link #execute} from any thread;
 * {@link #drain} from the core's loop only.
 */
public final class CoreInbox implements Executor {
    private static final int FAILURES_PRINTED = 10;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** Guards {@link #wake} against the loop closing what it writes to (an eventfd) while a poster uses it. */
    private final Object wakeLock = new Object();
    private Runnable wake = () -> { };
    private long failures;

    /** Installs how posters wake the loop; the loop sets it before it starts taking work. */
    void wakeWith(Runnable wakeUp) {
        synchronized (wakeLock) {
            this.wake = wakeUp;
        }
    }

    /**
     * The loop is stopping: no poster wakes it any more, and {@code release} (closing the eventfd) runs when no
     * poster is inside the old wake-up, so none writes to a descriptor number that may have been reused.
     */
    void stopWaking(Runnable release) {
        synchronized (wakeLock) {
            wake = () -> { };
            release.run();
        }
    }

    /**
     * Queues {@code task} to run on the core's thread and wakes the loop. Posters are helper threads on rare events;
     * the lock they take is never taken by the core while it serves.
     */
    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        synchronized (wakeLock) {
            wake.run();
        }
    }

    public boolean isEmpty() {
        return tasks.isEmpty();
    }

    /**
     * Runs what was posted, on the core's thread. A task that throws is its own request's failure: counted,
     * printed, and the others still run.
     */
    public int drain() {
        int n = 0;
        Runnable task;
        while ((task = tasks.poll()) != null) {
            n++;
            try {
                task.run();
            } catch (RuntimeException e) {
                failures++;
                if (failures <= FAILURES_PRINTED) {
                    System.err.println("atlas: a task handed to a core failed: " + e);
                    e.printStackTrace();
                }
            }
        }
        return n;
    }
}
