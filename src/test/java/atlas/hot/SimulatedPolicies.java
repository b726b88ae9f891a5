package atlas.hot;

import atlas.hot.PolicySimulation.Policy;
import atlas.hot.SimulatedStructures.CountMinSketch;
import atlas.hot.SimulatedStructures.Doorkeeper;
import atlas.hot.SimulatedStructures.Entries;

/**
 * The policies compared in issue 14, each a byte-capacity cache of chunk entries that decides admission itself on a
 * miss. Only {@link TinyLfuClock} is a candidate to ship as written; the others are the yardsticks. Issue 18 (the
 * volume as a cache, {@link VolumeCacheSimulation}) replays whole objects through {@link Lru} (also as FIFO),
 * {@link Clock}, {@link Slru} and {@link S3Fifo}.
 */
final class SimulatedPolicies {
    private SimulatedPolicies() {
    }

    /** TinyLFU's sample period: counters are halved after this many accesses per entry the cache holds (§3.3). */
    static final int SAMPLE_ACCESSES_PER_ENTRY = 10;

    /**
     * What a sized tier can know of its entry count up front: its bytes over the chunk size. Objects below a chunk
     * make the real count somewhat larger; the sketch's width has room for that (4 counters per entry).
     */
    static int expectedEntries(long capacityBytes) {
        return (int) Math.max(16, capacityBytes / PolicySimulation.CHUNK_BYTES);
    }

    /** The sketch width both TinyLFU variants use: four counters per expected entry. */
    static int sketchWidth(long capacityBytes) {
        return SimulatedStructures.nextPowerOfTwo(4 * expectedEntries(capacityBytes));
    }

    /**
     * A cache that admits every miss, evicting victims first until it fits: the policies below differ only in what a
     * hit does and which entry is the victim. Every list of {@link #entries} holds cached entries.
     */
    abstract static class AdmitAll implements Policy {
        final Entries entries;
        private final int lists;
        private final int insertList;
        private final long capacityBytes;

        AdmitAll(int lists, int insertList, long capacityBytes) {
            this.entries = new Entries(lists);
            this.lists = lists;
            this.insertList = insertList;
            this.capacityBytes = capacityBytes;
        }

        abstract void hit(int s);

        abstract int victim();

        @Override
        public final boolean access(long key, int bytes) {
            int s = entries.find(key);
            if (s >= 0) {
                hit(s);
                return true;
            }
            if (bytes > capacityBytes) {
                return false;
            }
            while (residentBytes() + bytes > capacityBytes) {
                entries.remove(victim());
            }
            entries.insertFront(insertList, key, bytes);
            return false;
        }

        @Override
        public final long admittedBytes() {
            return entries.insertedBytes();
        }

        @Override
        public final long residentBytes() {
            long bytes = 0;
            for (int list = 0; list < lists; list++) {
                bytes += entries.bytesOn(list);
            }
            return bytes;
        }

        @Override
        public final boolean holds(long key) {
            return entries.find(key) >= 0;
        }
    }

    /**
     * Least recently used, admit everything: what the kernel's page cache approximates (its two lists aside). With
     * {@code moveOnHit} false it is FIFO in insertion order: a volume that evicts behind its write cursor (ATS).
     */
    static final class Lru extends AdmitAll {
        private static final int LIST = 0;

        private final boolean moveOnHit;

        Lru(long capacityBytes) {
            this(capacityBytes, true);
        }

        Lru(long capacityBytes, boolean moveOnHit) {
            super(1, LIST, capacityBytes);
            this.moveOnHit = moveOnHit;
        }

        @Override
        void hit(int s) {
            if (moveOnHit) {
                entries.moveToFront(LIST, s);
            }
        }

        @Override
        int victim() {
            return entries.back(LIST);
        }
    }

    /**
     * The CLOCK hand over a ring kept as a list: the hand is the back; passing a referenced entry clears its bit and
     * moves it to the front, which is where the hand reaches it last — the same order as a circular buffer's. New
     * entries go to the front too (just behind the hand), reference bit clear.
     */
    static int clockVictim(Entries entries, int ring) {
        for (; ; ) {
            int s = entries.back(ring);
            if (entries.tag(s) == 0) {
                return s;
            }
            entries.tag(s, 0);
            entries.moveToFront(ring, s);
        }
    }

    /** CLOCK (second chance), admit everything. */
    static final class Clock extends AdmitAll {
        private static final int RING = 0;

        Clock(long capacityBytes) {
            super(1, RING, capacityBytes);
        }

        @Override
        void hit(int s) {
            entries.tag(s, 1);
        }

        @Override
        int victim() {
            return clockVictim(entries, RING);
        }
    }

    /**
     * Segmented LRU (Karedla, Love, Wherry, IEEE Computer 1994), admit everything: a miss enters the probation
     * segment (20 %); a hit moves the entry to the front of the protected segment (80 %), whose back falls to the
     * front of probation; the victim is probation's back, protected's once probation is empty. An entry hit once
     * after entering is protected from the one-hit entries behind it, a scan's among them.
     */
    static final class Slru extends AdmitAll {
        private static final int PROBATION = 0;
        private static final int PROTECTED = 1;

        private final long protectedBytes;

        Slru(long capacityBytes) {
            super(2, PROBATION, capacityBytes);
            this.protectedBytes = capacityBytes * 8 / 10;
        }

        @Override
        void hit(int s) {
            entries.moveToFront(PROTECTED, s);
            while (entries.bytesOn(PROTECTED) > protectedBytes) {
                entries.moveToFront(PROBATION, entries.back(PROTECTED));
            }
        }

        @Override
        int victim() {
            return entries.back(entries.isEmpty(PROBATION) ? PROTECTED : PROBATION);
        }
    }

    /**
     * S3-FIFO (Yang et al., SOSP'23, Algorithm 1), in bytes: a small FIFO S (10 %) that new entries enter, a main FIFO
     * M (90 %) with lazy reinsertion, and a ghost FIFO G of keys recently evicted from S, holding as many bytes of
     * keys as M holds of data. A hit only raises a 2-bit frequency. S's oldest entry moves to M if it was hit more
     * than once while in S (the listing's {@code t.freq > 1}, libCacheSim's default threshold of 2), otherwise its
     * key goes to G; a miss whose key is in G goes straight to M. M's oldest entry with a non-zero frequency is
     * reinserted with the frequency lowered by one (so at most three reinsertions), otherwise evicted.
     */
    static final class S3Fifo implements Policy {
        private static final int SMALL = 0;
        private static final int MAIN = 1;
        private static final int GHOST = 2;
        private static final int MAX_FREQUENCY = 3;

        private final Entries entries = new Entries(3);
        private final long capacityBytes;
        private final long smallBytes;
        private final long mainBytes;
        private final long ghostBytes;

        S3Fifo(long capacityBytes) {
            this.capacityBytes = capacityBytes;
            this.smallBytes = capacityBytes / 10;
            this.mainBytes = capacityBytes - smallBytes;
            this.ghostBytes = mainBytes;
        }

        @Override
        public boolean access(long key, int bytes) {
            int s = entries.find(key);
            if (s >= 0 && entries.listOf(s) != GHOST) {
                entries.tag(s, Math.min(MAX_FREQUENCY, entries.tag(s) + 1));
                return true;
            }
            if (bytes > capacityBytes) {
                return false;
            }
            boolean ghostHit = s >= 0;
            if (ghostHit) {
                entries.remove(s);
            }
            while (residentBytes() + bytes > capacityBytes) {
                evict();
            }
            entries.insertFront(ghostHit ? MAIN : SMALL, key, bytes);
            return false;
        }

        @Override
        public long admittedBytes() {
            return entries.insertedBytes();
        }

        @Override
        public long residentBytes() {
            return entries.bytesOn(SMALL) + entries.bytesOn(MAIN);
        }

        @Override
        public boolean holds(long key) {
            int s = entries.find(key);
            return s >= 0 && entries.listOf(s) != GHOST;
        }

        private void evict() {
            if (entries.bytesOn(SMALL) >= smallBytes || entries.isEmpty(MAIN)) {
                evictSmall();
            } else {
                evictMain();
            }
        }

        private void evictSmall() {
            while (!entries.isEmpty(SMALL)) {
                int t = entries.back(SMALL);
                if (entries.tag(t) > 1) {
                    entries.moveToFront(MAIN, t);
                    while (entries.bytesOn(MAIN) > mainBytes) {
                        evictMain();
                    }
                } else {
                    entries.moveToFront(GHOST, t);
                    entries.tag(t, 0);
                    while (entries.bytesOn(GHOST) > ghostBytes) {
                        entries.remove(entries.back(GHOST));
                    }
                    return;
                }
            }
        }

        private void evictMain() {
            while (!entries.isEmpty(MAIN)) {
                int t = entries.back(MAIN);
                int frequency = entries.tag(t);
                if (frequency > 0) {
                    entries.tag(t, frequency - 1);
                    entries.moveToFront(MAIN, t);
                } else {
                    entries.remove(t);
                    return;
                }
            }
        }
    }

    /**
     * W-TinyLFU (Einziger, Friedman, Manes, "TinyLFU: A Highly Efficient Cache Admission Policy", ToS 2017), in
     * bytes: a 1 % window LRU that every miss enters; what the window pushes out is a candidate for the main SLRU
     * (probation 20 %, protected 80 %) and gets in only by a higher TinyLFU estimate than main's victim (probation's
     * LRU, else protected's). Frequencies: doorkeeper + count-min sketch, both aged together.
     */
    static final class WTinyLfu implements Policy {
        private static final int WINDOW = 0;
        private static final int PROBATION = 1;
        private static final int PROTECTED = 2;

        private final Entries entries = new Entries(3);
        private final long windowBytes;
        private final long mainBytes;
        private final long protectedBytes;
        private final CountMinSketch sketch;
        private final Doorkeeper doorkeeper;
        private final int samplePeriod;
        private int sampled;

        WTinyLfu(long capacityBytes) {
            this.windowBytes = Math.max(1, capacityBytes / 100);
            this.mainBytes = capacityBytes - windowBytes;
            this.protectedBytes = mainBytes * 8 / 10;
            int expected = expectedEntries(capacityBytes);
            this.sketch = new CountMinSketch(sketchWidth(capacityBytes));
            // Up to a sample period of distinct keys can pass between two clears: ~3 bits per key at that worst case
            // and ~10 at the more usual half of the accesses being repeats keep false positives to a few per cent.
            this.doorkeeper = new Doorkeeper(SimulatedStructures.nextPowerOfTwo(32 * expected));
            this.samplePeriod = SAMPLE_ACCESSES_PER_ENTRY * expected;
        }

        @Override
        public boolean access(long key, int bytes) {
            record(key);
            int s = entries.find(key);
            if (s >= 0) {
                switch (entries.listOf(s)) {
                    case WINDOW, PROTECTED -> entries.moveToFront(entries.listOf(s), s);
                    default -> {
                        entries.moveToFront(PROTECTED, s);
                        while (entries.bytesOn(PROTECTED) > protectedBytes) {
                            entries.moveToFront(PROBATION, entries.back(PROTECTED));
                        }
                    }
                }
                return true;
            }
            if (bytes > windowBytes + mainBytes) {
                return false;
            }
            entries.insertFront(WINDOW, key, bytes);
            while (entries.bytesOn(WINDOW) > windowBytes) {
                offerToMain(entries.back(WINDOW));
            }
            return false;
        }

        @Override
        public long admittedBytes() {
            return entries.insertedBytes();
        }

        @Override
        public long residentBytes() {
            return entries.bytesOn(WINDOW) + entries.bytesOn(PROBATION) + entries.bytesOn(PROTECTED);
        }

        @Override
        public boolean holds(long key) {
            return entries.find(key) >= 0;
        }

        private void offerToMain(int candidate) {
            int candidateBytes = entries.bytes(candidate);
            int candidateFrequency = frequency(entries.key(candidate));
            while (entries.bytesOn(PROBATION) + entries.bytesOn(PROTECTED) + candidateBytes > mainBytes) {
                int victim = entries.isEmpty(PROBATION) ? entries.back(PROTECTED) : entries.back(PROBATION);
                if (victim >= 0 && candidateFrequency > frequency(entries.key(victim))) {
                    entries.remove(victim);
                } else {
                    entries.remove(candidate);
                    return;
                }
            }
            entries.moveToFront(PROBATION, candidate);
        }

        private void record(long key) {
            if (doorkeeper.add(key)) {
                sketch.increment(key);
            }
            if (++sampled == samplePeriod) {
                sampled = 0;
                sketch.halve();
                doorkeeper.clear();
            }
        }

        private int frequency(long key) {
            return sketch.estimate(key) + (doorkeeper.contains(key) ? 1 : 0);
        }
    }

    /**
     * The policy the hot tier ships, simulated step for step. Every access (hit or miss) counts in a count-min
     * sketch (4 rows of 4-bit counters, width the next power of two of 4 x expected entries, halved every 10 x
     * expected entries accesses). A hit sets the entry's CLOCK reference bit and nothing else. A miss is admitted
     * only if its estimate after counting is at least 2 (seen before), and either it fits in the free bytes or its
     * estimate beats that of the CLOCK victim (the entry at the hand whose bit is clear, referenced entries having
     * their bit cleared as the hand passes). Once admitted it evicts CLOCK victims until it fits, at most 8; if it
     * still does not fit it is rejected (the evicted stay evicted, as they would in the tier).
     */
    static final class TinyLfuClock implements Policy {
        static final int MIN_ADMIT_ESTIMATE = 2;
        static final int MAX_EVICTIONS_PER_ADMISSION = 8;
        private static final int RING = 0;

        private final Entries entries = new Entries(1);
        private final long capacityBytes;
        private final CountMinSketch sketch;
        private final int samplePeriod;
        private int sampled;

        TinyLfuClock(long capacityBytes) {
            this(capacityBytes, SAMPLE_ACCESSES_PER_ENTRY);
        }

        /** sampleAccessesPerEntry: the aging period over the expected entries; other than 10 only to measure it. */
        TinyLfuClock(long capacityBytes, int sampleAccessesPerEntry) {
            this.capacityBytes = capacityBytes;
            this.sketch = new CountMinSketch(sketchWidth(capacityBytes));
            this.samplePeriod = sampleAccessesPerEntry * expectedEntries(capacityBytes);
        }

        @Override
        public boolean access(long key, int bytes) {
            sketch.increment(key);
            if (++sampled == samplePeriod) {
                sampled = 0;
                sketch.halve();
            }
            int s = entries.find(key);
            if (s >= 0) {
                entries.tag(s, 1);
                return true;
            }
            if (bytes > capacityBytes) {
                return false;
            }
            int estimate = sketch.estimate(key);
            if (estimate < MIN_ADMIT_ESTIMATE) {
                return false;
            }
            if (entries.bytesOn(RING) + bytes > capacityBytes) {
                if (estimate <= sketch.estimate(entries.key(clockVictim(entries, RING)))) {
                    return false;
                }
                for (int evicted = 0; entries.bytesOn(RING) + bytes > capacityBytes; evicted++) {
                    if (evicted == MAX_EVICTIONS_PER_ADMISSION) {
                        return false;
                    }
                    entries.remove(clockVictim(entries, RING));
                }
            }
            entries.insertFront(RING, key, bytes);
            return false;
        }

        @Override
        public long admittedBytes() {
            return entries.insertedBytes();
        }

        @Override
        public long residentBytes() {
            return entries.bytesOn(RING);
        }

        @Override
        public boolean holds(long key) {
            return entries.find(key) >= 0;
        }
    }
}
