package atlas.fill;

import atlas.evict.Evictable;
import atlas.evict.S3Fifo;
import atlas.store.UpstreamCopy;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Keeps an edge's volume below its high watermark by evicting upstream copies — never origin content — in the
 * order S3-FIFO chooses (docs/volume-cache-eviction.md). An eviction is a DELETE through this node's own ingest
 * (journaled like any delete, conditional on the copy's ETag, so a newer version stored meanwhile is kept), so a
 * restarted edge keeps exactly what was not evicted.
 * <p>
 * When: above {@link #HIGH_WATERMARK} of the volume's capacity (origin content counts: it takes room too), or when
 * the copies alone exceed the policy's share, copies go until the volume is back at {@link #LOW_WATERMARK}. Checked
 * after every stored fill and at least once a second.
 * <p>
 * Threads: one, {@code atlas-evict}, owns the policy. Fill threads hand stored copies over through a queue
 * ({@link #stored}); cores only touch a copy's frequency on a hit ({@link UpstreamCopy#touch}).
 */
public final class CacheEvictor implements AutoCloseable {
    /** Above this share of the capacity, copies are evicted… */
    static final double HIGH_WATERMARK = 0.90;
    /** …until the volume is back at this share: evictions come in batches, not one per fill. */
    static final double LOW_WATERMARK = 0.85;
    private static final long IDLE_PARK_NS = TimeUnit.SECONDS.toNanos(1);
    /** One pass evicts at most this many: the rest waits for the next pass, so closing is never held long. */
    private static final int MAX_PER_PASS = 10_000;

    /** Deletes a copy (through the node's ingest); true when it went. */
    public interface Deleter {
        boolean delete(Evictable copy);
    }

    private final LongSupplier capacityBytes;
    private final LongSupplier liveBytes;
    private final Deleter deleter;
    private final Runnable onEvicted;
    private final S3Fifo policy;
    private final ConcurrentLinkedQueue<Evictable> handedOver = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean running = true;
    final LongAdder evictions = new LongAdder();
    final LongAdder evictedBytes = new LongAdder();
    final LongAdder failures = new LongAdder();
    private volatile long heldBytes;
    private volatile int held;

    /**
     * {@code capacityBytes}, {@code liveBytes}: the volume's (all objects, origin content too); {@code onEvicted}:
     * told after each eviction (the ledger's count); {@code restored}: the copies a previous run kept, oldest
     * write first.
     */
    CacheEvictor(LongSupplier capacityBytes, LongSupplier liveBytes, Deleter deleter, Runnable onEvicted,
                 List<? extends Evictable> restored) {
        this.capacityBytes = capacityBytes;
        this.liveBytes = liveBytes;
        this.deleter = deleter;
        this.onEvicted = onEvicted;
        this.policy = new S3Fifo(Math.max(1, (long) (capacityBytes.getAsLong() * HIGH_WATERMARK)));
        for (Evictable copy : restored) {
            policy.restored(copy);
        }
        this.thread = Thread.ofPlatform().daemon().name("atlas-evict").unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    /** A fill was stored as {@code copy} (any thread): tracked from the next pass, which this starts now. */
    void stored(Evictable copy) {
        handedOver.add(copy);
        LockSupport.unpark(thread);
    }

    /** Room ran out (a fill's store was refused): evict now rather than at the next second. */
    void kick() {
        LockSupport.unpark(thread);
    }

    private void run() {
        while (running) {
            pass();
            LockSupport.parkNanos(this, IDLE_PARK_NS);
        }
    }

    /** Takes what was handed over, then evicts while the volume (or the copies' share) is over the mark. */
    void pass() {
        Evictable copy;
        while ((copy = handedOver.poll()) != null) {
            policy.stored(copy);
        }
        long capacity = capacityBytes.getAsLong();
        if (liveBytes.getAsLong() > capacity * HIGH_WATERMARK || policy.overCapacity()) {
            for (int n = 0; n < MAX_PER_PASS && running
                    && (liveBytes.getAsLong() > capacity * LOW_WATERMARK || policy.overCapacity()); n++) {
                Evictable victim = policy.nextVictim();
                if (victim == null) {
                    break; // only origin content left: nothing of ours to evict
                }
                boolean deleted = deleter.delete(victim);
                policy.evicted(victim);
                if (!deleted) {
                    // The node is stopping, or its ingest refused: track the copy again, try at the next pass.
                    failures.increment();
                    if (!victim.gone()) {
                        handedOver.add(victim);
                    }
                    break;
                }
                evictions.increment();
                evictedBytes.add(victim.bytes());
                onEvicted.run();
            }
        }
        heldBytes = policy.heldBytes();
        held = policy.count();
    }

    /** Bytes of the copies tracked (metrics). */
    public long heldBytes() {
        return heldBytes;
    }

    /** Copies tracked (metrics). */
    public int copies() {
        return held;
    }

    public long evictions() {
        return evictions.sum();
    }

    public long evictedBytes() {
        return evictedBytes.sum();
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
