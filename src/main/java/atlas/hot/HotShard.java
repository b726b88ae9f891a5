package atlas.hot;

import atlas.posix.Libc;
import atlas.posix.PosixException;
import atlas.store.ObjectRecord;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * One core's part of the {@link HotTier}: the memory it admits into, its popularity sketch, its CLOCK of the chunks
 * it owns — and its view of every other core's chunks, which it may send from but never changes.
 * <p>
 * Admission is TinyLFU's: every access a core serves counts in its own sketch, and a chunk read from flash enters
 * only when it has been asked for before ({@value #ADMIT_MIN_FREQUENCY} or more accesses lately, on any core: a
 * chunk's popularity is the sum of every core's estimate, read but never written across cores, since a client's
 * connections land on any core) and, when memory is full, only when it has been asked for more often than the
 * chunk it would push out. A scan of the catalogue or
 * the cold tail is seen once per object, so it never enters and never evicts the head — and those reads stay
 * exactly the O_DIRECT, no-page-cache path they were. Eviction is CLOCK over the chunks this core admitted,
 * referenced bits read from the chunks' per-core hit counters (see {@link HotChunk}); docs/hot-tier-admission.md
 * has the trace measurements this policy was chosen by.
 * <p>
 * Thread: the owning core, for everything here; other cores only pin and unpin chunks.
 */
public final class HotShard {
    /** Accesses (this one included) a chunk needs before it may enter: once is a scan or the tail. */
    static final int ADMIT_MIN_FREQUENCY = 2;
    /** Bounded work per admission: victims looked at before giving up on making room. */
    static final int MAX_VICTIMS_PER_ADMISSION = 8;
    /** A chunk read from flash earns 1/this of its size in replacement credit. */
    static final int REPLACE_CREDIT_DIVISOR = 10;
    /** Unspent credit saved up at most: a burst of a few chunks' worth. */
    static final long MAX_REPLACE_CREDIT = 16L * HotTier.CHUNK_BYTES;

    private final int core;
    private final int cores;
    private final MemorySegment memory;
    /** The tier's memory file and where this shard's memory starts in it. */
    private final int memfd;
    private final long fileBase;
    /** Bytes of admissions that may still evict (see {@link #offer}). */
    private long replaceCredit;
    /** False once punching a hole failed: chunks are then no longer offered for sendfile (see {@link #release}). */
    private boolean fileSends = true;
    private final List<String> livePrefixes;
    private final BuddyArena arena;
    private final FrequencySketch sketch;
    /** Every core's sketch, this one's included: read to judge popularity, written only by their owners. */
    private FrequencySketch[] allSketches;
    /** This core's chunks, oldest admitted (or last passed by the hand) first. */
    private final ArrayDeque<HotChunk> clock = new ArrayDeque<>();
    /** Evicted chunks some core still had pinned: their memory is freed once every pin is gone. */
    private final ArrayList<HotChunk> retiring = new ArrayList<>();
    /** Blocks of failed live uploads whose readers were still sending from them: freed once they let go. */
    private final ArrayList<HeldBlock> heldByReaders = new ArrayList<>();
    /** Live uploads readable while they arrive, every core's (shared). */
    private final GrowingObjects growingObjects;

    private record HeldBlock(long at, int order, GrowingObject readers) {
    }

    /** Chunk accesses this core served, from memory or from flash. */
    final LongAdder accesses = new LongAdder();
    final LongAdder hits = new LongAdder();
    final LongAdder admissions = new LongAdder();
    final LongAdder rejections = new LongAdder();
    final LongAdder evictions = new LongAdder();
    private volatile long bytesHeld;
    private volatile int chunksHeld;
    /** Written by this core only (single writer); volatile so a scrape sees it. */
    private volatile int pinsHeld;

    HotShard(int core, int cores, MemorySegment memory, List<String> livePrefixes, int memfd, long fileBase,
             GrowingObjects growingObjects) {
        this.growingObjects = growingObjects;
        this.memfd = memfd;
        this.fileBase = fileBase;
        this.livePrefixes = List.copyOf(livePrefixes);
        this.core = core;
        this.cores = cores;
        this.memory = memory;
        this.arena = new BuddyArena(memory.byteSize());
        this.sketch = new FrequencySketch((int) Math.min(Integer.MAX_VALUE, memory.byteSize() / 8192));
        this.allSketches = new FrequencySketch[] {sketch};
    }

    FrequencySketch sketch() {
        return sketch;
    }

    /** Lets this shard read every core's sketch (set once by the tier, before any core runs). */
    void readSketches(FrequencySketch[] sketches) {
        this.allSketches = sketches;
    }

    /** How often {@code key} was asked for lately, over all cores (racy reads of the others: an estimate). */
    private int popularity(long key) {
        int sum = 0;
        for (FrequencySketch s : allSketches) {
            sum += s.estimate(key);
        }
        return sum;
    }

    public int core() {
        return core;
    }

    /** Counts an access to chunk {@code index} of {@code record} (served from flash or not): popularity. */
    public void count(ObjectRecord record, int index) {
        sketch.increment(keyOf(record, index));
        accesses.increment();
    }

    /**
     * Pins chunk {@code index} of {@code record} if the tier holds it (whichever core admitted it): the caller sends
     * from {@link HotChunk#bytes} and then calls {@link #unpin}. Null on a miss. With {@code newAccess} it also
     * {@link #count}s the access (false: the same response already counted this chunk).
     */
    public HotChunk pin(ObjectRecord record, int index, boolean newAccess) {
        if (newAccess) {
            count(record, index);
        }
        HotChunk chunk = HotObject.lookup(record, index);
        if (chunk != null && chunk.pin(core)) {
            if (newAccess) {
                hits.increment();
            }
            pinsHeld = pinsHeld + 1;
            return chunk;
        }
        return null;
    }

    /** True when the tier holds chunk {@code index} of {@code record} now (it may be gone by the time it is pinned). */
    public boolean holds(ObjectRecord record, int index) {
        return HotObject.lookup(record, index) != null;
    }

    /** Ends this core's pin of {@code chunk}: its send completed, or its connection let go of it. */
    public void unpin(HotChunk chunk) {
        chunk.unpin(core);
        pinsHeld = pinsHeld - 1;
    }

    /** Chunks this core is sending from now (pinned, send not complete): 0 when idle, or a pin leaked. */
    public int pinsHeld() {
        return pinsHeld;
    }

    /**
     * True when chunk {@code index} of {@code record}, just missed, is popular enough to be admitted: the caller
     * should read the whole chunk (not only the range it needs) and {@link #offer} it.
     */
    public boolean admissible(ObjectRecord record, int index) {
        return popularity(keyOf(record, index)) >= ADMIT_MIN_FREQUENCY;
    }

    /**
     * Offers the bytes of chunk {@code index} of {@code record}, just read from flash into {@code src} at
     * {@code offset}: copied into this core's memory and published to every core if admitted. The caller keeps
     * {@code src}. The chunk must be complete: {@link HotTier#chunkLength} bytes.
     */
    public void offer(ObjectRecord record, int index, MemorySegment src, long offset) {
        int length = HotTier.chunkLength(record.length(), index);
        if (record.isRetired() || HotObject.lookup(record, index) != null) {
            return;
        }
        long key = keyOf(record, index);
        int frequency = popularity(key);
        if (frequency < ADMIT_MIN_FREQUENCY) {
            return;
        }
        int order = BuddyArena.orderFor(length);
        // Replacing resident chunks is paid for by reads from flash: each chunk read earns a tenth of its size.
        // On a uniform catalogue every chunk is about as popular as its victim and a comparison of two noisy
        // counts says "admit" half the time; the budget keeps that churn (a copy in, an eviction out) to a tenth
        // of the flash traffic, while a stable head, once in, costs nothing.
        replaceCredit = Math.min(MAX_REPLACE_CREDIT, replaceCredit + length / REPLACE_CREDIT_DIVISOR);
        long at = makeRoom(order, frequency);
        if (at < 0) {
            rejections.increment();
            return;
        }
        MemorySegment.copy(src, offset, memory, at, length);
        publishAt(record, index, at, order, length, key, null);
    }

    /**
     * A free block of {@code order}, evicting CLOCK victims for it — only those less popular than
     * {@code frequency}, and a live one only while the replacement credit lasts (any unreferenced one when
     * {@code frequency} is -1: a live rule); chunks of replaced records always go. At most
     * {@value #MAX_VICTIMS_PER_ADMISSION} looked at for an admission, which may simply not happen. A live upload may
     * not: its readers stream it from here, and giving up ends every one of their responses (an edge's fill with a
     * thousand waiters). So it looks at up to two laps of the hand, which clears every second chance on the way and
     * then finds a victim, unless pinned chunks keep their memory. -1 when no room was made.
     */
    private long makeRoom(int order, int frequency) {
        long at = arena.allocate(order);
        long budget = frequency < 0 ? 2L * clock.size() + MAX_VICTIMS_PER_ADMISSION : MAX_VICTIMS_PER_ADMISSION;
        for (long looked = 0; at < 0 && looked < budget && !clock.isEmpty(); looked++) {
            HotChunk victim = clock.peekFirst();
            if (!victim.record().isRetired()) {
                long seen = victim.hits();
                if (seen != victim.hitsSeen) { // referenced since the hand last passed: a second chance
                    victim.hitsSeen = seen;
                    clock.addLast(clock.pollFirst());
                    continue;
                }
                if (frequency >= 0 && (popularity(victim.key()) >= frequency || replaceCredit < victim.length())) {
                    return -1; // the resident chunk is at least as popular, or churn is over budget: keep it
                }
                if (frequency >= 0) {
                    replaceCredit -= victim.length();
                }
            }
            clock.pollFirst();
            evict(victim);
            at = arena.allocate(order);
        }
        return at;
    }

    /**
     * Makes the chunk whose bytes are at {@code at} every core's; frees them if another core got there first (once
     * the readers of {@code origin}, the live upload they came from, if any, let go of them).
     */
    private void publishAt(ObjectRecord record, int index, long at, int order, int length, long key,
                           GrowingObject origin) {
        HotChunk chunk = new HotChunk(record, index, memory.asSlice(at, length), at, order, key, cores,
                sendFileFd(), fileBase + at, origin);
        if (!HotObject.of(record).publish(chunk)) {
            freeLive(at, order, origin); // another core admitted it first; no reader of the index saw this copy
            return;
        }
        chunk.hitsSeen = 0;
        clock.addLast(chunk);
        bytesHeld = bytesHeld + length;
        chunksHeld = chunksHeld + 1;
        admissions.increment();
    }

    // ---------------------------------------------------------------- live rule (LiveCapture)

    /** True when {@code name} is under a live rule: its uploads enter the tier as they are received. */
    public boolean isLive(String name) {
        for (int i = 0; i < livePrefixes.size(); i++) {
            if (name.startsWith(livePrefixes.get(i))) {
                return true;
            }
        }
        return false;
    }

    /** A capture for one upload connection of this core (reused across its uploads). */
    public LiveCapture newLiveCapture() {
        return new LiveCapture(this);
    }

    MemorySegment memory() {
        return memory;
    }

    long allocateForLive(int order) {
        return makeRoom(order, -1);
    }

    /** Frees a block of a live upload, now or — while readers of {@code readers} (null: none) hold it — later. */
    void freeLive(long at, int order, GrowingObject readers) {
        if (readers == null || readers.unpinnedEverywhere()) {
            release(at, order);
        } else {
            heldByReaders.add(new HeldBlock(at, order, readers));
        }
    }

    /** Live uploads readable while they arrive, every core's. */
    public GrowingObjects growingObjects() {
        return growingObjects;
    }

    /** The memory file to offer for sendfile, or -1 once hole punching failed (send by copy). */
    int sendFileFd() {
        return fileSends ? memfd : -1;
    }

    /** Where the block at {@code at} of this shard is in the tier's memory file. */
    long fileOffsetOf(long at) {
        return fileBase + at;
    }

    /**
     * Frees a block: first punched out of the memory file, because sockets may still hold references to its pages
     * from a sendfile (they keep those pages, unchanged); the block's next chunk is written into fresh pages.
     */
    private void release(long at, int order) {
        if (fileSends) {
            try {
                Libc.fallocate(memfd, Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, fileBase + at,
                        BuddyArena.blockBytes(order));
            } catch (PosixException e) {
                // Without the punch, reusing the block could change bytes a socket still sends: stop file sends.
                fileSends = false;
                System.err.println("atlas: hot tier: cannot punch freed memory out of its file (" + e.getMessage()
                        + "); hits are sent by copy from now on");
            }
        }
        arena.free(at, order);
    }

    void publishLive(ObjectRecord record, int index, long at, int order, int length, GrowingObject origin) {
        publishAt(record, index, at, order, length, keyOf(record, index), origin);
    }

    /** Withdraws {@code chunk} from every core's view; its memory comes back once nobody has it pinned. */
    private void evict(HotChunk chunk) {
        HotObject.withdraw(chunk);
        chunk.retire();
        bytesHeld = bytesHeld - chunk.length();
        chunksHeld = chunksHeld - 1;
        evictions.increment();
        if (chunk.unpinnedEverywhere()) {
            release(chunk.arenaOffset(), chunk.order());
        } else {
            retiring.add(chunk);
        }
    }

    /** Once per loop turn: frees the memory of evicted chunks (and failed live uploads) whose last pin went away. */
    public void onTurnEnd() {
        for (int i = heldByReaders.size() - 1; i >= 0; i--) {
            HeldBlock b = heldByReaders.get(i);
            if (b.readers().unpinnedEverywhere()) {
                release(b.at(), b.order());
                int last = heldByReaders.size() - 1;
                heldByReaders.set(i, heldByReaders.get(last));
                heldByReaders.remove(last);
            }
        }
        for (int i = retiring.size() - 1; i >= 0; i--) {
            HotChunk c = retiring.get(i);
            if (c.unpinnedEverywhere()) {
                release(c.arenaOffset(), c.order());
                int last = retiring.size() - 1;
                retiring.set(i, retiring.get(last));
                retiring.remove(last);
            }
        }
    }

    public long accesses() {
        return accesses.sum();
    }

    public long hits() {
        return hits.sum();
    }

    public long admissions() {
        return admissions.sum();
    }

    public long rejections() {
        return rejections.sum();
    }

    public long evictions() {
        return evictions.sum();
    }

    public long bytesHeld() {
        return bytesHeld;
    }

    public int chunksHeld() {
        return chunksHeld;
    }

    public long capacityBytes() {
        return arena.capacityBytes();
    }

    /** Chunks evicted but still pinned by a send somewhere. */
    public int retiringChunks() {
        return retiring.size();
    }

    long freeBytes() {
        return arena.freeBytes();
    }

    /** Blocks of failed live uploads kept only because a reader still sends from them (0 when idle). */
    public int blocksHeldForReaders() {
        return heldByReaders.size();
    }

    private static long keyOf(ObjectRecord record, int index) {
        return FrequencySketch.key(record.key().hashCode(), index);
    }
}
