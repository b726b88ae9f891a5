package atlas.hot;

import atlas.store.ObjectRecord;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The hot tier's table of one record's chunks, hung on the record itself ({@link ObjectRecord#attachment}): a
 * lookup is a field read and an array read — no map, no key object, nothing allocated. Because it belongs to one
 * record (one version of a name), a PUT or DELETE that replaces the record makes its chunks unreachable the moment
 * the index points at the new one: the tier cannot serve bytes older than the index does.
 * <p>
 * Slots are set by the admitting core with a compare-and-set (two cores admitting the same chunk at once: one
 * wins, the other frees its copy) and cleared by the chunk's owner when it evicts it.
 */
final class HotObject {
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(HotChunk[].class);

    private final HotChunk[] chunks;

    HotObject(long objectLength) {
        this.chunks = new HotChunk[HotTier.chunkCount(objectLength)];
    }

    /** The table of {@code record}, made and hung on it if it has none. */
    static HotObject of(ObjectRecord record) {
        Object a = record.attachment();
        if (a instanceof HotObject h) {
            return h;
        }
        HotObject made = new HotObject(record.length());
        return record.attach(null, made) ? made : (HotObject) record.attachment();
    }

    /** The chunk at {@code index} of {@code record}, or null when the tier holds none. */
    static HotChunk lookup(ObjectRecord record, int index) {
        Object a = record.attachment();
        if (!(a instanceof HotObject h) || index >= h.chunks.length) {
            return null;
        }
        return (HotChunk) SLOTS.getAcquire(h.chunks, index);
    }

    /** Publishes {@code chunk} at its index unless another core did first; true when it is the one published. */
    boolean publish(HotChunk chunk) {
        return SLOTS.compareAndSet(chunks, chunk.index(), (HotChunk) null, chunk);
    }

    /** Owner: takes {@code chunk} out of its record's table (if it is still the one there). */
    static void withdraw(HotChunk chunk) {
        if (chunk.record().attachment() instanceof HotObject h) {
            SLOTS.compareAndSet(h.chunks, chunk.index(), chunk, (HotChunk) null);
        }
    }
}
