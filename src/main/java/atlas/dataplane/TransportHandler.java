package atlas.dataplane;

/**
 * Completions of one connection's {@link Transport} operations, delivered on its event-loop thread. A negative
 * result is a failure: {@link #EOF} for an orderly end of stream, otherwise {@code -errno}.
 */
public interface TransportHandler {
    int EOF = -1;

    /** The connection is ready; issue the first receive. */
    void onOpen(Transport transport);

    void onReceived(int bytes);

    void onSent(int bytes);

    void onDiskRead(int bytes);

    void onDiskWritten(int bytes);

    void onTimeout();

    /**
     * The server is draining: close now if no exchange is in flight, otherwise close once the current response
     * is complete instead of waiting for another request.
     */
    void onDrain();

    /** The connection is gone; release every buffer still held. No callback follows. */
    void onClosed();
}
