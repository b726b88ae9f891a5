package atlas.store;

import atlas.evict.Evictable;

/**
 * What an edge knows of one stored version that is a copy of an upstream object (RFC 9111): until when it is
 * fresh, how long past that it may still be served, the upstream's validators to revalidate it with, and the
 * {@code Cache-Control} to pass on to clients. Hung on its {@link ObjectRecord}, so an overwrite or a delete drops
 * it with the version it describes; a record without one is origin content (PUT here directly) and is never
 * evicted or revalidated.
 * <p>
 * Threads: built by a fill's thread; read by every core on each hit (so the hit path is a field read, no lookup);
 * {@link #refresh} (a 304 from the upstream) is the only change of the terms and replaces them in one volatile
 * write. {@link #touch} is the eviction policy's per-hit frequency: a racy saturating counter that stops being
 * written once it reaches its maximum, so a hot object's cores soon only read its cache line.
 */
public final class UpstreamCopy implements Evictable {
    /**
     * The freshness terms of one upstream response (or of the 304 that refreshed it), immutable. Times are wall
     * clock milliseconds: they are compared across restarts.
     *
     * @param responseMillis        when the upstream's response (or 304) arrived
     * @param initialAgeSeconds     its age then (RFC 9111 §4.2.3: the Age field, or the Date field's lag)
     * @param freshUntilMillis      fresh until then; 0 means "always revalidate" (no-cache, max-age=0)
     * @param staleWhileRevalidateMillis served stale this long past freshness while one revalidation runs
     * @param staleIfErrorMillis    served stale this long past freshness when the upstream fails
     * @param etag                  the upstream's ETag, or null
     * @param lastModified          the upstream's Last-Modified (HTTP-date text), or null
     * @param cacheControl          the upstream's Cache-Control to pass on, or null (then ours is sent)
     * @param completeLength        for a slice of a large object (a 206 to the edge's ranged fill), the whole
     *                              object's length (Content-Range's complete-length); {@link #WHOLE} for a copy
     *                              that is the whole object
     */
    public record Terms(long responseMillis, long initialAgeSeconds, long freshUntilMillis,
                        long staleWhileRevalidateMillis, long staleIfErrorMillis, String etag, String lastModified,
                        String cacheControl, long completeLength) {
        /** {@link #completeLength} of a copy that is its whole object. */
        public static final long WHOLE = -1;

        /** The terms of a copy that is the whole object. */
        public Terms(long responseMillis, long initialAgeSeconds, long freshUntilMillis,
                     long staleWhileRevalidateMillis, long staleIfErrorMillis, String etag, String lastModified,
                     String cacheControl) {
            this(responseMillis, initialAgeSeconds, freshUntilMillis, staleWhileRevalidateMillis, staleIfErrorMillis,
                    etag, lastModified, cacheControl, WHOLE);
        }

        /** The same terms for a slice of an object of {@code length} bytes ({@link #WHOLE}: the whole object). */
        public Terms sliceOf(long length) {
            return new Terms(responseMillis, initialAgeSeconds, freshUntilMillis, staleWhileRevalidateMillis,
                    staleIfErrorMillis, etag, lastModified, cacheControl, length);
        }

        /**
         * True when a slice under these terms and one under {@code other} are of the same upstream version, so one
         * response may be stitched from both: the same complete length and the same validators (RFC 9110 §8.8.3.2:
         * a strong ETag names one representation; without one, Last-Modified is the best the upstream said).
         */
        public boolean sameVersion(Terms other) {
            return completeLength == other.completeLength && java.util.Objects.equals(etag, other.etag)
                    && java.util.Objects.equals(lastModified, other.lastModified);
        }
        /**
         * RFC 9111 §4.2.3 current_age, in whole seconds, at {@code nowMillis} — rounded up: a cache below this one
         * (an edge filling from a shield) then never takes the copy for fresher than it is, so a fleet's tiers do not
         * add their staleness up. Rounded down, a playlist 0.9 s old would go out as {@code Age: 0} and an edge with
         * a 1 s TTL would serve it for another second: 1.9 s behind the origin.
         */
        public long ageSeconds(long nowMillis) {
            return initialAgeSeconds + Math.ceilDiv(Math.max(0, nowMillis - responseMillis), 1000);
        }

        /** Seconds of freshness left at {@code nowMillis}: negative once stale (RFC 9211's ttl). */
        public long ttlSeconds(long nowMillis) {
            return Math.floorDiv(freshUntilMillis - nowMillis, 1000);
        }

        public boolean fresh(long nowMillis) {
            return nowMillis < freshUntilMillis;
        }

        /** May be served while a revalidation runs. */
        public boolean staleWhileRevalidating(long nowMillis) {
            return nowMillis < freshUntilMillis + staleWhileRevalidateMillis;
        }

        /** May be served because the upstream failed. */
        public boolean staleOnError(long nowMillis) {
            return nowMillis < freshUntilMillis + staleIfErrorMillis;
        }
    }

    private final ObjectRecord record;
    private volatile Terms terms;
    private int frequency; // racy on purpose, see the class comment

    public UpstreamCopy(ObjectRecord record, Terms terms) {
        this.record = record;
        this.terms = terms;
    }

    public ObjectRecord record() {
        return record;
    }

    public Terms terms() {
        return terms;
    }

    /** A 304 from the upstream renewed this version's terms (RFC 9111 §4.3.4). */
    public void refresh(Terms renewed) {
        terms = renewed;
    }

    /** A hit (any core): raises the frequency unless it is already at its maximum (then only a read). */
    public void touch() {
        int f = frequency;
        if (f < MAX_FREQUENCY) {
            frequency = f + 1;
        }
    }

    @Override
    public int frequency() {
        return frequency;
    }

    /** The eviction policy's decay (its thread only). */
    @Override
    public void frequency(int f) {
        frequency = f;
    }

    /** Bytes on flash. */
    @Override
    public long bytes() {
        return record.length();
    }

    /** The name's hash, for the policy's ghost of evicted names (64 bits: FNV-1a over the name's bytes). */
    @Override
    public long hash() {
        ObjectKey key = record.key();
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < key.length(); i++) {
            h = (h ^ (key.byteAt(i) & 0xff)) * 0x100000001b3L;
        }
        return h;
    }

    /** True once an overwrite or a delete replaced the version: nothing to evict or revalidate any more. */
    @Override
    public boolean gone() {
        return record.isRetired();
    }
}
