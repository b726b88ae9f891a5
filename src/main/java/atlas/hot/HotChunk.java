package atlas.hot;

import atlas.store.ObjectRecord;

import java.lang.foreign.MemorySegment;

/**
 * One object's bytes, or one {@link HotTier#CHUNK_BYTES} span of a large object's, held in memory: the unit the hot
 * tier admits, serves and evicts. Its bytes are written once, by the core that admits it, before it is published;
 * from then on every core may send from them and none writes them.
 * <p>
 * Reclamation: {@link CorePins} — a core pins the chunk in its own slot before it sends from it, the owner retires
 * it and reuses its memory only once no core holds a pin; a hit counts in the pinning core's own slot. A chunk that
 * was a live upload's ({@link GrowingObject}: its readers sent from these same bytes while they arrived) is also
 * held by that upload's readers: its memory is reused only once they, too, are done.
 * <p>
 * The hit counters feed the owner's CLOCK: a chunk whose summed hits grew since the owner last looked was
 * referenced, without any hit having written the owner's state.
 */
public final class HotChunk {
    private final ObjectRecord record;
    private final int index;
    private final MemorySegment bytes;
    private final long arenaOffset;
    private final int order;
    private final long key;
    private final CorePins pins;
    /** The live upload these bytes were received by, whose readers may still send from them; null: none. */
    private final GrowingObject origin;
    private final int fileFd;
    private final long fileOffset;
    /** Owner only: the summed hits when the owner's CLOCK hand last passed (or at admission). */
    long hitsSeen;

    HotChunk(ObjectRecord record, int index, MemorySegment bytes, long arenaOffset, int order, long key, int cores,
             int fileFd, long fileOffset, GrowingObject origin) {
        this.origin = origin;
        this.fileFd = fileFd;
        this.fileOffset = fileOffset;
        this.record = record;
        this.index = index;
        this.bytes = bytes;
        this.arenaOffset = arenaOffset;
        this.order = order;
        this.key = key;
        this.pins = new CorePins(cores);
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
        if (!pins.pin(core)) {
            return false;
        }
        pins.count(core);
        return true;
    }

    /** Ends a pin of {@code core}'s: its sends of these bytes are all done. */
    public void unpin(int core) {
        pins.unpin(core);
    }

    /** Owner: no more pins from here; readers that pin from now on back off (the live upload's readers too). */
    void retire() {
        pins.retire();
        if (origin != null) {
            origin.retire();
        }
    }

    /** Owner: true when no core holds a pin, nor a reader of the live upload (once true after retire, stays so). */
    boolean unpinnedEverywhere() {
        return pins.unpinnedEverywhere() && (origin == null || origin.unpinnedEverywhere());
    }

    /** Hits on every core so far (racy by design: a CLOCK only needs "grew or not"). */
    long hits() {
        return pins.counted();
    }

    @Override
    public String toString() {
        return record.name() + "#" + index + "(" + length() + ")";
    }
}
