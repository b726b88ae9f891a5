package atlas.dataplane;

/**
 * What both engines keep for each accepted socket, whatever drives it: the handler its completions go to, its place
 * in the core's {@link ConnectionTable} (an id reused with a new generation each time, so late completions of a
 * closed connection cannot reach the next one), and its single deadline, swept by the loop.
 * <p>
 * Thread: the core's loop thread only.
 */
abstract class EngineConnection implements SocketTransport {
    final TransportHandler<? super SocketTransport> handler;
    private final String peer;
    /** Assigned by {@link ConnectionTable#add}; valid while the connection is in the table. */
    int id = -1;
    int generation;
    int tableIndex = -1;
    /** When {@link TransportHandler#onTimeout} is due (the loop's clock); 0: no deadline. */
    long deadlineNs;

    EngineConnection(TransportHandler<? super SocketTransport> handler, String peer) {
        this.handler = handler;
        this.peer = peer;
    }

    /** True from {@link #close()} on: no more completions are delivered to the handler. */
    abstract boolean isClosing();

    @Override
    public final void deadline(long deadlineNs) {
        this.deadlineNs = deadlineNs;
    }

    @Override
    public final String remoteAddress() {
        return peer;
    }
}
