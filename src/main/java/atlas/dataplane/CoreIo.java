package atlas.dataplane;

import java.lang.foreign.MemorySegment;

/**
 * Disk I/O a core's protocol issues on its own behalf rather than for one connection — today the journal's group
 * commit. Submitted on the core's thread; the completion comes back on it in a later turn (io_uring) or at once
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
}
