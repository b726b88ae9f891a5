package atlas.store;

import atlas.posix.Libc;
import atlas.posix.PosixException;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;

/**
 * One device of the volume — {@code volume.dat} in a one-file volume, else a block device or a preallocated file
 * given with {@code --device} — opened three times and only ever with O_DIRECT, so object bytes never enter the page cache:
 * a read fd ({@code O_RDONLY|O_DIRECT}) for the serving path, a write fd ({@code O_RDWR|O_DIRECT|O_DSYNC})
 * whose every write is durable on return (no separate fdatasync per object), and a lazy write fd (no O_DSYNC) for
 * the extents of inline bodies, whose durable copy is their journal entry: those writes only have to complete, and
 * become durable at the next {@link #syncData} (see {@link Journal}).
 * <p>
 * {@code volume.dat} grows (below); a device given with {@code --device} has the size it has: its blocks exist,
 * so its writes are overwrites from the start, and {@link #growTo} reports it full.
 * <p>
 * A new file is built as {@code volume.dat.new} (zeros + superblock) and renamed into place, so a crash
 * during creation never leaves a {@code volume.dat} without a superblock.
 * <p>
 * <b>Written zeros, not fallocate.</b> fallocate(2) reserves <i>unwritten</i> extents: the first O_DSYNC write
 * into each one must also persist the extent's conversion to "written" (on ext4 here: an extra metadata block
 * write and cache flush per object; measured with fio, 4 KiB O_DIRECT|O_DSYNC writes: 3 700/s into a fallocated
 * file vs 9 400/s into a zero-filled one). So new space is really written with zeros — at creation, and ahead of
 * the allocator by {@link #zeroExtend} (the volume's zero-ahead thread) — and an object's write is then a pure
 * data overwrite whose O_DSYNC costs one device write and one flush. {@link #growTo} (fallocate) remains the
 * fallback when an allocation outruns the zero-ahead: correct, only slower for the first write into it.
 */
final class DataFile implements AutoCloseable {
    static final String FILE_NAME = "volume.dat";

    private static final int READ_FLAGS = Libc.O_RDONLY | Libc.O_DIRECT | Libc.O_CLOEXEC;
    private static final int WRITE_FLAGS = Libc.O_RDWR | Libc.O_DIRECT | Libc.O_DSYNC | Libc.O_CLOEXEC;
    /** Writes that must only <i>complete</i> (inline bodies, whose durable copy is the journal entry). */
    private static final int LAZY_WRITE_FLAGS = Libc.O_WRONLY | Libc.O_DIRECT | Libc.O_CLOEXEC;
    /** One O_DIRECT write of zeros: large enough for device throughput, small enough to hold a lock for. */
    static final int ZERO_CHUNK_BYTES = 4 << 20;

    private final Path path;
    private final int readFd;
    private final int writeFd;
    private final int lazyWriteFd;
    private final Superblock superblock;
    /** False for a device given with {@code --device}: its size is fixed. */
    private final boolean growable;
    /** Serialises growth: {@link #growTo} and {@link #zeroExtend} both move the end, one at a time. */
    private final Object growLock = new Object();
    /** The file's usable end: every block below it is reserved and its size durable. Only grows. */
    private volatile long sizeBytes;

    private DataFile(Path path, int readFd, int writeFd, int lazyWriteFd, Superblock superblock, long sizeBytes,
                     boolean growable) {
        this.path = path;
        this.growable = growable;
        this.readFd = readFd;
        this.writeFd = writeFd;
        this.lazyWriteFd = lazyWriteFd;
        this.superblock = superblock;
        this.sizeBytes = sizeBytes;
    }

    static DataFile openOrCreate(Path directory, long initialBytes, PrintStream notes) throws IOException {
        Path path = directory.resolve(FILE_NAME);
        if (!Files.exists(path)) {
            create(directory, path, initialBytes, notes);
        }
        return open(path, -1);
    }

    /**
     * Opens a device given with {@code --device} (already probed and holding this volume's superblock):
     * {@code sizeBytes} is its whole usable size.
     */
    static DataFile openDevice(Path path, long sizeBytes) throws IOException {
        return open(path, sizeBytes);
    }

    /** Writes {@code superblock} to block 0 of {@code path}, durably: the device joins the volume. */
    static void writeSuperblock(Path path, Superblock superblock) throws IOException {
        int fd = Libc.open(path.toString(), WRITE_FLAGS, 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment block = arena.allocate(Volume.BLOCK_SIZE, Volume.BLOCK_SIZE);
            superblock.encode(block);
            writeFully(fd, block, 0);
            Libc.fsync(fd);
        } finally {
            Libc.close(fd);
        }
    }

    /**
     * Overwrites {@code [from, from + bytes)} of {@code path} (block aligned) with zeros, durably: whatever signature
     * was there (a file system, another volume's superblock) is gone ({@code atlas format --device}).
     */
    static void erase(Path path, long from, long bytes) throws IOException {
        int fd = Libc.open(path.toString(), WRITE_FLAGS, 0);
        try (Arena arena = Arena.ofConfined()) {
            writeZeros(fd, from, from + Layouts.roundUpToBlock(bytes), arena);
            Libc.fsync(fd);
        } finally {
            Libc.close(fd);
        }
    }

    /** {@code fixedSize} < 0: a growing {@code volume.dat} whose size is its file's. */
    private static DataFile open(Path path, long fixedSize) throws IOException {
        int writeFd = Libc.open(path.toString(), WRITE_FLAGS, 0);
        int readFd;
        int lazyWriteFd;
        try {
            readFd = Libc.open(path.toString(), READ_FLAGS, 0);
        } catch (IOException e) {
            Libc.close(writeFd);
            throw e;
        }
        try {
            lazyWriteFd = Libc.open(path.toString(), LAZY_WRITE_FLAGS, 0);
        } catch (IOException e) {
            Libc.close(readFd);
            Libc.close(writeFd);
            throw e;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment block = arena.allocate(Volume.BLOCK_SIZE, Volume.BLOCK_SIZE);
            long n = Libc.pread(readFd, block, Volume.BLOCK_SIZE, 0);
            if (n != Volume.BLOCK_SIZE) {
                throw new IOException(path + " is too short to be an Atlas volume");
            }
            Superblock superblock = Superblock.decode(block, path.toString());
            // Only whole blocks are usable; a tail fragment (never written by us) is ignored.
            long size = (fixedSize >= 0 ? fixedSize : Files.size(path)) & -(long) Volume.BLOCK_SIZE;
            return new DataFile(path, readFd, writeFd, lazyWriteFd, superblock, size, fixedSize < 0);
        } catch (IOException | RuntimeException e) {
            Libc.close(readFd);
            Libc.close(writeFd);
            Libc.close(lazyWriteFd);
            throw e;
        }
    }

    private static void create(Path directory, Path path, long initialBytes, PrintStream notes) throws IOException {
        Path temp = directory.resolve(FILE_NAME + ".new");
        Files.deleteIfExists(temp);
        SecureRandom random = new SecureRandom();
        Superblock superblock = new Superblock(random.nextLong(), random.nextLong(), System.currentTimeMillis());
        long size = Math.max(Layouts.roundUpToBlock(initialBytes), 2L * Volume.BLOCK_SIZE);
        long startNs = System.nanoTime();
        int fd = Libc.open(temp.toString(), WRITE_FLAGS | Libc.O_CREAT | Libc.O_EXCL, 0644);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment block = arena.allocate(Volume.BLOCK_SIZE, Volume.BLOCK_SIZE);
            superblock.encode(block);
            writeFully(fd, block, 0);
            writeZeros(fd, Volume.BLOCK_SIZE, size, arena);
            Libc.fsync(fd); // the new size is metadata: make it durable with the bytes
        } finally {
            Libc.close(fd);
        }
        Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(directory);
        long ms = (System.nanoTime() - startNs) / 1_000_000;
        if (ms >= 1000) {
            notes.println("atlas: created " + path + ": " + (size >> 20) + " MiB written with zeros in " + ms
                    + " ms (written space makes every object write a pure overwrite)");
        }
    }

    /**
     * Writes zeros over {@code [from, to)} (block aligned) with O_DIRECT writes of {@link #ZERO_CHUNK_BYTES}
     * through {@code fd}, from one zeroed buffer allocated in {@code arena}.
     */
    private static void writeZeros(int fd, long from, long to, Arena arena) throws IOException {
        MemorySegment zeros = arena.allocate(Math.min(ZERO_CHUNK_BYTES, Math.max(to - from, Volume.BLOCK_SIZE)),
                Volume.BLOCK_SIZE);
        zeros.fill((byte) 0);
        for (long at = from; at < to; ) {
            long n = Math.min(zeros.byteSize(), to - at);
            writeFully(fd, zeros.asSlice(0, n), at);
            at += n;
        }
    }

    static void syncDirectory(Path directory) throws PosixException {
        int fd = Libc.open(directory.toString(), Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        try {
            Libc.fsync(fd);
        } finally {
            Libc.close(fd);
        }
    }

    Path path() {
        return path;
    }

    Superblock superblock() {
        return superblock;
    }

    int readFd() {
        return readFd;
    }

    int writeFd() {
        return writeFd;
    }

    long sizeBytes() {
        return sizeBytes;
    }

    /** True for {@code volume.dat}, which grows; false for a device of fixed size. */
    boolean growable() {
        return growable;
    }

    /**
     * Extends the file to at least {@code newSizeBytes} with fallocated (unwritten) blocks: the fallback when an
     * allocation needs space faster than {@link #zeroExtend} provides it. A no-op when the file is already that big.
     */
    void growTo(long newSizeBytes) throws IOException {
        synchronized (growLock) {
            long old = sizeBytes;
            if (newSizeBytes <= old) {
                return;
            }
            if (!growable) {
                throw new IOException("device " + path + " is full (" + old + " bytes)");
            }
            Libc.fallocate(writeFd, Libc.FALLOC_DEFAULT, old, newSizeBytes - old);
            // The new size must survive a crash before any object placed there is journaled.
            Libc.fsync(writeFd);
            sizeBytes = newSizeBytes;
        }
    }

    /**
     * Appends {@code [size, min(size + chunkBytes, limitBytes))} as written zeros (O_DIRECT|O_DSYNC through the
     * write fd, then fsync for the size) and returns the new size. {@code zeros} is a zeroed, aligned buffer;
     * the caller is the zero-ahead thread. Holds the growth lock for one chunk only, so a fallback
     * {@link #growTo} waits at most one chunk's write.
     */
    long zeroExtend(long chunkBytes, long limitBytes, MemorySegment zeros) throws IOException {
        synchronized (growLock) {
            long old = sizeBytes;
            long end = Math.min(old + Layouts.roundUpToBlock(chunkBytes), limitBytes & -(long) Volume.BLOCK_SIZE);
            try {
                for (long at = old; at < end; ) {
                    long n = Math.min(zeros.byteSize(), end - at);
                    writeFully(writeFd, zeros.asSlice(0, n), at);
                    at += n;
                }
            } catch (IOException e) {
                // Give back what the partial step took (ENOSPC: the journals need that room more).
                try {
                    Libc.ftruncate(writeFd, old);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
            if (end > old) {
                Libc.fsync(writeFd);
                sizeBytes = end;
            }
            return sizeBytes;
        }
    }

    int read(MemorySegment dst, long offsetBytes) throws IOException {
        checkAligned(dst, offsetBytes);
        long want = dst.byteSize();
        long done = 0;
        while (done < want) {
            long n = Libc.pread(readFd, done == 0 ? dst : dst.asSlice(done), want - done, offsetBytes + done);
            if (n == 0) {
                break; // end of file
            }
            done += n;
        }
        return (int) done;
    }

    void writeDurable(MemorySegment src, long offsetBytes) throws IOException {
        checkAligned(src, offsetBytes);
        writeFully(writeFd, src, offsetBytes);
    }

    /** O_DIRECT write without O_DSYNC: complete (readable) on return, durable only after {@link #syncData}. */
    void writeLazy(MemorySegment src, long offsetBytes) throws IOException {
        checkAligned(src, offsetBytes);
        writeFully(lazyWriteFd, src, offsetBytes);
    }

    /** fdatasync: every write completed before this call is durable on return (the device cache is flushed). */
    void syncData() throws IOException {
        Libc.fdatasync(lazyWriteFd);
    }

    /** Descriptor opened O_WRONLY|O_DIRECT without O_DSYNC (see {@link #writeLazy}). */
    int lazyWriteFd() {
        return lazyWriteFd;
    }

    private static void writeFully(int fd, MemorySegment src, long offsetBytes) throws IOException {
        long want = src.byteSize();
        long done = 0;
        while (done < want) {
            long n = Libc.pwrite(fd, done == 0 ? src : src.asSlice(done), want - done, offsetBytes + done);
            if (n == 0) {
                throw new IOException("pwrite(fd " + fd + ") wrote nothing at " + (offsetBytes + done));
            }
            done += n;
        }
    }

    static void checkAligned(MemorySegment segment, long offsetBytes) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException("O_DIRECT needs a native segment");
        }
        if ((segment.address() | segment.byteSize() | offsetBytes) % Volume.BLOCK_SIZE != 0) {
            throw new IllegalArgumentException("O_DIRECT needs " + Volume.BLOCK_SIZE
                    + "-byte alignment: address 0x" + Long.toHexString(segment.address()) + ", size "
                    + segment.byteSize() + ", file offset " + offsetBytes);
        }
        if (segment.byteSize() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("one transfer is at most 2 GiB, got " + segment.byteSize());
        }
    }

    @Override
    public void close() throws IOException {
        try {
            Libc.close(readFd);
        } finally {
            try {
                Libc.close(writeFd);
            } finally {
                Libc.close(lazyWriteFd);
            }
        }
    }
}
