package atlas.store;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

import jdk.nio.mapmode.ExtendedMapMode;

/**
 * The volume: its devices holding objects in contiguous, block-aligned extents (Atlas' flat namespace, cf.
 * Haystack) — one preallocated data file, or several block devices or files given with {@code --device}, each
 * object whole on one of them ({@link Placement}) — an in-memory index rebuilt at open from a checkpoint plus
 * per-core append-only journals, and an extent allocator. Data-file I/O is O_DIRECT only: the page
 * cache never holds object bytes.
 * <pre>
 *  &lt;directory&gt;/
 *    volume.dat        block 0: {@link Superblock}; blocks 1..: object extents (and free space)
 *                      — or, with --device, no volume.dat but a devices file ({@link VolumeDevices}), each
 *                      device laid out like volume.dat (its superblock names its index)
 *    journal-&lt;id&gt;.log  one per core: header + entries ({@link JournalLayout}), appended with O_DSYNC
 *    index.snap        checkpoint: live records + highest sequence included ({@link Checkpoint})
 *    lock              fcntl lock + "pid N" / "url U" ({@link VolumeLock})
 *
 *  volume.dat
 *  +------------+-----------------+------+-----------------------+------+----- ... -----+
 *  | superblock | object A extent | free | object B extent       | free |  (grows by    |
 *  | block 0    | blocks 1..3     |      | blocks 5..9           |      |  zeros ahead) |
 *  +------------+-----------------+------+-----------------------+------+----- ... -----+
 * </pre>
 * Recovery at open ({@link VolumeRecovery}): load the checkpoint, replay every journal's entries newer than it in
 * global sequence order, then derive each device's free space as everything not covered by a live record.
 * When the journals have grown much larger than the live set, a fresh checkpoint is written and the journals
 * truncated, so start-up stays fast.
 * <p>
 * Threads: {@link #lookup}, {@link #read}, {@link #allocate}, {@link #release}, {@link #writeDurable} are
 * safe from any core. Each {@link Journal} belongs to exactly one thread.
 */
public final class Volume implements AutoCloseable {
    /** O_DIRECT alignment on this platform and the unit of every extent. */
    public static final int BLOCK_SIZE = 4096;

    /** Journal id {@link #putDurably} uses; cores use ids below it (their core index). */
    public static final int IMPORT_JOURNAL_ID = 65535;

    /** Checkpoint at open when the journals exceed this and twice the last checkpoint. */
    static final long CHECKPOINT_MIN_JOURNAL_BYTES = 64L << 20;

    /** Chunk of {@link #putDurably} and {@link #verify}: large enough for device throughput, small to hold. */
    static final int CHUNK_BYTES = 1 << 20;

    private final VolumeConfig config;
    private final Path directory;
    private final VolumeLock lock;
    /** By index; the index is what an {@link Extent} names. Never empty. */
    private final Device[] devices;
    private final Placement placement;
    /** The volume's id (device 0's superblock, index aside): what journals and checkpoints must match. */
    private final Superblock identity;
    private final ObjectIndex index = new ObjectIndex();
    private final AtomicLong sequence = new AtomicLong();
    private final ConcurrentHashMap<Integer, Journal> openJournals = new ConcurrentHashMap<>();
    /** Where each existing journal's entries end: from recovery, then from each close (for a re-open). */
    private final ConcurrentHashMap<Integer, Long> journalEnds = new ConcurrentHashMap<>();
    private final ObjectRecord.ExtentReclaimer reclaimer;
    private final Object importLock = new Object();

    private Journal importJournal;
    private volatile boolean closed;
    /**
     * How journals persist their groups, decided at the first {@link #journal} from the DAX probe: a MAP_SYNC
     * mapping where it works, else null (O_DIRECT|O_DSYNC block writes). Tests may set plain READ_WRITE.
     */
    private FileChannel.MapMode journalMapMode;
    private boolean journalModeDecided;
    /** Runs {@link #allocateLater}'s growth off the cores; made on first need. */
    private ExecutorService grower;
    /** Checkpoints while serving ({@link #startCheckpoints}). */
    private final OnlineCheckpoints checkpoints = new OnlineCheckpoints(this);

    private Volume(VolumeConfig config, VolumeLock lock, VolumeDevices.Opened opened) {
        this.config = config;
        this.directory = config.directory();
        this.lock = lock;
        this.devices = opened.devices();
        this.identity = opened.identity();
        this.placement = new Placement(devices);
        this.reclaimer = extent -> devices[extent.device()].allocator().free(extent);
    }

    /** Opens (creating if absent) the volume in {@code config.directory()}, locking it against a second opener. */
    public static Volume open(VolumeConfig config) throws IOException {
        return open(config, System.err);
    }

    /** As {@link #open(VolumeConfig)}, with recovery warnings (torn tails, skipped entries) sent to {@code warnings}. */
    public static Volume open(VolumeConfig config, PrintStream warnings) throws IOException {
        checkConfig(config);
        Path dir = config.directory();
        Files.createDirectories(dir);
        VolumeLock lock = VolumeLock.acquire(dir);
        VolumeDevices.Opened opened = null;
        try {
            opened = VolumeDevices.open(config, warnings);
            Volume volume = new Volume(config, lock, opened);
            new VolumeRecovery(volume, warnings).run();
            return volume;
        } catch (IOException | RuntimeException e) {
            if (opened != null) {
                for (Device d : opened.devices()) {
                    d.close();
                }
            }
            lock.close();
            throw e;
        }
    }

    private static void checkConfig(VolumeConfig c) {
        if (c.initialBytes() < 2L * BLOCK_SIZE || c.maxBytes() < c.initialBytes() || c.growStepBytes() <= 0) {
            throw new IllegalArgumentException("bad volume sizes: initial " + c.initialBytes() + ", step "
                    + c.growStepBytes() + ", max " + c.maxBytes() + " (need 2 blocks <= initial <= max, step > 0)");
        }
    }

    /**
     * The URL (or any short text) CLI tools should use to reach the process that has this volume open; written
     * into the lock file and cleared at close. See {@link #lockHolder}.
     */
    public void advertise(String url) throws IOException {
        lock.writeContent(url);
    }

    /**
     * {@code atlas format --device}: erases {@code device}'s signatures so a start with {@code --device} takes it
     * (see {@link VolumeDevices#format}); returns what it held. Refuses a mounted device or one of the volume in
     * {@code dataDir}.
     */
    public static String formatDevice(Path device, Path dataDir) throws IOException {
        return VolumeDevices.format(device, dataDir);
    }

    /** The URL advertised by the live process holding {@code directory}'s lock, or null. */
    public static String lockHolder(Path directory) {
        return VolumeLock.holderUrl(directory);
    }

    /** Journal files in the volume directory, live and sealed. */
    List<Path> journalFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(directory, "journal-*.log")) {
            ds.forEach(files::add);
        }
        files.sort(Comparator.naturalOrder());
        return files;
    }

    /**
     * Writes a checkpoint, then truncates the journals to their headers. Crash-safe in this order: once the
     * checkpoint is durable, every journal entry it covers has a sequence <= its own and is ignored on replay.
     * Only called while no journal is open (at open and at close).
     */
    void checkpointAndTruncateJournals() throws IOException {
        // Extents of inline PUTs may still sit in the device's cache; their entries are about to be cut off.
        syncData();
        Checkpoint.write(directory, identity, sequence.get(), index.records());
        for (Path file : journalFiles()) {
            if (Journal.sealedBound(file.getFileName().toString()) >= 0) {
                Files.delete(file);
                continue;
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                if (ch.size() > JournalLayout.HEADER_SIZE) {
                    ch.truncate(JournalLayout.HEADER_SIZE);
                    ch.force(true);
                }
            }
        }
        journalEnds.replaceAll((id, end) -> Math.min(end, JournalLayout.HEADER_SIZE));
    }

    // ---------------------------------------------------------------- package-private plumbing for recovery

    /** Recovery found the highest sequence in use: the next entry of any journal is numbered above it. */
    void sequenceStartsAt(long highest) {
        sequence.set(highest);
    }

    /** Where journal {@code journalId}'s entries end (recovery, then each close: for a re-open). */
    void journalEnded(int journalId, long endBytes) {
        journalEnds.put(journalId, endBytes);
    }

    void lastCheckpointBytes(long bytes) {
        checkpoints.lastCheckpointBytes(bytes);
    }

    // ---------------------------------------------------------------- package-private plumbing for Journal

    long nextSequence() {
        return sequence.incrementAndGet();
    }

    /** The highest sequence handed out so far. */
    long currentSequence() {
        return sequence.get();
    }

    /**
     * Drops the index's tombstones that no open journal can still publish an older entry against. Called after
     * every commit; nearly free when no tombstone is queued.
     * <p>
     * Read order matters: the counter first, then each journal's {@link Journal#lowestUnpublishedSequence() bound}.
     * A journal sets its bound before it takes a sequence and clears it only after publishing (or dropping) what
     * it staged. So for any entry not yet published, either the pruner sees that journal's bound (<= the entry's
     * sequence), or the journal set its bound after the pruner read it — and then took its sequence after the
     * pruner read the counter, so that sequence exceeds the value read, and the entry is newer than every
     * tombstone below the watermark. Either way no pruned tombstone is newer than an entry still to come.
     * Reading the bounds first would be unsafe: a journal could set its bound and take a sequence in between.
     * A journal that opens during the scan starts with no bound and is covered by the second case.
     */
    void pruneTombstones() {
        if (!index.hasQueuedTombstones()) {
            return;
        }
        index.pruneTombstones(publishedWatermark());
    }

    /**
     * Every entry with a sequence below the result is published (or was dropped): the counter read first, then each
     * open journal's lowest unpublished sequence (the order argued at {@link #pruneTombstones()}).
     */
    long publishedWatermark() {
        long watermark = sequence.get() + 1;
        for (Journal j : openJournals.values()) {
            watermark = Math.min(watermark, j.lowestUnpublishedSequence());
        }
        return watermark;
    }

    ObjectIndex index() {
        return index;
    }

    Superblock superblock() {
        return identity;
    }

    ObjectRecord newRecord(ObjectKey key, Extent extent, long length, String contentType, int crc32c,
                           long mtimeMillis, long seq) {
        return new ObjectRecord(key, extent, length, contentType, crc32c, mtimeMillis, seq, reclaimer);
    }

    void journalClosed(Journal journal) {
        journalEnds.put(journal.journalId(), journal.sizeBytes());
        openJournals.remove(journal.journalId(), journal);
    }

    // ---------------------------------------------------------------- public API

    public Path directory() {
        return directory;
    }

    /** The volume's 128-bit id as 32 hex digits (from the superblock). */
    public String volumeId() {
        return identity.volumeIdHex();
    }

    /** The device {@code index} names (an {@link Extent#device()}). */
    public Device device(int index) {
        return devices[index];
    }

    public int deviceCount() {
        return devices.length;
    }

    /** The devices by index (a copy). */
    public List<Device> devices() {
        return List.of(devices);
    }

    /** True when every device is healthy. */
    public boolean healthy() {
        for (Device d : devices) {
            if (d.failed()) {
                return false;
            }
        }
        return true;
    }

    /** Where a new object named {@code name} would go first, health and room aside (tests, tools). */
    public int preferredDevice(String name) {
        return placement.preferred(ObjectKey.of(name));
    }

    /** The current record for {@code key} (an owned key or a probe), or null. Never allocates. */
    public ObjectRecord lookup(ObjectKey key) {
        return index.get(key);
    }

    public ObjectRecord lookup(String name) {
        return lookup(ObjectKey.of(name));
    }

    /** Up to {@code limit} live records whose names start with {@code prefix}, sorted by name (control path). */
    public List<ObjectRecord> list(String prefix, int limit) {
        return index.list(prefix.getBytes(StandardCharsets.UTF_8), limit);
    }

    /** A snapshot of every live record, unordered (control path: an edge's start-up, its ledger's compaction). */
    public List<ObjectRecord> records() {
        return index.records();
    }

    public int objectCount() {
        return index.size();
    }

    /** Sum of the live objects' lengths. */
    public long liveBytes() {
        return index.liveBytes();
    }

    /**
     * What the devices may hold: their sizes, or for a one-file volume the most its data file may grow to
     * ({@link VolumeConfig#maxBytes()}).
     */
    public long capacityBytes() {
        long total = 0;
        for (Device d : devices) {
            total += d.capacityBytes();
        }
        return total;
    }

    /** The devices' current sizes (a data file grows by written zeros, or fallocate, up to its maximum). */
    public long sizeBytes() {
        long total = 0;
        for (Device d : devices) {
            total += d.sizeBytes();
        }
        return total;
    }

    /** Free bytes inside the devices' current sizes (not counting a data file's room to grow). */
    public long freeBytes() {
        long total = 0;
        for (Device d : devices) {
            total += d.freeBytes();
        }
        return total;
    }

    /** O_DIRECT write without O_DSYNC (same alignment rules as {@link #writeDurable}); complete on return. */
    public void writeLazy(int device, MemorySegment src, long offsetBytes) throws IOException {
        checkDataArea(device, src, offsetBytes).writeLazy(src, offsetBytes);
    }

    /** fdatasync of every device: every write completed before the call is durable on return. */
    public void syncData() throws IOException {
        for (Device d : devices) {
            if (!d.failed()) {
                d.file().syncData();
            }
        }
    }

    /**
     * O_DIRECT read of {@code dst.byteSize()} bytes at {@code offsetBytes} of {@code device}. {@code dst}'s address
     * and size and {@code offsetBytes} must be multiples of {@link #BLOCK_SIZE}. Returns the bytes read (short only
     * at the end of the device).
     */
    public int read(int device, MemorySegment dst, long offsetBytes) throws IOException {
        return devices[device].file().read(dst, offsetBytes);
    }

    /** O_DIRECT + O_DSYNC write of all of {@code src} at {@code offsetBytes} (same alignment rules); durable on return. */
    public void writeDurable(int device, MemorySegment src, long offsetBytes) throws IOException {
        checkDataArea(device, src, offsetBytes).writeDurable(src, offsetBytes);
    }

    private DataFile checkDataArea(int device, MemorySegment src, long offsetBytes) {
        DataFile file = devices[device].file();
        if (offsetBytes < BLOCK_SIZE || offsetBytes + src.byteSize() > file.sizeBytes()) {
            throw new IllegalArgumentException("write [" + offsetBytes + ", " + (offsetBytes + src.byteSize())
                    + ") outside the data area [" + BLOCK_SIZE + ", " + file.sizeBytes() + ") of device " + device);
        }
        return file;
    }

    /**
     * A free extent of at least {@code lengthBytes} rounded up to blocks, on the device {@link Placement} picks for
     * {@code name}, if one is free now, else null: never grows the data file, never waits on the disk or on the
     * growth lock — the call for a core's thread. On null, ask {@link #allocateLater}.
     */
    public Extent tryAllocate(ObjectKey name, long lengthBytes) {
        Extent e = placement.tryAllocate(name, lengthBytes);
        devices[0].nudgeZeroAhead(e == null);
        return e;
    }

    /** {@link #tryAllocate(ObjectKey, long)} for an object whose name does not matter (tests). */
    public Extent tryAllocate(long lengthBytes) {
        return tryAllocate(null, lengthBytes);
    }

    /** What {@link #allocateLater} reports: an extent, or why there is none. */
    public interface AllocationListener {
        void onAllocated(Extent extent);

        void onVolumeFull(VolumeFullException e);
    }

    /**
     * Allocates on the volume's grower thread — growing the data file (fallocate + fsync, or waiting for the
     * zero-ahead's step) if that is what it takes — and reports through {@code replyTo}, the caller's core inbox,
     * so the caller's thread never waits. A volume closed meanwhile reports full.
     */
    public void allocateLater(ObjectKey name, long lengthBytes, Executor replyTo, AllocationListener listener) {
        grower().execute(() -> {
            Extent e;
            try {
                e = allocate(name, lengthBytes);
            } catch (VolumeFullException full) {
                replyTo.execute(() -> listener.onVolumeFull(full));
                return;
            } catch (RuntimeException failure) {
                VolumeFullException full = new VolumeFullException("volume " + directory + ": " + failure);
                replyTo.execute(() -> listener.onVolumeFull(full));
                return;
            }
            replyTo.execute(() -> listener.onAllocated(e));
        });
    }

    private synchronized ExecutorService grower() {
        if (grower == null) {
            grower = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "atlas-volume-grower");
                t.setDaemon(true);
                return t;
            });
        }
        return grower;
    }

    /**
     * A free extent of at least {@code lengthBytes} rounded up to blocks for {@code name}; grows the data file of a
     * one-file volume if needed (blocks). Devices of fixed size never grow: when none has room, the volume is full.
     */
    public Extent allocate(ObjectKey name, long lengthBytes) throws VolumeFullException {
        Extent e = placement.tryAllocate(name, lengthBytes);
        if (e == null) {
            Device only = devices[0];
            if (devices.length > 1 || !only.file().growable()) {
                throw new VolumeFullException("volume " + directory + " is full: no healthy device of "
                        + devices.length + " has a free extent of " + Layouts.roundUpToBlock(lengthBytes)
                        + " bytes (" + freeBytes() + " bytes free in all)");
            }
            if (only.failed()) {
                throw new VolumeFullException("volume " + directory + ": its device failed: " + only.failure());
            }
            e = only.allocator().allocate(lengthBytes);
        }
        devices[0].nudgeZeroAhead(false);
        return e;
    }

    /** {@link #allocate(ObjectKey, long)} for an object whose name does not matter (tests). */
    public Extent allocate(long lengthBytes) throws VolumeFullException {
        return allocate(null, lengthBytes);
    }

    /**
     * Starts keeping {@link VolumeConfig#growStepBytes()} of free space ready as <i>written</i> zeros in a one-file
     * volume's data file ({@link Device}; devices of fixed size need none). Serving calls this; offline tools and
     * tests do not need it (growth then falls back to fallocate). Idempotent; stopped by {@link #close}.
     */
    public synchronized void startZeroAhead() {
        if (!closed) {
            devices[0].startZeroAhead();
        }
    }

    /**
     * Starts checkpointing while serving ({@link OnlineCheckpoints}): the journals are sealed and checkpointed away
     * once they exceed {@link VolumeConfig#checkpointJournalBytes()} and twice the last checkpoint. Idempotent;
     * stopped by {@link #close}.
     */
    public synchronized void startCheckpoints() {
        if (!closed) {
            checkpoints.start();
        }
    }

    /** Bytes of all journal files on disk, live and sealed (preallocated room included). */
    long journalFileBytes() throws IOException {
        long total = 0;
        for (Path file : journalFiles()) {
            try {
                total += Files.size(file);
            } catch (java.nio.file.NoSuchFileException e) {
                // deleted by a checkpoint meanwhile
            }
        }
        return total;
    }

    /** {@link #journalFileBytes()} for metrics: 0 when the directory cannot be listed right now. */
    public long journalFileBytesOrZero() {
        try {
            return journalFileBytes();
        } catch (IOException e) {
            return 0;
        }
    }

    /** Online checkpoints written since open. */
    public long onlineCheckpoints() {
        return checkpoints.written();
    }

    /** Runs one online checkpoint now, on the calling thread (tests; serving runs them from its own thread). */
    void checkpointOnline() throws IOException {
        checkNotClosed();
        checkpoints.checkpoint();
    }

    // ---------------------------------------------------------------- plumbing for OnlineCheckpoints

    boolean isClosed() {
        return closed;
    }

    VolumeConfig config() {
        return config;
    }

    /** The journals open now (any thread; a snapshot). */
    List<Journal> openJournals() {
        return new ArrayList<>(openJournals.values());
    }

    /** Seals the import journal, if open ({@link #putDurably} uses it under the same lock, synchronously). */
    void rotateImportJournal() throws IOException {
        synchronized (importLock) {
            if (importJournal != null) {
                importJournal.rotate();
            }
        }
    }

    /** fdatasync of the devices, then a checkpoint of the index at {@code highestSequence}; returns its size. */
    long syncAndWriteCheckpoint(long highestSequence) throws IOException {
        syncData();
        return Checkpoint.write(directory, identity, highestSequence, index.records());
    }

    /** Returns the unused tail of {@code extent} beyond {@code usedBytes} (rounded up) to the allocator. */
    public Extent trim(Extent extent, long usedBytes) {
        return devices[extent.device()].allocator().trim(extent, usedBytes);
    }

    /** Returns an extent that was allocated but never committed (aborted upload). */
    public void release(Extent extent) {
        devices[extent.device()].allocator().free(extent);
    }

    /**
     * The journal appender for one core; {@code journalId} is stable across restarts (the core index).
     * At most one {@link Journal} per id is open at a time; closing it frees the id.
     */
    public Journal journal(int journalId) throws IOException {
        if (journalId < 0 || journalId > IMPORT_JOURNAL_ID) {
            throw new IllegalArgumentException("journal id " + journalId + " outside 0.." + IMPORT_JOURNAL_ID);
        }
        checkNotClosed();
        synchronized (openJournals) {
            if (openJournals.containsKey(journalId)) {
                throw new IllegalStateException("journal " + journalId + " of " + directory + " is already open");
            }
            decideJournalMode();
            Journal j = Journal.open(this, journalId, identity, journalEnds.getOrDefault(journalId, -1L),
                    journalMapMode);
            openJournals.put(journalId, j);
            return j;
        }
    }

    /** Probes for persistent memory once (issue 6, point 3): MAP_SYNC works here → journals append through it. */
    private void decideJournalMode() {
        if (!journalModeDecided) {
            journalModeDecided = true;
            journalMapMode = DaxSupport.detect(directory).mapSync() ? ExtendedMapMode.READ_WRITE_SYNC : null;
        }
    }

    /** Tests: the mapped journal path with another mode (plain READ_WRITE where MAP_SYNC is refused), or null. */
    void journalMapModeForTests(FileChannel.MapMode mode) {
        synchronized (openJournals) {
            journalMapMode = mode;
            journalModeDecided = true;
        }
    }

    /** How journals write, for reports: decided at the first journal (see {@link DaxSupport}). */
    public String journalWriteMode() {
        synchronized (openJournals) {
            decideJournalMode();
            if (journalMapMode == null) {
                return "O_DIRECT|O_DSYNC block writes";
            }
            return journalMapMode == ExtendedMapMode.READ_WRITE_SYNC
                    ? "MAP_SYNC mapping (stores + cache-line write-back)" : "mapping " + journalMapMode + " (msync)";
        }
    }

    /**
     * Offline import and demo seeding: stores {@code lengthBytes} bytes read from {@code source} as {@code name}
     * and commits it durably through the import journal. Writes in 1 MiB O_DIRECT chunks (the last block
     * zero-padded). Thread-safe; serialised, since it is not a serving path.
     */
    public ObjectRecord putDurably(String name, InputStream source, long lengthBytes, String contentType)
            throws IOException {
        ObjectNames.requireValid(name);
        byte[] heap = new byte[CHUNK_BYTES];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment chunk = arena.allocate(CHUNK_BYTES, BLOCK_SIZE);
            return putChunked(name, lengthBytes, contentType, chunk, (dst, count, done) -> {
                int filled = 0;
                while (filled < count) {
                    int n = source.read(heap, 0, count - filled);
                    if (n < 0) {
                        throw new EOFException("source of " + name + " ended after " + (done + filled)
                                + " of " + lengthBytes + " bytes");
                    }
                    MemorySegment.copy(heap, 0, dst, ValueLayout.JAVA_BYTE, filled, n);
                    filled += n;
                }
            });
        }
    }

    /** As {@link #putDurably(String, InputStream, long, String)}, from all of {@code source} (any segment). */
    public ObjectRecord putDurably(String name, MemorySegment source, String contentType) throws IOException {
        ObjectNames.requireValid(name);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment chunk = arena.allocate(CHUNK_BYTES, BLOCK_SIZE);
            return putChunked(name, source.byteSize(), contentType, chunk,
                    (dst, count, done) -> MemorySegment.copy(source, done, dst, 0, count));
        }
    }

    private interface ChunkSource {
        void fill(MemorySegment dst, int count, long doneBytes) throws IOException;
    }

    private ObjectRecord putChunked(String name, long lengthBytes, String contentType, MemorySegment chunk,
                                    ChunkSource source) throws IOException {
        checkNotClosed();
        Extent extent = allocate(ObjectKey.of(name), lengthBytes);
        boolean committed = false;
        try {
            CRC32C crc = new CRC32C();
            long done = 0;
            while (done < lengthBytes) {
                int count = (int) Math.min(CHUNK_BYTES, lengthBytes - done);
                source.fill(chunk, count, done);
                crc.update(chunk.asSlice(0, count).asByteBuffer());
                int padded = (int) Layouts.roundUpToBlock(count);
                chunk.asSlice(count, padded - count).fill((byte) 0);
                writeDurable(extent.device(), chunk.asSlice(0, padded), extent.offsetBytes() + done);
                done += count;
            }
            synchronized (importLock) {
                if (importJournal == null) {
                    importJournal = journal(IMPORT_JOURNAL_ID);
                }
                ObjectRecord record = importJournal.stagePut(ObjectKey.of(name), extent, lengthBytes, contentType,
                        (int) crc.getValue(), System.currentTimeMillis());
                committed = true; // from here on the journal owns the extent (commit releases it on failure)
                importJournal.commit();
                return record;
            }
        } finally {
            if (!committed) {
                release(extent);
            }
        }
    }

    /**
     * Re-reads every live object with O_DIRECT and compares its CRC32C (for {@code atlas verify}). Objects
     * replaced while the scan runs are skipped. Reads in offset order so the device sees sequential I/O.
     */
    public VerifyResult verify(VerifyResult.Listener listener) throws IOException {
        VerifyResult.Listener l = listener == null ? VerifyResult.Listener.NONE : listener;
        List<ObjectRecord> records = new ArrayList<>(index.records());
        records.sort(VolumeRecovery.BY_PLACE);
        List<String> bad = new ArrayList<>();
        long objects = 0;
        long bytes = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment chunk = arena.allocate(CHUNK_BYTES, BLOCK_SIZE);
            for (ObjectRecord r : records) {
                if (!r.pin()) {
                    continue; // replaced or deleted since the listing: nothing to check
                }
                boolean ok;
                try {
                    // a read error (EIO) counts as bad too
                    ok = VolumeRecovery.check(this, r, chunk) == VolumeRecovery.BodyCheck.INTACT;
                } finally {
                    r.unpin();
                }
                objects++;
                bytes += r.length();
                if (!ok) {
                    bad.add(r.name());
                }
                l.onObject(r, ok, objects, records.size());
            }
        }
        return new VerifyResult(objects, bytes, bad);
    }

    private void checkNotClosed() {
        if (closed) {
            throw new IllegalStateException("volume " + directory + " is closed");
        }
    }

    /** Checkpoints the index (so the next open is fast), closes files and releases the directory lock. */
    @Override
    public void close() throws IOException {
        close(true);
    }

    /**
     * Closes open journals (dropping uncommitted entries), then, if {@code checkpoint}, writes a checkpoint.
     * {@code close(false)} leaves the directory as a crash would (tests use it to exercise journal replay).
     */
    synchronized void close(boolean checkpoint) throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        checkpoints.stop();
        if (grower != null) {
            grower.shutdownNow(); // a growth in progress finishes or fails on its own; nobody waits for its answer
        }
        IOException failure = null;
        for (Journal j : new ArrayList<>(openJournals.values())) {
            try {
                j.close();
            } catch (IOException e) {
                failure = e;
            }
        }
        try {
            if (checkpoint && failure == null) {
                checkpointAndTruncateJournals();
            }
        } catch (IOException e) {
            failure = e;
        } finally {
            for (Device d : devices) {
                try {
                    d.close(); // after the zero-ahead's step: the data file must not close under it
                } catch (IOException e) {
                    failure = failure == null ? e : failure;
                }
            }
            lock.close();
        }
        if (failure != null) {
            throw failure;
        }
    }
}
