package atlas.dataplane;

import java.lang.foreign.MemorySegment;

/**
 * Disk I/O a core's protocol issues on its own behalf rather than for one connection — the journal's group commit
 * and the data syncs that make inline bodies' extents durable. Submitted on the core's thread; the completion comes back on it in a later turn (io_uring) or at once
 * (NIO, which writes synchronously).
 */
public interface CoreIo {
    /** Receives the result of {@link #writeDurable}: the byte count on success, {@code -errno} on failure. */
    interface WriteCompletion {
        void onWritten(int result);
    }

    /**
     * Writes all of {@code src} to {@code fd} at {@code fileOffset}, durably (the fd is O_DSYNC; the io_uring engine
     * also sets RWF_DSYNC), then calls {@code completion}. {@code src} must stay untouched until then.
     */
    void writeDurable(int fd, MemorySegment src, long fileOffset, WriteCompletion completion);

    /**
     * fdatasync of {@code fd} (io_uring: IORING_OP_FSYNC with IORING_FSYNC_DATASYNC), then {@code completion} with 0
     * or {@code -errno}: every write to it that completed before the submission is durable.
     */
    void syncData(int fd, WriteCompletion completion);
}
