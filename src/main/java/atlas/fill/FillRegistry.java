package atlas.fill;

import atlas.store.ObjectKey;
import atlas.store.ObjectRecord;
import atlas.store.UpstreamCopy;
import atlas.store.Volume;

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

        /** Told synchronously, inside {@link #join}, when this waiter's miss started the fill. */
        default void startedFill() {
        }
    }

    /**
     * A fill's progress; all but FETCHING and STREAMING are final. REFRESHED: a revalidation's 304, the stored
     * copy is fresh again.
     */
    public enum State { FETCHING, STREAMING, STORED, REFRESHED, NOT_FOUND, FAILED }

    /** One object's fill. */
    public static final class Fill {
        final ObjectKey key;
        final String name;
        private final ConcurrentLinkedQueue<Entry> waiters = new ConcurrentLinkedQueue<>();
        private volatile State state = State.FETCHING;
        private volatile int status;
        private volatile String detail;
        /** The terms its body is being stored under: marked on the version as ingest stages it. */
        private volatile UpstreamCopy.Terms storingTerms;
        /**
         * Where its body is being stored: its own name, or not — a miss of a large object stores its first slice,
         * and a slice's fill whose upstream ignored the Range stores the whole object.
         */
        private volatile ObjectKey storeKey;

        Fill(ObjectKey key, String name) {
            this.key = key;
            this.name = name;
        }

        /**
         * True once the upstream's answer turned out not to be storable (no-store, private): it is for the request
         * that started the fill only; a request that joined it must ask the upstream itself once it is over.
         */
        public boolean notKept() {
            return storingTerms == NOT_KEPT;
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

    /** Where stored fills become upstream copies, and what happens to them next (eviction). */
    public interface CopyKeeper {
        /** A fill was stored as {@code record}: mark it as an upstream copy under {@code terms}. */
        void stored(ObjectRecord record, UpstreamCopy.Terms terms);

        /** A revalidation's 304: {@code copy} is fresh again under {@code terms}. */
        void refreshed(UpstreamCopy copy, UpstreamCopy.Terms terms);
    }

    /** Negative entries kept before expired ones are swept: a scan of missing names must not grow it unbounded. */
    private static final int NEGATIVE_SWEEP_AT = 65_536;

    private final ConcurrentHashMap<ObjectKey, Fill> fills = new ConcurrentHashMap<>();
    /** The fills whose bodies are being stored, by where they are stored (what ingest and readers know them by). */
    private final ConcurrentHashMap<ObjectKey, Fill> storing = new ConcurrentHashMap<>();
    /** Names the upstream said it does not have, and until when (wall clock ms) that answer is reused. */
    private final ConcurrentHashMap<ObjectKey, Long> absent = new ConcurrentHashMap<>();
    private final UpstreamFetcher fetcher;
    private final Volume volume;
    private final CopyKeeper keeper;
    final LongAdder started = new LongAdder();
    final LongAdder revalidations = new LongAdder();
    final LongAdder refreshed = new LongAdder();
    final LongAdder negativeHits = new LongAdder();
    final LongAdder coalesced = new LongAdder();
    final LongAdder stored = new LongAdder();
    final LongAdder notFound = new LongAdder();
    final LongAdder failed = new LongAdder();
    final LongAdder slicesStored = new LongAdder();
    final LongAdder sliceMismatches = new LongAdder();

    public FillRegistry(UpstreamFetcher fetcher, Volume volume, CopyKeeper keeper) {
        this.fetcher = fetcher;
        this.volume = volume;
        this.keeper = keeper;
    }

    /**
     * True while the upstream's last word on {@code key} (a probe is fine) is "no such object" and that answer is
     * still fresh: a miss is then a 404 at once, without asking again.
     */
    public boolean knownAbsent(ObjectKey key) {
        Long until = absent.get(key);
        if (until == null) {
            return false;
        }
        if (System.currentTimeMillis() < until) {
            negativeHits.increment();
            return true;
        }
        absent.remove(key, until);
        return false;
    }

    /**
     * A miss of {@code key} ({@code name} its text) on the core of {@code inbox}: {@code waiter} is told there of
     * every change of the object's fill, which this starts if none is in flight. Returns the fill.
     */
    public Fill join(ObjectKey key, String name, Executor inbox, Waiter waiter) {
        return start(name, null, inbox, waiter);
    }

    /**
     * A use of {@code copy} that is stale: revalidates it with the upstream (one revalidation or fill in flight per
     * object, as for misses). {@code waiter} (null: nobody waits, as under stale-while-revalidate) is told as for a
     * fill: REFRESHED after a 304, STREAMING/STORED when the upstream sent a new version.
     */
    public Fill revalidate(UpstreamCopy copy, Executor inbox, Waiter waiter) {
        return start(copy.record().name(), copy, inbox, waiter);
    }

    /** Stale-while-revalidate: revalidates {@code copy} unless its object already has a fill in flight. */
    public void revalidateInBackground(UpstreamCopy copy) {
        if (!fills.containsKey(copy.record().key())) {
            start(copy.record().name(), copy, null, null);
        }
    }

    private Fill start(String name, UpstreamCopy stale, Executor inbox, Waiter waiter) {
        Fill fresh = new Fill(ObjectKey.of(name), name); // an owned key: the caller's may be a probe
        Fill fill = fills.putIfAbsent(fresh.key, fresh);
        if (fill == null) {
            fill = fresh;
            (stale == null ? started : revalidations).increment();
            if (waiter != null) {
                waiter.startedFill();
                fill.waiters.add(new Entry(inbox, waiter));
            }
            Fill starting = fill;
            fetcher.fetch(name, stale == null ? null : stale.terms(), new UpstreamFetcher.Outcome() {
                @Override
                public void storing(UpstreamCopy.Terms terms, String storedName) {
                    starting.storingTerms = terms == null ? NOT_KEPT : terms;
                    starting.storeKey = storedName.equals(starting.name) ? starting.key : ObjectKey.of(storedName);
                    storing.put(starting.storeKey, starting);
                }

                @Override
                public void stored(String storedEtag, UpstreamCopy.Terms terms) {
                    absent.remove(objectKey(starting));
                    ObjectRecord record = volume.lookup(starting.storeKey);
                    if (terms != null && terms.completeLength() != UpstreamCopy.Terms.WHOLE) {
                        slicesStored.increment();
                    }
                    boolean current = record != null && record.etag().equals(storedEtag); // not overwritten since
                    if (current && terms != null) {
                        keeper.stored(record, terms);
                    }
                    finish(starting, State.STORED, 200, null);
                    if (current && terms == null) {
                        // no-store: marked never fresh at its commit, so no later request is served it; deleted
                        // once its waiters were told (a reader that pinned it first still reads it whole).
                        fetcher.delete(record.name(), storedEtag);
                    }
                }

                @Override
                public void notModified(UpstreamCopy.Terms terms) {
                    keeper.refreshed(stale, terms);
                    refreshed.increment();
                    finish(starting, State.REFRESHED, 200, null);
                }

                @Override
                public void notFound(long negativeMillis) {
                    if (stale != null) {
                        fetcher.delete(name, stale.record().etag()); // gone upstream: our copy goes too
                    }
                    remember(objectKey(starting), negativeMillis);
                    finish(starting, State.NOT_FOUND, 404, "not found upstream");
                }

                @Override
                public void failed(int status, String why) {
                    finish(starting, State.FAILED, status, why);
                }
            });
        } else if (waiter != null) {
            coalesced.increment();
            fill.waiters.add(new Entry(inbox, waiter));
            if (fill.settled()) {
                tell(fill); // it ended between the lookup and the add: nobody else will tell this waiter
            }
        }
        return fill;
    }

    /**
     * The terms of a version that is not to be kept (no-store): never fresh, never served stale, no validators, so
     * no later request is served it in the moment between its commit and its delete.
     */
    private static final UpstreamCopy.Terms NOT_KEPT = new UpstreamCopy.Terms(0, 0, 0, 0, 0, null, null, null);

    /** What a fill's 404 is remembered under: the object, also when the fill was for one of its slices. */
    private static ObjectKey objectKey(Fill fill) {
        return SliceLayout.index(fill.name) < 0 ? fill.key : ObjectKey.of(SliceLayout.objectOf(fill.name));
    }

    /**
     * A miss of a large object on the core of {@code inbox} that will want slice {@code name} next (the one after
     * the slice being sent): starts its fill now, nobody waiting, unless one is in flight — so a long read does
     * not pay an upstream round trip between slices.
     */
    public void prefetch(String name) {
        if (!fills.containsKey(ObjectKey.of(name))) {
            start(name, null, null, null);
        }
    }

    /**
     * The terms of the fill whose body is being stored as {@code key} right now (with a slice's complete length),
     * or null when none is, or when it is not to be kept.
     */
    public UpstreamCopy.Terms storingTerms(ObjectKey key) {
        Fill fill = storing.get(key);
        UpstreamCopy.Terms terms = fill == null ? null : fill.storingTerms;
        return terms == NOT_KEPT ? null : terms;
    }

    /**
     * A sliced response found a slice of another upstream version than the one it began with (the object changed
     * upstream between their fills): counted; the connection is closed, and the caller revalidates both.
     */
    public void sliceMismatch() {
        sliceMismatches.increment();
    }

    /**
     * This node's ingest staged a fill's upload as {@code record} (on the storing core, before its commit publishes
     * it): it is an upstream copy from the moment any core can see it, never served as origin content meanwhile.
     */
    public void staged(ObjectRecord record) {
        Fill fill = storing.get(record.key());
        UpstreamCopy.Terms terms = fill == null ? null : fill.storingTerms;
        if (terms != null) {
            record.markUpstreamCopy(new UpstreamCopy(record, terms));
        }
    }

    private void remember(ObjectKey key, long negativeMillis) {
        if (negativeMillis <= 0) {
            return;
        }
        long now = System.currentTimeMillis();
        if (absent.size() >= NEGATIVE_SWEEP_AT) {
            absent.values().removeIf(until -> until <= now);
        }
        if (absent.size() < NEGATIVE_SWEEP_AT) {
            absent.put(key, now + negativeMillis);
        }
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
        Fill fill = storing.get(key);
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
                fetcher.upstreamRequests.sum(), fetcher.upstreamErrors.sum(), revalidations.sum(), refreshed.sum(),
                negativeHits.sum(), slicesStored.sum(), sliceMismatches.sum()};
    }

    /** Deletes an evicted copy through this node's ingest (journaled like any delete); true when it went. */
    public boolean evict(UpstreamCopy copy) {
        return fetcher.delete(copy.record().name(), copy.record().etag());
    }

    /** Each upstream exchange's time to its response head, in nanoseconds, goes to {@code sink} (metrics). */
    public void measureUpstreamResponseHeads(java.util.function.LongConsumer sink) {
        fetcher.measureResponseHeads(sink);
    }

    /** Seconds spent waiting for upstream response heads, all fills (metrics). */
    public double upstreamSeconds() {
        return fetcher.upstreamNanos.sum() / 1e9;
    }

    /** True while a fill or revalidation of {@code key} is in flight, or one is storing its body as {@code key}. */
    public boolean fetching(ObjectKey key) {
        return fills.containsKey(key) || storing.containsKey(key);
    }

    /** True while the fill storing {@code key} turned out not to be storable (no-store, private). */
    public boolean notKept(ObjectKey key) {
        Fill fill = storing.get(key);
        return fill != null && fill.notKept();
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
        if (fill.storeKey != null) {
            storing.remove(fill.storeKey, fill);
        }
        if (state != State.REFRESHED) {
            (state == State.STORED ? stored : state == State.NOT_FOUND ? notFound : failed).increment();
        }
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
