package atlas.hot;

import atlas.posix.Libc;
import atlas.posix.PosixException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Hot content in memory, the long tail from flash: a bounded amount of memory holding the objects — whole when
 * small, in {@link #CHUNK_BYTES} chunks when large — that have proven popular, so a live event's segments, its
 * playlists and the head of a catalogue are sent from RAM while everything else keeps the O_DIRECT path with no
 * page cache (Atlas §2.2: the case for no cache is a low hit ratio; a live event has a high one).
 * <p>
 * One copy for all cores: memory is split into one {@link HotShard} per core; a core admits into its own shard
 * only (no lock, no shared allocator), and every core can send from every shard's chunks, which are read-only once
 * published ({@link HotChunk} says how they are pinned and reclaimed). Chunks hang off the index's records
 * ({@link HotObject}), so a write that replaces a record also replaces what the tier can serve for its name.
 * <p>
 * The memory is one memory file (memfd, shmem) of --hot-memory bytes, mapped shared at start-up and touched as
 * chunks fill it: an idle tier costs address space, not RAM. Being a file, a hit can be sent from it the way nginx
 * sends from the page cache — sendfile hands the socket references to its pages, no copy. So that a page the
 * socket still references never changes, memory freed by an eviction is punched out of the file
 * (FALLOC_FL_PUNCH_HOLE): the socket keeps the old page, the next chunk gets a fresh one.
 */
public final class HotTier implements AutoCloseable {
    /** The tier's unit for large objects: a chunk is this many object bytes (the last one fewer). */
    public static final int CHUNK_BYTES = BuddyArena.MAX_BLOCK;
    /** With no --hot-memory: this fraction of the memory the server may use (the machine's, or its cgroup's). */
    private static final int DEFAULT_SHARE_OF_MEMORY = 8;

    private final Arena arena;
    /** The memory is this memory file (shmem), mapped shared: hits can be sent from it with sendfile. */
    private final int memfd;
    private final HotShard[] shards;
    private final List<String> livePrefixes;
    private final GrowingObjects growing;

    private HotTier(Arena arena, int memfd, HotShard[] shards, List<String> livePrefixes, GrowingObjects growing) {
        this.growing = growing;
        this.arena = arena;
        this.memfd = memfd;
        this.shards = shards;
        this.livePrefixes = List.copyOf(livePrefixes);
    }

    /**
     * A tier of {@code bytes} over {@code cores} cores ({@code bytes / cores} each, whole chunks), or null when
     * {@code bytes} is 0 (the tier is off) — a start-up error when the memory cannot be reserved.
     */
    public static HotTier create(long bytes, int cores, List<String> livePrefixes) {
        long perShard = bytes / cores / CHUNK_BYTES * CHUNK_BYTES;
        if (bytes == 0) {
            return null;
        }
        if (perShard == 0) {
            throw new IllegalArgumentException("--hot-memory " + bytes + " is below one " + (CHUNK_BYTES >> 10)
                    + " KiB chunk per core (" + cores + " cores); use 0 to turn the tier off");
        }
        Arena arena = Arena.ofShared();
        MemorySegment memory;
        int memfd = -1;
        try {
            memfd = Libc.memfdCreate("atlas-hot-tier", Libc.MFD_CLOEXEC);
            Libc.ftruncate(memfd, perShard * cores);
            memory = Libc.map(perShard * cores, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, memfd, 0, arena,
                    "the hot tier's memory file");
        } catch (PosixException e) {
            arena.close();
            if (memfd >= 0) {
                Libc.closeQuietly(memfd);
            }
            throw new UncheckedIOException("cannot set up " + (perShard * cores >> 20) + " MiB for the hot tier",
                    new IOException(e.getMessage(), e));
        }
        HotShard[] shards = new HotShard[cores];
        GrowingObjects growing = new GrowingObjects(cores);
        for (int c = 0; c < cores; c++) {
            shards[c] = new HotShard(c, cores, memory.asSlice(c * perShard, perShard), livePrefixes, memfd,
                    c * perShard, growing);
        }
        FrequencySketch[] sketches = new FrequencySketch[cores];
        for (int c = 0; c < cores; c++) {
            sketches[c] = shards[c].sketch();
        }
        for (HotShard shard : shards) {
            shard.readSketches(sketches);
        }
        return new HotTier(arena, memfd, shards, livePrefixes, growing);
    }

    /** Number of chunks of an object of {@code length} bytes (an empty object has none). */
    public static int chunkCount(long length) {
        return (int) ((length + CHUNK_BYTES - 1) / CHUNK_BYTES);
    }

    /** Bytes of chunk {@code index} of an object of {@code length} bytes. */
    public static int chunkLength(long length, int index) {
        return (int) Math.min(CHUNK_BYTES, length - (long) index * CHUNK_BYTES);
    }

    public HotShard shard(int core) {
        return shards[core];
    }

    public int shards() {
        return shards.length;
    }

    /** Live uploads readable while they arrive (under a live rule), every core's. */
    public GrowingObjects growingObjects() {
        return growing;
    }

    public List<String> livePrefixes() {
        return livePrefixes;
    }

    public long capacityBytes() {
        long sum = 0;
        for (HotShard s : shards) {
            sum += s.capacityBytes();
        }
        return sum;
    }

    public long bytesHeld() {
        long sum = 0;
        for (HotShard s : shards) {
            sum += s.bytesHeld();
        }
        return sum;
    }

    /**
     * The default --hot-memory for a server that may use {@code memoryBytes} (the machine's RAM, or its container's
     * limit): an eighth of it, so a box dedicated to serving keeps most of its RAM for connections and buffers.
     */
    public static long defaultBytes(long memoryBytes) {
        return Math.max(0, memoryBytes / DEFAULT_SHARE_OF_MEMORY / CHUNK_BYTES * CHUNK_BYTES);
    }

    /** After every core stopped: nothing can be sending from the memory any more. */
    @Override
    public void close() {
        arena.close();
        Libc.closeQuietly(memfd);
    }
}
