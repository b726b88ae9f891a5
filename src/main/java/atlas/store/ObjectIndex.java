package atlas.store;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Name -> current record, read lock-free from every core.
 * <p>
 * Writers from different cores may publish in a different order than their sequence numbers (each journal
 * commits on its own thread), so an entry only wins over one with a smaller sequence: the in-memory state then
 * matches what replay (which applies entries in sequence order) rebuilds. A losing record is retired at once,
 * which returns its extent.
 * <p>
 * A delete publishes a {@link Tombstone} carrying its sequence, so that an older put of the same name, staged
 * concurrently on another core but published after the delete, loses instead of resurrecting the name. Tombstones
 * own no extent and are invisible to every reader ({@link #get}, {@link #list}, {@link #size}, {@link #records}).
 * Each is queued when published and removed by {@link #pruneTombstones} once no older entry can still be
 * published (the volume computes that watermark from the journals, see {@link Volume#pruneTombstones()}).
 */
final class ObjectIndex {
    /** What the map holds for a name: the live record, or the tombstone of the newest delete. */
    sealed interface Entry permits ObjectRecord, Tombstone {
        long sequence();
    }

    /** A published delete. Sequences are unique, so value equality is identity for {@code map.remove(k, t)}. */
    record Tombstone(ObjectKey key, long sequence) implements Entry {
    }

    private final ConcurrentHashMap<ObjectKey, Entry> map = new ConcurrentHashMap<>();
    /** Published tombstones in publish order (from any core); some may already have been replaced. */
    private final ConcurrentLinkedQueue<Tombstone> tombstoneQueue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean pruning = new AtomicBoolean();
    private final AtomicInteger objects = new AtomicInteger();
    private final AtomicInteger tombstones = new AtomicInteger();
    private final AtomicLong liveBytes = new AtomicLong();

    /** Never allocates: a probe key hashes and compares by its bytes. */
    ObjectRecord get(ObjectKey key) {
        return map.get(key) instanceof ObjectRecord r ? r : null;
    }

    /** Makes {@code record} current unless a newer record or delete is; retires whichever record lost. */
    void publish(ObjectRecord record) {
        install(record.key(), record);
    }

    /**
     * Replaces {@code key}'s current entry with a tombstone unless that entry is newer than the delete at
     * {@code sequence}; retires the record it replaces.
     */
    void delete(ObjectKey key, long sequence) {
        Tombstone t = new Tombstone(key, sequence);
        if (install(key, t) != t) {
            tombstoneQueue.add(t);
        }
    }

    /** Installs {@code entry} unless the current one is newer; returns the loser: entry, the replaced one, or null. */
    private Entry install(ObjectKey key, Entry entry) {
        // A compare-and-set loop rather than compute(): no capturing lambda per publish on the commit path, and a
        // replace of an existing name allocates nothing at all.
        Entry lost;
        while (true) {
            Entry current = map.get(key);
            if (current == null) {
                if (map.putIfAbsent(key, entry) == null) {
                    lost = null;
                    break;
                }
            } else if (current.sequence() > entry.sequence()) {
                lost = entry;
                break;
            } else if (map.replace(key, current, entry)) {
                lost = current;
                break;
            }
        }
        if (lost != entry) {
            added(entry);
            if (lost != null) {
                removed(lost);
            }
        }
        if (lost instanceof ObjectRecord r) {
            r.retire(); // a tombstone owns no extent: nothing to reclaim when it loses
        }
        return lost;
    }

    private void added(Entry e) {
        switch (e) {
            case ObjectRecord r -> {
                objects.incrementAndGet();
                liveBytes.addAndGet(r.length());
            }
            case Tombstone t -> tombstones.incrementAndGet();
        }
    }

    private void removed(Entry e) {
        switch (e) {
            case ObjectRecord r -> {
                objects.decrementAndGet();
                liveBytes.addAndGet(-r.length());
            }
            case Tombstone t -> tombstones.decrementAndGet();
        }
    }

    boolean hasQueuedTombstones() {
        return !tombstoneQueue.isEmpty();
    }

    /**
     * Removes the queued tombstones, oldest published first, whose sequence is below {@code watermark} (no entry
     * older than that can still be published), stopping at the first that is not. One pruner at a time: a
     * concurrent caller skips, and the next commit prunes what it left. A tombstone already replaced by a newer
     * entry is just dequeued.
     */
    void pruneTombstones(long watermark) {
        if (!pruning.compareAndSet(false, true)) {
            return;
        }
        try {
            Tombstone t;
            while ((t = tombstoneQueue.peek()) != null && t.sequence() < watermark) {
                tombstoneQueue.poll();
                if (map.remove(t.key(), t)) {
                    removed(t);
                }
            }
        } finally {
            pruning.set(false);
        }
    }

    /** Tombstones currently in the map (tests). */
    int tombstoneCount() {
        return tombstones.get();
    }

    /** Recovery only: installs a record without retiring anything (nothing is being read yet). */
    void load(ObjectRecord record) {
        Entry old = map.put(record.key(), record);
        if (old != null) {
            removed(old);
        }
        added(record);
    }

    /** Recovery only: drops a record without returning its extent (free space is derived afterwards). */
    void unload(ObjectKey key) {
        Entry old = map.remove(key);
        if (old != null) {
            removed(old);
        }
    }

    /** Live objects (tombstones excluded). */
    int size() {
        return objects.get();
    }

    long liveBytes() {
        return liveBytes.get();
    }

    /** A snapshot of the live records (tombstones excluded). */
    List<ObjectRecord> records() {
        List<ObjectRecord> out = new ArrayList<>(map.size());
        for (Entry e : map.values()) {
            if (e instanceof ObjectRecord r) {
                out.add(r);
            }
        }
        return out;
    }

    /** Control path: sorts on demand by the names' UTF-8 bytes (unsigned), which is code point order. */
    List<ObjectRecord> list(byte[] prefix, int limit) {
        List<ObjectRecord> out = new ArrayList<>();
        for (Entry e : map.values()) {
            if (e instanceof ObjectRecord r && r.key().startsWith(prefix)) {
                out.add(r);
            }
        }
        out.sort(BY_NAME);
        return out.size() > limit ? new ArrayList<>(out.subList(0, limit)) : out;
    }

    static final Comparator<ObjectRecord> BY_NAME = (a, b) -> compareKeys(a.key(), b.key());

    static int compareKeys(ObjectKey a, ObjectKey b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            int c = Integer.compare(a.byteAt(i) & 0xFF, b.byteAt(i) & 0xFF);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.length(), b.length());
    }
}
