package atlas.evict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The shipped S3-FIFO on small worked cases: objects of 10 bytes in a cache of 1 000, so the small queue's share is
 * 100 bytes (10 objects) and main's 900. The simulation ({@code atlas.hot.VolumeEvictionSimulationTest}) checks the
 * same class against the paper's listing on whole traces.
 */
class S3FifoTest {
    private static final long CAPACITY = 1_000;
    private static final long BYTES = 10;

    private final S3Fifo policy = new S3Fifo(CAPACITY);

    private FakeEvictable store(long hash) {
        FakeEvictable e = new FakeEvictable(hash, BYTES);
        policy.stored(e);
        return e;
    }

    private List<FakeEvictable> storeAll(int from, int to) {
        List<FakeEvictable> stored = new ArrayList<>();
        for (int h = from; h < to; h++) {
            stored.add(store(h));
        }
        return stored;
    }

    /** As the evictor does: victims until the cache is within its capacity, each deleted at once. */
    private List<Evictable> evictOverCapacity() {
        List<Evictable> victims = new ArrayList<>();
        while (policy.overCapacity()) {
            Evictable victim = policy.nextVictim();
            victims.add(victim);
            policy.evicted(victim);
        }
        return victims;
    }

    @Test
    void shouldEvictObjectsNeverHitInWriteOrder() {
        List<FakeEvictable> stored = storeAll(0, 100);
        assertThat(policy.overCapacity()).isFalse();

        storeAll(100, 103);

        assertThat(evictOverCapacity()).containsExactly(stored.get(0), stored.get(1), stored.get(2));
        assertThat(policy.heldBytes()).isEqualTo(CAPACITY);
        assertThat(policy.count()).isEqualTo(100);
    }

    @Test
    void shouldMoveAnObjectHitTwiceInSmallToMainAndEvictTheNext() {
        List<FakeEvictable> stored = storeAll(0, 100);
        stored.get(0).hit();
        stored.get(0).hit();
        stored.get(1).hit();

        storeAll(100, 102);

        // 0 was hit twice: to main; 1 once only, which does not earn main (the listing's freq > 1).
        assertThat(evictOverCapacity()).containsExactly(stored.get(1), stored.get(2));
        assertThat(policy.mainQueueBytes()).isEqualTo(BYTES);
        assertThat(stored.get(0).frequency()).as("a promotion keeps the count").isEqualTo(2);
    }

    @Test
    void shouldReadmitAnObjectTheGhostRemembersStraightToMain() {
        storeAll(0, 101);
        assertThat(evictOverCapacity()).extracting(Evictable::hash).containsExactly(0L);
        assertThat(policy.mainQueueBytes()).isZero();

        store(0);

        assertThat(policy.mainQueueBytes()).isEqualTo(BYTES);
        // Small holds 990 bytes, over its share: its next victim is 1, while 0 sits in main unhit.
        assertThat(evictOverCapacity()).extracting(Evictable::hash).containsExactly(1L);
    }

    @Test
    void shouldReadmitOnceForOneEviction() {
        storeAll(0, 101);
        evictOverCapacity();
        FakeEvictable readmitted = store(0);
        long smallBefore = policy.smallQueueBytes();

        // A new version replaces the readmitted one: the ghost's memory of 0 was used up by the readmission.
        readmitted.markGone();
        store(0);

        assertThat(policy.smallQueueBytes()).isEqualTo(smallBefore + BYTES);
        assertThat(policy.mainQueueBytes()).as("the gone version, until reached").isEqualTo(BYTES);
    }

    @Test
    void shouldSkipAndForgetGoneObjects() {
        List<FakeEvictable> stored = storeAll(0, 101);
        stored.get(0).markGone();
        stored.get(1).markGone();

        // Gone objects still count until the evictor reaches them.
        assertThat(policy.heldBytes()).isEqualTo(1_010);
        Evictable victim = policy.nextVictim();

        assertThat(victim).isSameAs(stored.get(2));
        assertThat(policy.heldBytes()).isEqualTo(990);
        assertThat(policy.count()).isEqualTo(99);
        policy.evicted(victim);
        assertThat(policy.heldBytes()).isEqualTo(980);
        // Gone objects leave no ghost: storing 0 again starts in small.
        store(0);
        assertThat(policy.mainQueueBytes()).isZero();
    }

    @Test
    void shouldCountAVictimUntilItIsEvicted() {
        storeAll(0, 102);

        Evictable first = policy.nextVictim();
        assertThat(policy.heldBytes()).isEqualTo(1_020);
        assertThat(policy.evictingBytes()).isEqualTo(BYTES);
        assertThat(policy.overCapacity()).as("1 010 bytes left in the queues").isTrue();
        Evictable second = policy.nextVictim();
        assertThat(second).isNotSameAs(first);
        assertThat(policy.overCapacity()).isFalse();
        assertThat(policy.count()).isEqualTo(102);

        policy.evicted(first);
        policy.evicted(second);

        assertThat(policy.heldBytes()).isEqualTo(CAPACITY);
        assertThat(policy.evictingBytes()).isZero();
        assertThat(policy.count()).isEqualTo(100);
    }

    @Test
    void shouldGiveAMainObjectOnePassPerHitThenEvictIt() {
        S3Fifo small = new S3Fifo(30);
        FakeEvictable a = new FakeEvictable(1, BYTES);
        FakeEvictable b = new FakeEvictable(2, BYTES);
        FakeEvictable c = new FakeEvictable(3, BYTES);
        small.restored(a);
        small.restored(b);
        small.restored(c);
        a.hit();
        a.hit();
        a.hit();
        a.hit();
        assertThat(a.frequency()).as("saturates").isEqualTo(Evictable.MAX_FREQUENCY);

        assertThat(small.nextVictim()).isSameAs(b);
        assertThat(a.frequency()).isEqualTo(2);
        assertThat(small.nextVictim()).isSameAs(c);
        assertThat(small.nextVictim()).isSameAs(a);
        assertThat(a.frequency()).isZero();
        assertThat(small.nextVictim()).isNull();
    }

    @Test
    void shouldRestoreIntoMainSoThatOneHitAfterTheRestartKeepsAnObject() {
        List<FakeEvictable> restored = new ArrayList<>();
        for (int h = 0; h < 100; h++) {
            FakeEvictable e = new FakeEvictable(h, BYTES);
            policy.restored(e);
            restored.add(e);
        }
        restored.get(0).hit();

        storeAll(100, 102);

        assertThat(policy.smallQueueBytes()).isEqualTo(2 * BYTES);
        assertThat(evictOverCapacity()).containsExactly(restored.get(1), restored.get(2));
        assertThat(restored.get(0).frequency()).isZero();
    }

    @Test
    void shouldEndTheSearchWhenCoresHitEverythingTheHandPasses() {
        S3Fifo tiny = new S3Fifo(20);
        for (int h = 0; h < 3; h++) {
            tiny.restored(new FakeEvictable(h, BYTES));
        }
        List<Evictable> alwaysHot = new ArrayList<>();
        for (int h = 3; h < 5; h++) {
            // A core hits it again every time the evictor looks.
            Evictable hot = new FakeEvictable(h, BYTES) {
                @Override
                public int frequency() {
                    return MAX_FREQUENCY;
                }
            };
            alwaysHot.add(hot);
            tiny.restored(hot);
        }

        List<Evictable> victims = new ArrayList<>();
        for (Evictable v; (v = tiny.nextVictim()) != null; ) {
            victims.add(v);
        }

        assertThat(victims).hasSize(5).containsAll(alwaysHot);
    }

    @Test
    void shouldKeepFifoOrderWhileTheRingGrows() {
        EvictableQueue queue = new EvictableQueue();
        long next = 0;
        long expected = 0;
        // Wrap the ring part way, then grow it twice with the tail in the middle.
        for (int i = 0; i < 40; i++) {
            queue.add(new FakeEvictable(next++, 1));
        }
        for (int i = 0; i < 30; i++) {
            assertThat(queue.poll().hash()).isEqualTo(expected++);
        }
        for (int i = 0; i < 300; i++) {
            queue.add(new FakeEvictable(next++, 1));
        }
        assertThat(queue.size()).isEqualTo(310);
        assertThat(queue.bytes()).isEqualTo(310);
        for (Evictable e; (e = queue.poll()) != null; ) {
            assertThat(e.hash()).isEqualTo(expected++);
        }
        assertThat(expected).isEqualTo(next);
        assertThat(queue.bytes()).isZero();
    }

    @Test
    void shouldRememberTheLastBudgetOfEvictedBytes() {
        GhostFilter ghost = new GhostFilter(100);
        for (int h = 0; h < 12; h++) {
            ghost.add(h, 10);
        }

        // The newest 100 bytes are 2 .. 11.
        assertThat(ghost.take(0)).isFalse();
        assertThat(ghost.take(1)).isFalse();
        assertThat(ghost.take(2)).isTrue();
        assertThat(ghost.take(2)).as("taken once").isFalse();
        assertThat(ghost.take(11)).isTrue();
        assertThat(ghost.take(99)).isFalse();
    }

    @Test
    void shouldKeepFreshGhostsWhenTheFilterGrows() {
        GhostFilter ghost = new GhostFilter(1_000_000);
        for (int h = 0; h < 64; h++) {
            ghost.add(h, 1);
        }
        int before = ghost.ways();

        ghost.ensureWays(10 * before);

        assertThat(ghost.ways()).isGreaterThanOrEqualTo(10 * before);
        int remembered = 0;
        for (int h = 0; h < 64; h++) {
            remembered += ghost.take(h) ? 1 : 0;
        }
        // 64 entries in 16 buckets of 8 ways: a bucket may have overflowed before the growth, rarely.
        assertThat(remembered).isGreaterThanOrEqualTo(60);
    }

    @Test
    void shouldBumpFrequencyUpToThree() {
        assertThat(Evictable.bumped(0)).isEqualTo(1);
        assertThat(Evictable.bumped(2)).isEqualTo(3);
        assertThat(Evictable.bumped(3)).isEqualTo(3);
    }

    @Test
    void shouldRefuseAnEmptyCapacity() {
        assertThatThrownBy(() -> new S3Fifo(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
