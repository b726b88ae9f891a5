package atlas.hot;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * The synthetic workload of issue 14: a catalogue of segments and small objects, requested with Zipf popularity, in
 * three mixes. Everything follows from a seed, so a run is repeatable and two policies see the same requests.
 *
 * <pre>
 *  request:   0 ............ N/4 ............ N/2 ............ 3N/4 ............ N
 *  ZIPF       Zipf draws, one fixed ranking
 *  SCAN       = ZIPF, except every 5th request in [N/2, 3N/4) is the next object of a scan of the catalogue
 *  SHIFT      Zipf draws, a new random ranking (hot set) at each quarter
 *  head window                                [N/2, 3N/4)   (the quarter after the scan starts)
 * </pre>
 * A one-pass scan at one request in five takes 5 x 10 000 requests, so N = 200 000 makes the scan cover exactly the
 * head window, and the half before it warms the cache up (~10 sample periods of the TinyLFU sketches).
 */
final class SimulatedWorkload {
    static final int OBJECTS = 10_000;
    /** The head whose survival through the scan is measured: the 100 most popular objects. */
    static final int HEAD_OBJECTS = 100;
    static final int SCAN_EVERY = 5;
    static final int REQUESTS = 4 * SCAN_EVERY * OBJECTS;

    private static final double SEGMENT_SHARE = 0.7;
    private static final int MIN_SEGMENT_BYTES = 300 * 1024;
    private static final int MAX_SEGMENT_BYTES = 2 * 1024 * 1024;
    private static final int MIN_SMALL_BYTES = 1024;
    private static final int MAX_SMALL_BYTES = 16 * 1024;

    private SimulatedWorkload() {
    }

    enum Mix {
        ZIPF("zipf"),
        SCAN("zipf+scan"),
        SHIFT("shifting");

        final String label;

        Mix(String label) {
            this.label = label;
        }
    }

    /**
     * The catalogue: 70 % video segments of 300 KiB to 2 MiB, 30 % playlists and small objects of 1 to 16 KiB, sizes
     * uniform within each class and independent of popularity (the ranking is a random permutation).
     */
    record Catalogue(int[] objectBytes, long totalBytes) {
        static Catalogue generate(long seed) {
            SplittableRandom random = new SplittableRandom(seed ^ 0x6a09e667f3bcc909L);
            int[] sizes = new int[OBJECTS];
            long total = 0;
            for (int i = 0; i < OBJECTS; i++) {
                sizes[i] = random.nextDouble() < SEGMENT_SHARE
                    ? random.nextInt(MIN_SEGMENT_BYTES, MAX_SEGMENT_BYTES + 1)
                    : random.nextInt(MIN_SMALL_BYTES, MAX_SMALL_BYTES + 1);
                total += sizes[i];
            }
            return new Catalogue(sizes, total);
        }
    }

    /** The requests of one trace: which object, and whether it was then among the {@link #HEAD_OBJECTS} top ranks. */
    record Trace(int[] objects, boolean[] head) {
        int length() {
            return objects.length;
        }
    }

    /**
     * Zipf over ranks 0..n-1, P(rank k) proportional to 1 / (k + 1)^alpha: the cumulative distribution precomputed
     * once, a draw is a binary search for the first rank whose cumulative probability exceeds a uniform variate.
     */
    static final class ZipfSampler {
        private final double[] cdf;

        ZipfSampler(int n, double alpha) {
            cdf = new double[n];
            double sum = 0;
            for (int k = 0; k < n; k++) {
                sum += 1.0 / Math.pow(k + 1, alpha);
                cdf[k] = sum;
            }
            for (int k = 0; k < n; k++) {
                cdf[k] /= sum;
            }
            cdf[n - 1] = 1.0;
        }

        int sample(RandomGenerator random) {
            double u = random.nextDouble();
            int lo = 0;
            int hi = cdf.length - 1;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (cdf[mid] > u) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            return lo;
        }

        double probability(int rank) {
            return rank == 0 ? cdf[0] : cdf[rank] - cdf[rank - 1];
        }
    }

    /**
     * The ZIPF and SCAN traces of one seed share every Zipf draw (the scan overwrites one request in five of its
     * window and nothing else), so the head's hit ratio with and without the scan differs by the scan alone.
     */
    static Trace generate(Mix mix, double alpha, long seed, int requests) {
        SplittableRandom random = new SplittableRandom(seed);
        ZipfSampler zipf = new ZipfSampler(OBJECTS, alpha);
        int[] ranking = permutation(random);
        int[] objects = new int[requests];
        boolean[] head = new boolean[requests];
        int quarter = requests / 4;
        for (int i = 0; i < requests; i++) {
            if (mix == Mix.SHIFT && i > 0 && i % quarter == 0) {
                ranking = permutation(random);
            }
            int rank = zipf.sample(random);
            objects[i] = ranking[rank];
            head[i] = rank < HEAD_OBJECTS;
        }
        if (mix == Mix.SCAN) {
            int[] rankOf = new int[OBJECTS];
            for (int rank = 0; rank < OBJECTS; rank++) {
                rankOf[ranking[rank]] = rank;
            }
            int start = requests / 2;
            if (start + SCAN_EVERY * OBJECTS > requests) {
                throw new IllegalArgumentException("too few requests for a whole scan: " + requests);
            }
            for (int object = 0; object < OBJECTS; object++) {
                int i = start + object * SCAN_EVERY + SCAN_EVERY - 1;
                objects[i] = object;
                head[i] = rankOf[object] < HEAD_OBJECTS;
            }
        }
        return new Trace(objects, head);
    }

    /** rank -> object: a uniformly random permutation (Fisher-Yates). */
    private static int[] permutation(RandomGenerator random) {
        int[] p = new int[OBJECTS];
        for (int i = 0; i < OBJECTS; i++) {
            p[i] = i;
        }
        for (int i = OBJECTS - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
