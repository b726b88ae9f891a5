package atlas.store;

import atlas.posix.Libc;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * One core's append-only commit log (PASTE: the commit is a small metadata entry plus a flush). Entries staged
 * during one event-loop turn are written by a single durable write in {@link #commit()} — group commit — and only
 * then published to the index, so a reader never sees an object whose commit could still be lost.
 * Owned by one thread.
 * <p>
 * The file is opened {@code O_WRONLY|O_DSYNC} and written with pwrite at a tracked offset (rather than
 * O_APPEND) so that after a failed write the next commit overwrites whatever part of the failed one reached
 * the disk. Entry format: {@link JournalLayout}. The page cache may hold journal pages: they are metadata.
 */
public final class Journal implements AutoCloseable {
    private static final int INITIAL_STAGING_BYTES = 64 << 10;
    private static final byte[] NO_CONTENT_TYPE = new byte[0];
    private static final Extent NO_EXTENT = new Extent(0, 0);

    private final Volume volume;
    private final int journalId;
    private final Path file;
    private final int fd;
    private long appendOffsetBytes;
    /** Set when a failed write could not be rolled back: appending after unknown bytes is unsafe. */
    private boolean broken;
    private boolean closed;

    /** The group taking new entries. */
    private Group open = new Group();
    /** The group being written by an asynchronous flush, or null ({@link #beginFlush}). */
    private Group flushing;
    /** A spare group, so that steady-state group commit allocates only the records. */
    private Group spare = new Group();
    /**
     * A lower bound on the sequence of anything staged here and not yet published, or Long.MAX_VALUE; read by
     * other cores' commits to decide which tombstones may go ({@link Volume#pruneTombstones()}).
     */
    private volatile long lowestUnpublished = Long.MAX_VALUE;

    /**
     * One commit group: its entries encoded back to back (native memory, written as is) and the operations to
     * publish once that write is durable.
     */
    private static final class Group {
        MemorySegment bytes = Arena.ofAuto().allocate(INITIAL_STAGING_BYTES, 8);
        long length;
        final List<Staged> staged = new ArrayList<>();
        int count;
        /** Lower bound on the sequences in this group (see {@link #takeSequence()}). */
        long lowestSequence = Long.MAX_VALUE;
    }

    private static final class Staged {
        ObjectRecord put;
        ObjectKey deleteKey;
        long deleteSequence;
    }

    private Journal(Volume volume, int journalId, Path file, int fd, long appendOffsetBytes) {
        this.volume = volume;
        this.journalId = journalId;
        this.file = file;
        this.fd = fd;
        this.appendOffsetBytes = appendOffsetBytes;
    }

    static String fileName(int journalId) {
        return "journal-" + journalId + ".log";
    }

    /** Opens or creates {@code journal-<id>.log}; an existing file was already checked and repaired at open. */
    static Journal open(Volume volume, int journalId, Superblock superblock) throws IOException {
        Path dir = volume.directory();
        Path file = dir.resolve(fileName(journalId));
        boolean existed = Files.exists(file);
        if (existed && Files.size(file) >= JournalLayout.HEADER_SIZE) {
            checkHeader(file, superblock);
        }
        int fd = Libc.open(file.toString(), Libc.O_WRONLY | Libc.O_CREAT | Libc.O_DSYNC | Libc.O_CLOEXEC, 0644);
        try {
            long size = Files.size(file);
            if (size < JournalLayout.HEADER_SIZE) {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment header = arena.allocate(JournalLayout.HEADER_SIZE, 8);
                    JournalLayout.encodeHeader(header, journalId, superblock);
                    Libc.ftruncate(fd, 0);
                    writeFully(fd, header, JournalLayout.HEADER_SIZE, 0);
                }
                size = JournalLayout.HEADER_SIZE;
                if (!existed) {
                    DataFile.syncDirectory(dir);
                }
            }
            return new Journal(volume, journalId, file, fd, size);
        } catch (IOException | RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    private static void checkHeader(Path file, Superblock superblock) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(JournalLayout.HEADER_SIZE);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (buf.hasRemaining() && ch.read(buf, buf.position()) > 0) {
                // keep reading
            }
        }
        String problem = JournalLayout.headerProblem(MemorySegment.ofArray(buf.array()), superblock);
        if (problem != null) {
            throw new IOException(file + ": " + problem);
        }
    }

    public int journalId() {
        return journalId;
    }

    /** Bytes in the journal file, header included. */
    public long sizeBytes() {
        return appendOffsetBytes;
    }

    /**
     * Stages the commit of an object whose bytes are already durable in {@code extent}. Returns the record that
     * {@link #commit()} will publish (its sequence number is already assigned).
     */
    public ObjectRecord stagePut(ObjectKey name, Extent extent, long length, String contentType, int crc32c,
                                 long mtimeMillis) {
        checkOpen();
        if (length < 0 || length > extent.capacityBytes() || extent.capacityBytes() == 0) {
            throw new IllegalArgumentException("object of " + length + " bytes does not fit extent " + extent);
        }
        byte[] ct = contentType.getBytes(StandardCharsets.UTF_8);
        if (ct.length > JournalLayout.MAX_CONTENT_TYPE_LENGTH) {
            throw new IllegalArgumentException("content type longer than "
                    + JournalLayout.MAX_CONTENT_TYPE_LENGTH + " bytes");
        }
        checkName(name);
        ObjectKey owned = name.toOwned();
        long sequence = takeSequence();
        ObjectRecord record = volume.newRecord(owned, extent, length, contentType, crc32c, mtimeMillis, sequence);
        stageBytes(JournalLayout.TYPE_PUT, sequence, owned, ct, extent, length, crc32c, mtimeMillis);
        Staged s = nextSlot();
        s.put = record;
        return record;
    }

    /** Stages the deletion of {@code name}. */
    public void stageDelete(ObjectKey name) {
        checkOpen();
        checkName(name);
        ObjectKey owned = name.toOwned();
        long sequence = takeSequence();
        stageBytes(JournalLayout.TYPE_DELETE, sequence, owned, NO_CONTENT_TYPE, NO_EXTENT, 0, 0,
                System.currentTimeMillis());
        Staged s = nextSlot();
        s.deleteKey = owned;
        s.deleteSequence = sequence;
    }

    /** Publishes the lower bound before taking the number (see {@link Volume#pruneTombstones()}). */
    private long takeSequence() {
        if (open.count == 0) {
            open.lowestSequence = volume.currentSequence() + 1;
            if (flushing == null) {
                lowestUnpublished = open.lowestSequence;
            }
        }
        return volume.nextSequence();
    }

    long lowestUnpublishedSequence() {
        return lowestUnpublished;
    }

    /** Entries staged and not yet handed to a flush. */
    public int stagedCount() {
        return open.count;
    }

    /** True while an asynchronous flush started by {@link #beginFlush} has not completed. */
    public boolean isFlushing() {
        return flushing != null;
    }

    /**
     * Writes every staged entry with one durable (O_DSYNC) write, then publishes them to the index in order,
     * retiring the records they replace. On IOException nothing is published and the staged entries are dropped
     * (their extents are released); the caller fails those requests.
     */
    public void commit() throws IOException {
        if (flushing != null) {
            throw new IllegalStateException(file + ": an asynchronous flush is in flight");
        }
        if (beginFlush() == null) {
            return;
        }
        long length = flushing.length;
        try {
            writeFully(fd, flushing.bytes, length, appendOffsetBytes);
        } catch (IOException e) {
            completeFlush(false);
            throw e;
        }
        completeFlush(true);
    }

    /**
     * Starts a group commit that the caller writes asynchronously (e.g. through its core's io_uring): the staged
     * entries become the flushing group and new entries go to a fresh one, so a core keeps staging while the
     * previous group is on its way to disk (pipelined group commit). The caller must write
     * {@code bytes[0, length)} durably to {@link #fd()} at {@link #flushOffset()} and then call
     * {@link #completeFlush}. Returns the bytes, or null when nothing is staged or a flush is already in flight.
     */
    public MemorySegment beginFlush() throws IOException {
        checkOpen();
        if (flushing != null || open.count == 0) {
            return null;
        }
        if (broken) {
            dropGroup(open);
            throw new IOException(file + ": journal unusable after an earlier failed write that could not be"
                    + " rolled back; restart to recover");
        }
        flushing = open;
        open = spare;
        spare = null;
        return flushing.bytes.asSlice(0, flushing.length);
    }

    /** The descriptor (O_DSYNC) a flush must be written to. */
    public int fd() {
        return fd;
    }

    /** The file offset a flush must be written at. */
    public long flushOffset() {
        return appendOffsetBytes;
    }

    /**
     * Ends the flush started by {@link #beginFlush}: when {@code durable}, its entries are published in order;
     * otherwise the partly written bytes are cut off and the group is dropped (extents released). Returns how
     * many operations the group held.
     */
    public int completeFlush(boolean durable) {
        Group g = flushing;
        if (g == null) {
            throw new IllegalStateException(file + ": no flush in flight");
        }
        int n = g.count;
        if (durable) {
            appendOffsetBytes += g.length;
            // Durable: now visible, in staging order (which is sequence order within this journal).
            for (int i = 0; i < g.count; i++) {
                Staged s = g.staged.get(i);
                if (s.put != null) {
                    volume.index().publish(s.put);
                } else {
                    volume.index().delete(s.deleteKey, s.deleteSequence);
                }
                clear(s);
            }
            g.count = 0;
            g.length = 0;
        } else {
            rollBack();
            dropGroup(g);
        }
        g.lowestSequence = Long.MAX_VALUE;
        flushing = null;
        spare = g;
        lowestUnpublished = open.count > 0 ? open.lowestSequence : Long.MAX_VALUE;
        if (durable) {
            volume.pruneTombstones();
        }
        return n;
    }

    /**
     * Cuts off whatever part of the failed write reached the file: otherwise complete entries of a group the
     * callers were told failed could be replayed later, pointing at extents we are about to reuse.
     */
    private void rollBack() {
        try {
            Libc.ftruncate(fd, appendOffsetBytes);
            Libc.fsync(fd);
        } catch (IOException e) {
            broken = true;
        }
    }

    private void dropGroup(Group g) {
        for (int i = 0; i < g.count; i++) {
            Staged s = g.staged.get(i);
            if (s.put != null) {
                volume.release(s.put.extent());
            }
            clear(s);
        }
        g.count = 0;
        g.length = 0;
        g.lowestSequence = Long.MAX_VALUE;
        if (g == open) {
            lowestUnpublished = flushing != null ? flushing.lowestSequence : Long.MAX_VALUE;
        }
    }

    private static void clear(Staged s) {
        s.put = null;
        s.deleteKey = null;
    }

    private Staged nextSlot() {
        if (open.count == open.staged.size()) {
            open.staged.add(new Staged());
        }
        return open.staged.get(open.count++);
    }

    private void stageBytes(short type, long sequence, ObjectKey name, byte[] ct, Extent extent, long length,
                            int crc32c, long mtimeMillis) {
        int size = JournalLayout.entrySize(name.length(), ct.length);
        Group g = open;
        if (g.length + size > g.bytes.byteSize()) {
            MemorySegment bigger = Arena.ofAuto().allocate(Math.max(g.bytes.byteSize() * 2, g.length + size), 8);
            MemorySegment.copy(g.bytes, 0, bigger, 0, g.length);
            g.bytes = bigger;
        }
        g.length += JournalLayout.encodeEntry(g.bytes, g.length, type, sequence, name, ct,
                extent.offsetBytes(), extent.capacityBytes(), length, crc32c, mtimeMillis);
    }

    private static void checkName(ObjectKey name) {
        if (name.length() == 0 || name.length() > ObjectNames.MAX_LENGTH) {
            throw new IllegalArgumentException("object name of " + name.length() + " bytes");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(file + " is closed");
        }
    }

    private static void writeFully(int fd, MemorySegment src, long count, long offsetBytes) throws IOException {
        long done = 0;
        while (done < count) {
            long n = Libc.pwrite(fd, src.asSlice(done), count - done, offsetBytes + done);
            if (n == 0) {
                throw new IOException("pwrite(fd " + fd + ") wrote nothing");
            }
            done += n;
        }
    }

    /** Drops (and releases the extents of) anything staged but not committed, and closes the file. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (flushing != null) {
            completeFlush(false); // closing with a write in flight: its callers were not answered
        }
        dropGroup(open);
        try {
            Libc.close(fd);
        } finally {
            volume.journalClosed(this);
        }
    }
}
