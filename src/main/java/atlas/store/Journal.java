package atlas.store;

import java.io.IOException;

/**
 * STUB — contract only; implementation in progress.
 * <p>
 * One core's append-only commit log (PASTE: the commit is a small metadata entry plus a flush). Entries staged
 * during one event-loop turn are written by a single durable write in {@link #commit()} — group commit — and only
 * then published to the index, so a reader never sees an object whose commit could still be lost.
 * Owned by one thread.
 */
public final class Journal implements AutoCloseable {
    private Journal() {
    }

    /**
     * Stages the commit of an object whose bytes are already durable in {@code extent}. Returns the record that
     * {@link #commit()} will publish (its sequence number is already assigned).
     */
    public ObjectRecord stagePut(ObjectKey name, Extent extent, long length, String contentType, int crc32c,
                                 long mtimeMillis) {
        throw new UnsupportedOperationException("stub");
    }

    /** Stages the deletion of {@code name}. */
    public void stageDelete(ObjectKey name) {
        throw new UnsupportedOperationException("stub");
    }

    public int stagedCount() {
        throw new UnsupportedOperationException("stub");
    }

    /**
     * Writes every staged entry with one durable (O_DSYNC) write, then publishes them to the index in order,
     * retiring the records they replace. On IOException nothing is published and the staged entries are dropped
     * (their extents are released); the caller fails those requests.
     */
    public void commit() throws IOException {
        throw new UnsupportedOperationException("stub");
    }

    @Override
    public void close() throws IOException {
        throw new UnsupportedOperationException("stub");
    }
}
