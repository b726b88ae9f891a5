package atlas.hot;

import atlas.store.ObjectRecord;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One object's bytes, or one {@link HotTier#CHUNK_BYTES} span of a large object's, held in memory: the unit the hot
 * tier admits, serves and evicts. Its bytes are written once, by the core that admits it, before it is published;
 * from then on every core may send from them and none writes them.
 * <p>
 * Reclamation: <em>per-core pins</em>. A core that is about to send from the chunk increments its own pin slot,
 * then checks that the chunk is not retired; the owner core retires it (a volatile write) and reuses its memory only
 * once it reads every core's slot as zero. Both sides use sequentially consistent accesses, so either the reader
 * sees the retirement and backs off, or the owner sees the pin and waits (Dekker's argument). Each core writes only
 * its own slot, padded to a cache line, so a hit on one core never writes a line another core writes: the hit path
 * has no lock and no shared write. Epoch-based reclamation was the alternative; it fits memory read within one loop
 * turn, but a send (zero-copy or not) holds the bytes across turns, so a send would need its own pin anyway.
 * <pre>
 *   perCore:  [core 0: pins, hits, pad x6] [core 1: pins, hits, pad x6] ...     (8 longs = 64 bytes per core)
 *   reader:   pins[c] += 1 (volatile);  retired? -> pins[c] -= 1, a miss;  else hits[c] += 1, send, pins[c] -= 1
 *   owner:    retired = true (volatile);  every pins[c] == 0 ? free now : keep on the retiring list, look again
 * </pre>
 * The hit counters feed the owner's CLOCK: a chunk whose summed hits grew since the owner last looked was
 * referenced, without any hit having written the owner's state.
 */
public final class HotChunk {
    private static final int SLOT_LONGS = 8;
    private static final int PINS = 0;
    private static final int HITS = 1;
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);

    private final ObjectRecord record;
    private final int index;
    private final MemorySegment bytes;
    private final long arenaOffset;
    private final int order;
    private final long key;
    private final long[] perCore;
    private final int fileFd;
    private final long fileOffset;
    private volatile boolean retired;
    /** Owner only: the summed hits when the owner's CLOCK hand last passed (or at admission). */
    long hitsSeen;

    HotChunk(ObjectRecord record, int index, MemorySegment bytes, long arenaOffset, int order, long key, int cores,
             int fileFd, long fileOffset) {
        this.fileFd = fileFd;
        this.fileOffset = fileOffset;
        this.record = record;
        this.index = index;
        this.bytes = bytes;
        this.arenaOffset = arenaOffset;
        this.order = order;
        this.key = key;
        this.perCore = new long[(cores + 1) * SLOT_LONGS]; // one spare slot: the array header's line is not core 0's
    }

    /** The chunk's bytes: read-only for everyone once published. */
    public MemorySegment bytes() {
        return bytes;
    }

    /** The tier's memory file, which holds these bytes at {@link #fileOffset} (for sendfile); -1: do not. */
    public int fileFd() {
        return fileFd;
    }

    public long fileOffset() {
        return fileOffset;
    }

    public int length() {
        return (int) bytes.byteSize();
    }

    /** Which chunk of its object this is: it holds object bytes from {@code index * CHUNK_BYTES}. */
    public int index() {
        return index;
    }

    public ObjectRecord record() {
        return record;
    }

    long key() {
        return key;
    }

    long arenaOffset() {
        return arenaOffset;
    }

    int order() {
        return order;
    }

    /**
     * Pins the chunk for a send by {@code core}: true when it may be sent from until {@link #unpin}; false when it
     * was retired meanwhile (treat as a miss). Counts a hit for the owner's CLOCK when it succeeds.
     */
    public boolean pin(int core) {
        int slot = (core + 1) * SLOT_LONGS;
        SLOTS.setVolatile(perCore, slot + PINS, (long) SLOTS.getVolatile(perCore, slot + PINS) + 1);
        if (retired) {
            SLOTS.setVolatile(perCore, slot + PINS, (long) SLOTS.getVolatile(perCore, slot + PINS) - 1);
            return false;
        }
        SLOTS.setOpaque(perCore, slot + HITS, (long) SLOTS.getOpaque(perCore, slot + HITS) + 1);
        return true;
    }

    /** Ends a pin of {@code core}'s: its sends of these bytes are all done. */
    public void unpin(int core) {
        int slot = (core + 1) * SLOT_LONGS + PINS;
        // Release: every read of the bytes by this core happens before the owner can see zero and reuse them.
        SLOTS.setVolatile(perCore, slot, (long) SLOTS.getVolatile(perCore, slot) - 1);
    }

    /** Owner: no more pins from here; readers that pin from now on back off. */
    void retire() {
        retired = true;
    }

    /** Owner: true when no core holds a pin (after {@link #retire}, once true it stays true). */
    boolean unpinnedEverywhere() {
        for (int slot = SLOT_LONGS; slot < perCore.length; slot += SLOT_LONGS) {
            if ((long) SLOTS.getVolatile(perCore, slot + PINS) != 0) {
                return false;
            }
        }
        return true;
    }

    /** Hits on every core so far (racy by design: a CLOCK only needs "grew or not"). */
    long hits() {
        long sum = 0;
        for (int slot = SLOT_LONGS; slot < perCore.length; slot += SLOT_LONGS) {
            sum += (long) SLOTS.getOpaque(perCore, slot + HITS);
        }
        return sum;
    }

    @Override
    public String toString() {
        return record.name() + "#" + index + "(" + length() + ")";
    }
}
