package atlas.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

class ExtentAllocatorTest {
    private static final long B = Volume.BLOCK_SIZE;

    private final List<Long> grownTo = java.util.Collections.synchronizedList(new ArrayList<>());

    private ExtentAllocator allocator(long sizeBlocks, long stepBlocks, long maxBlocks) {
        ExtentAllocator a = new ExtentAllocator(0, sizeBlocks * B, stepBlocks * B, maxBlocks * B, grownTo::add, "test");
        a.rebuild(List.of());
        return a;
    }

    @Test
    void shouldRoundUpToWholeBlocksAndSkipTheSuperblock() throws Exception {
        ExtentAllocator a = allocator(10, 10, 10);
        assertThat(a.allocate(1)).isEqualTo(new Extent(B, B));
        assertThat(a.allocate(0)).isEqualTo(new Extent(2 * B, B));
        assertThat(a.allocate(B + 1)).isEqualTo(new Extent(3 * B, 2 * B));
        assertThat(a.freeBytes()).isEqualTo(5 * B); // 9 data blocks, 4 taken
    }

    @Test
    void shouldPickTheSmallestFreeExtentThatFits() throws Exception {
        ExtentAllocator a = allocator(20, 10, 20);
        Extent e1 = a.allocate(3 * B);  // 1..3
        Extent sep1 = a.allocate(B);    // 4
        Extent e2 = a.allocate(2 * B);  // 5..6
        Extent sep2 = a.allocate(B);    // 7
        a.free(e1);
        a.free(e2);
        // free: [1,4) 3 blocks, [5,7) 2 blocks, [8,20) 12 blocks -> best fit for 2 is [5,7)
        assertThat(a.allocate(2 * B)).isEqualTo(e2);
        assertThat(a.allocate(3 * B)).isEqualTo(e1);
        assertThat(sep1.offsetBytes()).isEqualTo(4 * B);
        assertThat(sep2.offsetBytes()).isEqualTo(7 * B);
    }

    @Test
    void shouldCoalesceFreedNeighbours() throws Exception {
        ExtentAllocator a = allocator(10, 10, 10);
        Extent x = a.allocate(2 * B);
        Extent y = a.allocate(2 * B);
        Extent z = a.allocate(2 * B);
        a.free(x);
        a.free(z); // merges with the free tail
        a.free(y); // bridges both
        assertThat(a.freeExtents()).containsExactly(new Extent(B, 9 * B));
        assertThat(a.allocate(9 * B)).isEqualTo(new Extent(B, 9 * B));
    }

    @Test
    void shouldTrimTheUnusedTail() throws Exception {
        ExtentAllocator a = allocator(10, 10, 10);
        Extent big = a.allocate(8 * B);
        Extent kept = a.trim(big, 2 * B + 5);
        assertThat(kept).isEqualTo(new Extent(B, 3 * B));
        assertThat(a.freeExtents()).containsExactly(new Extent(4 * B, 6 * B));
    }

    @Test
    void shouldGrowInStepsWhenNothingFits() throws Exception {
        ExtentAllocator a = allocator(4, 4, 32);
        Extent first = a.allocate(2 * B);           // [1,3), free [3,4)
        Extent big = a.allocate(6 * B);             // needs growth: tail free 1 block + 5 more -> 2 steps -> 12
        assertThat(grownTo).containsExactly(12 * B);
        assertThat(big).isEqualTo(new Extent(3 * B, 6 * B));
        assertThat(a.sizeBytes()).isEqualTo(12 * B);
        assertThat(a.freeExtents()).containsExactly(new Extent(9 * B, 3 * B));
        assertThat(first.offsetBytes()).isEqualTo(B);
    }

    @Test
    void shouldFailClearlyWhenFull() throws Exception {
        ExtentAllocator a = allocator(4, 4, 8);
        a.allocate(7 * B);
        assertThatThrownBy(() -> a.allocate(B)).isInstanceOf(VolumeFullException.class)
                .hasMessageContaining("is full").hasMessageContaining("maximum " + 8 * B);
        assertThat(grownTo).containsExactly(8 * B);
    }

    @Test
    void shouldDeriveFreeSpaceFromUsedExtents() {
        ExtentAllocator a = new ExtentAllocator(0, 10 * B, B, 10 * B, s -> { }, "test");
        a.rebuild(List.of(new Extent(2 * B, B), new Extent(5 * B, 2 * B)));
        assertThat(a.freeExtents()).containsExactly(new Extent(B, B), new Extent(3 * B, 2 * B),
                new Extent(7 * B, 3 * B));
    }

    @Test
    void shouldRejectDoubleFree() throws Exception {
        ExtentAllocator a = allocator(10, 10, 10);
        Extent x = a.allocate(B);
        a.free(x);
        assertThatThrownBy(() -> a.free(x)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldNeverHandOutOverlappingExtentsToConcurrentThreads() throws Exception {
        ExtentAllocator a = allocator(64, 64, 1 << 20);
        int perThread = 5_000;
        List<List<Extent>> results = List.of(new ArrayList<>(), new ArrayList<>());
        CyclicBarrier start = new CyclicBarrier(2);
        List<Thread> threads = new ArrayList<>();
        Throwable[] failure = new Throwable[1];
        for (int t = 0; t < 2; t++) {
            List<Extent> mine = results.get(t);
            Thread th = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        Extent e = a.allocate((1 + i % 5) * B);
                        mine.add(e);
                        if (i % 3 == 0) {
                            a.free(mine.removeLast()); // churn so frees and merges race with allocations
                        }
                    }
                } catch (Throwable e) {
                    failure[0] = e;
                }
            });
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join();
        }
        assertThat(failure[0]).isNull();
        List<Extent> all = new ArrayList<>(results.get(0));
        all.addAll(results.get(1));
        all.sort((x, y) -> Long.compare(x.offsetBytes(), y.offsetBytes()));
        for (int i = 1; i < all.size(); i++) {
            assertThat(all.get(i).offsetBytes()).isGreaterThanOrEqualTo(all.get(i - 1).endBytes());
        }
        long used = all.stream().mapToLong(Extent::capacityBytes).sum();
        assertThat(a.freeBytes() + used).isEqualTo(a.sizeBytes() - B);
    }

    @Test
    void shouldOnlyMoveTheEndForwardWhenSpaceIsPublished() throws Exception {
        ExtentAllocator a = allocator(4, 4, 16);
        Extent x = a.allocate(3 * B);
        a.extendTo(8 * B); // the zero-ahead wrote [4, 8)
        assertThat(a.sizeBytes()).isEqualTo(8 * B);
        assertThat(a.freeExtents()).containsExactly(new Extent(4 * B, 4 * B));
        a.extendTo(6 * B); // a late, smaller report: no-op
        assertThat(a.sizeBytes()).isEqualTo(8 * B);
        assertThatThrownBy(() -> a.extendTo(17 * B)).isInstanceOf(IllegalArgumentException.class);
        assertThat(a.allocate(4 * B)).isEqualTo(new Extent(4 * B, 4 * B));
        assertThat(grownTo).as("no fallocate needed").isEmpty();
        a.free(x);
    }
}
