package atlas.hot;

/**
 * How often each chunk was asked for lately, approximately, in little memory: a count-min sketch of 4-bit
 * counters (TinyLFU's). Each access increments one counter in each of four rows; the estimate is the smallest of
 * the four, which over-counts only when all four collide. Every {@code 10 × width} accesses all counters are
 * halved, so popularity fades: what was hot an hour ago does not keep out what is hot now.
 * <p>
 * Keyed by a name's hash and chunk number, not by record: a live playlist's popularity carries over from one
 * version to the next. Thread: one core's; each core keeps its own, which sees its share of the traffic, and other
 * cores may {@link #estimate} from it (plain reads of whole longs: at worst a slightly stale count).
 */
final class FrequencySketch {
    private static final int ROWS = 4;
    private static final long[] SEEDS = {0x9E3779B97F4A7C15L, 0xC2B2AE3D27D4EB4FL, 0x165667B19E3779F9L,
            0xD6E8FEB86659FD93L};
    private static final long LOW_THREE_BITS_OF_NIBBLES = 0x7777_7777_7777_7777L;

    private final long[] table;
    private final int rowMask;
    private final int sampleSize;
    private int additions;

    /**
     * Fewest counters per row: the sketch must tell the head from a tail much wider than what memory holds (a
     * catalogue scan), so even a small tier gets a sketch that 16 K distinct chunks per sample do not saturate
     * (32 KiB of counters).
     */
    static final int MIN_WIDTH = 1 << 14;

    /** A sketch with about {@code counters} counters per row (a power of two, at least {@link #MIN_WIDTH}). */
    FrequencySketch(int counters) {
        int width = Integer.highestOneBit(Math.max(MIN_WIDTH, Math.min(1 << 26, counters)) - 1) << 1;
        this.table = new long[ROWS * width / 16];
        this.rowMask = width - 1;
        this.sampleSize = 10 * width;
    }

    /** Counts one access to {@code key}; returns the estimate including it. */
    int increment(long key) {
        int min = 15;
        for (int r = 0; r < ROWS; r++) {
            int counter = index(key, r);
            int word = counter >>> 4;
            int shift = (counter & 15) << 2;
            int value = (int) (table[word] >>> shift) & 15;
            if (value < 15) {
                table[word] += 1L << shift;
                value++;
            }
            min = Math.min(min, value);
        }
        if (++additions >= sampleSize) {
            age();
        }
        return min;
    }

    int estimate(long key) {
        int min = 15;
        for (int r = 0; r < ROWS; r++) {
            int counter = index(key, r);
            min = Math.min(min, (int) (table[counter >>> 4] >>> ((counter & 15) << 2)) & 15);
        }
        return min;
    }

    /** Halves every counter (a reset that keeps the ranking): a pass over the table, once per sample. */
    private void age() {
        for (int i = 0; i < table.length; i++) {
            table[i] = (table[i] >>> 1) & LOW_THREE_BITS_OF_NIBBLES;
        }
        additions = 0;
    }

    /** Counter number of {@code key} in row {@code r}: the rows are laid end to end. */
    private int index(long key, int r) {
        long h = (key ^ SEEDS[r]) * 0xBF58476D1CE4E5B9L;
        h ^= h >>> 31;
        return r * (rowMask + 1) + (int) (h & rowMask);
    }

    /** A 64-bit key for chunk {@code chunk} of the object whose name hashes to {@code nameHash}. */
    static long key(int nameHash, int chunk) {
        long k = ((long) nameHash << 32) ^ chunk;
        k = (k ^ (k >>> 33)) * 0xFF51AFD7ED558CCDL;
        return k ^ (k >>> 33);
    }
}
