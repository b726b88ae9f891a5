package atlas.hot;

import atlas.store.ObjectKey;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.concurrent.Executor;

/**
 * One live upload whose bytes may be read while they arrive (chunked CMAF, an LL-DASH segment): the hot-tier memory
 * its body is copied into as it is received ({@link LiveCapture}), how much of it is there, and how it ended.
 * Readers on every core send straight from that memory, up to {@link #visibleBytes}; when more arrives, the cores
 * whose readers wait are told through their inboxes, once per arrival, and each wakes its own readers.
 * <p>
 * Threads: one writer, the uploading core ({@link #addSpan}, {@link #advance}, {@link #complete}, {@link #fail});
 * any core reads. The bytes below {@link #visibleBytes} never change (the body is appended, never rewritten): a
 * reader that read the visible count (volatile) may read every byte below it. The memory's life is the readers'
 * {@link CorePins}: the writer, and later the chunks this upload becomes, reuse it only once no reader holds it.
 * Each core's waiting readers are a list only that core touches; the writer reads one flag per core per arrival.
 * <pre>
 *   writer:  copy bytes -> visible = n (volatile) -> for each core: interest[c] == 1 && CAS 1 -> 0 ? post wake(c)
 *   reader:  nothing new -> add to own list -> interest[me] = 1 (volatile) -> visible or state changed? take it back
 * </pre>
 * Either the writer sees the interest and posts, or the reader sees the new count (Dekker): no wake-up is lost.
 */
public final class GrowingObject {
    /** The upload is still arriving. */
    public static final int GROWING = 0;
    /** Committed, durable: every byte is visible; readers finish what they started. */
    public static final int COMPLETE = 1;
    /** The upload failed or its capture gave up: readers' responses end abnormally. */
    public static final int FAILED = 2;

    /** A response reading this object, told on its own core that there is more to read (or an ending). */
    public interface Reader {
        void onGrown();
    }

    private static final int SLOT_LONGS = 8;
    private static final VarHandle INTEREST = MethodHandles.arrayElementVarHandle(long[].class);

    private final ObjectKey key;
    private final long declaredLength;
    private final String contentType;
    private final int fileFd;
    private final Executor[] inboxes;
    private final Runnable[] wakes;
    private final CorePins pins;
    /** Per core, padded: 1 when that core has readers waiting and has not been told since. */
    private final long[] interest;
    /** Per core, touched by that core only: its readers waiting. */
    private final CoreReaders[] readers;
    /** The memory of each {@link HotTier#CHUNK_BYTES} span of the body, and where it is in the tier's file. */
    private volatile MemorySegment[] spans = new MemorySegment[4];
    private volatile long[] spanFileOffsets = new long[4];
    private volatile long visible;
    private volatile int state = GROWING;

    /** One core's waiting readers, and the list swapped in while they are woken (they may wait again at once). */
    private static final class CoreReaders {
        ArrayList<Reader> waiting = new ArrayList<>();
        ArrayList<Reader> waking = new ArrayList<>();
    }

    GrowingObject(ObjectKey key, long declaredLength, String contentType, int fileFd, Executor[] inboxes) {
        this.key = key;
        this.declaredLength = declaredLength;
        this.contentType = contentType;
        this.fileFd = fileFd;
        this.inboxes = inboxes;
        int cores = inboxes.length;
        this.pins = new CorePins(cores);
        this.interest = new long[(cores + 1) * SLOT_LONGS];
        this.readers = new CoreReaders[cores];
        this.wakes = new Runnable[cores];
        for (int c = 0; c < cores; c++) {
            readers[c] = new CoreReaders();
            int core = c;
            wakes[c] = () -> wakeReaders(core);
        }
    }

    public ObjectKey key() {
        return key;
    }

    /** The body's length as declared (Content-Length), or -1 for a chunked upload: known only at its end. */
    public long declaredLength() {
        return declaredLength;
    }

    public String contentType() {
        return contentType;
    }

    /** The tier's memory file, which holds the spans' bytes (for sendfile); -1: send by copy. */
    public int fileFd() {
        return fileFd;
    }

    /** Body bytes received so far, all readable; read it before {@link #span} (it publishes the spans). */
    public long visibleBytes() {
        return visible;
    }

    /** {@link #GROWING}, {@link #COMPLETE} or {@link #FAILED}; read before {@link #visibleBytes} to trust an end. */
    public int state() {
        return state;
    }

    /** The memory of span {@code index}: body bytes from {@code index * CHUNK_BYTES}, as many as are visible. */
    public MemorySegment span(int index) {
        return spans[index];
    }

    public long spanFileOffset(int index) {
        return spanFileOffsets[index];
    }

    // ---------------------------------------------------------------- readers (any core)

    /** Pins the memory for a response on {@code core}: false when it is being reclaimed (serve it another way). */
    public boolean pin(int core) {
        return pins.pin(core);
    }

    public void unpin(int core) {
        pins.unpin(core);
    }

    /**
     * Waits on {@code core} for bytes beyond {@code seenVisible} or an ending: {@code reader} is told once, on its
     * core. False when there already is something new: then it was not registered, and the caller goes on at once.
     */
    public boolean await(int core, Reader reader, long seenVisible) {
        ArrayList<Reader> list = readers[core].waiting;
        list.add(reader);
        INTEREST.setVolatile(interest, (core + 1) * SLOT_LONGS, 1L);
        if (visible != seenVisible || state != GROWING) {
            list.remove(list.size() - 1);
            return false;
        }
        return true;
    }

    /** {@code reader} (waiting on {@code core}) no longer waits: its connection closed or timed out. */
    public void cancel(int core, Reader reader) {
        ArrayList<Reader> list = readers[core].waiting;
        list.remove(reader);
        if (list.isEmpty()) {
            // Nobody on this core waits: the writer need not post here. Only this core sets its flag to 1, so
            // clearing it cannot hide a reader; a wake posted meanwhile finds an empty list.
            INTEREST.setVolatile(interest, (core + 1) * SLOT_LONGS, 0L);
        }
    }

    /** On {@code core}, through its inbox: tells every reader waiting there; those who still wait register again. */
    private void wakeReaders(int core) {
        CoreReaders mine = readers[core];
        ArrayList<Reader> told = mine.waiting;
        if (told.isEmpty()) {
            return;
        }
        mine.waiting = mine.waking;
        mine.waking = told;
        for (int i = 0; i < told.size(); i++) {
            told.get(i).onGrown();
        }
        told.clear();
    }

    // ---------------------------------------------------------------- the writer (the uploading core)

    void addSpan(int index, MemorySegment bytes, long fileOffset) {
        if (index >= spans.length) {
            // Published whole before any byte of the new span is made visible.
            spanFileOffsets = Arrays.copyOf(spanFileOffsets, Math.max(index + 1, spans.length * 2));
            spans = Arrays.copyOf(spans, Math.max(index + 1, spans.length * 2));
        }
        spans[index] = bytes;
        spanFileOffsets[index] = fileOffset;
    }

    /** The body has {@code total} bytes now, all copied into the spans: readers may send them. */
    void advance(long total) {
        visible = total;
        signal();
    }

    /** The upload is durable and committed; every byte is visible. */
    void complete() {
        state = COMPLETE;
        signal();
    }

    /** The upload failed (or the tier could not hold it): readers end abnormally; no new reader pins it. */
    void fail() {
        state = FAILED;
        pins.retire();
        signal();
    }

    /** The memory is going away (its chunks were evicted): no new reader may pin it. */
    void retire() {
        pins.retire();
    }

    boolean unpinnedEverywhere() {
        return pins.unpinnedEverywhere();
    }

    private void signal() {
        for (int c = 0; c < inboxes.length; c++) {
            int slot = (c + 1) * SLOT_LONGS;
            if ((long) INTEREST.getVolatile(interest, slot) == 1L
                    && INTEREST.compareAndSet(interest, slot, 1L, 0L)) {
                inboxes[c].execute(wakes[c]);
            }
        }
    }

    @Override
    public String toString() {
        return key + "(growing, " + visible + " bytes)";
    }
}
