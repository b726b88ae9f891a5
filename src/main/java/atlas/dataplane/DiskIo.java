package atlas.dataplane;

import java.lang.foreign.MemorySegment;

/**
 * One core's disk: the O_DIRECT reads and writes and the data syncs that whoever on the core needs storage submits
 * — a response body's read window, an upload's body writes, the group commit's journal writes. Sockets are
 * {@link Transport}'s; nothing here knows about connections.
 * <p>
 * Every request is a submission that completes exactly once, on the core's thread and always in a later call than
 * the submission (never nested inside it), with {@link DiskCompletion#onDiskComplete(long, int)}: the caller's
 * {@code tag} and the byte count, or {@code -errno}. Writes complete whole (a short write is continued by the
 * engine) or fail; a read is short only at the end of the file. Requests are never cancelled: a connection that
 * closes while its read is in flight still gets the completion, and only then may it give the buffer back.
 * <p>
 * Buffer ownership: {@code [offset, offset + length)} of {@code buffer} belongs to the disk from the submission to
 * the completion; the submitter must not touch, release or reuse it in between. Offsets, lengths and file offsets
 * follow O_DIRECT's alignment (the volume's block size) for the data file; the journal's writes are its own.
 */
public interface DiskIo {
    /** Reads {@code length} bytes at {@code fileOffset} of {@code fd} into {@code buffer[offset, offset+length)}. */
    void read(int fd, MemorySegment buffer, long offset, int length, long fileOffset, DiskCompletion completion,
              long tag);

    /**
     * Writes {@code buffer[offset, offset+length)} at {@code fileOffset} of {@code fd}, durably: RWF_DSYNC (io_uring)
     * or an O_DSYNC descriptor, so the completion means the bytes survive a power cut.
     */
    void writeDurable(int fd, MemorySegment buffer, long offset, int length, long fileOffset,
                      DiskCompletion completion, long tag);

    /**
     * Writes without O_DSYNC: the bytes are readable when it completes and durable only after a later
     * {@link #syncData}. For bytes whose durable copy is elsewhere (an inline journal entry).
     */
    void writeLazy(int fd, MemorySegment buffer, long offset, int length, long fileOffset,
                   DiskCompletion completion, long tag);

    /** fdatasync of {@code fd}: every write to it that completed before the submission is durable at completion. */
    void syncData(int fd, DiskCompletion completion, long tag);

    /**
     * Says that {@code fds} (the volume's device descriptors) carry this core's disk I/O, before any request to them.
     * An engine may register them with the kernel (io_uring: a fixed-file table, so no descriptor lookup and
     * reference count per I/O); the others ignore it. Requests may still name any descriptor.
     */
    default void registerFiles(int[] fds) {
    }

    /** Requests submitted and not completed yet: the core may not stop (nor unmap buffers) before this is 0. */
    int inFlight();
}
