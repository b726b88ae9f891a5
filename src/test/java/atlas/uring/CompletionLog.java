package atlas.uring;

import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;

/** Test-only handler that keeps every CQE (tests may allocate; the ring does not). */
final class CompletionLog implements CompletionHandler {
    record Cqe(long userData, int res, int flags) {
        boolean more() {
            return (flags & IoUringConstants.IORING_CQE_F_MORE) != 0;
        }

        boolean notif() {
            return (flags & IoUringConstants.IORING_CQE_F_NOTIF) != 0;
        }
    }

    private static final long WAIT_SLICE_NS = 50_000_000L;
    private static final long DEADLINE_NS = 5_000_000_000L;

    final List<Cqe> cqes = new ArrayList<>();

    @Override
    public void onCompletion(long userData, int res, int flags) {
        cqes.add(new Cqe(userData, res, flags));
    }

    /** Submits what is pending and reaps until at least {@code count} CQEs are logged in total (5 s at most). */
    List<Cqe> awaitTotal(IoUring ring, int count) throws IoUringException {
        long deadline = System.nanoTime() + DEADLINE_NS;
        ring.submit();
        ring.forEachCompletion(this);
        while (cqes.size() < count) {
            if (System.nanoTime() > deadline) {
                fail("only " + cqes.size() + " of " + count + " CQEs within 5 s: " + cqes);
            }
            ring.submitAndWait(1, WAIT_SLICE_NS);
            ring.forEachCompletion(this);
        }
        return cqes;
    }

    /** Waits for {@code count} more CQEs than are logged now; returns just those. */
    List<Cqe> awaitMore(IoUring ring, int count) throws IoUringException {
        int from = cqes.size();
        awaitTotal(ring, from + count);
        return List.copyOf(cqes.subList(from, cqes.size()));
    }

    Cqe only(long userData) {
        List<Cqe> matching = cqes.stream().filter(c -> c.userData() == userData).toList();
        if (matching.size() != 1) {
            fail("expected one CQE for user_data " + userData + ", got " + matching);
        }
        return matching.get(0);
    }
}
