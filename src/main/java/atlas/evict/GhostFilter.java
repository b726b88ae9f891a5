package atlas.evict;

/**
 * S3-FIFO's ghost queue G (Yang et al., SOSP'23, §4.2) as a filter of name hashes: an object evicted from the small
 * queue is remembered here, and if it is stored again while still remembered it skips the small queue. As in the
 * simulated listing, G holds the most recent evictions whose bytes add up to at most a budget (main's share of the
 * cache): an entry is fresh while the bytes evicted into G since it, its own included, are within the budget. A
 * byte clock makes that a subtraction, so nothing ever has to be dequeued.
 *
 * <pre>
 *   bucket b = ways [8b, 8b + 8) of hashes[] and starts[]        bucket of a hash: mix(hash) &amp; (buckets - 1)
 *   starts[w] = the clock before entry w was added (the clock starts at 1; 0 marks an empty way)
 *   fresh(w)  = clock - starts[w] &lt;= budget                     clock += bytes of each entry added
 * </pre>
 * A full bucket drops its oldest entry, so the filter is also bounded in entries: the policy keeps at least two ways
 * per object it tracks ({@link #ensureWays}), and a tail of tiny objects cannot grow it past that. A false positive
 * needs two names with one 64-bit hash.
 */
final class GhostFilter {
    static final int WAYS = 8;
    private static final int MIN_BUCKETS = 16;

    private final long budgetBytes;
    private long[] hashes;
    private long[] starts;
    private int bucketMask;
    private long clock = 1;

    GhostFilter(long budgetBytes) {
        this.budgetBytes = budgetBytes;
        allocate(MIN_BUCKETS);
    }

    /** Remembers an object just evicted from the small queue. */
    void add(long hash, long bytes) {
        put(hash, clock);
        clock += Math.max(1, bytes);
    }

    /**
     * @return whether the hash was fresh in the filter; it is not there afterwards, since an object readmitted to
     *     main must not be readmitted again by the same memory
     */
    boolean take(long hash) {
        int base = base(hash);
        for (int w = base; w < base + WAYS; w++) {
            if (starts[w] != 0 && hashes[w] == hash) {
                boolean fresh = clock - starts[w] <= budgetBytes;
                starts[w] = 0;
                return fresh;
            }
        }
        return false;
    }

    /** Grows (doubling, rehashing the fresh entries) until there are at least {@code ways} ways. */
    void ensureWays(long ways) {
        if ((long) hashes.length >= ways) {
            return;
        }
        long[] oldHashes = hashes;
        long[] oldStarts = starts;
        int buckets = hashes.length / WAYS;
        while ((long) buckets * WAYS < ways) {
            buckets *= 2;
        }
        allocate(buckets);
        for (int w = 0; w < oldHashes.length; w++) {
            if (oldStarts[w] != 0 && clock - oldStarts[w] <= budgetBytes) {
                put(oldHashes[w], oldStarts[w]);
            }
        }
    }

    int ways() {
        return hashes.length;
    }

    /** Into the way that already holds the hash, else the bucket's oldest (an empty way is the oldest of all). */
    private void put(long hash, long start) {
        int base = base(hash);
        int way = base;
        for (int w = base; w < base + WAYS; w++) {
            if (starts[w] != 0 && hashes[w] == hash) {
                way = w;
                break;
            }
            if (starts[w] < starts[way]) {
                way = w;
            }
        }
        hashes[way] = hash;
        starts[way] = start;
    }

    private void allocate(int buckets) {
        hashes = new long[buckets * WAYS];
        starts = new long[buckets * WAYS];
        bucketMask = buckets - 1;
    }

    private int base(long hash) {
        return ((int) mix(hash) & bucketMask) * WAYS;
    }

    /** splitmix64's finalizer: the names' hashes need not be good in their low bits. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
