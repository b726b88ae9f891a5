package atlas.dataplane;

import atlas.posix.Errno;
import atlas.posix.Libc;
import atlas.posix.PosixException;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;

/**
 * The {@link DiskIo} of one NIO core. Java has no asynchronous O_DIRECT file I/O, so requests are queued and
 * performed synchronously by the loop at one point of its turn ({@link #performQueued}): an O_DIRECT pread of a
 * chunk or an O_DSYNC write of a journal group takes tens of microseconds to a millisecond of flash, paid on the
 * core thread — the NIO engine's known cost, which the io_uring engine removes. Completions are delivered from
 * there, never inside the submitting call, as on io_uring.
 */
final class NioDiskIo implements DiskIo {
    private final DiskRequests requests = new DiskRequests();
    private final ArrayDeque<DiskRequests.Request> queued = new ArrayDeque<>();

    @Override
    public void read(int fd, MemorySegment buffer, long offset, int length, long fileOffset,
                     DiskCompletion completion, long tag) {
        queued.addLast(requests.take(DiskRequests.READ, fd, buffer, offset, length, fileOffset, completion, tag));
    }

    @Override
    public void writeDurable(int fd, MemorySegment buffer, long offset, int length,
                             long fileOffset, DiskCompletion completion, long tag) {
        queued.addLast(requests.take(DiskRequests.WRITE_DURABLE, fd, buffer, offset, length, fileOffset,
                completion, tag));
    }

    @Override
    public void writeLazy(int fd, MemorySegment buffer, long offset, int length,
                          long fileOffset, DiskCompletion completion, long tag) {
        queued.addLast(requests.take(DiskRequests.WRITE_LAZY, fd, buffer, offset, length, fileOffset,
                completion, tag));
    }

    @Override
    public void syncData(int fd, DiskCompletion completion, long tag) {
        queued.addLast(requests.take(DiskRequests.SYNC, fd, null, 0, 0, 0, completion, tag));
    }

    @Override
    public int inFlight() {
        return requests.inFlight();
    }

    boolean hasQueued() {
        return !queued.isEmpty();
    }

    /**
     * Performs the requests queued before this call and delivers their completions; requests those completions
     * submit wait for the next turn, so one turn's disk work stays bounded.
     */
    void performQueued() {
        for (int n = queued.size(); n > 0; n--) {
            DiskRequests.Request r = queued.pollFirst();
            requests.complete(r, perform(r));
        }
    }

    private static int perform(DiskRequests.Request r) {
        try {
            if (r.kind == DiskRequests.SYNC) {
                Libc.fdatasync(r.fd);
                return 0;
            }
            if (r.kind == DiskRequests.READ) {
                long done = 0;
                while (done < r.length) {
                    long n = Libc.pread(r.fd, r.buffer.asSlice(r.offset + done, r.length - done), r.length - done,
                            r.fileOffset + done);
                    if (n == 0) {
                        break; // end of file
                    }
                    done += n;
                }
                return (int) done;
            }
            // Durable writes go to an O_DSYNC descriptor (the caller's choice of fd, as on io_uring).
            long done = 0;
            while (done < r.length) {
                long n = Libc.pwrite(r.fd, r.buffer.asSlice(r.offset + done, r.length - done), r.length - done,
                        r.fileOffset + done);
                if (n <= 0) {
                    return -Errno.EIO;
                }
                done += n;
            }
            return r.length;
        } catch (PosixException e) {
            return -e.errno();
        }
    }
}
