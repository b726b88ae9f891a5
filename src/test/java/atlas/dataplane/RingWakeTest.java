package atlas.dataplane;

import atlas.posix.Errno;
import atlas.uring.IoUring;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A post from another thread ends the ring's wait with the wake's completion — within one wait of ten seconds,
 * never by its timeout — and again after each re-arm, as the loop does. Before RingWake, the loop posted a zero
 * (an array of one zeroed long, not the value 1): the kernel's poll woke, its read retry found a zero count and
 * went back to waiting, and every post waited for the loop's 100 ms timeout.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RingWakeTest {
    private static final long TEN_SECONDS_NS = TimeUnit.SECONDS.toNanos(10);

    @Test
    void shouldEndTheRingsWaitOnEveryPostFromAnotherThread() throws Exception {
        try (IoUring ring = IoUring.open(8); RingWake wake = RingWake.open(Arena.ofAuto())) {
            for (long round = 1; round <= 3; round++) {
                wake.arm(ring, ring.nextSqe(), round);
                ring.submit();
                Thread poster = Thread.ofPlatform().start(wake::post);
                List<Long> completed = new ArrayList<>();
                List<Integer> results = new ArrayList<>();
                int waited = ring.submitAndWait(1, TEN_SECONDS_NS);
                ring.forEachCompletion((userData, res, flags) -> {
                    completed.add(userData);
                    results.add(res);
                });
                poster.join();
                assertThat(waited).as("round %d ended by a completion, not the timeout", round)
                        .isNotEqualTo(-Errno.ETIME);
                assertThat(completed).containsExactly(round);
                assertThat(results).as("the read took the counter (8 bytes)").containsExactly(8);
            }
        }
    }
}
