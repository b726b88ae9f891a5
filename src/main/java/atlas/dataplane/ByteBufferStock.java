package atlas.dataplane;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * A core's stock of small direct buffers of one size — a connection's receive and out buffers, TLS's record
 * buffers: taken when a connection opens (or a request needs a larger one), given back when it is done, so a steady
 * load allocates nothing. The stock keeps at most {@code maxKept} free buffers: enough for a reconnect storm, not a
 * leak after one. Unlike {@link BufferPool} (aligned I/O buffers under a hard cap, with waiters), a take never
 * waits: a connection's own buffers are part of what accepting it costs.
 * <p>
 * Thread: owned by one core; not thread-safe by design.
 */
public final class ByteBufferStock {
    private final int bufferBytes;
    private final int maxKept;
    private final ArrayDeque<ByteBuffer> free;

    public ByteBufferStock(int bufferBytes, int maxKept) {
        if (bufferBytes <= 0 || maxKept < 0) {
            throw new IllegalArgumentException("bad stock shape " + bufferBytes + "x" + maxKept);
        }
        this.bufferBytes = bufferBytes;
        this.maxKept = maxKept;
        this.free = new ArrayDeque<>(Math.min(maxKept, 64));
    }

    public int bufferBytes() {
        return bufferBytes;
    }

    /** A cleared buffer of {@link #bufferBytes()}: the one given back last (cache-warm), or a new one. */
    public ByteBuffer take() {
        ByteBuffer b = free.pollLast();
        return b != null ? b.clear() : ByteBuffer.allocateDirect(bufferBytes);
    }

    /**
     * Takes {@code buffer} back into the stock; the caller must not use it afterwards. A buffer of another size (a
     * one-off) or one beyond the stock's bound is left to the collector.
     */
    public void giveBack(ByteBuffer buffer) {
        if (buffer != null && buffer.capacity() == bufferBytes && free.size() < maxKept) {
            free.addLast(buffer);
        }
    }

    /** Free buffers kept now. */
    public int kept() {
        return free.size();
    }
}
