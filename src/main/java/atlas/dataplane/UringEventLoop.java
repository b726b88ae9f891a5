package atlas.dataplane;

import atlas.posix.Downcalls;
import atlas.posix.Libc;
import atlas.posix.PosixException;
import atlas.uring.CompletionHandler;
import atlas.posix.Errno;
import atlas.uring.IoUring;
import atlas.uring.IoUringConstants;
import atlas.uring.IoUringException;
import atlas.uring.Sockets;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One core of the io_uring dataplane (IX on stock Linux): a pinned thread owning one ring through which go its
 * accepts, socket receives and sends, and O_DIRECT disk reads and durable writes — storage and network
 * completions interleave on the same queue, so a disk read that completes is followed by its send in the same
 * turn, while the data is still in cache (Atlas §3).
 *
 * <pre>
 *  turn:  io_uring_enter(submit everything the last turn produced, wait for >= 1 completion or 100 ms)
 *           -> for each CQE: dispatch by user_data to its connection (bounded by the CQ size: IX's batch)
 *           -> protocol.onTurnEnd()   (group commit of everything the turn staged)
 *           -> every 100 ms: expire deadlines
 * </pre>
 * Batching is adaptive without a timer: under load a turn reaps many completions and produces many SQEs, all
 * submitted by the next single enter; when idle a turn handles one event and submits at once.
 *
 * Every completion finds its owner by {@code user_data} ({@link UserData}): a connection by id and generation, a
 * disk request by its slot in the {@link UringDiskIo}, an accept by its listener.
 */
final class UringEventLoop implements Runnable, CompletionHandler {
    private static final int RING_ENTRIES = 4096;
    /** One I/O buffer's worth: enough queued to keep the link busy for a read's latency, little enough to clock. */
    private static final int NOTSENT_LOWAT_BYTES = 256 * 1024;
    private static final long WAIT_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long SWEEP_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(100);

    private static final int OP_ACCEPT = 1;
    private static final int OP_RECV = 2;
    private static final int OP_SEND = 3;
    /** Any {@link DiskIo} request; the id is its slot in {@link UringDiskIo}. */
    static final int OP_DISK = 4;
    private static final int OP_CANCEL = 6;
    private static final int OP_SEND_ZC = 7;
    private static final int OP_SENDMSG = 9;
    /** The inbox's eventfd became readable: something was posted to this core. */
    private static final int OP_WAKE = 10;
    /** A file send (sendfile on the core thread) may go on: its socket has room (POLL_ADD), or it is done (NOP). */
    private static final int OP_FILE_SEND = 11;

    private final CoreContext context;
    /** One per {@link EngineSettings#listeners()} entry; an accept's user_data carries the index. */
    private final int[] listenFds;
    private final CoreProtocol protocol;
    private final UringDiskIo disk;
    private final int maxConnections;
    private final EngineSettings.ZeroCopy sendZeroCopy;
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** Released by the engine once every core's ring is up and the listeners listen (or at shutdown). */
    private final CountDownLatch accepting = new CountDownLatch(1);
    /** Completed by the loop thread once its ring exists: null, or why it could not be set up. */
    private final CompletableFuture<String> started = new CompletableFuture<>();
    private final ConnectionTable<UringConnection> connections;
    private IoUring ring;
    private RegisteredBuffers fixed;
    private volatile boolean shutdownRequested;
    private volatile long graceDeadlineNs;
    private boolean draining;
    private final boolean[] acceptArmed;
    private final LoopClock clock;
    private final CoreInbox inbox;
    /** What posters write to end the ring's wait; null until the ring is up (or without an eventfd). */
    private RingWake wake;
    private long lastSweepNs;
    private volatile String startupNote = "";
    /** Scratch for getsockopt(TCP_INFO), reused by every connection of this loop: reading it allocates nothing. */
    private final Arena scratch = Arena.ofAuto();
    private final MemorySegment tcpInfo = scratch.allocate(Sockets.TCP_INFO_BYTES, 8);
    private final MemorySegment tcpInfoLength = scratch.allocate(ValueLayout.JAVA_INT);
    private final MemorySegment tcpInfoErrno = Downcalls.newCaptureArea(scratch);
    /** sendfile's off_t argument, reused by every file send of this loop. */
    private final MemorySegment sendfileOffset = scratch.allocate(8, 8);

    UringEventLoop(CoreContext context, int[] listenFds, CoreProtocol protocol, UringDiskIo disk,
                   int maxConnections, EngineSettings.ZeroCopy sendZeroCopy) {
        this.connections = new ConnectionTable<>(context.coreIndex());
        this.clock = context.clock();
        this.inbox = context.inbox();
        this.sendZeroCopy = sendZeroCopy;
        this.context = context;
        this.listenFds = listenFds;
        this.acceptArmed = new boolean[listenFds.length];
        this.protocol = protocol;
        this.disk = disk;
        this.maxConnections = maxConnections;
    }

    long nowNs() {
        return clock.nowNs();
    }

    IoUring ring() {
        return ring;
    }

    /** The congestion window of {@code fd} in bytes (cwnd × MSS), or -1 if the kernel would not say. */
    long congestionWindowBytes(int fd) {
        return Sockets.congestionWindowBytes(fd, tcpInfo, tcpInfoLength, tcpInfoErrno);
    }

    String startupNote() {
        return startupNote;
    }

    @Override
    public void run() {
        Thread.currentThread().setName("atlas-core-" + context.coreIndex());
        CpuPinning.pinCurrentThread(context.cpu());
        try {
            ring = IoUring.open(RING_ENTRIES, RING_ENTRIES * 4, 0);
        } catch (IoUringException e) {
            started.complete("core " + context.coreIndex() + ": " + e.getMessage());
            closeListeners();
            context.closeBuffers();
            stopped.countDown();
            return;
        }
        registerBuffers();
        disk.attach(this);
        try {
            wake = RingWake.open(scratch); // an automatic arena: posters on other threads may read it
            inbox.wakeWith(wake::post);
        } catch (PosixException e) {
            // Without it a posted task waits for the next turn, at most one wait (100 ms) away.
            System.err.println("atlas: core " + context.coreIndex() + ": no eventfd for its inbox: " + e.getMessage());
        }
        started.complete(null);
        clock.tick();
        lastSweepNs = clock.nowNs();
        try {
            accepting.await(); // start-up only: until every core is up, this one has nothing to accept
            clock.tick();
            if (!shutdownRequested) {
                for (int i = 0; i < listenFds.length; i++) {
                    armAccept(i);
                }
            }
            armWake();
            while (true) {
                if (shutdownRequested && !draining) {
                    beginDrain();
                }
                if (draining && disk.inFlight() == 0 && (connections.isEmpty() || clock.nowNs() - graceDeadlineNs >= 0)) {
                    break;
                }
                // A timeout, EAGAIN or EBUSY is an empty turn; any other failure throws (the ring is broken).
                ring.submitAndWait(1, WAIT_NS);
                clock.tick();
                long nowNs = clock.nowNs();
                ring.forEachCompletion(this);
                inbox.drain();
                // Buffers released during the turn reach their waiters here, outside the releasing call, and
                // before the turn end, so what they stage is committed with the rest of the turn.
                context.buffers().deliverGranted();
                protocol.onTurnEnd();
                if (nowNs - lastSweepNs >= SWEEP_INTERVAL_NS) {
                    lastSweepNs = nowNs;
                    connections.expireDeadlines(nowNs);
                    context.buffers().trim(nowNs); // memory back when the load fell (every 10 s at most)
                }
                if (context.buffers().deliverGranted() > 0) {
                    protocol.onTurnEnd(); // released by the turn end or a timeout: do not leave it for 100 ms
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IoUringException | RuntimeException e) {
            System.err.println("atlas: core " + context.coreIndex() + " stopped: " + e);
            e.printStackTrace();
        } finally {
            closeEverything();
            stopped.countDown();
        }
    }

    /**
     * Registers the core's buffers as they come into use, so disk I/O uses READ_FIXED/WRITE_FIXED (the kernel pins
     * each buffer's pages once). Without CAP_IPC_LOCK the 8 MiB RLIMIT_MEMLOCK may refuse it; plain READ/WRITE on
     * O_DIRECT still work.
     */
    private void registerBuffers() {
        fixed = RegisteredBuffers.on(ring, context.buffers());
        startupNote = fixed.note();
    }

    // ---------------------------------------------------------------- submissions

    /** The next free SQE; when the SQ is full within one turn, what is queued goes to the kernel first. */
    long sqe() {
        long sqe = ring.nextSqe();
        while (sqe == IoUring.NO_SQE) {
            try {
                ring.submit();
            } catch (IoUringException e) {
                throw new IllegalStateException(e);
            }
            sqe = ring.nextSqe();
        }
        return sqe;
    }

    private static long userData(int op, UringConnection c) {
        return UserData.pack(op, c.id, c.generation);
    }

    /** Keeps a read of the inbox's eventfd on the ring, so a post ends the ring's wait at once. */
    private void armWake() {
        if (wake != null && !draining) {
            wake.arm(ring, sqe(), UserData.pack(OP_WAKE, 0, 0));
        }
    }


    private void armAccept(int listener) {
        ring.prepAcceptMultishot(sqe(), listenFds[listener], Sockets.SOCK_CLOEXEC,
                UserData.pack(OP_ACCEPT, listener, 0));
        acceptArmed[listener] = true;
    }

    void submitRecv(UringConnection c, long address, int length) {
        c.inflight++;
        ring.prepRecv(sqe(), c.fd, address, length, 0, userData(OP_RECV, c));
    }

    void submitSend(UringConnection c, long address, int length) {
        c.inflight++;
        ring.prepSend(sqe(), c.fd, address, length, IoUringConstants.MSG_NOSIGNAL, userData(OP_SEND, c));
    }

    /** A send of a head that a file send follows at once (MSG_MORE: no partial segment pushed in between). */
    void submitSendMore(UringConnection c, long address, int length) {
        c.inflight++;
        ring.prepSend(sqe(), c.fd, address, length, IoUringConstants.MSG_NOSIGNAL | IoUringConstants.MSG_MORE,
                userData(OP_SEND, c));
    }

    /**
     * One sendfile(2) from {@code fileFd} to the connection's socket, on this thread: it takes references to the
     * file's pages (no copy) and never waits — the socket is made non-blocking for the call only. Its io_uring
     * operations are prepared by the kernel at this turn's submit, after the flag is cleared again, so they keep
     * waiting in the ring as before rather than failing with EAGAIN. Returns the bytes taken or -errno (-EAGAIN:
     * no room).
     */
    long sendfile(UringConnection c, int fileFd, long fileOffset, int count) {
        int set = Libc.setStatusFlags(c.fd, Libc.O_NONBLOCK);
        if (set < 0) {
            return set;
        }
        long n = Libc.sendfile(c.fd, fileFd, sendfileOffset, fileOffset, count);
        int cleared = Libc.setStatusFlags(c.fd, 0);
        return cleared < 0 ? cleared : n;
    }

    /** Wakes the connection's file send when its socket has room ({@code whenWritable}) or next turn (a NOP). */
    void submitFileSendWake(UringConnection c, boolean whenWritable) {
        c.inflight++;
        if (whenWritable) {
            ring.prepPollAdd(sqe(), c.fd, IoUringConstants.POLLOUT, userData(OP_FILE_SEND, c));
        } else {
            ring.prepNop(sqe(), userData(OP_FILE_SEND, c));
        }
    }

    /** A gathered send (TLS records around in-place payloads); the msghdr is at {@code msghdrAddress}. */
    void submitSendmsg(UringConnection c, long msghdrAddress) {
        c.inflight++;
        ring.prepSendmsg(sqe(), c.fd, msghdrAddress, IoUringConstants.MSG_NOSIGNAL, userData(OP_SENDMSG, c));
    }

    /**
     * Zero-copy send from the registered slab: the kernel sends from our pages and returns them with a second,
     * notification CQE once the data is acknowledged — the buffer then goes back to the window (Atlas: buffers
     * recycled when the network is done with them).
     */
    void submitSendZeroCopy(UringConnection c, long address, int length, int bufIndex) {
        c.inflight++;
        c.zeroCopyInFlight = true;
        ring.prepSendZc(sqe(), c.fd, address, length, IoUringConstants.MSG_NOSIGNAL, 0, bufIndex,
                userData(OP_SEND_ZC, c));
    }

    /** The fixed-buffer index of {@code length} bytes at {@code address}, or RegisteredBuffers.NOT_REGISTERED. */
    int registeredIndex(long address, int length) {
        return fixed == null ? RegisteredBuffers.NOT_REGISTERED : fixed.indexOf(address, length);
    }

    /** First phase of closing: cancel what the kernel holds; the fd closes when the last completion arrives. */
    void beginClose(UringConnection c) {
        if (c.inflight == 0) {
            finishClose(c);
            return;
        }
        ring.prepCancelFd(sqe(), c.fd, IoUringConstants.IORING_ASYNC_CANCEL_ALL, userData(OP_CANCEL, c));
        if (c.zeroCopyInFlight) {
            // Zero-copy pages come back (the notification CQE) only when the socket lets go of them, which a peer
            // that stopped reading never makes it do. Abort the connection instead: hand the cancel to the kernel
            // while the fd still names this socket, then close it with SO_LINGER 0 so that its release resets the
            // connection and purges the send queue.
            try {
                ring.submit();
                Sockets.setLinger(c.fd, true, 0);
            } catch (IoUringException | PosixException e) {
                // Still close below; at worst the notification waits for the peer.
            }
            Libc.closeQuietly(c.fd);
            c.fdClosed = true;
        }
    }

    private void finishClose(UringConnection c) {
        if (!c.fdClosed) {
            Libc.closeQuietly(c.fd);
        }
        connections.remove(c);
        try {
            c.handler.onClosed();
        } catch (RuntimeException e) {
            connections.failed(c, e);
        }
    }

    // ---------------------------------------------------------------- completions

    @Override
    public void onCompletion(long userData, int res, int flags) {
        int op = UserData.op(userData);
        int id = UserData.id(userData);
        int generation = UserData.generation(userData);
        if (op == OP_ACCEPT) {
            onAccept(id, res, flags);
            return;
        }
        if (op == OP_CANCEL) {
            return; // the cancelled operations report themselves
        }
        if (op == OP_WAKE) {
            armWake(); // the inbox is drained once this turn's completions are in
            return;
        }
        if (op == OP_DISK) {
            disk.onCompletion(id, generation, res);
            return;
        }
        UringConnection c = connections.find(id, generation);
        if (c == null) {
            return;
        }
        if (op == OP_SEND_ZC && !c.zeroCopyCompletion(res, flags)) {
            return; // result CQE with F_MORE: the kernel still holds the buffer until the notification
        }
        c.inflight--;
        if (c.closing) {
            if (c.inflight == 0) {
                finishClose(c);
            }
            return;
        }
        try {
            switch (op) {
                case OP_RECV -> c.handler.onReceived(res == 0 ? TransportHandler.EOF : res);
                case OP_SEND -> c.onSendCompleted(res);
                case OP_SEND_ZC -> c.onSendCompleted(c.zeroCopyResult());
                case OP_SENDMSG -> c.onGatherCompleted(res);
                case OP_FILE_SEND -> c.onFileSendWake(res);
                default -> throw new IllegalStateException("unknown op " + op);
            }
        } catch (RuntimeException e) {
            connections.failed(c, e);
        }
    }

    private void onAccept(int listener, int res, int flags) {
        if ((flags & IoUringConstants.IORING_CQE_F_MORE) == 0) {
            acceptArmed[listener] = false;
        }
        if (res >= 0) {
            openConnection(listener, res);
        } else if (res != -Errno.ECANCELED) {
            System.err.println("atlas: core " + context.coreIndex() + ": accept failed: errno " + -res);
        }
        if (!acceptArmed[listener] && !draining) {
            armAccept(listener);
        }
    }

    private void openConnection(int listener, int fd) {
        if (connections.size() >= maxConnections) {
            Libc.closeQuietly(fd);
            return;
        }
        String peer = "fd " + fd;
        try {
            peer = Sockets.peerAddress(fd);
        } catch (PosixException e) {
            // Keep the fd as its name; the connection itself is fine.
        }
        // The protocol decides first: a connection it refuses (a client over its limit, in a flood) costs one
        // getpeername and one close, nothing more.
        TransportHandler<? super SocketTransport> handler = protocol.newConnection(listener, peer);
        if (handler == null) {
            refuse(fd);
            return;
        }
        try {
            Sockets.setIntOption(fd, Sockets.IPPROTO_TCP, Sockets.TCP_NODELAY, 1);
            // Keep little unsent data in the socket: a send completes (and frees its buffer for the next disk
            // read) only as the peer acknowledges, so reads follow the TCP window instead of filling the kernel.
            Sockets.setIntOption(fd, Sockets.IPPROTO_TCP, Sockets.TCP_NOTSENT_LOWAT, NOTSENT_LOWAT_BYTES);
        } catch (PosixException e) {
            // Options of a socket accepted a moment ago; if the kernel refuses them, the connection works anyway.
        }
        boolean zeroCopy = switch (sendZeroCopy) {
            case ALWAYS -> true;
            case NEVER -> false;
            // Loopback peers gain nothing: the kernel copies zero-copy pages on local delivery anyway (measured at
            // 0.7x of plain SEND here). Remote peers are spared one copy per byte.
            case AUTO -> !peer.startsWith("127.");
        };
        UringConnection c = new UringConnection(this, fd, handler, peer, zeroCopy);
        connections.add(c);
        try {
            c.handler.onOpen(c);
        } catch (RuntimeException e) {
            connections.failed(c, e);
        }
    }

    /**
     * Closes a connection the protocol refused with a reset rather than a FIN: no TIME_WAIT or FIN exchange is
     * left to the kernel for a client over its limit, which in a flood reconnects at once (measured on loopback:
     * the kernel's share of a refusal is most of its cost).
     */
    private static void refuse(int fd) {
        try {
            Sockets.setLinger(fd, true, 0);
        } catch (PosixException e) {
            // An orderly close then; the refusal holds either way.
        }
        Libc.closeQuietly(fd);
    }

    // ---------------------------------------------------------------- lifecycle

    private void beginDrain() {
        draining = true;
        for (int i = 0; i < listenFds.length; i++) {
            if (acceptArmed[i]) {
                ring.prepCancelFd(sqe(), listenFds[i], IoUringConstants.IORING_ASYNC_CANCEL_ALL,
                        UserData.pack(OP_CANCEL, i, 0));
            }
        }
        closeListeners();
        protocol.onShutdown();
        connections.drainAll();
    }

    /**
     * Closes every connection and waits (bounded) for the kernel to give back their buffers — socket operations and
     * disk requests alike — before unmapping.
     */
    private void closeEverything() {
        connections.closeAll();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        try {
            while ((!connections.isEmpty() || disk.inFlight() > 0) && System.nanoTime() - until < 0) {
                ring.submitAndWait(1, WAIT_NS);
                ring.forEachCompletion(this);
            }
        } catch (IoUringException | RuntimeException e) {
            System.err.println("atlas: core " + context.coreIndex() + ": while closing: " + e.getMessage());
        }
        closeListeners();
        inbox.stopWaking(() -> {
            if (wake != null) {
                wake.close();
            }
        });
        if (disk.inFlight() == 0) {
            disk.unregisterFiles();
        }
        ring.close();
        if (connections.isEmpty() && disk.inFlight() == 0) {
            context.closeBuffers();
        }
        // else: the kernel may still write into buffers of operations that never completed; leak, don't corrupt.
    }

    private boolean listenersClosed;

    private void closeListeners() {
        if (!listenersClosed) {
            listenersClosed = true;
            for (int fd : listenFds) {
                Libc.closeQuietly(fd);
            }
        }
    }


    /** Every core is up and the listeners listen: arm the accepts. */
    void startAccepting() {
        accepting.countDown();
    }

    void requestShutdown(long graceNs) {
        graceDeadlineNs = System.nanoTime() + graceNs;
        shutdownRequested = true;
        accepting.countDown();
    }

    /** Null once the ring is up, else the reason it is not (the thread has then ended). */
    String awaitStarted() throws InterruptedException {
        try {
            return started.get();
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause().toString();
        }
    }

    void awaitStopped() throws InterruptedException {
        stopped.await();
    }
}
