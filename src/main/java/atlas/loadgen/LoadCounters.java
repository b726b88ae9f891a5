package atlas.loadgen;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A worker's running totals, written by its thread only and read by the reporter once a second. Single writer,
 * so an increment is a plain read plus a release store (no read-modify-write); the reporter reads with acquire.
 */
final class LoadCounters {
    static final int REQUESTS = 0;
    static final int BYTES_RECEIVED = 1;
    static final int BODY_BYTES = 2;
    private static final int FIRST_ERROR = 3;
    static final int SLOTS = FIRST_ERROR + ErrorKind.values().length;

    private final AtomicLongArray slots = new AtomicLongArray(SLOTS);

    static int errorSlot(ErrorKind kind) {
        return FIRST_ERROR + kind.ordinal();
    }

    /** Writer thread only. */
    void addRelease(int slot, long delta) {
        slots.setRelease(slot, slots.getPlain(slot) + delta);
    }

    void errorRelease(ErrorKind kind) {
        addRelease(errorSlot(kind), 1);
    }

    long getAcquire(int slot) {
        return slots.getAcquire(slot);
    }

    /** Adds this worker's totals into {@code into} (indexed by slot). */
    void addTo(long[] into) {
        for (int i = 0; i < SLOTS; i++) {
            into[i] += slots.getAcquire(i);
        }
    }

    static long errorsIn(long[] totals) {
        long sum = 0;
        for (int i = FIRST_ERROR; i < SLOTS; i++) {
            sum += totals[i];
        }
        return sum;
    }
}
