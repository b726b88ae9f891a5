package atlas.dataplane;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * The block-aligned, O_DIRECT file an engine reads object bytes from and writes ingested bytes to. Engines that
 * submit disk I/O themselves (io_uring) use the raw descriptors; the NIO engine calls the blocking methods.
 */
public interface BlockStore {
    /** Reads {@code dst.byteSize()} bytes at {@code fileOffset}; returns the count (short only at end of file). */
    int read(MemorySegment dst, long fileOffset) throws IOException;

    /** Writes all of {@code src} at {@code fileOffset}; durable (O_DSYNC) on return. */
    void writeDurable(MemorySegment src, long fileOffset) throws IOException;

    /** Writes all of {@code src} at {@code fileOffset}; complete (readable) on return, durable after {@link #syncData}. */
    void writeLazy(MemorySegment src, long fileOffset) throws IOException;

    /** fdatasync of {@link #lazyWriteFd()}: every write completed before the call is durable on return. */
    void syncData() throws IOException;

    /** Descriptor opened O_RDONLY|O_DIRECT. */
    int readFd();

    /** Descriptor opened O_RDWR|O_DIRECT|O_DSYNC. */
    int writeFd();

    /** Descriptor opened O_WRONLY|O_DIRECT, without O_DSYNC ({@link #writeLazy}). */
    int lazyWriteFd();
}
