package atlas.store;

/**
 * Which device a new object goes to: weighted rendezvous hashing of its name over the devices (each device scores
 * {@code -capacity / ln(u)}, {@code u} a uniform hash of name and device; the highest score wins), so objects
 * spread in proportion to capacity, a given name lands on the same device every time, and adding a device moves
 * only the share that now scores highest on it. Ingest takes the best device that is healthy, not congested
 * (fewer than {@link #CONGESTED_WRITES} body writes in flight) and has a free extent; failing that the best
 * congested one; failing that none (the volume is full, or every device failed).
 * <p>
 * Allocation-free: candidates already tried are a bit mask, hence at most {@link #MAX_DEVICES} devices. Any
 * thread.
 */
final class Placement {
    /** Body writes in flight (all cores) at which a device counts as slow and others are preferred. */
    static final int CONGESTED_WRITES = 32;
    /** Devices one volume may have (the tried-set is one long). */
    static final int MAX_DEVICES = 64;

    private final Device[] devices;
    private final double[] weights;

    Placement(Device[] devices) {
        this.devices = devices;
        this.weights = new double[devices.length];
        for (int i = 0; i < devices.length; i++) {
            weights[i] = Math.max(1.0, devices[i].capacityBytes() / (double) Volume.BLOCK_SIZE);
        }
    }

    /** The device index an object of {@code key} is tried on first (ignoring health and room): for tests, tools. */
    int preferred(ObjectKey key) {
        return next(key, 0L, false, true);
    }

    /**
     * A free extent of at least {@code length} on the best device for {@code key}, or null when no device has one
     * now (the caller then asks {@link #allocateGrowing}: only {@code volume.dat} can grow).
     */
    Extent tryAllocate(ObjectKey key, long length) {
        for (int pass = 0; pass < 2; pass++) {
            boolean allowCongested = pass == 1;
            long tried = 0;
            while (true) {
                int d = next(key, tried, allowCongested, false);
                if (d < 0) {
                    break;
                }
                tried |= 1L << d;
                Extent e = devices[d].allocator().tryAllocate(length);
                if (e != null) {
                    return e;
                }
            }
        }
        return null;
    }

    /** The index of the best-scoring eligible device not in {@code tried}, or -1. */
    private int next(ObjectKey key, long tried, boolean allowCongested, boolean ignoreState) {
        int best = -1;
        double bestScore = -1;
        long h = mix(key == null ? 0 : key.hashCode());
        for (int i = 0; i < devices.length; i++) {
            if ((tried & (1L << i)) != 0) {
                continue;
            }
            Device d = devices[i];
            if (!ignoreState && (d.failed() || (!allowCongested && d.writesInFlight() >= CONGESTED_WRITES))) {
                continue;
            }
            double score = score(h, i);
            if (score > bestScore) {
                bestScore = score;
                best = i;
            }
        }
        return best;
    }

    private double score(long nameHash, int device) {
        long u = mix(nameHash ^ (0x9E3779B97F4A7C15L * (device + 1)));
        double unit = ((u >>> 11) + 0.5) * 0x1.0p-53; // in (0, 1): never 0, never 1
        return -weights[device] / Math.log(unit);
    }

    /** SplitMix64's finaliser: every input bit moves every output bit. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
