package atlas.dataplane;

/**
 * The protocol side of one core: creates a handler per accepted connection and runs per-turn work such as the
 * group commit. Lives on its core's thread only.
 */
public interface CoreProtocol {
    /**
     * A handler for a connection freshly accepted on listener {@code listener} (an index into
     * {@link EngineSettings#listeners()}: the server decides what each one speaks, e.g. HTTP or HTTPS) from
     * {@code peer} ("203.0.113.9:53412"); null refuses it: the engine closes the socket before anything was read
     * (a client over its connection limit costs no buffer and no handshake).
     */
    TransportHandler<? super SocketTransport> newConnection(int listener, String peer);

    /**
     * Called once per loop turn after all completions of the turn were delivered: IX's bounded batching point,
     * where work batched during the turn (journal commits) is submitted to the core's {@link DiskIo}. The loop does
     * not wait for anything it starts here: its next turn submits it and reaps whatever completes first.
     */
    void onTurnEnd();

    /** The core is stopping: no new connections will arrive. */
    void onShutdown();
}
