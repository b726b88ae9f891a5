package atlas.fill;

import atlas.store.ObjectKey;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;

/**
 * An edge's fills in flight: at most one upstream fetch per object however many clients ask at once (the rest are
 * coalesced onto it), and who waits for each. A miss on any core {@link #join joins} the object's fill (starting
 * it when there is none); the fill's thread fetches the object from the upstream and stores it through this
 * node's own ingest ({@link UpstreamFetcher}), and every change of the fill — its body started arriving, it is
 * stored, it failed — is told to each waiter on its own core, through that core's inbox.
 * <p>
 * Threads: {@link #join} and {@link #leave} from any core; the rest from the fill's thread or the core whose
 * ingest stores it. A waiter is only ever called on its core.
 */
public final class FillRegistry {
    /** Told, on its own core, that its fill changed: look at {@link Fill#state()}. */
    public interface Waiter {
        void onFillChanged(Fill fill);
    }

    /** A fill's progress; all but FETCHING and STREAMING are final. */
    public enum State { FETCHING, STREAMING, STORED, NOT_FOUND, FAILED }

    /** One object's fill. */
    public static final class Fill {
        final ObjectKey key;
        final String name;
        private final ConcurrentLinkedQueue<Entry> waiters = new ConcurrentLinkedQueue<>();
        private volatile State state = State.FETCHING;
        private volatile int status;
        private volatile String detail;

        Fill(ObjectKey key, String name) {
            this.key = key;
            this.name = name;
        }

        public State state() {
            return state;
        }

        /** The status to answer a failed fill with (404, 502, 504). */
        public int status() {
            return status;
        }

        public String detail() {
            return detail;
        }

        public boolean settled() {
            return state != State.FETCHING && state != State.STREAMING;
        }
    }

    private record Entry(Executor inbox, Waiter waiter) {
    }

    private final ConcurrentHashMap<ObjectKey, Fill> fills = new ConcurrentHashMap<>();
    private final UpstreamFetcher fetcher;
    final LongAdder started = new LongAdder();
    final LongAdder coalesced = new LongAdder();
    final LongAdder stored = new LongAdder();
    final LongAdder notFound = new LongAdder();
    final LongAdder failed = new LongAdder();

    public FillRegistry(UpstreamFetcher fetcher) {
        this.fetcher = fetcher;
    }

    /**
     * A miss of {@code key} ({@code name} its text) on the core of {@code inbox}: {@code waiter} is told there of
     * every change of the object's fill, which this starts if none is in flight. Returns the fill.
     */
    public Fill join(ObjectKey key, String name, Executor inbox, Waiter waiter) {
        Fill fresh = new Fill(ObjectKey.of(name), name); // an owned key: the caller's may be a probe
        Fill fill = fills.putIfAbsent(fresh.key, fresh);
        if (fill == null) {
            fill = fresh;
            started.increment();
            fill.waiters.add(new Entry(inbox, waiter));
            Fill starting = fill;
            fetcher.fetch(name, new UpstreamFetcher.Outcome() {
                @Override
                public void stored() {
                    finish(starting, State.STORED, 200, null);
                }

                @Override
                public void notFound(int status) {
                    finish(starting, State.NOT_FOUND, status, "not found upstream");
                }

                @Override
                public void failed(int status, String why) {
                    finish(starting, State.FAILED, status, why);
                }
            });
        } else {
            coalesced.increment();
            fill.waiters.add(new Entry(inbox, waiter));
            if (fill.settled()) {
                tell(fill); // it ended between the lookup and the add: nobody else will tell this waiter
            }
        }
        return fill;
    }

    /** {@code waiter} no longer waits (its connection closed or timed out); the fill goes on for the others. */
    public void leave(Fill fill, Waiter waiter) {
        fill.waiters.removeIf(e -> e.waiter == waiter);
    }

    /**
     * This node's ingest began storing a fill of {@code key} (on the storing core): its bytes are readable while
     * they arrive, so the waiters stream them from the first byte.
     */
    public void uploadBegan(ObjectKey key) {
        Fill fill = fills.get(key);
        if (fill != null && fill.state == State.FETCHING) {
            fill.state = State.STREAMING;
            tell(fill);
        }
    }

    /**
     * True when {@code value} of an upload's {@code Atlas-Fill} field is this process's secret: the upload is this
     * node storing what it fetched, allowed whoever may write otherwise (constant time: no timing oracle).
     */
    public boolean isFill(String value) {
        return value != null && java.security.MessageDigest.isEqual(
                value.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                fetcher.secret().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    /** Fills by how they ended, and how many misses joined one already in flight (metrics). */
    public long[] counts() {
        return new long[]{started.sum(), coalesced.sum(), stored.sum(), notFound.sum(), failed.sum(),
                fetcher.upstreamRequests.sum(), fetcher.upstreamErrors.sum()};
    }

    /** Seconds spent waiting for upstream response heads, all fills (metrics). */
    public double upstreamSeconds() {
        return fetcher.upstreamNanos.sum() / 1e9;
    }

    /** Fills in flight now (metrics). */
    public int inFlight() {
        return fills.size();
    }

    private void finish(Fill fill, State state, int status, String detail) {
        fill.status = status;
        fill.detail = detail;
        fill.state = state;
        fills.remove(fill.key, fill);
        (state == State.STORED ? stored : state == State.NOT_FOUND ? notFound : failed).increment();
        tell(fill);
    }

    /**
     * Every waiter is told on its core; each one asks the fill's state when it runs, so a waiter told twice (one
     * that joined while the fill ended) sees the same final state twice and ignores the second.
     */
    private void tell(Fill fill) {
        for (Entry e : fill.waiters) {
            e.inbox.execute(() -> e.waiter.onFillChanged(fill));
        }
    }
}
