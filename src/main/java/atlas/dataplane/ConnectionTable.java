package atlas.dataplane;

import java.util.ArrayList;
import java.util.Arrays;

/**
 * One core's open connections, the same for both engines: ids with generations for completions to find their
 * connection, a dense list for the deadline sweep and for draining, and the one place a handler's failure is
 * reported — a fault in one connection closes that connection, is counted, and never stops the core.
 * <p>
 * Thread: the core's loop thread only.
 */
final class ConnectionTable<C extends EngineConnection> {
    /** Failures printed with their stack, so they get fixed rather than ignored; the rest are only counted. */
    private static final int FAILURES_PRINTED = 10;

    private final int coreIndex;
    private final ArrayList<C> open = new ArrayList<>();
    private EngineConnection[] byId = new EngineConnection[1024];
    private int[] generations = new int[1024];
    private int[] freeIds = new int[1024];
    private int freeIdCount;
    private int nextId;
    private long handlerFailures;

    ConnectionTable(int coreIndex) {
        this.coreIndex = coreIndex;
    }

    int size() {
        return open.size();
    }

    boolean isEmpty() {
        return open.isEmpty();
    }

    long handlerFailures() {
        return handlerFailures;
    }

    /** Gives {@code c} an id (a free one first, with its next generation) and a place in the sweep list. */
    void add(C c) {
        int id;
        if (freeIdCount > 0) {
            id = freeIds[--freeIdCount];
        } else {
            id = nextId++;
            if (id == byId.length) {
                byId = Arrays.copyOf(byId, id * 2);
                generations = Arrays.copyOf(generations, id * 2);
            }
        }
        byId[id] = c;
        c.id = id;
        c.generation = generations[id];
        c.tableIndex = open.size();
        open.add(c);
    }

    /** The connection with {@code id} if it is still generation {@code generation}, else null (closed since). */
    @SuppressWarnings("unchecked")
    C find(int id, int generation) {
        if (id < 0 || id >= nextId) {
            return null;
        }
        EngineConnection c = byId[id];
        return c != null && c.generation == generation ? (C) c : null;
    }

    /** Takes {@code c} out; its id is reused later under the next generation. */
    void remove(C c) {
        int i = c.tableIndex;
        if (i < 0) {
            return;
        }
        byId[c.id] = null;
        generations[c.id] = (generations[c.id] + 1) & UserData.GENERATION_MASK;
        if (freeIdCount == freeIds.length) {
            freeIds = Arrays.copyOf(freeIds, freeIds.length * 2);
        }
        freeIds[freeIdCount++] = c.id;
        C last = open.removeLast();
        if (last != c) {
            open.set(i, last);
            last.tableIndex = i;
        }
        c.tableIndex = -1;
    }

    /**
     * Calls {@link TransportHandler#onTimeout} of every connection whose deadline has passed. Backwards, because a
     * timeout may close its connection, which moves the last one into its place.
     */
    void expireDeadlines(long nowNs) {
        for (int i = open.size() - 1; i >= 0; i--) {
            if (i >= open.size()) {
                continue;
            }
            C c = open.get(i);
            long d = c.deadlineNs;
            if (d != 0 && !c.isClosing() && nowNs - d >= 0) {
                c.deadlineNs = 0;
                try {
                    c.handler.onTimeout();
                } catch (RuntimeException e) {
                    failed(c, e);
                }
            }
        }
    }

    /** Tells every connection the server is draining. */
    void drainAll() {
        for (int i = open.size() - 1; i >= 0; i--) {
            if (i < open.size()) {
                C c = open.get(i);
                try {
                    c.handler.onDrain();
                } catch (RuntimeException e) {
                    failed(c, e);
                }
            }
        }
    }

    /** Closes every connection (each one leaves the table when its close completes). */
    void closeAll() {
        for (int i = open.size() - 1; i >= 0; i--) {
            if (i < open.size()) {
                open.get(i).close();
            }
        }
    }

    /**
     * A bug surfaced while handling one connection: close that connection, count it, keep the core serving. The
     * first few are printed with their stack.
     */
    void failed(C c, RuntimeException e) {
        handlerFailures++;
        if (handlerFailures <= FAILURES_PRINTED) {
            System.err.println("atlas: core " + coreIndex + ": connection " + c.remoteAddress() + " failed: " + e);
            e.printStackTrace();
        }
        try {
            c.close();
        } catch (RuntimeException again) {
            // The handler's own clean-up failed too; the socket is closed regardless.
        }
    }
}
