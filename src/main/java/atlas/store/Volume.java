package atlas.store;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;

/**
 * STUB — contract only; implementation in progress.
 * <p>
 * The volume: one preallocated data file holding objects in contiguous, block-aligned extents
 * (Atlas' flat namespace, cf. Haystack), an in-memory index rebuilt at open from a checkpoint plus
 * per-core append-only journals, and an extent allocator. Data-file I/O is O_DIRECT only: the page
 * cache never holds object bytes.
 * <p>
 * Threads: {@link #lookup}, {@link #read}, {@link #allocate}, {@link #release}, {@link #writeDurable} are
 * safe from any core. Each {@link Journal} belongs to exactly one thread.
 */
public final class Volume implements AutoCloseable {
    /** O_DIRECT alignment on this platform and the unit of every extent. */
    public static final int BLOCK_SIZE = 4096;

    private Volume() {
    }

    /** Opens (creating if absent) the volume in {@code config.directory()}, locking it against a second opener. */
    public static Volume open(VolumeConfig config) throws IOException {
        throw new UnsupportedOperationException("stub");
    }

    public Path directory() {
        throw new UnsupportedOperationException("stub");
    }

    /** The current record for {@code key} (an owned key or a probe), or null. Never allocates. */
    public ObjectRecord lookup(ObjectKey key) {
        throw new UnsupportedOperationException("stub");
    }

    public ObjectRecord lookup(String name) {
        return lookup(ObjectKey.of(name));
    }

    /** Up to {@code limit} live records whose names start with {@code prefix}, sorted by name (control path). */
    public List<ObjectRecord> list(String prefix, int limit) {
        throw new UnsupportedOperationException("stub");
    }

    public int objectCount() {
        throw new UnsupportedOperationException("stub");
    }

    public long liveBytes() {
        throw new UnsupportedOperationException("stub");
    }

    public long capacityBytes() {
        throw new UnsupportedOperationException("stub");
    }

    /** Raw fd of the data file opened O_RDONLY|O_DIRECT (for engines that register it, e.g. io_uring). */
    public int readFd() {
        throw new UnsupportedOperationException("stub");
    }

    /** Raw fd of the data file opened O_RDWR|O_DIRECT|O_DSYNC. */
    public int writeFd() {
        throw new UnsupportedOperationException("stub");
    }

    /**
     * O_DIRECT read of {@code dst.byteSize()} bytes at {@code offsetBytes}. {@code dst}'s address and size and
     * {@code offsetBytes} must be multiples of {@link #BLOCK_SIZE}. Returns the bytes read (short only at the
     * end of the file).
     */
    public int read(MemorySegment dst, long offsetBytes) throws IOException {
        throw new UnsupportedOperationException("stub");
    }

    /** O_DIRECT + O_DSYNC write of all of {@code src} at {@code offsetBytes} (same alignment rules); durable on return. */
    public void writeDurable(MemorySegment src, long offsetBytes) throws IOException {
        throw new UnsupportedOperationException("stub");
    }

    /** A free extent of at least {@code lengthBytes} rounded up to blocks; grows the data file if needed. */
    public Extent allocate(long lengthBytes) throws VolumeFullException {
        throw new UnsupportedOperationException("stub");
    }

    /** Returns the unused tail of {@code extent} beyond {@code usedBytes} (rounded up) to the allocator. */
    public Extent trim(Extent extent, long usedBytes) {
        throw new UnsupportedOperationException("stub");
    }

    /** Returns an extent that was allocated but never committed (aborted upload). */
    public void release(Extent extent) {
        throw new UnsupportedOperationException("stub");
    }

    /** The journal appender for one core; {@code journalId} is stable across restarts (the core index). */
    public Journal journal(int journalId) throws IOException {
        throw new UnsupportedOperationException("stub");
    }

    /** Checkpoints the index (so the next open is fast), closes files and releases the directory lock. */
    @Override
    public void close() throws IOException {
        throw new UnsupportedOperationException("stub");
    }
}
