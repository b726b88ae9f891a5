package atlas.evict;

/**
 * Which cached objects an edge's volume evicts when it is full: S3-FIFO (Yang et al., "FIFO queues are all you
 * need for cache eviction", SOSP'23, Algorithm 1), in bytes. The choice and its measurement are in
 * docs/volume-cache-eviction.md.
 *
 * <pre>
 *   stored ──► small S (10 %) ──tail: hit twice or more──► main M (90 %) ◄─┐ tail: hit since last pass,
 *               │                                           │     └─────────┘ frequency - 1, another pass
 *               └─tail: otherwise─► victim, hash ─► ghost G │
 *   stored, hash in G ────────────────────────────────────► M   └─tail: frequency 0─► victim
 * </pre>
 * Each step of the diagram is a slot write in an array ring ({@link EvictableQueue}); no object's bytes move on
 * flash, since a victim is deleted by a journal entry and a pass through M is metadata. A hit costs the data path
 * one write of the object's own 2-bit counter ({@link Evictable#bumped}) and nothing here.
 * <p>
 * Victims: while S holds at least its share, S's oldest leaves, to M if it was hit more than once while in S
 * (the listing's {@code freq > 1}), otherwise as the victim, its hash into G. Otherwise M's oldest leaves: as the
 * victim if it was not hit since its last pass, else back into M with one hit fewer, so an object unhit for three
 * passes goes. A promotion that puts M over its share makes the victim come from M, as the listing's
 * {@code EVICTM} inside {@code EVICTS} does. An object stored whose hash G holds skips S.
 * <p>
 * Single-threaded: the evictor thread owns it. Objects {@link Evictable#gone() gone} (overwritten or deleted by
 * someone else) are dropped when they reach a queue's tail, not before: until then their bytes still count in
 * {@link #heldBytes()}, so an evictor that must be exact about space compares the volume's own usage with its
 * watermark and asks this class only which object goes next.
 */
public final class S3Fifo {
    /** The small queue's share of the capacity, as in the paper: most one-hit objects leave after a tenth. */
    static final int SMALL_PERCENT = 10;
    /** Hits in S that earn a place in M: more than one (Algorithm 1's {@code t.freq > 1}). */
    static final int PROMOTE_ABOVE = 1;
    /** Ghost ways per tracked object: the filter's bound in entries (see {@link GhostFilter}). */
    private static final int GHOST_WAYS_PER_OBJECT = 2;

    private final long capacityBytes;
    private final long smallBytes;
    private final long mainBytes;
    private final EvictableQueue small = new EvictableQueue();
    private final EvictableQueue main = new EvictableQueue();
    private final GhostFilter ghost;
    private long evictingBytes;
    private int evicting;

    /** @param capacityBytes the bytes the cache may hold: the volume's capacity times its watermark */
    public S3Fifo(long capacityBytes) {
        if (capacityBytes <= 0) {
            throw new IllegalArgumentException("capacity must be positive: " + capacityBytes);
        }
        this.capacityBytes = capacityBytes;
        this.smallBytes = capacityBytes * SMALL_PERCENT / 100;
        this.mainBytes = capacityBytes - smallBytes;
        this.ghost = new GhostFilter(mainBytes);
    }

    /** A fill was stored (a new object or a new version): into S, or into M if G remembers its name. */
    public void stored(Evictable e) {
        if (ghost.take(e.hash())) {
            main.add(e);
        } else {
            small.add(e);
        }
        ghost.ensureWays((long) GHOST_WAYS_PER_OBJECT * count());
    }

    /**
     * At open, for each cached object the journal holds, oldest write first: into M, with the frequency the entry
     * has. A restart loses every queue position and, unless something kept them, every counter; the journal keeps
     * the write order. M in write order with no hits is FIFO until hits come back, and an object hit once after the
     * restart survives its next pass; rebuilding through {@link #stored} would ask for two hits in S instead, and
     * loses more (docs/volume-cache-eviction.md, restart). An entry whose frequency was saved (2 bits) and set
     * before this call loses almost nothing.
     */
    public void restored(Evictable e) {
        main.add(e);
        ghost.ensureWays((long) GHOST_WAYS_PER_OBJECT * count());
    }

    /**
     * Chooses the next object to evict and stops tracking it in the queues; its bytes count in {@link #heldBytes()}
     * until {@link #evicted}, and in {@link #evictingBytes()} meanwhile. A victim from S is remembered in G now, not
     * at {@link #evicted}: the outcome is the same and no lookup of where it came from is needed later.
     *
     * @return the victim, or null when nothing is left to evict
     */
    public Evictable nextVictim() {
        // Each pass through M lowers a frequency that only hits raise, so this ends after at most four laps of M,
        // unless cores keep hitting what the hand passes: the bound then takes M's oldest regardless.
        long steps = 4L * (small.size() + main.size()) + 1;
        boolean mainOver = false;
        for (long step = 0; ; step++) {
            boolean fromSmall = !mainOver && !small.isEmpty() && (small.bytes() >= smallBytes || main.isEmpty());
            Evictable e = fromSmall ? small.poll() : main.poll();
            if (e == null) {
                return null;
            }
            if (e.gone()) {
                continue;
            }
            int frequency = e.frequency();
            if (fromSmall) {
                if (frequency > PROMOTE_ABOVE) {
                    main.add(e);
                    mainOver = main.bytes() > mainBytes;
                    continue;
                }
                ghost.add(e.hash(), e.bytes());
            } else if (frequency > 0 && step < steps) {
                e.frequency(frequency - 1);
                main.add(e);
                continue;
            }
            evictingBytes += e.bytes();
            evicting++;
            return e;
        }
    }

    /** The victim is deleted: its bytes leave {@link #heldBytes()}. */
    public void evicted(Evictable e) {
        evictingBytes -= e.bytes();
        evicting--;
    }

    /** True while the objects held, less the victims being deleted, exceed the capacity: evict another. */
    public boolean overCapacity() {
        return small.bytes() + main.bytes() > capacityBytes;
    }

    /** Bytes of the cached objects tracked: queued (gone ones included until reached) or being evicted. */
    public long heldBytes() {
        return small.bytes() + main.bytes() + evictingBytes;
    }

    /** Bytes of victims handed out and not yet {@link #evicted}. */
    public long evictingBytes() {
        return evictingBytes;
    }

    /** Objects tracked, as {@link #heldBytes()} counts them. */
    public int count() {
        return small.size() + main.size() + evicting;
    }

    long smallQueueBytes() {
        return small.bytes();
    }

    long mainQueueBytes() {
        return main.bytes();
    }
}
