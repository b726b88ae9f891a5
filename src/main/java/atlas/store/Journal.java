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
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * One core's append-only commit log (PASTE: the commit is a small metadata entry plus a flush). Entries staged
 * during one event-loop turn are written by a single durable write — group commit — and each is published to the
 * index only once that write <i>and its PUT's body</i> are durable, so a reader never sees an object whose commit
 * could still be lost. Owned by one thread.
 *
 * <pre>
 *  stage (open group) --beginFlush--> flushing: one journal write    (the next group fills meanwhile)
 *                                        |  journalWritten(), completeFlush(): DELETEs and PUTs with durable
 *                                        v  bodies are published in staging order
 *  a PUT staged with its body in flight: published when the second of {entry durable, body durable} happens
 *                                        ({@link #completeFlush} or {@link #bodyWritten}, see {@link PendingPut})
 * </pre>
 * <b>Body and entry written concurrently.</b> A server PUT stages its entry when it <i>submits</i> the body's
 * last write ({@link #stagePutBodyInFlight}), so the journal write of its group runs at the same time as that
 * body write: the request costs one durable write's latency instead of two in a row, and a group's journal write
 * never waits for bodies (the next group's write starts as soon as the previous one is durable). Crash safety
 * rests on the entry's object CRC: the entry carries {@link JournalLayout#FLAG_BODY_IN_FLIGHT}; once its body is
 * durable too, a later group of this journal carries a CONFIRM of its sequence; at recovery an unconfirmed
 * flagged entry is trusted only if its extent matches the CRC ({@link Volume}). A body that failed while its entry
 * became durable is never published, answered with an error, and its extent is held (not reused) until the next
 * restart's recovery decides about it — so a stale entry can never come to describe another object's bytes.
 * <p>
 * The file is opened {@code O_WRONLY|O_DSYNC|O_DIRECT} and written at a tracked offset (rather than O_APPEND)
 * so that after a failed write the next commit overwrites whatever part of the failed one reached the disk.
 * O_DIRECT because io_uring issues a direct write inline from the core's own submit, while a buffered O_DSYNC
 * write is handed to an io-wq worker thread (measured here: the journal write started up to hundreds of
 * microseconds after the body write it should overlap). A direct write covers whole blocks, so each group write
 * starts at the block holding the log's end and repeats that block's earlier bytes ({@link #tailBlock}, identical
 * to what is on disk, so a torn write cannot damage them): {@code [block start | earlier entries | group | zeros
 * to the block end]}. The file is kept preallocated with <i>written</i> zeros {@value #PREALLOCATE_BYTES} bytes
 * at a time (the write that crosses the end carries the zeros): appends are then overwrites that change neither
 * the file size nor its block map, so their O_DSYNC costs no metadata write. Entry format: {@link JournalLayout}.
 * <p>
 * <b>Small bodies inline.</b> A body of at most {@link #INLINE_MAX_BYTES} is staged <i>inside</i> its entry
 * ({@link #stagePutInline}, {@link JournalLayout#FLAG_BODY_INLINE}): the group's one durable write carries it, and
 * its extent write needs no flush of its own — it only has to <i>complete</i> before the record is published, so
 * that reads find the bytes. Such a PUT costs one flush instead of two, and a group of many small PUTs costs one
 * flush in all (the body writes of flagged PUTs are a flush each). The extent becomes durable at the next data
 * sync: the core calls {@link #beginDataSync} when {@link #inlineAwaitingSync} is large or old enough, syncs the data
 * file, and reports {@link #dataSynced}; a later group then CONFIRMs those PUTs. Until then, recovery repairs an
 * extent that differs from its entry.
 * <p>
 * On persistent memory (a DAX file system where MAP_SYNC works, {@link DaxSupport}) the group is instead stored into
 * a MAP_SYNC mapping of the file and written back by cache-line flushes ({@link JournalMapping},
 * {@link #writeThroughMapping}): same bytes at the same offsets, synchronous and without a block write.
 */
public final class Journal implements AutoCloseable {
    /** Largest body {@link #stagePutInline} takes (one block, see {@link JournalLayout#INLINE_MAX_BYTES}). */
    public static final int INLINE_MAX_BYTES = JournalLayout.INLINE_MAX_BYTES;
    /** Zeros written ahead of the log when an append crosses the end of the file. */
    static final int PREALLOCATE_BYTES = 1 << 20;
    private static final int INITIAL_STAGING_BYTES = 64 << 10;
    private static final int BLOCK = Volume.BLOCK_SIZE;
    private static final byte[] NO_CONTENT_TYPE = new byte[0];
    private static final Extent NO_EXTENT = new Extent(0, 0);

    private final Volume volume;
    private final int journalId;
    /** The live file, {@code journal-<id>.log}; replaced by a fresh one at each {@link #rotate}. */
    private Path file;
    private int fd;
    /** The persistent-memory path, or null for O_DIRECT|O_DSYNC block writes. */
    private JournalMapping mapping;
    /** Set by the volume's checkpointer (any thread), acted on by the owner at its next {@link #rotate}. */
    private volatile boolean rotationRequested;
    private long appendOffsetBytes;
    /** The file's size: {@code [appendOffsetBytes, fileEndBytes)} is written zeros. */
    private long fileEndBytes;
    /** The bytes of the block holding {@link #appendOffsetBytes}, up to it (what a group write must repeat). */
    private final MemorySegment tailBlock = Arena.ofAuto().allocate(BLOCK, BLOCK);
    /** The block-aligned image of the write in flight (only one at a time); grows as needed. */
    private MemorySegment writeBuffer = Arena.ofAuto().allocate(INITIAL_STAGING_BYTES, BLOCK);
    /** Set when a failed write could not be rolled back: appending after unknown bytes is unsafe. */
    private boolean broken;
    /** Cleared after a write that carried preallocation zeros failed (a full file system): then only what is needed. */
    private boolean preallocate = true;
    private boolean closed;
    private int groupIds;

    /** The group taking new entries. */
    private Group open = new Group();
    /** The group being written (journal write and/or bodies in flight), or null ({@link #beginFlush}). */
    private Group flushing;
    /** A spare group, so that steady-state group commit allocates only the records. */
    private Group spare = new Group();
    /** Encodes this journal's entries without allocating (the commit path). */
    private final JournalLayout.Encoder encoder = new JournalLayout.Encoder();
    private String lastContentType;
    private byte[] lastContentTypeBytes;
    /** The PUTs that need a CONFIRM, from staging until one is durable. */
    private final ConfirmLedger confirms = new ConfirmLedger();
    /** Extents of PUTs whose body failed after their entry became durable: held until restart. */
    private long heldExtents;
    /**
     * A lower bound on the sequence of anything staged here and not yet published, or Long.MAX_VALUE; read by
     * other cores' commits to decide which tombstones may go ({@link Volume#pruneTombstones()}).
     */
    private volatile long lowestUnpublished = Long.MAX_VALUE;

    /**
     * One commit group: its entries encoded back to back (native memory, written as is) and the operations to
     * publish once that write and the group's bodies are durable.
     */
    private static final class Group {
        MemorySegment bytes = Arena.ofAuto().allocate(INITIAL_STAGING_BYTES, 8);
        /** Bytes of entries (CONFIRMs included). */
        long length;
        /** The write: block-aligned file offset and length (earlier bytes of the first block, entries, zeros). */
        long writeOffset;
        long writeLength;
        final List<Staged> staged = new ArrayList<>();
        int count;
        /** Lower bound on the sequences in this group (see {@link #takeSequence()}). */
        long lowestSequence = Long.MAX_VALUE;
        int id;
        boolean writeDone;
        boolean writeOk;
        /** CONFIRM ranges encoded into this group (the first ones of {@link #confirms}). */
        int carriedConfirms;

        void reset() {
            length = 0;
            writeOffset = 0;
            writeLength = 0;
            count = 0;
            lowestSequence = Long.MAX_VALUE;
            writeDone = false;
            writeOk = false;
            carriedConfirms = 0;
        }
    }

    private static final class Staged {
        ObjectRecord put;
        ObjectKey deleteKey;
        long deleteSequence;
        /** Set for a PUT staged with its body in flight or inline (the entry carries FLAG_BODY_IN_FLIGHT or _INLINE). */
        PendingPut pending;
    }

    /**
     * The caller's handle on a PUT staged with its body in flight ({@link #stagePutBodyInFlight}): whichever of
     * {@link #completeFlush} (entry) and {@link #bodyWritten} (body) comes second resolves it — publishes the
     * record if both are durable. One per upload, reusable once resolved (the journal then holds no reference).
     */
    public static final class PendingPut {
        private ObjectRecord record;
        /** The entry carries the body: the extent write only has to complete, the entry makes it durable. */
        private boolean inline;
        private long flaggedIndex;
        private boolean entryDone;
        private boolean entryDurable;
        private boolean bodyDone;
        private boolean bodyDurable;

        /** The record this PUT publishes when it succeeds. */
        public ObjectRecord record() {
            return record;
        }

        /** Both the entry and the body have reported. */
        public boolean isResolved() {
            return entryDone && bodyDone;
        }

        /** Once resolved: the journal entry was durable. */
        public boolean entryDurable() {
            return entryDurable;
        }

        /** Once resolved: the body write was durable (for an inline PUT: it completed; the entry is the durable copy). */
        public boolean bodyDurable() {
            return bodyDurable;
        }
    }

    private Journal(Volume volume, int journalId, Path file, int fd, JournalMapping mapping, long appendOffsetBytes,
                    long fileEndBytes) {
        this.volume = volume;
        this.journalId = journalId;
        this.file = file;
        this.fd = fd;
        this.mapping = mapping;
        this.appendOffsetBytes = appendOffsetBytes;
        this.fileEndBytes = fileEndBytes;
        this.open.id = ++groupIds;
    }

    static String fileName(int journalId) {
        return "journal-" + journalId + ".log";
    }

    /**
     * A sealed journal, set aside by {@link #rotate}: {@code journal-<id>.sealed-<bound>.log}, where every entry in
     * it has a sequence at most {@code bound}. Read at recovery like the live one; deleted once a checkpoint covers
     * {@code bound}.
     */
    static String sealedFileName(int journalId, long bound) {
        return "journal-" + journalId + ".sealed-" + bound + ".log";
    }

    /** The sequence bound in a {@link #sealedFileName}, or -1 if {@code name} is not one. */
    static long sealedBound(String name) {
        int at = name.indexOf(".sealed-");
        if (!name.startsWith("journal-") || at < 0 || !name.endsWith(".log")) {
            return -1;
        }
        try {
            return Long.parseLong(name, at + ".sealed-".length(), name.length() - ".log".length(), 10);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Opens or creates {@code journal-<id>.log}; an existing file was already checked and repaired at open, and
     * {@code logEndBytes} is where its entries end (from recovery or the last close), or -1 for a new journal.
     * {@code mapMode} selects the mapped path ({@link JournalMapping}), null the block writes.
     */
    static Journal open(Volume volume, int journalId, Superblock superblock, long logEndBytes,
                        FileChannel.MapMode mapMode) throws IOException {
        Path dir = volume.directory();
        Path file = dir.resolve(fileName(journalId));
        boolean existed = Files.exists(file);
        if (existed && Files.size(file) >= JournalLayout.HEADER_SIZE) {
            checkHeader(file, superblock);
        }
        int fd = openForAppend(file);
        try {
            long size = Files.size(file);
            long end = logEndBytes;
            if (size < JournalLayout.HEADER_SIZE || end < JournalLayout.HEADER_SIZE || end > size) {
                writeHeaderBlock(fd, journalId, superblock);
                size = BLOCK;
                end = JournalLayout.HEADER_SIZE;
                if (!existed) {
                    DataFile.syncDirectory(dir);
                }
            }
            JournalMapping mapping = mapMode == null ? null : new JournalMapping(file, mapMode);
            Journal j = new Journal(volume, journalId, file, fd, mapping, end, size);
            j.loadTailBlock();
            return j;
        } catch (IOException | RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    private static int openForAppend(Path file) throws IOException {
        return Libc.open(file.toString(), Libc.O_WRONLY | Libc.O_CREAT | Libc.O_DSYNC | Libc.O_DIRECT | Libc.O_CLOEXEC,
                0644);
    }

    /** A new (or reset) journal: the header in a block of its own, the rest of the block zeros. */
    private static void writeHeaderBlock(int fd, int journalId, Superblock superblock) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment block = arena.allocate(BLOCK, BLOCK);
            block.fill((byte) 0);
            JournalLayout.encodeHeader(block, journalId, superblock);
            Libc.ftruncate(fd, 0);
            writeFully(fd, block, BLOCK, 0);
        }
    }

    /** Asks the owner to {@link #rotate} at its next chance (the volume's checkpointer; any thread). */
    void requestRotation() {
        rotationRequested = true;
    }

    /** True when the checkpointer asked for a {@link #rotate}. */
    public boolean rotationRequested() {
        return rotationRequested;
    }

    /**
     * Seals the live file and continues in a fresh one, so that a checkpoint can later delete what it covers (the
     * journals would otherwise grow for as long as the server runs; with small bodies inline, about a kilobyte per
     * PUT). Owner thread, with no group flushing; a few hundred microseconds of file-system work (a rename, a new
     * file with its header block, a directory sync). The staged group, flagged PUTs still waiting for their bodies
     * and pending CONFIRMs simply go on into the new file: recovery reads all files of a journal id together.
     */
    public void rotate() throws IOException {
        checkOpen();
        if (flushing != null) {
            throw new IllegalStateException(file + ": cannot rotate while a group is being written");
        }
        rotationRequested = false;
        if (appendOffsetBytes <= JournalLayout.HEADER_SIZE || broken) {
            return; // nothing to seal (or a broken journal, which stays as it is until restart)
        }
        Path dir = file.getParent();
        Path sealed = dir.resolve(sealedFileName(journalId, volume.currentSequence()));
        Files.move(file, sealed, StandardCopyOption.ATOMIC_MOVE);
        int newFd = -1;
        JournalMapping newMapping = null;
        try {
            newFd = openForAppend(file);
            writeHeaderBlock(newFd, journalId, volume.superblock());
            if (mapping != null) {
                newMapping = new JournalMapping(file, mapping.mode());
            }
            DataFile.syncDirectory(dir); // the rename and the new file, together
        } catch (IOException | RuntimeException e) {
            // Keep appending where we were, under the live name: the sealed name's bound would soon be a lie, and a
            // checkpoint trusting it could delete entries newer than it.
            try {
                if (newMapping != null) {
                    newMapping.close();
                }
                if (newFd >= 0) {
                    Libc.close(newFd);
                }
                Files.move(sealed, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException undo) {
                broken = true; // appending under the sealed name is unsafe: refuse commits until a restart
                e.addSuppressed(undo);
            }
            throw e;
        }
        int oldFd = fd;
        JournalMapping oldMapping = mapping;
        fd = newFd;
        mapping = newMapping;
        appendOffsetBytes = JournalLayout.HEADER_SIZE;
        fileEndBytes = BLOCK;
        preallocate = true;
        tailBlock.fill((byte) 0);
        JournalLayout.encodeHeader(tailBlock, journalId, volume.superblock());
        if (oldMapping != null) {
            oldMapping.close();
        }
        Libc.close(oldFd);
    }

    /** Reads the log's last partial block (through the page cache: this runs once, at open). */
    private void loadTailBlock() throws IOException {
        long start = appendOffsetBytes & -(long) BLOCK;
        int n = (int) (appendOffsetBytes - start);
        tailBlock.fill((byte) 0);
        ByteBuffer buf = tailBlock.asSlice(0, n).asByteBuffer();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (buf.hasRemaining()) {
                if (ch.read(buf, start + buf.position()) < 0) {
                    throw new IOException(file + ": shorter than its log end " + appendOffsetBytes);
                }
            }
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

    /** Where the log ends: bytes of header and entries (the file itself is longer by its preallocated zeros). */
    public long sizeBytes() {
        return appendOffsetBytes;
    }

    /** Extents held because their body failed after the entry became durable (released by the next restart). */
    public long heldExtents() {
        return heldExtents;
    }

    /**
     * Stages the commit of an object whose bytes are already durable in {@code extent}. Returns the record that
     * the commit will publish (its sequence number is already assigned).
     */
    public ObjectRecord stagePut(ObjectKey name, Extent extent, long length, String contentType, int crc32c,
                                 long mtimeMillis) {
        return stage(name, extent, length, contentType, crc32c, mtimeMillis, false, null, 0).put;
    }

    /**
     * Stages the commit of an object whose last body write is being submitted now: the entry is flagged
     * ({@link JournalLayout#FLAG_BODY_IN_FLIGHT}) and its record is published only once {@link #bodyWritten}
     * reported that write durable as well. {@code crc32c} must already cover the whole body. {@code handle} (see
     * {@link PendingPut}) then tracks it; the caller answers its client when the handle is resolved.
     */
    public void stagePutBodyInFlight(PendingPut handle, ObjectKey name, Extent extent, long length,
                                     String contentType, int crc32c, long mtimeMillis) {
        track(handle, stage(name, extent, length, contentType, crc32c, mtimeMillis, true, null, 0), false);
    }

    /**
     * Stages the commit of a small object ({@code body}, at most {@link #INLINE_MAX_BYTES}) whose bytes are copied
     * into the entry, so the group write makes them durable; the caller writes them to {@code extent} as well,
     * without a flush, and reports that write's completion with {@link #bodyWritten}. {@code handle} tracks it as
     * for {@link #stagePutBodyInFlight}. The copy is the point: one durable write instead of two.
     */
    public void stagePutInline(PendingPut handle, ObjectKey name, Extent extent, MemorySegment body,
                               String contentType, int crc32c, long mtimeMillis) {
        stagePutInline(handle, name, extent, body, 0, (int) Math.min(body.byteSize(), Integer.MAX_VALUE),
                contentType, crc32c, mtimeMillis);
    }

    /** As above, for the {@code length} body bytes of {@code source} at {@code offset} (no slice to make). */
    public void stagePutInline(PendingPut handle, ObjectKey name, Extent extent, MemorySegment source, long offset,
                               int length, String contentType, int crc32c, long mtimeMillis) {
        if (length > INLINE_MAX_BYTES || offset + length > source.byteSize()) {
            throw new IllegalArgumentException("inline body of " + length + " bytes, at most " + INLINE_MAX_BYTES);
        }
        track(handle, stage(name, extent, length, contentType, crc32c, mtimeMillis, false, source, offset), true);
    }

    private void track(PendingPut handle, Staged s, boolean inline) {
        handle.record = s.put;
        handle.inline = inline;
        handle.entryDone = false;
        handle.entryDurable = false;
        handle.bodyDone = false;
        handle.bodyDurable = false;
        handle.flaggedIndex = confirms.append(s.put.sequence());
        s.pending = handle;
    }

    private Staged stage(ObjectKey name, Extent extent, long length, String contentType, int crc32c,
                         long mtimeMillis, boolean bodyInFlight, MemorySegment inlineSource, long inlineOffset) {
        checkOpen();
        if (length < 0 || length > extent.capacityBytes() || extent.capacityBytes() == 0) {
            throw new IllegalArgumentException("object of " + length + " bytes does not fit extent " + extent);
        }
        byte[] ct = contentTypeBytes(contentType);
        if (ct.length > JournalLayout.MAX_CONTENT_TYPE_LENGTH) {
            throw new IllegalArgumentException("content type longer than "
                    + JournalLayout.MAX_CONTENT_TYPE_LENGTH + " bytes");
        }
        checkName(name);
        ObjectKey owned = name.toOwned();
        long sequence = takeSequence();
        ObjectRecord record = volume.newRecord(owned, extent, length, contentType, crc32c, mtimeMillis, sequence);
        short flags = inlineSource != null ? JournalLayout.FLAG_BODY_INLINE
                : bodyInFlight ? JournalLayout.FLAG_BODY_IN_FLIGHT : 0;
        stageBytes(JournalLayout.TYPE_PUT, flags, sequence, owned, ct, extent, length, crc32c, mtimeMillis,
                inlineSource, inlineOffset);
        Staged s = nextSlot();
        s.put = record;
        return s;
    }

    /**
     * Reports the outcome of a flagged PUT's body write. Returns true when this resolved the PUT (its entry had
     * already been written): the caller answers now. A failed body is never published.
     */
    public boolean bodyWritten(PendingPut handle, boolean durable) {
        if (handle.bodyDone) {
            throw new IllegalStateException(file + ": body of " + handle.record.name() + " reported twice");
        }
        handle.bodyDone = true;
        handle.bodyDurable = durable;
        if (!handle.entryDone) {
            return false;
        }
        resolve(handle);
        updateLowestUnpublished();
        volume.pruneTombstones();
        return true;
    }

    /** Both halves of a flagged PUT have reported: publish, hold or release. */
    private void resolve(PendingPut p) {
        if (p.entryDurable && p.bodyDurable) {
            volume.index().publish(p.record);
            if (p.inline) {
                confirms.written(p.flaggedIndex); // the entry holds the body; the extent copy waits for a data sync
            } else {
                confirms.durable(p.flaggedIndex);
            }
        } else if (p.entryDurable) {
            heldExtents++; // entry durable, body not: keep the extent until recovery decides
            confirms.failed(p.flaggedIndex);
        } else {
            if (!broken) {
                volume.release(p.record.extent()); // no entry names it (the failed write was cut off)
            }
            confirms.failed(p.flaggedIndex);
        }
    }

    /** Inline PUTs published whose extents await a data sync ({@link #beginDataSync}). */
    public int inlineAwaitingSync() {
        return confirms.awaitingSync();
    }

    /** {@link System#nanoTime()} when the first of {@link #inlineAwaitingSync()} was published. */
    public long inlineAwaitingSyncSinceNs() {
        return confirms.awaitingSyncSinceNs();
    }

    /**
     * The caller is about to sync the data file (fdatasync, after every extent write reported so far): returns the
     * epoch that sync covers, to pass to {@link #dataSynced} — every inline PUT published before this call.
     */
    public long beginDataSync() {
        return confirms.beginDataSync();
    }

    /**
     * Reports the data sync begun as {@code epoch}: when it succeeded, the inline PUTs it covers become
     * confirmable (the next group carries their CONFIRM). When it failed, they are never confirmed: recovery keeps
     * checking their extents against their entries.
     */
    public void dataSynced(long epoch, boolean durable) {
        confirms.dataSynced(epoch, durable);
    }

    /**
     * The lowest sequence staged here and not yet published (or dropped): the open group's, the flushing group's,
     * and the first flagged PUT still waiting for its body or entry.
     */
    private void updateLowestUnpublished() {
        long low = open.count > 0 ? open.lowestSequence : Long.MAX_VALUE;
        if (flushing != null) {
            low = Math.min(low, flushing.lowestSequence);
        }
        low = Math.min(low, confirms.firstPendingSequence());
        lowestUnpublished = low;
    }

    /** The type's bytes; the same String as last time (a media-type constant, an encoder's type) is not encoded again. */
    private byte[] contentTypeBytes(String contentType) {
        if (contentType != lastContentType) {
            lastContentTypeBytes = contentType.getBytes(StandardCharsets.UTF_8);
            lastContentType = contentType;
        }
        return lastContentTypeBytes;
    }

    /** Stages the deletion of {@code name}. */
    public void stageDelete(ObjectKey name) {
        checkOpen();
        checkName(name);
        ObjectKey owned = name.toOwned();
        long sequence = takeSequence();
        stageBytes(JournalLayout.TYPE_DELETE, (short) 0, sequence, owned, NO_CONTENT_TYPE, NO_EXTENT, 0, 0,
                System.currentTimeMillis(), null, 0);
        Staged s = nextSlot();
        s.deleteKey = owned;
        s.deleteSequence = sequence;
    }

    /** Publishes the lower bound before taking the number (see {@link Volume#pruneTombstones()}). */
    private long takeSequence() {
        if (open.count == 0) {
            open.lowestSequence = volume.currentSequence() + 1;
            // Only ever lowers the bound here (whatever is flushing or waiting for a body is lower still).
            lowestUnpublished = Math.min(lowestUnpublished, open.lowestSequence);
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

    /** True from {@link #beginFlush} until {@link #completeFlush} of that group. */
    public boolean isFlushing() {
        return flushing != null;
    }

    /** True when the flushing group's journal write has reported ({@link #completeFlush} may follow). */
    public boolean isFlushComplete() {
        return flushing != null && flushing.writeDone;
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
        MemorySegment bytes;
        try {
            bytes = beginFlush();
        } catch (IOException e) {
            completeFlush();
            throw e;
        }
        if (bytes == null) {
            return;
        }
        if (mapping != null) {
            boolean durable = writeThroughMapping();
            completeFlush();
            if (!durable) {
                throw new IOException(file + ": write-back of the journal mapping failed");
            }
            return;
        }
        try {
            writeFully(fd, bytes, bytes.byteSize(), flushing.writeOffset);
        } catch (IOException e) {
            journalWritten(false);
            completeFlush();
            throw e;
        }
        journalWritten(true);
        completeFlush();
    }

    /** True when groups are persisted through a mapping ({@link #writeThroughMapping}), not by block writes. */
    public boolean isMapped() {
        return mapping != null;
    }

    /**
     * The mapped path's write of the group begun by {@link #beginFlush}: stores it at the log's end and writes those
     * bytes back, synchronously, then reports it like {@link #journalWritten}. Returns whether it is durable.
     */
    public boolean writeThroughMapping() {
        Group g = flushing;
        if (mapping == null || g == null || g.writeDone) {
            throw new IllegalStateException(file + ": no mapped flush in flight");
        }
        boolean durable;
        try {
            mapping.append(g.bytes.asSlice(0, g.length), appendOffsetBytes);
            durable = true;
        } catch (IOException e) {
            durable = false;
        }
        journalWritten(durable);
        return durable;
    }

    /**
     * Starts a group commit that the caller writes asynchronously (e.g. through its core's io_uring): the staged
     * entries become the flushing group and new entries go to a fresh one, so a core keeps staging while the
     * previous group is on its way to disk (pipelined group commit). The caller must write the returned bytes
     * durably to {@link #fd()} at {@link #flushOffset()}, report with {@link #journalWritten}, and call
     * {@link #completeFlush} once {@link #isFlushComplete()}. Returns null when nothing is staged or a flush is
     * already in flight. Throws when the journal is unusable: the group is then flushing with a failed write
     * (complete it like any other).
     */
    public MemorySegment beginFlush() throws IOException {
        checkOpen();
        if (flushing != null || open.count == 0) {
            return null;
        }
        Group g = open;
        flushing = g;
        open = spare;
        spare = null;
        open.id = ++groupIds;
        if (broken) {
            g.writeDone = true;
            g.writeOk = false;
            throw new IOException(file + ": journal unusable after an earlier failed write that could not be"
                    + " rolled back; restart to recover");
        }
        // CONFIRMs of earlier flagged PUTs ride along (they describe durable facts, any order is fine).
        confirms.collect();
        for (int i = 0; i < confirms.rangeCount(); i++) {
            ensureRoom(g, JournalLayout.CONFIRM_SIZE);
            encoder.target(g.bytes);
            g.length += encoder.confirm(g.length, confirms.rangeFirst(i), confirms.rangeLast(i));
        }
        g.carriedConfirms = confirms.rangeCount();
        if (mapping != null) {
            g.writeOffset = appendOffsetBytes;
            g.writeLength = g.length;
            return g.bytes.asSlice(0, g.length);
        }
        // The write image: the block holding the log's end from its start, the entries, zeros to a block end —
        // and when that passes the end of the file, zeros up to the next preallocation step as well.
        long start = appendOffsetBytes & -(long) BLOCK;
        int prefix = (int) (appendOffsetBytes - start);
        long end = appendOffsetBytes + g.length;
        long writeEnd = alignUp(end, BLOCK);
        if (writeEnd > fileEndBytes && preallocate) {
            writeEnd = alignUp(end + PREALLOCATE_BYTES, PREALLOCATE_BYTES);
        }
        long writeLength = writeEnd - start;
        if (writeLength > writeBuffer.byteSize()) {
            writeBuffer = Arena.ofAuto().allocate(alignUp(Math.max(writeLength, 2 * writeBuffer.byteSize()), BLOCK),
                    BLOCK);
        }
        MemorySegment.copy(tailBlock, 0, writeBuffer, 0, prefix);
        MemorySegment.copy(g.bytes, 0, writeBuffer, prefix, g.length);
        writeBuffer.asSlice(prefix + g.length, writeLength - prefix - g.length).fill((byte) 0);
        g.writeOffset = start;
        g.writeLength = writeLength;
        return writeBuffer.asSlice(0, writeLength);
    }

    private static long alignUp(long value, long alignment) {
        return (value + alignment - 1) / alignment * alignment;
    }

    /** The descriptor (O_DSYNC) a flush must be written to. */
    public int fd() {
        return fd;
    }

    /** The file offset the flush begun last must be written at (block aligned). */
    public long flushOffset() {
        if (flushing == null) {
            throw new IllegalStateException(file + ": no flush in flight");
        }
        return flushing.writeOffset;
    }

    /**
     * Reports the flushing group's journal write. When it failed, whatever part of it reached the file is cut off
     * at once. Returns true ({@link #completeFlush} may follow).
     */
    public boolean journalWritten(boolean durable) {
        Group g = flushing;
        if (g == null || g.writeDone) {
            throw new IllegalStateException(file + ": no journal write in flight");
        }
        g.writeDone = true;
        g.writeOk = durable;
        if (!durable) {
            if (g.writeOffset + g.writeLength > alignUp(appendOffsetBytes + g.length, BLOCK)) {
                preallocate = false; // maybe ENOSPC because of the zeros: the next writes ask only for what they need
            }
            rollBack();
        }
        return isFlushComplete();
    }

    /** {@link #journalWritten} then {@link #completeFlush()}. */
    public int completeFlush(boolean durable) {
        journalWritten(durable);
        return completeFlush();
    }

    /**
     * Ends the flushing group once its journal write reported: when it was durable, its entries are published in
     * staging order — a PUT staged with its body in flight only if that body is durable already, else when
     * {@link #bodyWritten} says so (a failed body is never published, its extent held); when the write failed, the
     * group is dropped and its extents released (a body still in flight keeps its extent until it reports).
     * Returns how many operations the group held.
     */
    public int completeFlush() {
        Group g = flushing;
        if (g == null || !g.writeDone) {
            throw new IllegalStateException(file + ": no complete flush");
        }
        int n = g.count;
        boolean durable = g.writeOk;
        if (durable) {
            long end = appendOffsetBytes + g.length;
            if (mapping == null) {
                long tailStart = end & -(long) BLOCK;
                MemorySegment.copy(writeBuffer, tailStart - g.writeOffset, tailBlock, 0, end - tailStart);
            }
            appendOffsetBytes = end;
            fileEndBytes = Math.max(fileEndBytes, g.writeOffset + g.writeLength);
            confirms.dropCarried(g.carriedConfirms);
        }
        // Durable: now visible, in staging order (which is sequence order within this journal).
        for (int i = 0; i < g.count; i++) {
            Staged s = g.staged.get(i);
            if (s.pending != null) {
                PendingPut p = s.pending;
                p.entryDone = true;
                p.entryDurable = durable;
                if (p.bodyDone) {
                    resolve(p);
                }
            } else if (!durable) {
                // The write was cut off again (journalWritten), so no entry of this group exists: its extents are
                // free — unless the cut failed, then they might still be named on disk.
                if (s.put != null && !broken) {
                    volume.release(s.put.extent());
                }
            } else if (s.put != null) {
                volume.index().publish(s.put);
            } else {
                volume.index().delete(s.deleteKey, s.deleteSequence);
            }
            clear(s);
        }
        g.reset();
        flushing = null;
        spare = g;
        updateLowestUnpublished();
        if (durable) {
            volume.pruneTombstones();
        }
        return n;
    }

    /**
     * Cuts off whatever part of the failed write reached the file: otherwise complete entries of a group the
     * callers were told failed could be replayed later, pointing at extents we are about to reuse. The
     * preallocated zeros go with it; the next write that crosses the end extends the file again.
     */
    private void rollBack() {
        if (mapping != null) {
            // The file stays mapped (truncating under a mapping would fault): zero what the group stored instead.
            try {
                mapping.erase(appendOffsetBytes, flushing != null ? flushing.length : 0);
            } catch (IOException e) {
                broken = true;
            }
            return;
        }
        try {
            Libc.ftruncate(fd, appendOffsetBytes);
            Libc.fsync(fd);
            fileEndBytes = appendOffsetBytes;
        } catch (IOException e) {
            broken = true;
        }
    }

    /**
     * Clears a dropped group's slots; releases the extents of its PUTs when {@code release}, except where a body
     * write may still be running (its buffer and extent must stay out of reach until it reports).
     */
    private void releaseAndClear(Group g, boolean release) {
        for (int i = 0; i < g.count; i++) {
            Staged s = g.staged.get(i);
            boolean bodyRunning = s.pending != null && !s.pending.bodyDone;
            if (s.put != null && release && !bodyRunning) {
                volume.release(s.put.extent());
            }
            clear(s);
        }
        g.reset();
    }

    private static void clear(Staged s) {
        s.put = null;
        s.deleteKey = null;
        s.pending = null;
    }

    private Staged nextSlot() {
        if (open.count == open.staged.size()) {
            open.staged.add(new Staged());
        }
        return open.staged.get(open.count++);
    }

    private static void ensureRoom(Group g, long bytes) {
        if (g.length + bytes > g.bytes.byteSize()) {
            MemorySegment bigger = Arena.ofAuto().allocate(Math.max(g.bytes.byteSize() * 2, g.length + bytes), 8);
            MemorySegment.copy(g.bytes, 0, bigger, 0, g.length);
            g.bytes = bigger;
        }
    }

    private void stageBytes(short type, short flags, long sequence, ObjectKey name, byte[] ct, Extent extent,
                            long length, int crc32c, long mtimeMillis, MemorySegment inlineSource,
                            long inlineOffset) {
        int size = JournalLayout.entrySize(name.length(), ct.length,
                inlineSource == null ? 0 : (int) length);
        Group g = open;
        ensureRoom(g, size);
        encoder.target(g.bytes);
        g.length += encoder.entry(g.length, type, flags, sequence, name, ct, extent.address(),
                extent.capacityBytes(), length, crc32c, mtimeMillis, inlineSource, inlineOffset);
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

    /**
     * Drops anything staged but not committed (releasing extents no write still uses), cuts off a write that was
     * in flight (its callers were not answered), and closes the file.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (flushing != null) {
            rollBack();
            releaseAndClear(flushing, !broken);
            flushing = null;
        }
        releaseAndClear(open, true);
        lowestUnpublished = Long.MAX_VALUE;
        try {
            if (mapping != null) {
                mapping.close();
            }
        } finally {
            try {
                Libc.close(fd);
            } finally {
                volume.journalClosed(this);
            }
        }
    }
}
