package atlas.dataplane;

import atlas.posix.Errno;
import atlas.uring.IoUring;
import atlas.uring.IoUringConstants;
import atlas.uring.IoUringException;

import java.lang.foreign.MemorySegment;

/**
 * The {@link DiskIo} of one io_uring core: each request becomes an SQE on the core's own ring, beside its socket
 * operations, so a read that completes is followed by its send in the same turn (Atlas §3). Reads and writes into
 * the core's registered buffers go as READ_FIXED/WRITE_FIXED (no per-I/O page pinning); a short write is continued
 * here, so the submitter sees whole writes only.
 * <p>
 * Thread: the core's loop thread. Attached to the loop once its ring exists ({@link #attach}); nothing may be
 * submitted before.
 */
final class UringDiskIo implements DiskIo {
    private final DiskRequests requests = new DiskRequests();
    private UringEventLoop loop;
    private long staleCompletions;
    /** Descriptors to register as fixed files at the next submission (set before the ring may exist). */
    private int[] filesToRegister;
    /** Fixed-file index by descriptor number, -1 where not registered; empty until registered. */
    private int[] fixedIndexByFd = new int[0];

    void attach(UringEventLoop loop) {
        this.loop = loop;
    }

    @Override
    public void registerFiles(int[] fds) {
        filesToRegister = fds.clone();
    }

    /**
     * Gives the registered files back before the ring closes (nothing may be in flight): the kernel tears a closed
     * ring down asynchronously, and until then registered files stay open — the volume's devices too, after the
     * process closed its own descriptors.
     */
    void unregisterFiles() {
        if (fixedIndexByFd.length == 0) {
            return;
        }
        fixedIndexByFd = new int[0];
        try {
            loop.ring().unregisterFiles();
        } catch (IoUringException e) {
            System.err.println("atlas: unregistering io_uring fixed files failed: " + e.getMessage());
        }
    }

    /** Registers the pending files on the ring (once, on the core's thread); a refusal leaves plain descriptors. */
    private void registerPendingFiles() {
        int[] fds = filesToRegister;
        filesToRegister = null;
        try {
            loop.ring().registerFiles(fds);
        } catch (IoUringException e) {
            System.err.println("atlas: io_uring fixed files refused (" + e.getMessage() + "); disk I/O names "
                    + "descriptors instead");
            return;
        }
        int max = 0;
        for (int fd : fds) {
            max = Math.max(max, fd);
        }
        int[] byFd = new int[max + 1];
        java.util.Arrays.fill(byFd, -1);
        for (int i = 0; i < fds.length; i++) {
            byFd[fds[i]] = i;
        }
        fixedIndexByFd = byFd;
    }

    @Override
    public void read(int fd, MemorySegment buffer, long offset, int length, long fileOffset,
                     DiskCompletion completion, long tag) {
        submit(requests.take(DiskRequests.READ, fd, buffer, offset, length, fileOffset, completion, tag));
    }

    @Override
    public void writeDurable(int fd, MemorySegment buffer, long offset, int length, long fileOffset,
                             DiskCompletion completion, long tag) {
        submit(requests.take(DiskRequests.WRITE_DURABLE, fd, buffer, offset, length, fileOffset, completion, tag));
    }

    @Override
    public void writeLazy(int fd, MemorySegment buffer, long offset, int length, long fileOffset,
                          DiskCompletion completion, long tag) {
        submit(requests.take(DiskRequests.WRITE_LAZY, fd, buffer, offset, length, fileOffset, completion, tag));
    }

    @Override
    public void syncData(int fd, DiskCompletion completion, long tag) {
        submit(requests.take(DiskRequests.SYNC, fd, null, 0, 0, 0, completion, tag));
    }

    @Override
    public int inFlight() {
        return requests.inFlight();
    }

    private void submit(DiskRequests.Request r) {
        if (filesToRegister != null) {
            registerPendingFiles();
        }
        IoUring ring = loop.ring();
        long sqe = loop.sqe();
        long ud = UserData.pack(UringEventLoop.OP_DISK, r.slot, r.generation);
        int fixedFile = r.fd < fixedIndexByFd.length ? fixedIndexByFd[r.fd] : -1;
        int fd = fixedFile >= 0 ? fixedFile : r.fd;
        if (r.kind == DiskRequests.SYNC) {
            ring.prepFsync(sqe, fd, true, ud);
            markFixed(ring, sqe, fixedFile);
            return;
        }
        long address = r.buffer.address() + r.offset + r.done;
        int length = r.length - r.done;
        long fileOffset = r.fileOffset + r.done;
        int bufIndex = loop.registeredIndex(address, length);
        boolean fixed = bufIndex != RegisteredBuffers.NOT_REGISTERED;
        if (r.kind == DiskRequests.READ) {
            if (fixed) {
                ring.prepReadFixed(sqe, fd, address, length, bufIndex, fileOffset, ud);
            } else {
                ring.prepRead(sqe, fd, address, length, fileOffset, ud);
            }
            markFixed(ring, sqe, fixedFile);
            return;
        }
        // A durable write says so per request (RWF_DSYNC) even on an O_DSYNC descriptor, so durability never
        // depends on how the descriptor was opened.
        int rwFlags = r.kind == DiskRequests.WRITE_DURABLE ? IoUringConstants.RWF_DSYNC : 0;
        if (fixed) {
            ring.prepWriteFixed(sqe, fd, address, length, bufIndex, fileOffset, rwFlags, ud);
        } else {
            ring.prepWrite(sqe, fd, address, length, fileOffset, rwFlags, ud);
        }
        markFixed(ring, sqe, fixedFile);
    }

    private static void markFixed(IoUring ring, long sqe, int fixedFile) {
        if (fixedFile >= 0) {
            ring.addSqeFlags(sqe, IoUringConstants.IOSQE_FIXED_FILE);
        }
    }

    /** A CQE of a disk request: continue a short write, else complete the request. */
    void onCompletion(int slot, int generation, int res) {
        DiskRequests.Request r = requests.find(slot, generation);
        if (r == null) {
            // A completion for a slot already completed or reused: a bookkeeping bug. Dropping it keeps the wrong
            // request from being told; say so loudly, once in a while.
            if (staleCompletions++ % 1000 == 0) {
                System.err.println("atlas: dropped a stale disk completion (slot " + slot + ", generation "
                        + generation + ", result " + res + "); " + staleCompletions + " so far");
            }
            return;
        }
        if (r.isWrite()) {
            if (res > 0 && r.done + res < r.length) {
                r.done += res; // short write: O_DIRECT keeps the rest block aligned
                submit(r);
                return;
            }
            res = res < 0 ? res : res == 0 ? -Errno.EIO : r.length;
        }
        requests.complete(r, res);
    }
}
