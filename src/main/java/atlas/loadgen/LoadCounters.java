package atlas.loadgen;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A worker's running totals, written by its thread only and read by the reporter once a second. Single writer,
 * so an increment is a plain read plus a release store (no read-modify-write); the reporter reads with acquire.
 */
final class LoadCounters {
    /** Responses completed (any status). */
    static final int REQUESTS = 0;
    static final int BYTES_RECEIVED = 1;
    static final int BODY_BYTES = 2;
    /** Requests started. */
    static final int SENT = 3;
    /** With a target rate: arrivals whose intended time has passed; minus {@link #SENT}, the backlog. */
    static final int ARRIVALS = 4;
    /** With a target rate: arrivals that found every connection busy and waited for one to free up. */
    static final int WAITED = 5;
    /** Time the worker's loop spent handling events and sending, not waiting for them (ns). */
    static final int BUSY_NS = 6;
    private static final int FIRST_ERROR = 7;
    static final int SLOTS = FIRST_ERROR + ErrorKind.values().length;

    private final AtomicLongArray slots = new AtomicLongArray(SLOTS);

    static int errorSlot(ErrorKind kind) {
        return FIRST_ERROR + kind.ordinal();
    }

    /** Writer thread only. */
    void addRelease(int slot, long delta) {
        slots.setRelease(slot, slots.getPlain(slot) + delta);
    }

    /** Writer thread only: for a total the writer keeps itself. */
    void setRelease(int slot, long value) {
        slots.setRelease(slot, value);
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
