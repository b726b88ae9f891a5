package atlas.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The journal's persistent-memory path (issue 6, point 3; PASTE on NVMM): a group commit is a copy of the entries
 * into a shared mapping of the journal file plus a write-back of exactly those bytes — no block write, no system
 * call on DAX. With {@code ExtendedMapMode.READ_WRITE_SYNC} (JEP 352: {@code mmap(MAP_SHARED_VALIDATE|MAP_SYNC)})
 * the kernel guarantees the file's metadata is durable whenever a store can reach the media, so a store followed by
 * cache-line write-back ({@code force} of the range: CLWB + SFENCE in the JDK for a sync mapping) is a durable
 * append. With plain {@code READ_WRITE} (used by tests here, where MAP_SYNC is refused) the same code is an msync of
 * the range: slower, equally durable, and the bytes are the same.
 * <pre>
 *  file:  [header | entries ... | zeros of the window .............. ]   (grown by WINDOW_BYTES, a hole)
 *                                ^ append: copy, then force(that range)
 *  window: one mapping of WINDOW_BYTES from a block boundary at or below the append offset; remapped when a
 *          group does not fit (the old mapping is unmapped at once, not left to the garbage collector)
 * </pre>
 * The file's format is exactly the block path's ({@link JournalLayout}); recovery does not know which wrote it.
 * Owned by the journal's thread; {@link #close} may come from another.
 */
final class JournalMapping implements AutoCloseable {
    /** Mapped at a time; also the step by which the file grows (as a hole: reads as zeros, no write needed). */
    static final long WINDOW_BYTES = 8L << 20;

    private final FileChannel channel;
    private final FileChannel.MapMode mode;
    private Arena arena;
    private MemorySegment window;
    private long windowStart;

    JournalMapping(Path file, FileChannel.MapMode mode) throws IOException {
        this.channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        this.mode = mode;
    }

    FileChannel.MapMode mode() {
        return mode;
    }

    /**
     * Stores {@code src} at {@code fileOffset} and writes exactly those bytes back to persistence; durable on
     * return. Throws IOException when the write-back (or growing the file) failed.
     */
    void append(MemorySegment src, long fileOffset) throws IOException {
        long length = src.byteSize();
        if (window == null || fileOffset < windowStart || fileOffset + length > windowStart + window.byteSize()) {
            remap(fileOffset, length);
        }
        MemorySegment target = window.asSlice(fileOffset - windowStart, length);
        MemorySegment.copy(src, 0, target, 0, length);
        force(target);
    }

    /** Zeros {@code [fileOffset, fileOffset + length)} durably (rolling back a group whose write-back failed). */
    void erase(long fileOffset, long length) throws IOException {
        if (window == null || fileOffset < windowStart || fileOffset + length > windowStart + window.byteSize()) {
            remap(fileOffset, length);
        }
        MemorySegment target = window.asSlice(fileOffset - windowStart, length);
        target.fill((byte) 0);
        force(target);
    }

    private static void force(MemorySegment range) throws IOException {
        try {
            range.force(); // a sync mapping: cache-line write-back of the range; otherwise msync of its pages
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private void remap(long fileOffset, long length) throws IOException {
        long start = fileOffset & -(long) Volume.BLOCK_SIZE;
        long size = Math.max(WINDOW_BYTES, (fileOffset + length - start + WINDOW_BYTES - 1) / WINDOW_BYTES * WINDOW_BYTES);
        if (channel.size() < start + size) {
            // Grow the file first (a mapping past EOF faults): one byte at the new end makes the rest a hole, which
            // reads as zeros — the log's end marker. The new size is metadata: make it durable before use.
            channel.write(ByteBuffer.allocate(1), start + size - 1);
            channel.force(true);
        }
        unmap();
        arena = Arena.ofShared();
        window = channel.map(mode, start, size, arena);
        windowStart = start;
    }

    private void unmap() {
        if (arena != null) {
            arena.close();
            arena = null;
            window = null;
        }
    }

    @Override
    public void close() throws IOException {
        unmap();
        channel.close();
    }
}
