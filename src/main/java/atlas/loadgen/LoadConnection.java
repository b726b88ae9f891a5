package atlas.loadgen;

import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One persistent client connection of a {@link LoadWorker}; touched by that worker's thread only.
 * <pre>
 *            open ──────────────▶ CONNECTING ──finishConnect──┐
 *              ▲                       │ fails                ▼
 *              │                       ▼              ┌──▶ WAITING (rate given: until dueNs)
 *           BACKOFF ◀── connect error ─┘              │        │
 *   (retry after RECONNECT_BACKOFF)                   │        ▼ send a random target
 *                                                     │    WRITING ──all written──▶ READING
 *                                                     │                               │ response complete
 *                                                     └──── keep-alive ◀──────────────┘
 *   any error, timeout or "Connection: close": close, then open again at once (a failed connect backs off).
 * </pre>
 */
final class LoadConnection {
    enum State { CONNECTING, WAITING, WRITING, READING, BACKOFF }

    final ResponseParser parser = new ResponseParser();
    /** The current request's bytes; direct so the write is one copy into the socket. */
    final ByteBuffer request;

    SocketChannel channel;
    SelectionKey key;
    State state;
    /** When the state began (connect start, backoff start). */
    long stateSinceNs;
    /** When the current request's first byte was written: latency runs from here to the response's last byte. */
    long sentNs;
    /** With a target rate: when the next request is due. */
    long dueNs;
    /** Responses completed on this socket (an idle close after some is not a torn response). */
    long responsesOnSocket;

    LoadConnection(int maxRequestBytes) {
        this.request = ByteBuffer.allocateDirect(maxRequestBytes);
    }
}
