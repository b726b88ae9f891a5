package atlas.dataplane;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link DiskIo} the test drives: requests queue up as submitted and complete only when the test says so, in
 * order — the way a ring's completions arrive in a later turn. Reads and writes on any descriptor go to one
 * in-memory file, so a test can check the bytes that would have reached flash.
 */
public final class FakeDisk implements DiskIo {
    /** One submitted request. */
    public record Request(Kind kind, int fd, MemorySegment buffer, long offset, int length, long fileOffset,
                          DiskCompletion completion, long tag) {
    }

    public enum Kind { READ, WRITE_DURABLE, WRITE_LAZY, SYNC }

    private final ArrayDeque<Request> pending = new ArrayDeque<>();
    private final List<Request> submitted = new ArrayList<>();
    private byte[] file = new byte[0];

    /** The in-memory file's contents (replaced). */
    public void file(byte[] contents) {
        file = contents.clone();
    }

    public byte[] file() {
        return file.clone();
    }

    @Override
    public void read(int fd, MemorySegment buffer, long offset, int length, long fileOffset,
                     DiskCompletion completion, long tag) {
        submit(new Request(Kind.READ, fd, buffer, offset, length, fileOffset, completion, tag));
    }

    @Override
    public void writeDurable(int fd, MemorySegment buffer, long offset, int length, long fileOffset,
                             DiskCompletion completion, long tag) {
        submit(new Request(Kind.WRITE_DURABLE, fd, buffer, offset, length, fileOffset, completion, tag));
    }

    @Override
    public void writeLazy(int fd, MemorySegment buffer, long offset, int length, long fileOffset,
                          DiskCompletion completion, long tag) {
        submit(new Request(Kind.WRITE_LAZY, fd, buffer, offset, length, fileOffset, completion, tag));
    }

    @Override
    public void syncData(int fd, DiskCompletion completion, long tag) {
        submit(new Request(Kind.SYNC, fd, null, 0, 0, 0, completion, tag));
    }

    private void submit(Request r) {
        pending.addLast(r);
        submitted.add(r);
    }

    @Override
    public int inFlight() {
        return pending.size();
    }

    /** Every request ever submitted, in order. */
    public List<Request> submitted() {
        return submitted;
    }

    /** The oldest request not completed yet, or null. */
    public Request next() {
        return pending.peekFirst();
    }

    /** Performs the oldest request against the in-memory file and completes it (a read is short past the end). */
    public Request complete() {
        Request r = take();
        int result = switch (r.kind()) {
            case SYNC -> 0;
            case READ -> {
                int n = (int) Math.max(0, Math.min(r.length(), file.length - r.fileOffset()));
                MemorySegment.copy(file, (int) r.fileOffset(), r.buffer(), ValueLayout.JAVA_BYTE, r.offset(), n);
                yield n;
            }
            case WRITE_DURABLE, WRITE_LAZY -> {
                long end = r.fileOffset() + r.length();
                if (end > file.length) {
                    file = java.util.Arrays.copyOf(file, (int) end);
                }
                MemorySegment.copy(r.buffer(), ValueLayout.JAVA_BYTE, r.offset(), file, (int) r.fileOffset(),
                        r.length());
                yield r.length();
            }
        };
        r.completion().onDiskComplete(r.tag(), result);
        return r;
    }

    /** Completes the oldest request with {@code result} (e.g. {@code -EIO}) without touching the file. */
    public Request completeWith(int result) {
        Request r = take();
        r.completion().onDiskComplete(r.tag(), result);
        return r;
    }

    /** Completes requests until none is pending (including those submitted by completions). */
    public void completeAll() {
        while (!pending.isEmpty()) {
            complete();
        }
    }

    private Request take() {
        Request r = pending.pollFirst();
        if (r == null) {
            throw new AssertionError("no disk request pending");
        }
        return r;
    }
}
