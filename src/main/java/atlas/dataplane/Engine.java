package atlas.dataplane;

import java.io.IOException;

/**
 * A dataplane: one pinned event-loop thread per core, each with its own listener ({@code SO_REUSEPORT}), buffers
 * and connections, driving {@link CoreProtocol}s. Implementations: {@link UringEngine} (io_uring, Linux) and
 * {@link NioEngine} (the portable fallback).
 */
public interface Engine extends AutoCloseable {
    /** Name for start-up lines and metrics ("nio", "io_uring"). */
    String name();

    /** The port the first listener is bound to. */
    default int port() {
        return port(0);
    }

    /** The port listener {@code listener} (index into {@link EngineSettings#listeners()}) is bound to. */
    int port(int listener);

    /**
     * Stops accepting, lets in-flight exchanges finish until {@code graceNs} has passed, then closes every
     * connection and joins the loop threads.
     */
    void shutdown(long graceNs) throws InterruptedException;

    @Override
    default void close() throws IOException {
        try {
            shutdown(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
