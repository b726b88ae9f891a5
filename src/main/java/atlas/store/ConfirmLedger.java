package atlas.store;

import java.util.Arrays;

/**
 * One journal's account of the PUTs whose entries need a CONFIRM ({@link JournalLayout}): those staged with their
 * body in flight, and inline ones whose extent copy was written without a flush. Each is tracked from staging until
 * a CONFIRM covering it is durable; the journal turns the resolved prefix into CONFIRM ranges that its next group
 * carries. Owned by the journal's thread.
 * <pre>
 *  append --> PENDING --durable()--> DURABLE ------------------------------+--> collect(): a CONFIRM range
 *               |  \--written()---> WRITTEN --dataSynced(covering)--> DURABLE
 *               \--failed()-------> FAILED (ends a range, never confirmed: recovery checks that extent)
 * </pre>
 * Entries sit in a ring at absolute indices {@code [head, tail)} that grows as needed; states only move forward, so
 * the first pending index only advances.
 */
final class ConfirmLedger {
    private static final byte PENDING = 0;
    private static final byte DURABLE = 1;
    private static final byte FAILED = 2;
    /** Published, its extent written without a flush: confirmable after the next data sync. */
    private static final byte WRITTEN = 3;

    private long[] sequences = new long[64];
    private byte[] states = new byte[64];
    /** For WRITTEN: the data-sync epoch it was published in (a sync begun later covers it). */
    private long[] epochs = new long[64];
    private long head;
    private long tail;
    /** No entry before this index is PENDING. */
    private long firstPending;
    /** Incremented by each {@link #beginDataSync}. */
    private long syncEpoch;
    /** WRITTEN entries since the last {@link #beginDataSync}, and when the first of them was. */
    private int awaitingSync;
    private long awaitingSyncSinceNs;
    /** Ranges {@code [first, last]} collected and not yet carried by a durable group: pairs in {@code ranges[0, 2n)}. */
    private long[] ranges = new long[16];
    private int rangeCount;

    /** Tracks the PUT with {@code sequence} (PENDING) and returns its index for the calls below. */
    long append(long sequence) {
        if (tail - head == sequences.length) {
            grow();
        }
        int at = slot(tail);
        sequences[at] = sequence;
        states[at] = PENDING;
        return tail++;
    }

    /** Body and entry durable. */
    void durable(long index) {
        states[slot(index)] = DURABLE;
    }

    /** Never to be confirmed (a body that failed, or an entry whose write was cut off). */
    void failed(long index) {
        states[slot(index)] = FAILED;
    }

    /** An inline PUT published: its extent copy awaits a data sync. */
    void written(long index) {
        int at = slot(index);
        states[at] = WRITTEN;
        epochs[at] = syncEpoch;
        if (awaitingSync++ == 0) {
            awaitingSyncSinceNs = System.nanoTime();
        }
    }

    int awaitingSync() {
        return awaitingSync;
    }

    long awaitingSyncSinceNs() {
        return awaitingSyncSinceNs;
    }

    /** A data sync is about to start: returns the epoch it covers (everything {@link #written} before this call). */
    long beginDataSync() {
        awaitingSync = 0;
        return syncEpoch++;
    }

    /** The sync begun as {@code epoch} reported: what it covers becomes DURABLE, or FAILED if it failed. */
    void dataSynced(long epoch, boolean durable) {
        for (long i = head; i < tail; i++) {
            int at = slot(i);
            if (states[at] == WRITTEN && epochs[at] <= epoch) {
                states[at] = durable ? DURABLE : FAILED;
            }
        }
    }

    /** The sequence of the first PENDING entry (staged, not yet published or failed), or Long.MAX_VALUE. */
    long firstPendingSequence() {
        firstPending = Math.max(firstPending, head);
        while (firstPending < tail && states[slot(firstPending)] != PENDING) {
            firstPending++; // amortised O(1): each entry is passed once
        }
        return firstPending < tail ? sequences[slot(firstPending)] : Long.MAX_VALUE;
    }

    /**
     * Turns the resolved prefix into CONFIRM ranges (runs of DURABLE entries; a FAILED one ends a run). Stops at the
     * first PENDING or WRITTEN: later ones wait for it, which only delays their CONFIRM (recovery would check their
     * extents meanwhile).
     */
    void collect() {
        long runFirst = -1;
        long runLast = -1;
        while (head < tail) {
            int at = slot(head);
            byte state = states[at];
            if (state == PENDING || state == WRITTEN) {
                break;
            }
            if (state == DURABLE) {
                runFirst = runFirst < 0 ? sequences[at] : runFirst;
                runLast = sequences[at];
            } else if (runFirst >= 0) {
                addRange(runFirst, runLast);
                runFirst = -1;
            }
            head++;
        }
        if (runFirst >= 0) {
            addRange(runFirst, runLast);
        }
    }

    /** Ranges collected and not yet carried by a durable group. */
    int rangeCount() {
        return rangeCount;
    }

    long rangeFirst(int i) {
        return ranges[2 * i];
    }

    long rangeLast(int i) {
        return ranges[2 * i + 1];
    }

    /** The first {@code carried} ranges are durable in a group: forget them. */
    void dropCarried(int carried) {
        if (carried == 0) {
            return;
        }
        System.arraycopy(ranges, 2 * carried, ranges, 0, 2 * (rangeCount - carried));
        rangeCount -= carried;
    }

    private void addRange(long first, long last) {
        if (2 * rangeCount + 2 > ranges.length) {
            ranges = Arrays.copyOf(ranges, ranges.length * 2);
        }
        ranges[2 * rangeCount] = first;
        ranges[2 * rangeCount + 1] = last;
        rangeCount++;
    }

    private int slot(long index) {
        return (int) (index & (states.length - 1));
    }

    private void grow() {
        int capacity = sequences.length * 2;
        long[] seqs = new long[capacity];
        byte[] sts = new byte[capacity];
        long[] eps = new long[capacity];
        for (long i = head; i < tail; i++) {
            int from = slot(i);
            int to = (int) (i & (capacity - 1));
            seqs[to] = sequences[from];
            sts[to] = states[from];
            eps[to] = epochs[from];
        }
        sequences = seqs;
        states = sts;
        epochs = eps;
    }
}
