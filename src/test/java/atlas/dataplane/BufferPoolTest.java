package atlas.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BufferPoolTest {
    private static final int BYTES = 64 << 10;

    @Test
    void shouldCarveBuffersFromTheSlabInSlotOrderAndAnnounceEachOnlyOnce() {
        try (BufferPool pool = new BufferPool(BYTES, 4096, 8, true)) {
            List<Integer> announced = new ArrayList<>();
            pool.onGrowth(b -> announced.add(b.slot()));
            IoBuffer a = pool.acquire();
            IoBuffer b = pool.acquire();
            pool.release(a);
            IoBuffer again = pool.acquire(); // reused, last in first out: no new buffer
            IoBuffer c = pool.acquire();

            assertThat(again).isSameAs(a);
            assertThat(announced).containsExactly(0, 1, 2);
            assertThat(List.of(a.slot(), b.slot(), c.slot())).containsExactly(0, 1, 2);
            assertThat(b.segment().address()).isEqualTo(pool.slab().address() + BYTES);
            assertThat(pool.allocated()).isEqualTo(3);
            assertThat(pool.slotOf(b.segment().address() + BYTES - 1)).isEqualTo(1);
            assertThat(pool.slotOf(c.segment().address() + BYTES)).as("slot 3 not allocated yet").isEqualTo(-1);
            assertThat(pool.slotOf(pool.slab().address() - 1)).isEqualTo(-1);
        }
    }

    @Test
    void shouldNotSlabUnslabbedBuffers() {
        try (BufferPool pool = new BufferPool(BYTES, 4096, 2)) {
            IoBuffer a = pool.acquire();
            assertThat(a.slot()).isEqualTo(-1);
            assertThat(pool.slotOf(a.segment().address())).isEqualTo(-1);
        }
    }

    /** The cap is a bound, not an allocation: reserving a large slab must not make it resident. */
    @Test
    void shouldCostMemoryOnlyForBuffersHandedOut() throws IOException {
        long before = residentBytes();
        try (BufferPool pool = new BufferPool(256 << 10, 4096, 4096, true)) { // 1 GiB reserved
            IoBuffer b = pool.acquire();
            b.segment().fill((byte) 1);
            long grown = residentBytes() - before;
            assertThat(pool.slab().byteSize()).isEqualTo(1L << 30);
            assertThat(grown).as("RSS growth after reserving 1 GiB and using 256 KiB").isLessThan(128L << 20);
        }
    }

    /** A clock the test advances, in whole trim intervals. */
    private static long interval(int n) {
        return n * BufferPool.TRIM_INTERVAL_NS;
    }

    @Test
    void shouldGiveBackHalfTheBuffersThatStayedIdleEachIntervalAndReuseTheirSlots() {
        try (BufferPool pool = new BufferPool(BYTES, 4096, 16, true)) {
            List<Integer> given = new ArrayList<>();
            pool.onGrowth(new BufferPool.GrowthListener() {
                @Override
                public void allocated(IoBuffer buffer) {
                }

                @Override
                public boolean releasing(IoBuffer buffer) {
                    given.add(buffer.slot());
                    return true;
                }
            });
            List<IoBuffer> burst = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                burst.add(pool.acquire());
            }
            burst.forEach(pool::release);
            assertThat(pool.trim(interval(1))).as("the burst used them all during this interval").isZero();
            assertThat(pool.trim(interval(1) + 1)).as("not an interval later").isZero();
            assertThat(pool.trim(interval(2))).as("idle a whole interval: half go").isEqualTo(4);
            assertThat(given).as("least recently used first").containsExactly(0, 1, 2, 3);
            assertThat(pool.allocated()).isEqualTo(4);
            assertThat(pool.trim(interval(3))).isEqualTo(2);
            assertThat(pool.buffersGivenBack()).isEqualTo(6);

            List<IoBuffer> again = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                again.add(pool.acquire());
            }
            assertThat(pool.allocated()).isEqualTo(5);
            assertThat(again.stream().map(IoBuffer::slot).toList()).as("kept ones first, then vacant slots")
                    .containsExactlyInAnyOrder(7, 6, 4, 5, 3);
            assertThat(pool.slotOf(again.getLast().segment().address())).isEqualTo(again.getLast().slot());
            assertThat(pool.trim(interval(4))).as("in use: nothing idle").isZero();
        }
    }

    @Test
    void shouldKeepBuffersWhoseMemoryCannotGoBack() {
        try (BufferPool pool = new BufferPool(BYTES, 4096, 4, true);
             BufferPool unslabbed = new BufferPool(BYTES, 4096, 4)) {
            pool.onGrowth(new BufferPool.GrowthListener() {
                @Override
                public void allocated(IoBuffer buffer) {
                }

                @Override
                public boolean releasing(IoBuffer buffer) {
                    return false; // the whole slab is pinned
                }
            });
            for (BufferPool p : List.of(pool, unslabbed)) {
                IoBuffer b = p.acquire();
                p.release(b);
                p.trim(interval(1));
                assertThat(p.trim(interval(2))).isZero();
                assertThat(p.allocated()).isEqualTo(1);
            }
        }
    }

    @Test
    void shouldServeWaitersThatYieldOnlyWhenNobodyElseWaits() {
        try (BufferPool pool = new BufferPool(BYTES, 4096, 1, true)) {
            List<String> served = new ArrayList<>();
            boolean[] floodYields = {false};
            IoBuffer only = pool.acquire();
            BufferPool.Waiter flood1 = waiter("flood1", served, pool, floodYields);
            BufferPool.Waiter flood2 = waiter("flood2", served, pool, floodYields);
            pool.await(flood1);
            pool.await(flood2);
            pool.await(waiter("viewer", served, pool, new boolean[] {false}));
            floodYields[0] = true; // the flood's client opened more connections while they waited
            assertThat(pool.waiting()).isEqualTo(3);
            pool.cancel(flood2);
            pool.release(only);
            pool.deliverGranted();
            assertThat(served).as("the viewer came last but goes first, then the flood; a cancelled one never")
                    .containsExactly("viewer", "flood1");
            assertThat(pool.waiting()).isZero();
        }
    }

    /** A waiter that records its name and gives the buffer straight back; it yields while {@code yields[0]}. */
    private static BufferPool.Waiter waiter(String name, List<String> served, BufferPool pool, boolean[] yields) {
        return new BufferPool.Waiter() {
            @Override
            public void onBuffer(IoBuffer buffer) {
                served.add(name);
                pool.release(buffer);
            }

            @Override
            public void onBufferFailed(RuntimeException failure) {
            }

            @Override
            public boolean yieldsBuffer() {
                return yields[0];
            }
        };
    }

    private static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) << 10;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
