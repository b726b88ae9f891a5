package atlas.bench;

import static atlas.uring.IoUringConstants.MSG_NOSIGNAL;

import atlas.posix.PosixException;
import atlas.uring.CompletionHandler;
import atlas.posix.Errno;
import atlas.uring.IoUring;
import atlas.uring.IoUringException;
import atlas.uring.Sockets;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Small SENDs over one loopback TCP connection, with the receiving end drained by a RECV on the SAME ring — the
 * shape of a per-core loop that owns both ends of its I/O. Scores are sends completed per second on one thread
 * (one core): a SEND counts once its CQE is reaped. Every byte sent is also received and checked at the end, so
 * the receive work is inside the measurement, not deferred past it.
 * <pre>
 *   accepted fd ──SEND {@code size} B──▶ loopback TCP ──▶ client fd ──RECV (64 KiB, re-armed on each CQE)
 *        ╰──────────────── both submitted and reaped by one ring, one thread ───────────────╯
 * </pre>
 * {@code batch} SENDs are submitted per {@code io_uring_enter}; {@code @OperationsPerInvocation} needs a
 * constant, hence one method per batch. TCP_NODELAY is set as the server does, so each send is one segment.
 * {@code -prof gc} should show ~0 B/op.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class RingSendBenchmark {
    /** Bytes per SEND. */
    @Param({"64", "1024"})
    public int size;

    private static final long SEND = 1;
    private static final long RECV = 2;
    private static final long ACCEPT = 3;
    private static final int RECV_BYTES = 64 * 1024;
    private static final int SQ_ENTRIES = 64;

    private Arena arena;
    private IoUring ring;
    private int listenFd = -1;
    private int clientFd = -1;
    private int serverFd = -1;
    private MemorySegment sendBuffer;
    private final Loop loop = new Loop();

    /** The one completion handler of this "core": counts sends and bytes, keeps the RECV armed. */
    final class Loop implements CompletionHandler {
        int pendingSends;
        long sendsCompleted;
        long bytesSent;
        long bytesReceived;
        long recvBuffer;
        int acceptedFd = -1;

        @Override
        public void onCompletion(long userData, int res, int flags) {
            if (userData == SEND) {
                if (res < 0) {
                    throw new IllegalStateException("SEND: " + Errno.describe(res));
                }
                pendingSends--;
                sendsCompleted++;
                bytesSent += res; // a short send only moves fewer bytes; the check at the end still balances
            } else if (userData == RECV) {
                if (res <= 0) {
                    throw new IllegalStateException("RECV: " + (res == 0 ? "EOF" : Errno.describe(res)));
                }
                bytesReceived += res;
                armRecv(); // submitted with the next enter
            } else if (userData == ACCEPT) {
                if (res < 0) {
                    throw new IllegalStateException("ACCEPT: " + Errno.describe(res));
                }
                acceptedFd = res;
            }
        }

        void armRecv() {
            ring.prepRecv(ring.nextSqe(), clientFd, recvBuffer, RECV_BYTES, 0, RECV);
        }
    }

    @Setup(Level.Trial)
    public void open() throws IoUringException, PosixException {
        // A throwaway ring first: the first close() links the munmap/close downcalls (MBs of one-off method-handle
        // spinning), which would otherwise land in the last iteration's gc.alloc.rate.norm via @TearDown.
        IoUring.open(SQ_ENTRIES).close();
        arena = Arena.ofConfined();
        ring = IoUring.open(SQ_ENTRIES);
        listenFd = Sockets.listenTcp("127.0.0.1", 0, 16, false);
        clientFd = Sockets.connectTcp("127.0.0.1", Sockets.localPort(listenFd)); // completes from the backlog
        ring.prepAccept(ring.nextSqe(), listenFd, Sockets.SOCK_CLOEXEC, ACCEPT);
        while (loop.acceptedFd < 0) {
            ring.submitAndWait(1);
            ring.forEachCompletion(loop);
        }
        serverFd = loop.acceptedFd;
        Sockets.setIntOption(serverFd, Sockets.IPPROTO_TCP, Sockets.TCP_NODELAY, 1);
        Sockets.setIntOption(clientFd, Sockets.IPPROTO_TCP, Sockets.TCP_NODELAY, 1);
        sendBuffer = arena.allocate(size, 64).fill((byte) 'x');
        loop.recvBuffer = arena.allocate(RECV_BYTES, 4096).address();
        loop.armRecv();
        ring.submitAndWait(0, 1_000_000L); // links the timed-wait path the teardown drains with, for the same reason
        ring.forEachCompletion(loop);
    }

    @TearDown(Level.Trial)
    public void close() throws IoUringException, PosixException {
        try {
            // Let the receiver catch up, then check that every byte sent arrived.
            long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (loop.bytesReceived < loop.bytesSent && System.nanoTime() < deadlineNs) {
                ring.submitAndWait(1, TimeUnit.MILLISECONDS.toNanos(100));
                ring.forEachCompletion(loop);
            }
            if (loop.bytesReceived != loop.bytesSent) {
                throw new IllegalStateException("sent " + loop.bytesSent + " B but received " + loop.bytesReceived);
            }
        } finally {
            ring.close(); // cancels the armed RECV
            Sockets.close(clientFd);
            Sockets.close(serverFd);
            Sockets.close(listenFd);
            arena.close();
        }
    }

    @Benchmark
    @OperationsPerInvocation(1)
    public long batch01() throws IoUringException {
        return turn(1);
    }

    @Benchmark
    @OperationsPerInvocation(16)
    public long batch16() throws IoUringException {
        return turn(16);
    }

    /**
     * One loop turn: prepare {@code n} SENDs, then enter (submit + wait) and reap until all n completed; RECV
     * completions reaped on the way re-arm themselves and ride along with the next enter.
     */
    private long turn(int n) throws IoUringException {
        IoUring r = ring;
        long address = sendBuffer.address();
        int length = size;
        for (int i = 0; i < n; i++) {
            r.prepSend(r.nextSqe(), serverFd, address, length, MSG_NOSIGNAL, SEND);
        }
        loop.pendingSends += n;
        while (loop.pendingSends > 0) {
            int rc = r.submitAndWait(1);
            if (rc < 0 && rc != -Errno.EAGAIN && rc != -Errno.EBUSY) { // those two: reap, then enter again
                throw new IllegalStateException("io_uring_enter: " + Errno.describe(rc));
            }
            r.forEachCompletion(loop);
        }
        return loop.sendsCompleted;
    }
}
