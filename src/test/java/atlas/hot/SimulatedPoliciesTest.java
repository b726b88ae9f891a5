package atlas.hot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import atlas.hot.PolicySimulation.Policy;
import atlas.hot.PolicySimulation.PolicyKind;
import atlas.hot.SimulatedStructures.CountMinSketch;
import atlas.hot.SimulatedStructures.KeyIndex;
import atlas.hot.SimulatedWorkload.Mix;
import atlas.hot.SimulatedWorkload.Trace;
import atlas.hot.SimulatedWorkload.ZipfSampler;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The simulator itself: if these fail, the numbers of {@link AdmissionPolicySimulationTest} mean nothing. */
class SimulatedPoliciesTest {
    @Test
    void shouldDrawZipfRanksWithTheirProbabilities() {
        ZipfSampler zipf = new ZipfSampler(10_000, 0.8);
        double harmonic = 0;
        for (int k = 1; k <= 10_000; k++) {
            harmonic += Math.pow(k, -0.8);
        }
        int draws = 2_000_000;
        int[] counts = new int[10_000];
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < draws; i++) {
            counts[zipf.sample(random)]++;
        }

        for (int rank : new int[] {0, 1, 9, 99, 999}) {
            double expected = Math.pow(rank + 1, -0.8) / harmonic;
            assertThat(zipf.probability(rank)).isCloseTo(expected, within(1e-12));
            // Five standard deviations of a binomial count.
            double sigma = Math.sqrt(draws * expected * (1 - expected));
            assertThat((double) counts[rank]).isCloseTo(draws * expected, within(5 * sigma));
        }
    }

    @Test
    void shouldReplaceEveryFifthRequestOfTheScanQuarterAndNothingElse() {
        Trace zipf = SimulatedWorkload.generate(Mix.ZIPF, 0.8, 42, SimulatedWorkload.REQUESTS);
        Trace scan = SimulatedWorkload.generate(Mix.SCAN, 0.8, 42, SimulatedWorkload.REQUESTS);
        int start = SimulatedWorkload.REQUESTS / 2;
        int next = 0;
        for (int i = 0; i < SimulatedWorkload.REQUESTS; i++) {
            boolean scanned = i >= start && i < start + SimulatedWorkload.SCAN_EVERY * SimulatedWorkload.OBJECTS
                && (i - start) % SimulatedWorkload.SCAN_EVERY == SimulatedWorkload.SCAN_EVERY - 1;
            if (scanned) {
                assertThat(scan.objects()[i]).isEqualTo(next++);
            } else {
                assertThat(scan.objects()[i]).isEqualTo(zipf.objects()[i]);
            }
        }
        assertThat(next).isEqualTo(SimulatedWorkload.OBJECTS);
    }

    @Test
    void shouldMatchAHashMapUnderRandomPutsAndRemoves() {
        KeyIndex index = new KeyIndex();
        Map<Long, Integer> reference = new HashMap<>();
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 200_000; i++) {
            long key = random.nextInt(5_000);
            if (random.nextInt(3) == 0) {
                index.remove(key);
                reference.remove(key);
            } else {
                index.put(key, i);
                reference.put(key, i);
            }
        }
        for (long key = 0; key < 5_000; key++) {
            assertThat(index.get(key)).isEqualTo(reference.getOrDefault(key, -1));
        }
    }

    @Test
    void shouldSaturateAtFifteenAndHalveEveryCounter() {
        CountMinSketch sketch = new CountMinSketch(1024);
        for (int i = 0; i < 20; i++) {
            sketch.increment(1);
        }
        for (int i = 0; i < 5; i++) {
            sketch.increment(2);
        }

        assertThat(sketch.estimate(1)).isEqualTo(15);
        assertThat(sketch.estimate(2)).isEqualTo(5);
        sketch.halve();
        assertThat(sketch.estimate(1)).isEqualTo(7);
        assertThat(sketch.estimate(2)).isEqualTo(2);
        assertThat(sketch.estimate(3)).isZero();
    }

    @Test
    void shouldNeverUnderestimateACount() {
        CountMinSketch sketch = new CountMinSketch(256);
        Map<Long, Integer> counts = new HashMap<>();
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < 5_000; i++) {
            long key = random.nextInt(2_000);
            sketch.increment(key);
            counts.merge(key, 1, Integer::sum);
        }
        counts.forEach((key, count) -> assertThat(sketch.estimate(key)).isGreaterThanOrEqualTo(Math.min(15, count)));
    }

    @Test
    void shouldHitExactlyWhereAReferenceLruHits() {
        long capacityBytes = 200_000;
        Policy lru = PolicyKind.LRU.create(capacityBytes);
        LinkedHashMap<Long, Integer> reference = new LinkedHashMap<>(16, 0.75f, true);
        long referenceBytes = 0;
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 100_000; i++) {
            long key = random.nextInt(1_000);
            int bytes = (int) (key % 7 + 1) * 1000;
            boolean expected = reference.get(key) != null;
            if (!expected) {
                reference.put(key, bytes);
                referenceBytes += bytes;
                for (Iterator<Integer> oldest = reference.values().iterator(); referenceBytes > capacityBytes; ) {
                    referenceBytes -= oldest.next();
                    oldest.remove();
                }
            }

            assertThat(lru.access(key, bytes)).as("access %d of key %d", i, key).isEqualTo(expected);
        }
        assertThat(lru.residentBytes()).isEqualTo(referenceBytes);
    }

    @Test
    void shouldKeepEveryPolicyWithinItsCapacity() {
        for (PolicyKind kind : PolicyKind.COMPARED) {
            long capacityBytes = 1_000_000;
            Policy policy = kind.create(capacityBytes);
            ZipfSampler zipf = new ZipfSampler(2_000, 0.9);
            SplittableRandom random = new SplittableRandom(13);
            int hits = 0;
            for (int i = 0; i < 200_000; i++) {
                long key = zipf.sample(random);
                hits += policy.access(key, (int) (key * 7919 % 20_000) + 1) ? 1 : 0;
                assertThat(policy.residentBytes()).as(kind.label).isLessThanOrEqualTo(capacityBytes);
            }
            assertThat(hits).as(kind.label + " hits").isPositive();
        }
    }

    @Test
    void shouldGiveAReferencedEntrySecondChance() {
        Policy clock = PolicyKind.CLOCK.create(300);
        clock.access(1, 100);
        clock.access(2, 100);
        clock.access(3, 100);
        clock.access(1, 100);

        clock.access(4, 100);

        assertThat(clock.access(1, 100)).as("referenced, passed over").isTrue();
        assertThat(clock.access(2, 100)).as("the victim").isFalse();
    }

    @Test
    void shouldAdmitOnlyWhatWasSeenBeforeAndBeatsTheClockVictim() {
        Policy shipped = PolicyKind.TINY_LFU_CLOCK.create(400);
        assertThat(shipped.access(1, 100)).as("first sighting: counted, not admitted").isFalse();
        assertThat(shipped.access(1, 100)).as("a miss, admitted: seen before").isFalse();
        assertThat(shipped.access(1, 100)).isTrue();
        for (long key = 2; key <= 4; key++) {
            shipped.access(key, 100);
            shipped.access(key, 100);
        }

        // The cache is full; the hand clears key 1's bit and stops at key 2, estimated 2.
        shipped.access(5, 100);
        shipped.access(5, 100);
        assertThat(shipped.access(2, 100)).as("a tie keeps the victim").isTrue();
        shipped.access(5, 100);
        assertThat(shipped.access(5, 100)).as("estimate 3 beats key 3's 2").isTrue();
        assertThat(shipped.access(3, 100)).as("evicted for key 5").isFalse();
        assertThat(shipped.access(1, 100)).isTrue();
    }

    @Test
    void shouldPromoteWhatWasHitInSmallAndReadmitAGhostToMain() {
        Policy s3Fifo = PolicyKind.S3_FIFO.create(1_000);
        s3Fifo.access(1, 100);
        s3Fifo.access(1, 100);
        s3Fifo.access(1, 100);
        for (long key = 2; key <= 10; key++) {
            s3Fifo.access(key, 100);
        }

        s3Fifo.access(11, 100);
        s3Fifo.access(2, 100);

        for (long key = 100; key < 1_100; key++) {
            s3Fifo.access(key, 100);
        }
        assertThat(s3Fifo.access(1, 100)).as("hit twice in S, so in M: a thousand one-hit wonders pass by").isTrue();
        assertThat(s3Fifo.access(2, 100)).as("a ghost hit goes straight to M").isTrue();
        assertThat(s3Fifo.access(3, 100)).isFalse();
    }
}
