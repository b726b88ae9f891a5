package atlas.fill;

import atlas.evict.Evictable;
import atlas.evict.FakeEvictable;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The evictor's decisions against a fake volume (its byte counts) and a fake delete; passes run by the test. */
class CacheEvictorTest {
    private static final long MIB = 1 << 20;
    private static final long CAPACITY = 100 * MIB;

    private final AtomicLong live = new AtomicLong();
    private final List<String> deleted = new ArrayList<>();
    private boolean deletesFail;

    /** A copy whose bytes count in the fake volume from the moment it exists. */
    private final class Copy extends FakeEvictable {
        final String name;

        Copy(String name, long bytes) {
            super(name.hashCode() * 0x9E3779B97F4A7C15L, bytes);
            this.name = name;
            live.addAndGet(bytes);
        }
    }

    private CacheEvictor evictor(List<Copy> restored) {
        return new CacheEvictor(() -> CAPACITY, live::get, copy -> {
            if (deletesFail) {
                return false;
            }
            Copy c = (Copy) copy;
            c.markGone();
            live.addAndGet(-c.bytes());
            deleted.add(c.name);
            return true;
        }, () -> { }, restored);
    }

    @Test
    void shouldDoNothingBelowTheHighWatermark() {
        CacheEvictor evictor = evictor(List.of());
        for (int i = 0; i < 89; i++) {
            evictor.stored(new Copy("c" + i, MIB));
        }
        evictor.pass();
        assertThat(deleted).isEmpty();
        assertThat(evictor.copies()).isEqualTo(89);
        assertThat(evictor.heldBytes()).isEqualTo(89 * MIB);
    }

    @Test
    void shouldEvictDownToTheLowWatermarkOneHitWondersFirst() {
        CacheEvictor evictor = evictor(List.of());
        List<Copy> copies = new ArrayList<>();
        for (int i = 0; i < 95; i++) {
            Copy c = new Copy("c" + i, MIB);
            copies.add(c);
            evictor.stored(c);
        }
        for (int i = 0; i < 10; i++) {
            copies.get(i).frequency(Evictable.MAX_FREQUENCY); // the ten oldest are popular
        }
        evictor.pass();
        assertThat(live.get()).isLessThanOrEqualTo((long) (CAPACITY * CacheEvictor.LOW_WATERMARK));
        assertThat(deleted).hasSize(10).doesNotContain("c0", "c1", "c9").contains("c10");
        assertThat(evictor.evictions()).isEqualTo(10);
        assertThat(evictor.evictedBytes()).isEqualTo(10 * MIB);
    }

    @Test
    void shouldCountOriginContentAsRoomTakenButNeverEvictIt() {
        live.set(95 * MIB); // origin content PUT here directly: not the evictor's to delete
        CacheEvictor evictor = evictor(List.of());
        Copy only = new Copy("copy", MIB);
        evictor.stored(only);
        evictor.pass();
        assertThat(deleted).containsExactly("copy"); // all it may take, though the volume stays over the mark
        evictor.pass();
        assertThat(deleted).containsExactly("copy");
        assertThat(live.get()).isEqualTo(95 * MIB);
    }

    @Test
    void shouldSkipCopiesReplacedMeanwhileAndEvictRestoredOnesInWriteOrder() {
        List<Copy> restored = new ArrayList<>();
        for (int i = 0; i < 92; i++) {
            restored.add(new Copy("r" + i, MIB));
        }
        restored.get(0).markGone(); // overwritten by origin content since the last run
        live.addAndGet(-MIB);
        CacheEvictor evictor = evictor(restored);
        evictor.pass();
        assertThat(deleted).startsWith("r1", "r2").doesNotContain("r0");
        assertThat(live.get()).isLessThanOrEqualTo((long) (CAPACITY * CacheEvictor.LOW_WATERMARK));
    }

    @Test
    void shouldKeepTrackingACopyWhoseDeleteFailedAndEvictItLater() {
        CacheEvictor evictor = evictor(List.of());
        for (int i = 0; i < 95; i++) {
            evictor.stored(new Copy("c" + i, MIB));
        }
        deletesFail = true;
        evictor.pass();
        assertThat(evictor.evictions()).isZero();
        assertThat(evictor.copies()).as("the one tried is handed over again").isEqualTo(94);
        deletesFail = false;
        evictor.pass();
        assertThat(deleted).hasSize(10);
        assertThat(live.get()).isLessThanOrEqualTo((long) (CAPACITY * CacheEvictor.LOW_WATERMARK));
    }
}
