package atlas.loadgen;

import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One persistent client connection of a {@link LoadWorker}; touched by that worker's thread only.
 * <pre>
 *            open ──────────────▶ CONNECTING ──finishConnect──┐
 *              ▲                       │ fails                ▼
 *              │                       ▼              ┌──▶ IDLE ── closed loop: at once;
 *           BACKOFF ◀── connect error ─┘              │        │   with a rate: when an arrival is due
 *   (retry after RECONNECT_BACKOFF)                   │        ▼ send a random target
 *                                                     │    WRITING ──all written──▶ READING
 *                                                     │                               │ response complete
 *                                                     └──── keep-alive ◀──────────────┘
 *   any error, timeout or "Connection: close": close, then open again at once (a failed connect backs off).
 * </pre>
 */
final class LoadConnection {
    enum State { CONNECTING, IDLE, WRITING, READING, BACKOFF }

    final ResponseParser parser = new ResponseParser();
    /** The current request's bytes; direct so the write is one copy into the socket. */
    final ByteBuffer request;

    SocketChannel channel;
    SelectionKey key;
    State state;
    /** When the state began (connect start, backoff start, idle start). */
    long stateSinceNs;
    /** When the current request's first byte was written: the timeout runs from here. */
    long sentNs;
    /**
     * When the current request was meant to be sent: its arrival's time with a target rate (latency runs from here,
     * so time spent waiting for the client or for a free connection counts), else the same as {@link #sentNs}.
     */
    long intendedNs;
    /** Responses completed on this socket (an idle close after some is not a torn response). */
    long responsesOnSocket;
    /** Whether an entry for it is in its worker's {@link IdleConnections}. */
    boolean inIdleQueue;

    LoadConnection(int maxRequestBytes) {
        this.request = ByteBuffer.allocateDirect(maxRequestBytes);
    }
}
