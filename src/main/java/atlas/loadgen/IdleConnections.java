package atlas.loadgen;

/**
 * The connections of one {@link LoadWorker} that are open and have no request outstanding, oldest first: with a
 * target rate, a due arrival goes to the head, so the connection idle longest is used first. That keeps every
 * connection in use (none sits idle until the server times it out) and makes the head's {@code idleSinceNs} the
 * earliest, so "did this arrival have to wait for a connection" is answered exactly.
 * <p>
 * A ring of capacity = connections, each connection in it at most once ({@link LoadConnection#inIdleQueue}). A
 * connection that stops being idle while queued (the server closed it, and it reconnects) is not searched for and
 * removed: {@link #poll} skips entries that are no longer {@code IDLE}, and a connection idle again before its old
 * entry came up just keeps that entry. Single-threaded; allocates nothing after construction.
 */
final class IdleConnections {
    private final LoadConnection[] ring;
    private int head;
    private int size;

    IdleConnections(int capacity) {
        this.ring = new LoadConnection[Math.max(1, capacity)];
    }

    /** Queues {@code c} unless it is queued already. */
    void offer(LoadConnection c) {
        if (c.inIdleQueue) {
            return;
        }
        c.inIdleQueue = true;
        ring[(head + size) % ring.length] = c;
        size++;
    }

    /** The connection idle longest, or null when none is. */
    LoadConnection poll() {
        while (size > 0) {
            LoadConnection c = ring[head];
            ring[head] = null;
            head = (head + 1) % ring.length;
            size--;
            c.inIdleQueue = false;
            if (c.state == LoadConnection.State.IDLE) {
                return c;
            }
        }
        return null;
    }

    /** True when nothing is queued; false may still mean only stale entries, which {@link #poll} drops. */
    boolean isEmpty() {
        return size == 0;
    }
}
