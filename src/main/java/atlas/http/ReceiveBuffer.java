package atlas.http;

import atlas.dataplane.ByteBufferStock;
import atlas.dataplane.Transport;

import java.nio.ByteBuffer;

/**
 * One connection's received bytes: {@code [start, end)} of its buffer are received and not consumed yet. The
 * buffer is a small one (a typical head, and the start of a pipelined one) for the connection's life, moved to a
 * large one when a head outgrows it or a chunked body streams through, and back to a small one between requests
 * — every open connection holds one, idle or not, so the common case stays small.
 * <p>
 * Ownership: the connection's, from {@link #open} to {@link #close}; an upload borrows it while it reads its body
 * (the bytes that came with the head are the body's first bytes). At most one receive is in flight into it, and
 * nothing moves its bytes while one is ({@link #grow}, {@link #compact} and {@link #shrink} are called between
 * receives only). Thread: the connection's core.
 */
public final class ReceiveBuffer {
    private final ByteBufferStock small;
    private final ByteBufferStock large;
    private ByteBuffer buffer;
    private int start;
    private int end;

    public ReceiveBuffer(ByteBufferStock small, ByteBufferStock large) {
        if (large.bufferBytes() < small.bufferBytes()) {
            throw new IllegalArgumentException("large receive buffers smaller than small ones");
        }
        this.small = small;
        this.large = large;
    }

    /** Takes a small buffer from the core's stock. */
    public void open() {
        buffer = small.take();
        start = end = 0;
    }

    /** Gives the buffer back; the connection is closed and no receive is in flight. */
    public void close() {
        giveBack(buffer);
        buffer = null;
    }

    public ByteBuffer buffer() {
        return buffer;
    }

    public int start() {
        return start;
    }

    public int end() {
        return end;
    }

    /** Received bytes not consumed yet. */
    public int available() {
        return end - start;
    }

    /** {@code bytes} more were consumed (parsed, or taken by a body). */
    public void consume(int bytes) {
        start += bytes;
    }

    /** A receive into {@link #receiveMore} completed with {@code bytes}. */
    public void received(int bytes) {
        end += bytes;
    }

    public boolean isFull() {
        return end == buffer.capacity();
    }

    /** True when the buffer is a large one already: a head that fills it is too large. */
    public boolean isLarge() {
        return buffer.capacity() >= large.bufferBytes();
    }

    /** Receives into the free space after {@link #end()}. */
    public void receiveMore(Transport transport) {
        transport.receive(buffer, end, buffer.capacity() - end);
    }

    /** Moves the unconsumed bytes to the front, so the free space after them is as large as it can be. */
    public void compact() {
        if (start == end) {
            start = end = 0;
        } else if (start > 0) {
            buffer.limit(end).position(start);
            buffer.compact();
            buffer.clear();
            end -= start;
            start = 0;
        }
    }

    /**
     * Moves to a large buffer, keeping the bytes at the same indices so a parser's or decoder's positions stay
     * valid. No-op when already large.
     */
    public void grow() {
        if (isLarge()) {
            return;
        }
        ByteBuffer bigger = large.take();
        bigger.put(0, buffer, 0, end);
        giveBack(buffer);
        buffer = bigger;
    }

    /** Back to a small buffer once nothing (not even a pipelined request's start) needs the large one. */
    public void shrink() {
        if (buffer.capacity() != small.bufferBytes() && end - start <= small.bufferBytes()) {
            ByteBuffer smaller = small.take();
            smaller.put(0, buffer, start, end - start);
            end -= start;
            start = 0;
            giveBack(buffer);
            buffer = smaller;
        }
    }

    private void giveBack(ByteBuffer b) {
        if (b == null) {
            return;
        }
        (b.capacity() == small.bufferBytes() ? small : large).giveBack(b);
    }
}
