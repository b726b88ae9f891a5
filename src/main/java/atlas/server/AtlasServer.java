package atlas.server;

import java.io.IOException;

/**
 * STUB — contract only; implementation in progress.
 * <p>
 * The composition root: opens the volume, seeds the demo when asked, starts one event loop per core and
 * stops them.
 */
public final class AtlasServer implements AutoCloseable {
    private AtlasServer() {
    }

    /**
     * Opens the volume and starts serving; returns once every core listens. Throws IOException with a precise
     * one-line message when start-up fails (port in use, volume locked, no JDK feature ...).
     */
    public static AtlasServer start(ServerConfig config) throws IOException {
        throw new UnsupportedOperationException("stub");
    }

    /** The port actually bound (differs from the config when it asked for 0). */
    public int port() {
        throw new UnsupportedOperationException("stub");
    }

    /** Base URL, e.g. "http://127.0.0.1:8080/". */
    public String baseUrl() {
        throw new UnsupportedOperationException("stub");
    }

    /** Blocks until {@link #close()} has been called and every core stopped. */
    public void awaitTermination() throws InterruptedException {
        throw new UnsupportedOperationException("stub");
    }

    /** Stops accepting, lets in-flight responses finish for a short grace period, closes the volume. */
    @Override
    public void close() {
        throw new UnsupportedOperationException("stub");
    }
}
