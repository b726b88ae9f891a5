package atlas.store;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Name -> current record, read lock-free from every core.
 * <p>
 * Writers from different cores may publish in a different order than their sequence numbers (each journal
 * commits on its own thread), so a publish only wins over a record with a smaller sequence: the in-memory
 * state then matches what replay (which applies entries in sequence order) rebuilds. A loser is retired at
 * once, which returns its extent. Known gap: a delete that publishes before an older put of the same name
 * (staged concurrently on two cores) leaves that put visible until restart; replay then drops it.
 */
final class ObjectIndex {
    private final ConcurrentHashMap<ObjectKey, ObjectRecord> map = new ConcurrentHashMap<>();
    private final AtomicLong liveBytes = new AtomicLong();

    /** Never allocates: a probe key hashes and compares by its bytes. */
    ObjectRecord get(ObjectKey key) {
        return map.get(key);
    }

    /** Makes {@code record} current unless a newer one is; retires whichever record lost. */
    void publish(ObjectRecord record) {
        ObjectRecord[] loser = new ObjectRecord[1];
        map.compute(record.key(), (k, current) -> {
            if (current != null && current.sequence() > record.sequence()) {
                loser[0] = record;
                return current;
            }
            loser[0] = current;
            return record;
        });
        ObjectRecord old = loser[0];
        if (old != record) {
            liveBytes.addAndGet(record.length() - (old == null ? 0 : old.length()));
        }
        if (old != null) {
            old.retire();
        }
    }

    /** Removes {@code key} if its current record is older than the delete at {@code sequence}; retires it. */
    void delete(ObjectKey key, long sequence) {
        ObjectRecord[] removed = new ObjectRecord[1];
        map.computeIfPresent(key, (k, current) -> {
            if (current.sequence() < sequence) {
                removed[0] = current;
                return null;
            }
            return current;
        });
        if (removed[0] != null) {
            liveBytes.addAndGet(-removed[0].length());
            removed[0].retire();
        }
    }

    /** Recovery only: installs a record without retiring anything (nothing is being read yet). */
    void load(ObjectRecord record) {
        ObjectRecord old = map.put(record.key(), record);
        liveBytes.addAndGet(record.length() - (old == null ? 0 : old.length()));
    }

    /** Recovery only: drops a record without returning its extent (free space is derived afterwards). */
    void unload(ObjectKey key) {
        ObjectRecord old = map.remove(key);
        if (old != null) {
            liveBytes.addAndGet(-old.length());
        }
    }

    int size() {
        return map.size();
    }

    long liveBytes() {
        return liveBytes.get();
    }

    Collection<ObjectRecord> records() {
        return map.values();
    }

    /** Control path: sorts on demand by the names' UTF-8 bytes (unsigned), which is code point order. */
    List<ObjectRecord> list(byte[] prefix, int limit) {
        List<ObjectRecord> out = new ArrayList<>();
        for (ObjectRecord r : map.values()) {
            if (r.key().startsWith(prefix)) {
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
