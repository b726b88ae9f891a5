package atlas.hot;

import atlas.hot.SimulatedWorkload.Catalogue;
import atlas.hot.SimulatedWorkload.Mix;
import atlas.hot.SimulatedWorkload.Trace;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongFunction;
import java.util.stream.IntStream;

/**
 * Trace-driven simulation that chooses the hot tier's admission and eviction policy (issue 14): each policy replays
 * the same seeded traces at the same byte capacity, and we compare object and byte hit ratios, the head's hit ratio
 * through a scan, and recovery after the hot set moves. The tier caches chunks, so a request for an object is a
 * run of accesses to its 128 KiB chunks (the last one shorter); a request counts as an object hit only if every
 * chunk was a hit, and its byte hits are the bytes of the chunks that were.
 *
 * <p>{@link #main} prints the full grid as Markdown (docs/hot-tier-admission.md); {@code
 * AdmissionPolicySimulationTest} runs a reduced one and checks the properties the shipped policy must have.
 */
public final class PolicySimulation {
    /** The tier's entry size: an object larger than this is cached as this many bytes at a time. */
    static final int CHUNK_BYTES = 128 * 1024;

    /** One byte-capacity cache of chunk entries. */
    interface Policy {
        /**
         * Looks up one chunk and, on a miss, decides itself whether to admit it (evicting what it must).
         *
         * @return true on a hit
         */
        boolean access(long key, int bytes);

        /** Bytes held; never more than the capacity. */
        long residentBytes();

        /** Whether the key is cached now (a ghost key is not): what a restart finds on the volume. */
        boolean holds(long key);

        /**
         * Bytes of every chunk ever admitted. In the tier an admission is a chunk kept in (or copied to) memory instead
         * of its read buffer going straight back to the pool, so this is the tier's memory churn.
         */
        long admittedBytes();
    }

    /** A column of the grid's tables. */
    interface Labelled {
        String label();
    }

    /** Replays one trace through a new policy of one kind, sized to one capacity. */
    interface Replay<K> {
        Measurement run(K kind, long capacityBytes, Catalogue catalogue, Trace trace);
    }

    enum PolicyKind implements Labelled {
        LRU("LRU", SimulatedPolicies.Lru::new),
        CLOCK("CLOCK", SimulatedPolicies.Clock::new),
        S3_FIFO("S3-FIFO", SimulatedPolicies.S3Fifo::new),
        W_TINY_LFU("W-TinyLFU", SimulatedPolicies.WTinyLfu::new),
        TINY_LFU_CLOCK("TinyLFU-CLOCK", SimulatedPolicies.TinyLfuClock::new),
        /** The shipped policy with its sketch halved twice as often, and half as often: how much aging matters. */
        TINY_LFU_CLOCK_AGING_5("TinyLFU-CLOCK, aging 5x", c -> new SimulatedPolicies.TinyLfuClock(c, 5)),
        TINY_LFU_CLOCK_AGING_20("TinyLFU-CLOCK, aging 20x", c -> new SimulatedPolicies.TinyLfuClock(c, 20));

        /** The policies of issue 14; the aging variants are a sensitivity study of the last one. */
        static final List<PolicyKind> COMPARED = List.of(LRU, CLOCK, S3_FIFO, W_TINY_LFU, TINY_LFU_CLOCK);
        static final List<PolicyKind> AGING = List.of(S3_FIFO, TINY_LFU_CLOCK_AGING_5, TINY_LFU_CLOCK,
            TINY_LFU_CLOCK_AGING_20);

        final String label;
        private final LongFunction<Policy> factory;

        PolicyKind(String label, LongFunction<Policy> factory) {
            this.label = label;
            this.factory = factory;
        }

        Policy create(long capacityBytes) {
            return factory.apply(capacityBytes);
        }

        @Override
        public String label() {
            return label;
        }
    }

    /** Request and byte counts of one or more runs: per quarter of the trace, and for the head in its window. */
    static final class Measurement {
        final long[] requests = new long[4];
        final long[] hitRequests = new long[4];
        final long[] bytes = new long[4];
        final long[] hitBytes = new long[4];
        long headBytes;
        long headHitBytes;
        /** A window a simulation picks for itself: the volume's, the requests right after a restart. */
        long windowBytes;
        long windowHitBytes;
        long admittedBytes;

        /** Request i of n: an object of size bytes, servedBytes of them from the cache. */
        void record(int i, int n, int size, long servedBytes, boolean headObject) {
            int quarter = n / 4;
            int q = Math.min(3, i / quarter);
            requests[q]++;
            bytes[q] += size;
            hitBytes[q] += servedBytes;
            if (servedBytes == size) {
                hitRequests[q]++;
            }
            if (headObject && i >= n / 2 && i < n / 2 + quarter) {
                headBytes += size;
                headHitBytes += servedBytes;
            }
        }

        void add(Measurement other) {
            for (int q = 0; q < 4; q++) {
                requests[q] += other.requests[q];
                hitRequests[q] += other.hitRequests[q];
                bytes[q] += other.bytes[q];
                hitBytes[q] += other.hitBytes[q];
            }
            headBytes += other.headBytes;
            headHitBytes += other.headHitBytes;
            windowBytes += other.windowBytes;
            windowHitBytes += other.windowHitBytes;
            admittedBytes += other.admittedBytes;
        }

        double objectHitRatio() {
            return (double) sum(hitRequests) / sum(requests);
        }

        double byteHitRatio() {
            return (double) sum(hitBytes) / sum(bytes);
        }

        double byteHitRatio(int quarter) {
            return (double) hitBytes[quarter] / bytes[quarter];
        }

        /** Bytes admitted into the tier per byte requested. */
        double admittedPerRequestedByte() {
            return (double) admittedBytes / sum(bytes);
        }

        /** Byte hit ratio of the requests for the 100 most popular objects in the quarter after the scan starts. */
        double headByteHitRatio() {
            return (double) headHitBytes / headBytes;
        }

        double windowByteHitRatio() {
            return (double) windowHitBytes / windowBytes;
        }

        private static long sum(long[] values) {
            long s = 0;
            for (long v : values) {
                s += v;
            }
            return s;
        }
    }

    /** One point of the grid. */
    record Cell(Mix mix, double alpha, double capacityShare) {
    }

    private PolicySimulation() {
    }

    static Measurement run(Policy policy, Catalogue catalogue, Trace trace) {
        Measurement m = new Measurement();
        int n = trace.length();
        for (int i = 0; i < n; i++) {
            int object = trace.objects()[i];
            int size = catalogue.objectBytes()[object];
            long hitBytes = 0;
            for (int chunk = 0, offset = 0; offset < size; chunk++, offset += CHUNK_BYTES) {
                int chunkBytes = Math.min(CHUNK_BYTES, size - offset);
                if (policy.access(((long) object << 32) | chunk, chunkBytes)) {
                    hitBytes += chunkBytes;
                }
            }
            m.record(i, n, size, hitBytes, trace.head()[i]);
        }
        m.admittedBytes = policy.admittedBytes();
        return m;
    }

    /** The hot tier's grid: chunked replays, every policy checked against its capacity. */
    static Map<Cell, Map<PolicyKind, Measurement>> runGrid(
        List<Mix> mixes, double[] alphas, double[] capacityShares, List<PolicyKind> policies, int seeds) {
        return runGrid(mixes, alphas, capacityShares, policies, seeds, (kind, capacityBytes, catalogue, trace) -> {
            Policy policy = kind.create(capacityBytes);
            Measurement m = run(policy, catalogue, trace);
            if (policy.residentBytes() > capacityBytes) {
                throw new AssertionError(kind.label + " holds more than its capacity");
            }
            return m;
        });
    }

    /**
     * Runs every policy on every cell, pooling the counts of {@code seeds} seeds (each its own catalogue and traces).
     * One task per (mix, alpha, seed) generates its trace once and replays it for every capacity and policy.
     */
    static <K> Map<Cell, Map<K, Measurement>> runGrid(List<Mix> mixes, double[] alphas, double[] capacityShares,
        List<K> policies, int seeds, Replay<K> replay) {
        Map<Cell, Map<K, Measurement>> results = new LinkedHashMap<>();
        for (Mix mix : mixes) {
            for (double alpha : alphas) {
                for (double share : capacityShares) {
                    Map<K, Measurement> byPolicy = new LinkedHashMap<>();
                    for (K kind : policies) {
                        byPolicy.put(kind, new Measurement());
                    }
                    results.put(new Cell(mix, alpha, share), byPolicy);
                }
            }
        }
        List<Runnable> tasks = new ArrayList<>();
        for (Mix mix : mixes) {
            for (double alpha : alphas) {
                for (int seed = 1; seed <= seeds; seed++) {
                    long s = seed;
                    tasks.add(() -> {
                        Catalogue catalogue = Catalogue.generate(s);
                        Trace trace = SimulatedWorkload.generate(
                            mix, alpha, s * 1_000_003L + Math.round(alpha * 1000), SimulatedWorkload.REQUESTS);
                        for (double share : capacityShares) {
                            long capacityBytes = (long) (catalogue.totalBytes() * share);
                            Map<K, Measurement> byPolicy = results.get(new Cell(mix, alpha, share));
                            for (K kind : policies) {
                                Measurement m = replay.run(kind, capacityBytes, catalogue, trace);
                                synchronized (byPolicy) {
                                    byPolicy.get(kind).add(m);
                                }
                            }
                        }
                    });
                }
            }
        }
        IntStream.range(0, tasks.size()).parallel().forEach(i -> tasks.get(i).run());
        return results;
    }

    /** Markdown tables: hit ratios of every cell, the head through the scan, the first and last quarter of SHIFT. */
    static String format(Map<Cell, Map<PolicyKind, Measurement>> results, List<PolicyKind> policies) {
        StringBuilder out = new StringBuilder();
        out.append(formatHitRatios("Byte hit ratio (object hit ratio), whole trace", results, policies));
        out.append(formatHead(results, policies));
        out.append("\nBytes admitted into the tier per byte requested (memory churn)\n\n| mix | alpha | cache |");
        header(out, policies);
        results.forEach((cell, byPolicy) -> {
            row(out, cell);
            for (PolicyKind kind : policies) {
                out.append(String.format(Locale.ROOT, " %.3f |", byPolicy.get(kind).admittedPerRequestedByte()));
            }
            out.append('\n');
        });
        out.append(formatShift(results, policies));
        return out.toString();
    }

    /** The head's byte hit ratio in the scan's window, each SCAN cell next to the ZIPF cell of the same seeds. */
    static <K extends Labelled> String formatHead(Map<Cell, Map<K, Measurement>> results, List<K> policies) {
        StringBuilder out = new StringBuilder();
        out.append("\nHead (top-100 objects) byte hit ratio in the quarter after the scan starts: "
            + "without scan -> with scan\n\n| mix | alpha | cache |");
        header(out, policies);
        results.forEach((cell, byPolicy) -> {
            if (cell.mix() != Mix.SCAN) {
                return;
            }
            Map<K, Measurement> withoutScan = results.get(new Cell(Mix.ZIPF, cell.alpha(), cell.capacityShare()));
            if (withoutScan == null) {
                return;
            }
            row(out, cell);
            for (K kind : policies) {
                out.append(String.format(Locale.ROOT, " %.3f -> %.3f |",
                    withoutScan.get(kind).headByteHitRatio(), byPolicy.get(kind).headByteHitRatio()));
            }
            out.append('\n');
        });
        return out.toString();
    }

    /** Adaptation: the byte hit ratio of SHIFT's first quarter next to its last. */
    static <K extends Labelled> String formatShift(Map<Cell, Map<K, Measurement>> results, List<K> policies) {
        StringBuilder out = new StringBuilder();
        out.append("\nShifting hot set, byte hit ratio: first quarter -> last quarter\n\n| mix | alpha | cache |");
        header(out, policies);
        results.forEach((cell, byPolicy) -> {
            if (cell.mix() != Mix.SHIFT) {
                return;
            }
            row(out, cell);
            for (K kind : policies) {
                Measurement m = byPolicy.get(kind);
                out.append(String.format(Locale.ROOT, " %.3f -> %.3f |", m.byteHitRatio(0), m.byteHitRatio(3)));
            }
            out.append('\n');
        });
        return out.toString();
    }

    static <K extends Labelled> String formatHitRatios(String title, Map<Cell, Map<K, Measurement>> results,
        List<K> policies) {
        StringBuilder out = new StringBuilder(title).append("\n\n| mix | alpha | cache |");
        header(out, policies);
        results.forEach((cell, byPolicy) -> {
            row(out, cell);
            for (K kind : policies) {
                Measurement m = byPolicy.get(kind);
                out.append(String.format(Locale.ROOT, " %.3f (%.3f) |", m.byteHitRatio(), m.objectHitRatio()));
            }
            out.append('\n');
        });
        return out.toString();
    }

    static void header(StringBuilder out, List<? extends Labelled> policies) {
        for (Labelled kind : policies) {
            out.append(' ').append(kind.label()).append(" |");
        }
        out.append("\n|---|---|---|");
        out.append("---|".repeat(policies.size()));
        out.append('\n');
    }

    static void row(StringBuilder out, Cell cell) {
        out.append(String.format(Locale.ROOT, "| %s | %.1f | %d %% |",
            cell.mix().label, cell.alpha(), Math.round(cell.capacityShare() * 100)));
    }

    /**
     * The full grid: 3 mixes x alpha 0.8, 1.0 x cache 5 %, 10 % of the catalogue x 5 policies (and 2 aging variants
     * of the shipped one), 10 seeds each unless the first argument says otherwise.
     */
    public static void main(String[] args) {
        int seeds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        long startNs = System.nanoTime();
        Map<Cell, Map<PolicyKind, Measurement>> results = runGrid(
            List.of(Mix.values()), new double[] {0.8, 1.0}, new double[] {0.05, 0.10}, List.of(PolicyKind.values()),
            seeds);
        System.out.printf(Locale.ROOT, "%d seeds x %d requests per cell, %d objects, %d KiB chunks (%.1f s)%n%n",
            seeds, SimulatedWorkload.REQUESTS, SimulatedWorkload.OBJECTS, CHUNK_BYTES / 1024,
            (System.nanoTime() - startNs) / 1e9);
        System.out.print(format(results, PolicyKind.COMPARED));
        System.out.println();
        System.out.print(formatHitRatios("Aging period of the shipped policy's sketch (halved every N x expected "
            + "entries accesses): byte hit ratio (object hit ratio)", results, PolicyKind.AGING));
    }
}
