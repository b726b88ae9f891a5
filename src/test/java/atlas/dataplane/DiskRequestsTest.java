package atlas.dataplane;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The disk-request slots both engines share: reuse with generations, order of free and tell, bounds. */
class DiskRequestsTest {
    private final List<long[]> told = new ArrayList<>();
    private final DiskCompletion record = (tag, result) -> told.add(new long[] {tag, result});

    @Test
    void shouldNeverLetALateCompletionReachTheRequestThatReusedItsSlot() {
        DiskRequests requests = new DiskRequests();
        DiskRequests.Request first = requests.take(DiskRequests.READ, 3, null, 0, 0, 0, record, 1);
        int slot = first.slot;
        int generation = first.generation;
        requests.complete(first, 4096);
        DiskRequests.Request second = requests.take(DiskRequests.READ, 3, null, 0, 0, 0, record, 2);
        assertThat(second.slot).as("the slot is reused").isEqualTo(slot);
        assertThat(requests.find(slot, generation)).as("the old generation finds nothing").isNull();
        assertThat(requests.find(slot, second.generation)).isSameAs(second);
        // The same packing the ring carries: a late CQE of the first request decodes to the old generation.
        long lateUserData = UserData.pack(UringEventLoop.OP_DISK, slot, generation);
        assertThat(requests.find(UserData.id(lateUserData), UserData.generation(lateUserData))).isNull();
    }

    @Test
    void shouldFreeTheSlotBeforeTellingSoTheCompletionCanSubmitAgain() {
        DiskRequests requests = new DiskRequests();
        DiskCompletion resubmit = new DiskCompletion() {
            @Override
            public void onDiskComplete(long tag, int result) {
                if (tag < 3) {
                    requests.take(DiskRequests.READ, 3, null, 0, 0, 0, this, tag + 1);
                }
                told.add(new long[] {tag, result});
            }
        };
        DiskRequests.Request r = requests.take(DiskRequests.READ, 3, null, 0, 0, 0, resubmit, 1);
        requests.complete(r, 0);
        assertThat(requests.inFlight()).isEqualTo(1);
        assertThat(requests.find(r.slot, r.generation)).as("the chained request took the same slot").isNotNull();
    }

    @Test
    void shouldFailOnlyTheRequestWhoseCompletionThrowsNeverTheLoop() {
        DiskRequests requests = new DiskRequests();
        List<String> failed = new ArrayList<>();
        DiskCompletion buggy = new DiskCompletion() {
            @Override
            public void onDiskComplete(long tag, int result) {
                throw new IllegalStateException("owner bug");
            }

            @Override
            public void onCompletionFailed(long tag, RuntimeException failure) {
                failed.add(tag + ": " + failure.getMessage());
            }
        };
        DiskRequests.Request bad = requests.take(DiskRequests.READ, 3, null, 0, 0, 0, buggy, 7);
        DiskRequests.Request good = requests.take(DiskRequests.READ, 3, null, 0, 0, 0, record, 8);
        requests.complete(bad, 4096); // must not throw into the loop
        requests.complete(good, 4096);
        assertThat(failed).containsExactly("7: owner bug");
        assertThat(told).hasSize(1);
        assertThat(requests.inFlight()).isZero();
    }

    @Test
    void shouldCheckBoundsOnceForBothEngines() {
        DiskRequests requests = new DiskRequests();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(8192, 4096);
            assertThatThrownBy(() -> requests.take(DiskRequests.READ, 3, buffer, 4096, 8192, 0, record, 0))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            assertThat(requests.inFlight()).isZero();
        }
    }

    @Test
    void shouldGrowPastItsFirstTableAndPackIdsAndGenerationsApart() {
        DiskRequests requests = new DiskRequests();
        List<DiskRequests.Request> open = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            open.add(requests.take(DiskRequests.WRITE_DURABLE, 3, null, 0, 0, 0, record, i));
        }
        assertThat(requests.inFlight()).isEqualTo(200);
        for (DiskRequests.Request r : open) {
            requests.complete(r, 7);
        }
        assertThat(told).hasSize(200);
        assertThat(told.get(199)[0]).isEqualTo(199);
        long ud = UserData.pack(9, 0x7fff_fff0, 0xab_cdef);
        assertThat(UserData.op(ud)).isEqualTo(9);
        assertThat(UserData.id(ud)).isEqualTo(0x7fff_fff0);
        assertThat(UserData.generation(ud)).isEqualTo(0xab_cdef);
    }
}
