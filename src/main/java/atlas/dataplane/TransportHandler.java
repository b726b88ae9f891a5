package atlas.dataplane;

/**
 * Completions of one connection's {@link Transport} operations, delivered on its event-loop thread. A negative
 * result is a failure: {@link #EOF} for an orderly end of stream, otherwise {@code -errno}.
 *
 * @param <T> what the handler needs of its transport: an engine hands every connection a {@link SocketTransport};
 *            an application handler (HTTP) takes any {@link Transport}, so TLS can sit between the two.
 */
public interface TransportHandler<T extends Transport> {
    int EOF = -1;

    /** The connection is ready; issue the first receive. */
    void onOpen(T transport);

    void onReceived(int bytes);

    void onSent(int bytes);

    void onTimeout();

    /**
     * The server is draining: close now if no exchange is in flight, otherwise close once the current response
     * is complete instead of waiting for another request.
     */
    void onDrain();

    /**
     * The connection is gone: no socket operation is in flight any more; release every buffer that only the socket
     * used. Disk requests are not cancelled — their completions still arrive, and what they fill is given back
     * then. No transport callback follows.
     */
    void onClosed();
}
