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
    private volatile Runnable wake = () -> { };
    private long failures;

    /** Installs how posters wake the loop; the loop sets it before it starts taking work. */
    void wakeWith(Runnable wakeUp) {
        this.wake = wakeUp;
    }

    /** Queues {@code task} to run on the core's thread and wakes the loop. */
    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        wake.run();
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
