package atlas.hot;

import atlas.store.ObjectKey;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;

/**
 * The live uploads that may be read while they arrive, by name: where a GET finds the upload of its object still
 * arriving. An upload enters when it begins (under a live rule, and not a playlist or manifest: those are read
 * whole once committed) and leaves when it commits or fails; a later upload of the same name takes the name over,
 * and the earlier one keeps its readers until it ends.
 * <p>
 * Threads: entries are put and removed by uploading cores (once per live upload: a few per second per stream, the
 * control path), looked up by any core on a GET — lock-free, and a lookup in an empty map is one read. Each core
 * registers its inbox as it starts; the array is shared with every growing object, so a core registered later is
 * seen too (it registers before any of its readers can wait, and a writer reads a core's inbox only after seeing
 * that core's volatile interest flag).
 */
public final class GrowingObjects {
    private final ConcurrentHashMap<ObjectKey, GrowingObject> byName = new ConcurrentHashMap<>();
    private final Executor[] inboxes;
    private final LongAdder started = new LongAdder();
    private final LongAdder failed = new LongAdder();

    public GrowingObjects(int cores) {
        this.inboxes = new Executor[cores];
    }

    /** Core {@code core}'s inbox: where it hears that an object its readers wait on grew. */
    public void register(int core, Executor inbox) {
        inboxes[core] = inbox;
    }

    /** The upload of {@code key} still arriving, or null. */
    public GrowingObject find(ObjectKey key) {
        if (byName.isEmpty()) {
            return null;
        }
        GrowingObject g = byName.get(key);
        return g == null || g.state() != GrowingObject.GROWING ? null : g;
    }

    /** Uploads that were readable while arriving, since start, and those of them that ended without committing. */
    public long started() {
        return started.sum();
    }

    public long failed() {
        return failed.sum();
    }

    /** Uploads arriving now. */
    public int arriving() {
        return byName.size();
    }

    GrowingObject begin(ObjectKey key, long declaredLength, String contentType, int fileFd) {
        GrowingObject g = new GrowingObject(key, declaredLength, contentType, fileFd, inboxes);
        byName.put(key, g);
        started.increment();
        return g;
    }

    /** {@code g} committed: a GET finds the committed version from here (it is in the index already). */
    void completed(GrowingObject g) {
        g.complete();
        byName.remove(g.key(), g);
    }

    /** Complete, but its memory is going back: its readers finish, no new reader pins it. */
    void completedUnkept(GrowingObject g) {
        g.complete();
        g.retire();
        byName.remove(g.key(), g);
    }

    void failed(GrowingObject g) {
        g.fail();
        byName.remove(g.key(), g);
        failed.increment();
    }
}
