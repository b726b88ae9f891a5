package atlas.server;

import atlas.fill.SliceLayout;
import atlas.store.ObjectKey;
import atlas.store.ObjectRecord;

import java.util.ArrayDeque;
import java.util.List;

/**
 * A client's DELETE of an object an edge keeps in slices — an operator's purge: the object's whole copy (if any)
 * and every one of its slices, of whatever layout, are deleted one journaled delete after the other through the
 * connection's upload, and the DELETE is answered 204 once the last is durable. From then on no core serves any of
 * them: the next read is a miss and fetches the object anew.
 * <p>
 * Slices are listed in batches (a film of 100 GB in 8 MiB slices has 12 800), each batch when the one before is
 * done. Thread: the connection's core; the listing is the volume's (control path: a purge is rare).
 */
final class SlicePurge {
    private static final int BATCH = 1024;

    private final HttpConnection connection;
    private final ArrayDeque<ObjectKey> queue = new ArrayDeque<>();
    /** The object's name and the separator: what every one of its slices' names starts with. */
    private String prefix;
    private boolean active;

    SlicePurge(HttpConnection connection) {
        this.connection = connection;
    }

    /**
     * The DELETE of {@code name} (its whole copy {@code whole}, or null): true when the object has slices here —
     * then this deletes them and {@code whole}, and answers; false to delete {@code whole} alone as any object.
     */
    boolean begin(String name, ObjectRecord whole) {
        String slices = name + (char) SliceLayout.SEPARATOR;
        List<ObjectRecord> batch = connection.core().volume.list(slices, BATCH);
        if (batch.isEmpty()) {
            return false;
        }
        queue.clear();
        if (whole != null) {
            queue.add(whole.key());
        }
        for (ObjectRecord r : batch) {
            queue.add(r.key());
        }
        prefix = slices;
        active = true;
        next();
        return true;
    }

    /**
     * A delete is durable: true when it was one of a purge. The next one starts on the core's next turn, not inside
     * the group commit's answer (which is still going through the group's other entries).
     */
    boolean onDeleted() {
        if (!active) {
            return false;
        }
        connection.core().inbox().execute(() -> {
            if (active) { // not abandoned meanwhile (the connection closed)
                next();
            }
        });
        return true;
    }

    /** The purge ends without its answer (a failed delete, the connection gone). */
    void abandon() {
        active = false;
        queue.clear();
    }

    private void next() {
        while (true) {
            if (queue.isEmpty()) {
                for (ObjectRecord r : connection.core().volume.list(prefix, BATCH)) {
                    queue.add(r.key());
                }
                if (queue.isEmpty()) {
                    active = false;
                    connection.onPurged();
                    return;
                }
            }
            ObjectKey key = queue.poll();
            if (connection.core().volume.lookup(key) != null) { // not evicted since it was listed
                connection.deleteForPurge(key);
                return;
            }
        }
    }
}
