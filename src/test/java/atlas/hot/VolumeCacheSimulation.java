package atlas.hot;

import atlas.evict.Evictable;
import atlas.evict.FakeEvictable;
import atlas.evict.S3Fifo;
import atlas.hot.PolicySimulation.Cell;
import atlas.hot.PolicySimulation.Labelled;
import atlas.hot.PolicySimulation.Measurement;
import atlas.hot.PolicySimulation.Policy;
import atlas.hot.SimulatedWorkload.Catalogue;
import atlas.hot.SimulatedWorkload.Mix;
import atlas.hot.SimulatedWorkload.Trace;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongFunction;
import java.util.function.ToDoubleFunction;

/**
 * Trace-driven simulation that chooses how an edge's volume evicts the objects it filled from the origin (issue 18,
 * item 3). The workload is the hot tier's ({@link SimulatedWorkload}: same catalogue, Zipf sampler, mixes and seeds),
 * the model is the volume's:
 * <ul>
 *   <li>whole objects, not chunks: a fill stores the object, a request is a hit or a miss for all of its bytes;</li>
 *   <li>every miss is fetched from the origin and stored, since the client needs the bytes anyway, so every policy
 *       admits everything and differs only in what it keeps. {@link #run} checks that each miss was written once
 *       and nothing else was: flash writes per requested byte are the byte miss ratio;</li>
 *   <li>an eviction is a journaled delete and no byte ever moves on flash, so moving an entry between queues is
 *       free for every policy;</li>
 *   <li>a restart keeps the stored objects and their write order, nothing else: the policy is built anew from
 *       them ({@link Rebuild}).</li>
 * </ul>
 * S3-FIFO is replayed twice: as the listing the hot tier's simulation carries ({@link SimulatedPolicies.S3Fifo}) and
 * through the class the server ships ({@link S3Fifo}), so the shipped code is the measured code.
 *
 * <p>{@link #main} prints the grid of docs/volume-cache-eviction.md; {@code VolumeEvictionSimulationTest} runs a
 * reduced one and checks the properties the shipped policy must have.
 */
public final class VolumeCacheSimulation {
    /**
     * Where the restart falls: the half before it warms the cache up; the quarter after it is measured, and within
     * it the first {@link #RESTART_WINDOW} requests, where the loss is (the same window is measured without one).
     */
    static final int RESTART_AT = SimulatedWorkload.REQUESTS / 2;
    static final int RESTART_WINDOW = 10_000;
    static final int NO_RESTART = -1;

    /** How a policy is built again at a restart from the objects on the volume, oldest write first. */
    interface Rebuild {
        /** As if each object were a fill again: what a policy does that has no other way in. */
        Rebuild AS_FILLS = (old, fresh, key, bytes) -> fresh.access(key, bytes);
        /** The shipped policy's {@link S3Fifo#restored}: into main, frequency zero as in a new entry. */
        Rebuild INTO_MAIN = (old, fresh, key, bytes) -> ((ShippedS3Fifo) fresh).restored(key, bytes, 0);
        /** The same, each object with the frequency it had: what 2 bits per object in a checkpoint would keep. */
        Rebuild INTO_MAIN_WITH_FREQUENCY = (old, fresh, key, bytes) ->
            ((ShippedS3Fifo) fresh).restored(key, bytes, ((ShippedS3Fifo) old).frequency(key));

        void add(Policy old, Policy fresh, long key, int bytes);
    }

    enum VolumeKind implements Labelled {
        FIFO("FIFO (write order)", c -> new SimulatedPolicies.Lru(c, false), Rebuild.AS_FILLS),
        LRU("LRU", SimulatedPolicies.Lru::new, Rebuild.AS_FILLS),
        CLOCK("CLOCK", SimulatedPolicies.Clock::new, Rebuild.AS_FILLS),
        SLRU("SLRU 20/80", SimulatedPolicies.Slru::new, Rebuild.AS_FILLS),
        S3_FIFO_LISTING("S3-FIFO, listing", SimulatedPolicies.S3Fifo::new, Rebuild.AS_FILLS),
        S3_FIFO("S3-FIFO, shipped", ShippedS3Fifo::new, Rebuild.INTO_MAIN),
        /** The shipped class rebuilt through {@link S3Fifo#stored}: every object back into the small queue. */
        S3_FIFO_REFILLED("S3-FIFO, shipped, rebuilt as fills", ShippedS3Fifo::new, Rebuild.AS_FILLS),
        S3_FIFO_KEPT("S3-FIFO, shipped, frequencies kept", ShippedS3Fifo::new, Rebuild.INTO_MAIN_WITH_FREQUENCY);

        static final List<VolumeKind> COMPARED = List.of(FIFO, LRU, CLOCK, SLRU, S3_FIFO_LISTING, S3_FIFO);
        static final List<VolumeKind> RESTARTED =
            List.of(FIFO, LRU, CLOCK, SLRU, S3_FIFO_REFILLED, S3_FIFO, S3_FIFO_KEPT);

        final String label;
        private final LongFunction<Policy> factory;
        final Rebuild rebuild;

        VolumeKind(String label, LongFunction<Policy> factory, Rebuild rebuild) {
            this.label = label;
            this.factory = factory;
            this.rebuild = rebuild;
        }

        Policy create(long capacityBytes) {
            return factory.apply(capacityBytes);
        }

        /** The kind whose run is this one's until the restart. */
        VolumeKind withoutRestart() {
            return this == S3_FIFO_REFILLED || this == S3_FIFO_KEPT ? S3_FIFO : this;
        }

        @Override
        public String label() {
            return label;
        }
    }

    /**
     * The shipped {@link S3Fifo} behind the simulator's interface, driven as the server drives it: a hit bumps the
     * object's own counter and nothing else; a miss stores a new entry, then victims go until the cache is back
     * within its capacity, each deleted at once.
     */
    static final class ShippedS3Fifo implements Policy {
        private final S3Fifo policy;
        private final Map<Long, FakeEvictable> cached = new HashMap<>();
        private long storedBytes;

        ShippedS3Fifo(long capacityBytes) {
            policy = new S3Fifo(capacityBytes);
        }

        @Override
        public boolean access(long key, int bytes) {
            FakeEvictable e = cached.get(key);
            if (e != null) {
                e.hit();
                return true;
            }
            e = new FakeEvictable(key, bytes);
            cached.put(key, e);
            policy.stored(e);
            storedBytes += bytes;
            evictOverCapacity();
            return false;
        }

        void restored(long key, int bytes, int frequency) {
            FakeEvictable e = new FakeEvictable(key, bytes);
            e.frequency(frequency);
            cached.put(key, e);
            policy.restored(e);
            evictOverCapacity();
        }

        int frequency(long key) {
            return cached.get(key).frequency();
        }

        @Override
        public long residentBytes() {
            return policy.heldBytes();
        }

        @Override
        public long admittedBytes() {
            return storedBytes;
        }

        @Override
        public boolean holds(long key) {
            return cached.containsKey(key);
        }

        private void evictOverCapacity() {
            while (policy.overCapacity()) {
                Evictable victim = policy.nextVictim();
                if (victim == null) {
                    throw new AssertionError("over capacity with nothing to evict");
                }
                cached.remove(victim.hash());
                policy.evicted(victim);
            }
        }
    }

    private VolumeCacheSimulation() {
    }

    /**
     * Replays a trace of whole objects; at request {@code restartAt} (or never, {@link #NO_RESTART}) the policy is
     * replaced by a new one rebuilt from what it held, in write order. Its {@code admittedBytes} are the flash
     * writes, and must equal the bytes missed.
     */
    static Measurement run(VolumeKind kind, long capacityBytes, Catalogue catalogue, Trace trace, int restartAt) {
        Measurement m = new Measurement();
        Policy policy = kind.create(capacityBytes);
        long[] writtenAt = new long[SimulatedWorkload.OBJECTS];
        long writes = 0;
        long missedBytes = 0;
        long writtenBefore = 0;
        int n = trace.length();
        for (int i = 0; i < n; i++) {
            if (i == restartAt) {
                writtenBefore += policy.admittedBytes();
                Policy fresh = rebuilt(kind, capacityBytes, catalogue, policy, writtenAt);
                writtenBefore -= fresh.admittedBytes();
                policy = fresh;
            }
            int object = trace.objects()[i];
            int size = catalogue.objectBytes()[object];
            boolean hit = policy.access(object, size);
            if (!hit) {
                writtenAt[object] = ++writes;
                missedBytes += size;
            }
            if (policy.residentBytes() > capacityBytes) {
                throw new AssertionError(kind.label + " holds more than its capacity");
            }
            m.record(i, n, size, hit ? size : 0, trace.head()[i]);
            if (i >= RESTART_AT && i < RESTART_AT + RESTART_WINDOW) {
                m.windowBytes += size;
                m.windowHitBytes += hit ? size : 0;
            }
        }
        m.admittedBytes = writtenBefore + policy.admittedBytes();
        if (m.admittedBytes != missedBytes) {
            throw new AssertionError(kind.label + " wrote " + m.admittedBytes + " bytes for " + missedBytes + " missed");
        }
        return m;
    }

    /** What a restart finds: the objects held, in the order they were written (the journal's sequence). */
    private static Policy rebuilt(VolumeKind kind, long capacityBytes, Catalogue catalogue, Policy old,
        long[] writtenAt) {
        int objects = SimulatedWorkload.OBJECTS;
        long[] order = new long[objects];
        int held = 0;
        for (int object = 0; object < objects; object++) {
            if (old.holds(object)) {
                order[held++] = writtenAt[object] * objects + object;
            }
        }
        Arrays.sort(order, 0, held);
        Policy fresh = kind.create(capacityBytes);
        for (int i = 0; i < held; i++) {
            int object = (int) (order[i] % objects);
            kind.rebuild.add(old, fresh, object, catalogue.objectBytes()[object]);
        }
        if (fresh.residentBytes() != old.residentBytes()) {
            throw new AssertionError(kind.label + " lost objects in its rebuild");
        }
        return fresh;
    }

    static Map<Cell, Map<VolumeKind, Measurement>> runGrid(List<Mix> mixes, double[] alphas, double[] capacityShares,
        List<VolumeKind> policies, int seeds, int restartAt) {
        return PolicySimulation.runGrid(mixes, alphas, capacityShares, policies, seeds,
            (kind, capacityBytes, catalogue, trace) -> run(kind, capacityBytes, catalogue, trace, restartAt));
    }

    /** The grid's tables: hit ratios, the head through the scan, adaptation to a shifting hot set. */
    static String format(Map<Cell, Map<VolumeKind, Measurement>> results, List<VolumeKind> policies) {
        return PolicySimulation.formatHitRatios("Byte hit ratio (object hit ratio), whole trace", results, policies)
            + PolicySimulation.formatHead(results, policies)
            + PolicySimulation.formatShift(results, policies);
    }

    /**
     * The byte hit ratio right after the restart and in the quarter after it (the third), without the restart (from
     * {@code plain}) and with it.
     */
    static String formatRestart(Map<Cell, Map<VolumeKind, Measurement>> plain,
        Map<Cell, Map<VolumeKind, Measurement>> restarted, List<VolumeKind> policies) {
        return formatRestart("the " + RESTART_WINDOW + " requests", plain, restarted, policies,
            Measurement::windowByteHitRatio)
            + formatRestart("the quarter", plain, restarted, policies, m -> m.byteHitRatio(2));
    }

    private static String formatRestart(String after, Map<Cell, Map<VolumeKind, Measurement>> plain,
        Map<Cell, Map<VolumeKind, Measurement>> restarted, List<VolumeKind> policies,
        ToDoubleFunction<Measurement> ratio) {
        StringBuilder out = new StringBuilder("\nByte hit ratio in " + after + " after a restart at N/2: "
            + "without restart -> with restart\n\n| mix | alpha | cache |");
        PolicySimulation.header(out, policies);
        restarted.forEach((cell, byPolicy) -> {
            PolicySimulation.row(out, cell);
            for (VolumeKind kind : policies) {
                out.append(String.format(Locale.ROOT, " %.3f -> %.3f |",
                    ratio.applyAsDouble(plain.get(cell).get(kind.withoutRestart())),
                    ratio.applyAsDouble(byPolicy.get(kind))));
            }
            out.append('\n');
        });
        return out.toString();
    }

    /**
     * The full grid: 3 mixes x alpha 0.8, 1.0 x volume 10 %, 25 %, 50 % of the catalogue x 6 policies, and the
     * zipf mix again with a restart; 10 seeds each unless the first argument says otherwise.
     */
    public static void main(String[] args) {
        int seeds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        double[] alphas = {0.8, 1.0};
        double[] shares = {0.10, 0.25, 0.50};
        long startNs = System.nanoTime();
        Map<Cell, Map<VolumeKind, Measurement>> plain =
            runGrid(List.of(Mix.values()), alphas, shares, VolumeKind.COMPARED, seeds, NO_RESTART);
        Map<Cell, Map<VolumeKind, Measurement>> restarted =
            runGrid(List.of(Mix.ZIPF), alphas, shares, VolumeKind.RESTARTED, seeds, RESTART_AT);
        System.out.printf(Locale.ROOT, "%d seeds x %d requests per cell, %d objects, whole objects (%.1f s)%n%n",
            seeds, SimulatedWorkload.REQUESTS, SimulatedWorkload.OBJECTS, (System.nanoTime() - startNs) / 1e9);
        System.out.print(format(plain, VolumeKind.COMPARED));
        System.out.print(formatRestart(plain, restarted, VolumeKind.RESTARTED));
    }
}
