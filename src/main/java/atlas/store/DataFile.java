package atlas.store;

import atlas.posix.Libc;
import atlas.posix.PosixException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;

/**
 * {@code volume.dat}, opened twice and only ever with O_DIRECT, so object bytes never enter the page cache:
 * a read fd ({@code O_RDONLY|O_DIRECT}) for the serving path and a write fd ({@code O_RDWR|O_DIRECT|O_DSYNC})
 * whose every write is durable on return (no separate fdatasync per object).
 * <p>
 * A new file is built as {@code volume.dat.new} (fallocate + superblock) and renamed into place, so a crash
 * during creation never leaves a {@code volume.dat} without a superblock.
 */
final class DataFile implements AutoCloseable {
    static final String FILE_NAME = "volume.dat";

    private static final int READ_FLAGS = Libc.O_RDONLY | Libc.O_DIRECT | Libc.O_CLOEXEC;
    private static final int WRITE_FLAGS = Libc.O_RDWR | Libc.O_DIRECT | Libc.O_DSYNC | Libc.O_CLOEXEC;

    private final Path path;
    private final int readFd;
    private final int writeFd;
    private final Superblock superblock;
    private volatile long sizeBytes;

    private DataFile(Path path, int readFd, int writeFd, Superblock superblock, long sizeBytes) {
        this.path = path;
        this.readFd = readFd;
        this.writeFd = writeFd;
        this.superblock = superblock;
        this.sizeBytes = sizeBytes;
    }

    static DataFile openOrCreate(Path directory, long initialBytes) throws IOException {
        Path path = directory.resolve(FILE_NAME);
        if (!Files.exists(path)) {
            create(directory, path, initialBytes);
        }
        int writeFd = Libc.open(path.toString(), WRITE_FLAGS, 0);
        int readFd;
        try {
            readFd = Libc.open(path.toString(), READ_FLAGS, 0);
        } catch (IOException e) {
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
            long size = Files.size(path) & -(long) Volume.BLOCK_SIZE;
            return new DataFile(path, readFd, writeFd, superblock, size);
        } catch (IOException | RuntimeException e) {
            Libc.close(readFd);
            Libc.close(writeFd);
            throw e;
        }
    }

    private static void create(Path directory, Path path, long initialBytes) throws IOException {
        Path temp = directory.resolve(FILE_NAME + ".new");
        Files.deleteIfExists(temp);
        SecureRandom random = new SecureRandom();
        Superblock superblock = new Superblock(random.nextLong(), random.nextLong(), System.currentTimeMillis());
        int fd = Libc.open(temp.toString(), WRITE_FLAGS | Libc.O_CREAT | Libc.O_EXCL, 0644);
        try (Arena arena = Arena.ofConfined()) {
            Libc.fallocate(fd, Libc.FALLOC_DEFAULT, 0, Math.max(Layouts.roundUpToBlock(initialBytes),
                    2L * Volume.BLOCK_SIZE));
            MemorySegment block = arena.allocate(Volume.BLOCK_SIZE, Volume.BLOCK_SIZE);
            superblock.encode(block);
            writeFully(fd, block, 0);
            Libc.fsync(fd); // the fallocated size is metadata: O_DSYNC alone does not cover it
        } finally {
            Libc.close(fd);
        }
        Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(directory);
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

    /** Extends the file to {@code newSizeBytes} with preallocated blocks. Called by the allocator under its lock. */
    void growTo(long newSizeBytes) throws IOException {
        long old = sizeBytes;
        if (newSizeBytes <= old) {
            return;
        }
        Libc.fallocate(writeFd, Libc.FALLOC_DEFAULT, old, newSizeBytes - old);
        // The new size must survive a crash before any object placed there is journaled.
        Libc.fsync(writeFd);
        sizeBytes = newSizeBytes;
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
            Libc.close(writeFd);
        }
    }
}
