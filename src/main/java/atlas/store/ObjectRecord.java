package atlas.store;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One stored object as the index knows it: immutable metadata plus a reader count that keeps its extent
 * alive while any core still streams it.
 * <p>
 * Why the count: an overwrite or delete <em>retires</em> the old record, and its extent returns to the
 * allocator only when the last reader {@link #unpin}s it. Without this, a PUT could reuse blocks that a
 * slow GET is still reading and the client would see a mix of two objects. The count is touched twice
 * per response (not per byte), and is contended only when one object is hot on several cores.
 *
 * <pre>
 *  state:  bit 31 = RETIRED, bits 0..30 = readers
 *  pin:    CAS readers+1 unless RETIRED          (fails -> caller looks the name up again)
 *  unpin:  readers-1; if the result is exactly RETIRED (no readers left) -> reclaim the extent
 *  retire: set RETIRED; if there were no readers   -> reclaim the extent
 * </pre>
 * The transition to "RETIRED with zero readers" happens exactly once, so the extent is reclaimed once.
 */
public final class ObjectRecord implements ObjectIndex.Entry {
    private static final int RETIRED = 1 << 31;
    private static final VarHandle ATTACHMENT;

    static {
        try {
            ATTACHMENT = MethodHandles.lookup()
                    .findVarHandle(ObjectRecord.class, "attachment", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ObjectKey key;
    private final Extent extent;
    private final long length;
    private final String contentType;
    private final int crc32c;
    private final long mtimeMillis;
    private final long sequence;
    private final byte[] etag;
    private final AtomicInteger state = new AtomicInteger();
    /** What a cache keeps for this version of the object (the hot tier's chunk table); set once, by CAS. */
    private volatile Object attachment;
    /** Set when this version is an edge's copy of an upstream object; null for origin content. */
    private volatile UpstreamCopy upstreamCopy;
    private final ExtentReclaimer reclaimer;

    ObjectRecord(ObjectKey key, Extent extent, long length, String contentType, int crc32c, long mtimeMillis,
                 long sequence, ExtentReclaimer reclaimer) {
        this.key = key;
        this.extent = extent;
        this.length = length;
        this.contentType = contentType;
        this.crc32c = crc32c;
        this.mtimeMillis = mtimeMillis;
        this.sequence = sequence;
        this.reclaimer = reclaimer;
        // Strong validator: changes with every write (sequence) and with the content (CRC32C).
        this.etag = ('"' + Long.toHexString(sequence) + '-' + Integer.toHexString(crc32c) + '"')
                .getBytes(StandardCharsets.US_ASCII);
    }

    public ObjectKey key() {
        return key;
    }

    public String name() {
        return key.toString();
    }

    public Extent extent() {
        return extent;
    }

    /** Byte offset of the object's first byte in the data file (block aligned). */
    public long offsetBytes() {
        return extent.offsetBytes();
    }

    public long length() {
        return length;
    }

    public String contentType() {
        return contentType;
    }

    public int crc32c() {
        return crc32c;
    }

    public long mtimeMillis() {
        return mtimeMillis;
    }

    /** Journal sequence number of the write that created this record; later writes have larger ones. */
    @Override
    public long sequence() {
        return sequence;
    }

    /** The strong entity tag, quotes included, as ASCII bytes. Shared: callers must not modify it. */
    public byte[] etagBytes() {
        return etag;
    }

    public String etag() {
        return new String(etag, StandardCharsets.US_ASCII);
    }

    /** Registers a reader. Returns false if the record was already retired: look the name up again. */
    public boolean pin() {
        while (true) {
            int s = state.get();
            if ((s & RETIRED) != 0) {
                return false;
            }
            if (state.compareAndSet(s, s + 1)) {
                return true;
            }
        }
    }

    /** Releases a reader registered by a successful {@link #pin()}. */
    public void unpin() {
        if (state.decrementAndGet() == RETIRED) {
            reclaimer.reclaim(extent);
        }
    }

    /** Called once by the index when a newer write or a delete replaces this record. */
    void retire() {
        int before = state.getAndUpdate(s -> s | RETIRED);
        if ((before & RETIRED) != 0) {
            throw new IllegalStateException("retired twice: " + key);
        }
        if (before == 0) {
            reclaimer.reclaim(extent);
        }
    }

    /** True once a newer write or a delete replaced this record: nothing new should be built on it. */
    public boolean isRetired() {
        return (state.get() & RETIRED) != 0;
    }

    /** What a cache hung on this record ({@link #attach}), or null. */
    public Object attachment() {
        return attachment;
    }

    /** Hangs {@code value} on this record if its attachment is still {@code expected}; true when it was set. */
    public boolean attach(Object expected, Object value) {
        return ATTACHMENT.compareAndSet(this, expected, value);
    }

    /** The upstream copy this version is (an edge's fill), or null: origin content, never evicted. */
    public UpstreamCopy upstreamCopy() {
        return upstreamCopy;
    }

    /** Marks this version as an edge's copy of an upstream object (once, by the fill that stored it). */
    public void markUpstreamCopy(UpstreamCopy copy) {
        upstreamCopy = copy;
    }

    @Override
    public String toString() {
        return key + "@" + extent.offsetBytes() + "+" + length;
    }

    /** Where a retired, unread extent goes: back to the allocator. */
    interface ExtentReclaimer {
        void reclaim(Extent extent);
    }
}
