package atlas.metrics;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * A single-producer, single-consumer byte ring that carries finished access-log lines from one core to the
 * {@link AccessLogWriter} thread. The core never waits: when the ring is full the line is dropped and counted
 * (a slow disk must not slow the data path), and offering allocates nothing.
 *
 * <pre>
 *   bytes[]  (capacity a power of two; positions grow forever and are masked)
 *   +------------------------------------------------------------------+
 *   |  free  | line\n line\n line\n (published, unread) |     free      |
 *   +------------------------------------------------------------------+
 *            ^ tail (consumer, release)                ^ head (producer, release)
 * </pre>
 * The producer copies a whole line, then publishes it with {@code putHeadRelease}; the consumer reads the head with
 * acquire, copies everything up to it and frees it with {@code putTailRelease}. Because only whole lines are ever
 * published, a drain always ends on a line boundary, so lines of different cores never interleave in the file.
 */
public final class AccessLogRing {
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;
    private static final VarHandle DROPPED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HEAD = lookup.findVarHandle(AccessLogRing.class, "head", long.class);
            TAIL = lookup.findVarHandle(AccessLogRing.class, "tail", long.class);
            DROPPED = lookup.findVarHandle(AccessLogRing.class, "dropped", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final byte[] bytes;
    private final int mask;
    @SuppressWarnings("unused") // through HEAD
    private long head;
    @SuppressWarnings("unused") // through TAIL
    private long tail;
    @SuppressWarnings("unused") // through DROPPED
    private long dropped;

    /** A ring of {@code capacityBytes}, rounded up to a power of two. */
    public AccessLogRing(int capacityBytes) {
        int capacity = capacityBytes <= 1024 ? 1024 : Integer.highestOneBit(capacityBytes - 1) << 1;
        this.bytes = new byte[capacity];
        this.mask = capacity - 1;
    }

    public int capacity() {
        return bytes.length;
    }

    /**
     * Producer: appends {@code line[0, length)} (one or more whole lines) or, when there is no room, drops it and
     * returns false. Never blocks, never allocates.
     */
    public boolean offer(byte[] line, int length) {
        long h = (long) HEAD.get(this);
        long t = getTailAcquire();
        if (length > bytes.length - (h - t)) {
            DROPPED.setOpaque(this, (long) DROPPED.getOpaque(this) + 1);
            return false;
        }
        int start = (int) (h & mask);
        int first = Math.min(length, bytes.length - start);
        System.arraycopy(line, 0, bytes, start, first);
        if (first < length) {
            System.arraycopy(line, first, bytes, 0, length - first);
        }
        putHeadRelease(h + length);
        return true;
    }

    /**
     * Consumer: moves every published byte into {@code dst} (which must have room for {@link #capacity()}) and
     * frees it. Returns the number of bytes moved.
     */
    public int drainTo(ByteBuffer dst) {
        long t = (long) TAIL.get(this);
        long h = getHeadAcquire();
        int n = (int) (h - t);
        if (n == 0) {
            return 0;
        }
        if (n > dst.remaining()) {
            throw new IllegalArgumentException("drain buffer smaller than the ring");
        }
        int start = (int) (t & mask);
        int first = Math.min(n, bytes.length - start);
        dst.put(bytes, start, first);
        if (first < n) {
            dst.put(bytes, 0, n - first);
        }
        putTailRelease(t + n);
        return n;
    }

    /** Lines refused because the ring was full (readable from any thread). */
    public long dropped() {
        return (long) DROPPED.getOpaque(this);
    }

    private long getHeadAcquire() {
        return (long) HEAD.getAcquire(this);
    }

    private void putHeadRelease(long value) {
        HEAD.setRelease(this, value);
    }

    private long getTailAcquire() {
        return (long) TAIL.getAcquire(this);
    }

    private void putTailRelease(long value) {
        TAIL.setRelease(this, value);
    }
}
