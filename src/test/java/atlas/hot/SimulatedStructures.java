package atlas.hot;

import java.util.Arrays;

/**
 * The bookkeeping the simulated policies share: a keyed table of entries threaded on doubly linked lists, a
 * count-min sketch of 4-bit counters and a doorkeeper bloom filter. Simulation code: it grows by allocation and
 * favours clarity over the no-allocation bar of the data path.
 */
final class SimulatedStructures {
    private SimulatedStructures() {
    }

    /** A 64-bit finalizer (splitmix64's): every key bit moves every hash bit, so row indexes are independent. */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    static int nextPowerOfTwo(int n) {
        return n <= 1 ? 1 : Integer.highestOneBit(n - 1) << 1;
    }

    /**
     * Cache entries (and S3-FIFO's ghost keys) in slots, each slot on one of a few lists, with the bytes of each list
     * kept current, so that every policy states its limits as "bytes on these lists".
     *
     * <pre>
     *   slot 0 .. lists-1 : sentinels, one per list (next = front = newest, prev = back = oldest)
     *   slot lists ..     : entries; a freed slot is reused through a free list threaded on next[]
     *
     *   sentinel <-> front <-> ... <-> back <-> sentinel
     * </pre>
     * The policies read "front" as the insertion end: LRU's MRU end, a FIFO's tail and the position just behind a
     * CLOCK hand, whose hand is then the back.
     */
    static final class Entries {
        private final KeyIndex index = new KeyIndex();
        private final long[] listBytes;
        private long[] keys = new long[1024];
        private int[] bytes = new int[1024];
        private int[] prev = new int[1024];
        private int[] next = new int[1024];
        private byte[] list = new byte[1024];
        /** Per-policy state: a CLOCK reference bit, an S3-FIFO frequency. */
        private byte[] tag = new byte[1024];
        private int highWater;
        private int freeHead = -1;
        private long insertedBytes;

        Entries(int lists) {
            listBytes = new long[lists];
            for (int s = 0; s < lists; s++) {
                prev[s] = s;
                next[s] = s;
                list[s] = (byte) s;
            }
            highWater = lists;
        }

        /** @return the slot holding key, or -1 */
        int find(long key) {
            return index.get(key);
        }

        int insertFront(int toList, long key, int entryBytes) {
            int s = allocate();
            keys[s] = key;
            bytes[s] = entryBytes;
            tag[s] = 0;
            index.put(key, s);
            pushFront(toList, s);
            insertedBytes += entryBytes;
            return s;
        }

        /** Bytes of all entries ever inserted: what the policy copied into memory (moves between lists are free). */
        long insertedBytes() {
            return insertedBytes;
        }

        void remove(int s) {
            unlink(s);
            index.remove(keys[s]);
            next[s] = freeHead;
            freeHead = s;
        }

        void moveToFront(int toList, int s) {
            unlink(s);
            pushFront(toList, s);
        }

        /** @return the oldest entry on the list, or -1 when it is empty */
        int back(int fromList) {
            int s = prev[fromList];
            return s == fromList ? -1 : s;
        }

        boolean isEmpty(int ofList) {
            return next[ofList] == ofList;
        }

        long bytesOn(int ofList) {
            return listBytes[ofList];
        }

        int listOf(int s) {
            return list[s];
        }

        long key(int s) {
            return keys[s];
        }

        int bytes(int s) {
            return bytes[s];
        }

        int tag(int s) {
            return tag[s];
        }

        void tag(int s, int value) {
            tag[s] = (byte) value;
        }

        private void pushFront(int toList, int s) {
            int first = next[toList];
            next[s] = first;
            prev[s] = toList;
            prev[first] = s;
            next[toList] = s;
            list[s] = (byte) toList;
            listBytes[toList] += bytes[s];
        }

        private void unlink(int s) {
            int p = prev[s];
            int n = next[s];
            next[p] = n;
            prev[n] = p;
            listBytes[list[s]] -= bytes[s];
        }

        private int allocate() {
            if (freeHead >= 0) {
                int s = freeHead;
                freeHead = next[s];
                return s;
            }
            if (highWater == keys.length) {
                int n = keys.length * 2;
                keys = Arrays.copyOf(keys, n);
                bytes = Arrays.copyOf(bytes, n);
                prev = Arrays.copyOf(prev, n);
                next = Arrays.copyOf(next, n);
                list = Arrays.copyOf(list, n);
                tag = Arrays.copyOf(tag, n);
            }
            return highWater++;
        }
    }

    /** Open addressing from a key to its slot: linear probing, deletion by backward shift (no tombstones). */
    static final class KeyIndex {
        private long[] keys = new long[1024];
        /** slot + 1; 0 marks an empty cell. */
        private int[] values = new int[1024];
        private int mask = 1023;
        private int size;

        int get(long key) {
            for (int i = home(key); ; i = (i + 1) & mask) {
                int v = values[i];
                if (v == 0) {
                    return -1;
                }
                if (keys[i] == key) {
                    return v - 1;
                }
            }
        }

        void put(long key, int slot) {
            int i = home(key);
            while (values[i] != 0 && keys[i] != key) {
                i = (i + 1) & mask;
            }
            if (values[i] == 0) {
                size++;
            }
            keys[i] = key;
            values[i] = slot + 1;
            if (size * 2 > keys.length) {
                grow();
            }
        }

        void remove(long key) {
            int i = home(key);
            while (values[i] != 0 && keys[i] != key) {
                i = (i + 1) & mask;
            }
            if (values[i] == 0) {
                return;
            }
            size--;
            // Pull later members of the probe run back over the hole unless their home lies cyclically in (i, j].
            for (int j = (i + 1) & mask; values[j] != 0; j = (j + 1) & mask) {
                int h = home(keys[j]);
                boolean stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
                if (!stays) {
                    keys[i] = keys[j];
                    values[i] = values[j];
                    i = j;
                }
            }
            values[i] = 0;
        }

        private int home(long key) {
            return (int) mix64(key) & mask;
        }

        private void grow() {
            long[] oldKeys = keys;
            int[] oldValues = values;
            keys = new long[oldKeys.length * 2];
            values = new int[oldKeys.length * 2];
            mask = keys.length - 1;
            size = 0;
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldValues[i] != 0) {
                    put(oldKeys[i], oldValues[i] - 1);
                }
            }
        }
    }

    /**
     * Count-min sketch of 4-bit saturating counters, four rows, sixteen counters to a long. The estimate of a key
     * is the least of its four counters: hash collisions only ever inflate a count, and the minimum over
     * independent rows bounds how much. Halving every counter ({@link #halve}) is TinyLFU's aging (Einziger et
     * al., "TinyLFU", §3.3): old popularity fades by half each sample period, so a new hot set overtakes it.
     *
     * <pre>
     *   table: row 0 [w/16 longs] | row 1 | row 2 | row 3      counter c of a row: long c/16, bits 4*(c%16) .. +3
     * </pre>
     */
    static final class CountMinSketch {
        private static final int ROWS = 4;
        private static final long[] ROW_SEEDS = {
            0x9e3779b97f4a7c15L, 0xc2b2ae3d27d4eb4fL, 0x165667b19e3779f9L, 0xd6e8feb86659fd93L
        };
        private static final long LOW_THREE_BITS_OF_EACH_NIBBLE = 0x7777_7777_7777_7777L;

        private final long[] table;
        private final int widthMask;
        private final int longsPerRow;

        /** width: counters per row, a power of two (at least 16). */
        CountMinSketch(int width) {
            if (Integer.bitCount(width) != 1 || width < 16) {
                throw new IllegalArgumentException("width must be a power of two >= 16: " + width);
            }
            widthMask = width - 1;
            longsPerRow = width / 16;
            table = new long[ROWS * longsPerRow];
        }

        void increment(long key) {
            long h = mix64(key);
            for (int row = 0; row < ROWS; row++) {
                int c = counter(h, row);
                int word = row * longsPerRow + (c >>> 4);
                int shift = (c & 15) << 2;
                if (((table[word] >>> shift) & 15) != 15) {
                    table[word] += 1L << shift;
                }
            }
        }

        int estimate(long key) {
            long h = mix64(key);
            int min = 15;
            for (int row = 0; row < ROWS; row++) {
                int c = counter(h, row);
                int value = (int) (table[row * longsPerRow + (c >>> 4)] >>> ((c & 15) << 2)) & 15;
                min = Math.min(min, value);
            }
            return min;
        }

        /** Halves every counter at once: a shift per long, the bit shifted in from the next nibble masked off. */
        void halve() {
            for (int i = 0; i < table.length; i++) {
                table[i] = (table[i] >>> 1) & LOW_THREE_BITS_OF_EACH_NIBBLE;
            }
        }

        private int counter(long h, int row) {
            return (int) mix64(h + ROW_SEEDS[row]) & widthMask;
        }
    }

    /**
     * TinyLFU's doorkeeper (§3.4.2): a bloom filter in front of the sketch, so the first access of a key in a
     * sample period sets bits here instead of a counter; most keys of a Zipf tail are seen once and then never
     * take counter space. Cleared whenever the sketch is halved.
     */
    static final class Doorkeeper {
        private static final int HASHES = 3;

        private final long[] bits;
        private final int bitMask;

        /** bitCount: a power of two (at least 64). */
        Doorkeeper(int bitCount) {
            if (Integer.bitCount(bitCount) != 1 || bitCount < 64) {
                throw new IllegalArgumentException("bitCount must be a power of two >= 64: " + bitCount);
            }
            bits = new long[bitCount / 64];
            bitMask = bitCount - 1;
        }

        /** @return true if the key was (probably) already present; it is present afterwards either way */
        boolean add(long key) {
            long h = mix64(key ^ 0x5bd1e9955bd1e995L);
            boolean present = true;
            for (int i = 0; i < HASHES; i++) {
                int b = bit(h, i);
                long m = 1L << b;
                if ((bits[b >>> 6] & m) == 0) {
                    present = false;
                    bits[b >>> 6] |= m;
                }
            }
            return present;
        }

        boolean contains(long key) {
            long h = mix64(key ^ 0x5bd1e9955bd1e995L);
            for (int i = 0; i < HASHES; i++) {
                int b = bit(h, i);
                if ((bits[b >>> 6] & (1L << b)) == 0) {
                    return false;
                }
            }
            return true;
        }

        void clear() {
            Arrays.fill(bits, 0L);
        }

        private int bit(long h, int i) {
            return (int) mix64(h + i * 0x9e3779b97f4a7c15L) & bitMask;
        }
    }
}
