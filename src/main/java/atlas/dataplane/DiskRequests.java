package atlas.dataplane;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;

/**
 * The {@link DiskIo} requests of one core that are in flight, in reusable slots: what both engines' disks keep per
 * request (what to do, where, and whom to tell) and how a completion finds its request again.
 * <p>
 * A slot is named by its index and a generation bumped each time it is freed, so a completion that arrives for a
 * slot already reused — which correct code never produces, but a kernel or bookkeeping bug could — is detected and
 * dropped instead of reaching the wrong request ({@link #find}). Slots are reused last-in-first-out (the one
 * touched last is warm in cache); the table grows when a burst needs more and never shrinks.
 * <p>
 * Thread: the core's only. Taking and completing a slot allocates nothing once the table has grown.
 */
final class DiskRequests {
    static final int READ = 1;
    static final int WRITE_DURABLE = 2;
    static final int WRITE_LAZY = 3;
    static final int SYNC = 4;
    /** Generations wrap at 24 bits: what a 64-bit io_uring user_data has room for beside a 32-bit slot and the op. */
    static final int GENERATION_MASK = UserData.GENERATION_MASK;

    /** One request; its fields are valid from {@link #take} until {@link #complete}. */
    static final class Request {
        final int slot;
        int generation;
        int kind;
        int fd;
        MemorySegment buffer;
        long offset;
        int length;
        long fileOffset;
        /** Bytes written so far (a short write continues from here). */
        int done;
        DiskCompletion completion;
        long tag;

        Request(int slot) {
            this.slot = slot;
        }

        boolean isWrite() {
            return kind == WRITE_DURABLE || kind == WRITE_LAZY;
        }
    }

    private Request[] slots = new Request[64];
    private int[] free = new int[64];
    private int freeCount;
    private int created;
    private int inFlight;
    private long completionFailures;
    private static final int FAILURES_PRINTED = 10;

    /** A slot holding the request; the caller submits it. Bounds are checked here, once, for both engines. */
    Request take(int kind, int fd, MemorySegment buffer, long offset, int length, long fileOffset,
                 DiskCompletion completion, long tag) {
        Objects.requireNonNull(completion, "completion");
        if (buffer != null) {
            Objects.checkFromIndexSize(offset, length, buffer.byteSize());
        }
        Request r;
        if (freeCount > 0) {
            r = slots[free[--freeCount]];
        } else {
            if (created == slots.length) {
                slots = Arrays.copyOf(slots, created * 2);
                free = Arrays.copyOf(free, created * 2);
            }
            r = new Request(created);
            slots[created++] = r;
        }
        r.kind = kind;
        r.fd = fd;
        r.buffer = buffer;
        r.offset = offset;
        r.length = length;
        r.fileOffset = fileOffset;
        r.done = 0;
        r.completion = completion;
        r.tag = tag;
        inFlight++;
        return r;
    }

    /** The request in {@code slot} if it is still generation {@code generation}, else null (a stale completion). */
    Request find(int slot, int generation) {
        if (slot < 0 || slot >= created) {
            return null;
        }
        Request r = slots[slot];
        return r.completion != null && r.generation == generation ? r : null;
    }

    /**
     * Frees the slot, then tells the submitter — in that order, so the completion may submit its next request into
     * the same slot.
     */
    void complete(Request r, int result) {
        DiskCompletion completion = r.completion;
        long tag = r.tag;
        r.completion = null;
        r.buffer = null;
        r.generation = (r.generation + 1) & GENERATION_MASK;
        free[freeCount++] = r.slot;
        inFlight--;
        try {
            completion.onDiskComplete(tag, result);
        } catch (RuntimeException e) {
            // One request's bug fails that request, never the core (whose loop called us).
            completionFailures++;
            if (completionFailures <= FAILURES_PRINTED) {
                System.err.println("atlas: a disk completion failed: " + e);
                e.printStackTrace();
            }
            try {
                completion.onCompletionFailed(tag, e);
            } catch (RuntimeException again) {
                // Its clean-up failed too; nothing more can be done for it here.
            }
        }
    }

    int inFlight() {
        return inFlight;
    }
}
