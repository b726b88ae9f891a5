package atlas.hot;

import atlas.store.ObjectKey;
import atlas.store.ObjectRecord;

import java.lang.foreign.MemorySegment;

/**
 * One upload's way into the hot tier under a live rule ({@code --hot-prefix}): body bytes, as they are received
 * into the upload's I/O buffer, are also copied from that buffer into tier memory of the uploading core. The bytes
 * land once from the network, and the buffer then goes to flash for durability and to memory for the viewers
 * (PASTE), so a fresh live segment is a hit from its first viewer and is never read back from flash.
 * <p>
 * While the upload arrives, its bytes so far are readable through a {@link GrowingObject} (read while ingest: a GET
 * streams them as they come, unless the name is a playlist or manifest, which is read whole). As chunks of the
 * committed object they become visible through the committed record ({@link #publish}), the way any upload does;
 * if the upload fails or its client goes, its readers end abnormally and the memory is freed once they let go
 * ({@link #discard}). If the tier cannot make room (everything resident is in use), the capture gives up — its
 * readers end the same way — and the object is served from flash until popularity admits it.
 * Thread: the uploading core.
 */
public final class LiveCapture {
    private static final int MAX_CHUNKS = 1 << 16;

    private final HotShard shard;
    private long[] offsets = new long[16];
    private int[] orders = new int[16];
    private int[] lengths = new int[16];
    private int chunks;
    private long declaredLength;
    private boolean capturing;
    /** The upload as its readers see it while it arrives; null when it is not readable before its commit. */
    private GrowingObject growing;

    LiveCapture(HotShard shard) {
        this.shard = shard;
    }

    /**
     * A new upload of {@code key} ({@code name} its text): captures it when a live rule covers it, and with
     * {@code readWhileArriving} makes its bytes readable as they come. Declared length, or -1 (chunked).
     */
    public void begin(ObjectKey key, String name, long declaredLength, String contentType,
                      boolean readWhileArriving) {
        begin(key, name, declaredLength, contentType, readWhileArriving, false);
    }

    /**
     * As above; {@code always}: captured whatever the live rules say (an edge's fill from its upstream, whose
     * waiting readers stream it from the first byte).
     */
    public void begin(ObjectKey key, String name, long declaredLength, String contentType,
                      boolean readWhileArriving, boolean always) {
        discard();
        this.capturing = always || shard.isLive(name);
        this.declaredLength = declaredLength;
        if (capturing && readWhileArriving) {
            growing = shard.growingObjects().begin(key, declaredLength, contentType, shard.sendFileFd());
        }
    }

    /**
     * Copies {@code length} body bytes, just received, at object offset {@code objectOffset} from
     * {@code src[srcOffset]}; readers of the growing upload may send them from here.
     */
    public void capture(long objectOffset, MemorySegment src, long srcOffset, int length) {
        if (!capturing || length <= 0) {
            return;
        }
        while (length > 0) {
            int index = (int) (objectOffset / HotTier.CHUNK_BYTES);
            int within = (int) (objectOffset - (long) index * HotTier.CHUNK_BYTES);
            if (index != chunks - (within == 0 ? 0 : 1) || index >= MAX_CHUNKS) {
                discard(); // not the next bytes in order (never expected): do not guess
                return;
            }
            if (within == 0 && !startChunk(index)) {
                discard();
                return;
            }
            int room = BuddyArena.blockBytes(orders[index]) - within;
            int n = Math.min(length, room);
            if (n <= 0) {
                discard();
                return;
            }
            MemorySegment.copy(src, srcOffset, shard.memory(), offsets[index] + within, n);
            lengths[index] += n;
            objectOffset += n;
            srcOffset += n;
            length -= n;
        }
        if (growing != null) {
            growing.advance(objectOffset);
        }
    }

    private boolean startChunk(int index) {
        if (index == offsets.length) {
            offsets = java.util.Arrays.copyOf(offsets, index * 2);
            orders = java.util.Arrays.copyOf(orders, index * 2);
            lengths = java.util.Arrays.copyOf(lengths, index * 2);
        }
        int size = declaredLength >= 0 ? HotTier.chunkLength(declaredLength, index) : HotTier.CHUNK_BYTES;
        int order = BuddyArena.orderFor(Math.max(1, size));
        long at = shard.allocateForLive(order);
        if (at < 0) {
            return false;
        }
        offsets[index] = at;
        orders[index] = order;
        lengths[index] = 0;
        chunks = index + 1;
        if (growing != null) {
            growing.addSpan(index, shard.memory().asSlice(at, BuddyArena.blockBytes(order)),
                    shard.fileOffsetOf(at));
        }
        return true;
    }

    /** The upload committed as {@code record}: its captured chunks become every core's hits. */
    public void publish(ObjectRecord record) {
        if (!capturing) {
            return;
        }
        long total = 0;
        for (int i = 0; i < chunks; i++) {
            if (lengths[i] != HotTier.chunkLength(record.length(), i)) {
                discard(); // what was captured is not what was stored
                return;
            }
            total += lengths[i];
        }
        if (total != record.length() || record.length() == 0) {
            discard();
            return;
        }
        for (int i = 0; i < chunks; i++) {
            shard.publishLive(record, i, offsets[i], orders[i], lengths[i], growing);
        }
        chunks = 0;
        capturing = false;
        if (growing != null) {
            // After the chunks: a reader that still pins the growing object now holds them too.
            shard.growingObjects().completed(growing);
            growing = null;
        }
    }

    /**
     * True when the upload's first chunk is popular enough for the tier's admission (TinyLFU, as for a chunk read
     * from flash): a fill nobody asked for before is streamed to its waiters, then not kept in memory.
     */
    public boolean admissible(ObjectRecord record) {
        return capturing && shard.admissible(record, 0);
    }

    /**
     * The upload committed but is not kept in the tier: its readers finish from what was captured (no new one pins
     * it; they are served from flash), then the memory goes back.
     */
    public void completeUnkept() {
        if (!capturing) {
            return;
        }
        if (growing != null) {
            shard.growingObjects().completedUnkept(growing);
        }
        release();
    }

    /**
     * The upload failed or was abandoned (or the tier could not hold it): its readers end abnormally, and what was
     * captured is freed once none of them holds it.
     */
    public void discard() {
        if (growing != null) {
            shard.growingObjects().failed(growing);
        }
        release();
    }

    /** Frees what was captured once no reader of the growing upload holds it, and forgets the upload. */
    private void release() {
        for (int i = 0; i < chunks; i++) {
            shard.freeLive(offsets[i], orders[i], growing);
        }
        growing = null;
        chunks = 0;
        capturing = false;
    }
}
