package atlas.dataplane;

import atlas.posix.Errno;
import atlas.posix.PosixException;
import atlas.uring.IoUringConstants;
import atlas.uring.Sockets;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

/**
 * One accepted socket under the {@link UringEventLoop}: each {@link Transport} call becomes one SQE, each CQE one
 * completion (short sends are resubmitted here, so the handler only ever sees whole operations).
 * <p>
 * Closing is two-phase because the kernel may still own this connection's buffers: {@link #close()} cancels what
 * is in flight and stops delivering completions; only when the last in-flight operation has completed is the fd
 * closed and {@link TransportHandler#onClosed()} called, so the handler can recycle its buffers safely.
 */
final class UringConnection extends EngineConnection {
    /** Below this a zero-copy send costs more (page pinning, a second CQE) than the copy it saves. */
    private static final int ZERO_COPY_MIN_BYTES = 16 * 1024;
    /** Below this a file send's extra system call and wake-up cost more than the copy they save. */
    private static final int FILE_SEND_MIN_BYTES = 16 * 1024;
    /** Where a gathered send's iovecs start in its buffer: after the msghdr, inside {@link IoBuffer#GATHER_AREA}. */
    private static final int MSGHDR_AREA = 64;
    final UringEventLoop loop;
    final int fd;
    /** Socket operations submitted to the kernel and not yet completed. */
    int inflight;
    boolean closing;
    /** Send large chunks from registered buffers with SEND_ZC (decided per peer at accept). */
    private final boolean zeroCopy;
    private int zeroCopyResult;
    /** A SEND_ZC whose pages the kernel may still hold (no final CQE yet). */
    boolean zeroCopyInFlight;
    /** The fd was already closed by an aborting close ({@link UringEventLoop#beginClose}). */
    boolean fdClosed;

    // Addresses of the last ByteBuffers seen: the receive and out buffers are reused for the connection's life,
    // so this avoids a MemorySegment view per operation.
    private ByteBuffer recvCacheBuffer;
    private long recvCacheAddress;
    private ByteBuffer sendCacheBuffer;
    private long sendCacheAddress;

    private long sendAddress;
    private int sendRemaining;
    private int sendTotal;

    /** A gathered send in progress (SENDMSG): descriptors live in the buffer's {@link IoBuffer#GATHER_AREA}. */
    private IoBuffer gatherBuffer;
    private GatherList gatherPieces;
    private int gatherTotal;

    /**
     * A {@link #sendShared} with a prefix: msghdr and two iovecs in memory of this connection's own (the body is
     * shared and the prefix buffer the caller's, so neither can hold them); made on the first such send.
     */
    private MemorySegment sharedMsg;
    /** A file send in progress (sendfile from the hot tier's memory file): what is left and the head before it. */
    private boolean fileSending;
    private boolean filePrefixSending;
    private int fileFd;
    private long fileOffset;
    private int fileLeft;
    private int fileTotal;
    private int fileError;
    private boolean sharedSending;
    private long sharedPrefixAddress;
    private int sharedPrefixLeft;
    private long sharedBodyAddress;
    private int sharedBodyLeft;
    private int sharedTotal;

    UringConnection(UringEventLoop loop, int fd, TransportHandler<? super SocketTransport> handler, String peer,
                    boolean zeroCopy) {
        super(handler, peer);
        this.zeroCopy = zeroCopy;
        this.loop = loop;
        this.fd = fd;
    }

    @Override
    boolean isClosing() {
        return closing;
    }

    @Override
    public void receive(ByteBuffer dst, int offset, int length) {
        if (closing) {
            return;
        }
        if (dst != recvCacheBuffer) {
            recvCacheBuffer = dst;
            recvCacheAddress = baseAddress(dst);
        }
        loop.submitRecv(this, recvCacheAddress + offset, length);
    }

    @Override
    public void send(ByteBuffer src, int offset, int length) {
        if (closing) {
            return;
        }
        if (src != sendCacheBuffer) {
            sendCacheBuffer = src;
            sendCacheAddress = baseAddress(src);
        }
        sendAddress = sendCacheAddress + offset;
        sendRemaining = length;
        sendTotal = length;
        submitSendRest();
    }

    /**
     * A large file-backed body (a hot chunk) goes out with sendfile, which gives the socket references to the memory
     * file's pages: no copy, as nginx's sendfile from the page cache (the head first, with MSG_MORE). Otherwise head
     * and shared body in one SENDMSG of two iovecs, or a body with no head in one send from it: SEND_ZC (not from a
     * fixed buffer: shared memory is not in this ring's table) when this peer gets zero-copy sends and the body is
     * large enough — the send completes, and the caller unpins the chunk, only with the notification that the kernel
     * let go of the pages — else a plain SEND.
     */
    @Override
    public void sendShared(ByteBuffer prefix, int prefixLength, MemorySegment body, long offset, int length,
                           int fileFd, long fileOffset) {
        if (closing) {
            return;
        }
        if (fileFd >= 0 && length >= FILE_SEND_MIN_BYTES) {
            fileSending = true;
            this.fileFd = fileFd;
            this.fileOffset = fileOffset;
            fileLeft = length;
            fileTotal = prefixLength + length;
            fileError = 0;
            if (prefixLength > 0) {
                if (prefix != sendCacheBuffer) {
                    sendCacheBuffer = prefix;
                    sendCacheAddress = baseAddress(prefix);
                }
                filePrefixSending = true;
                sendAddress = sendCacheAddress;
                sendRemaining = prefixLength;
                loop.submitSendMore(this, sendAddress, sendRemaining);
            } else {
                continueFileSend();
            }
            return;
        }
        if (prefixLength == 0) {
            sendAddress = body.address() + offset;
            sendRemaining = length;
            sendTotal = length;
            if (zeroCopy && length >= ZERO_COPY_MIN_BYTES) {
                loop.submitSendZeroCopy(this, sendAddress, sendRemaining, RegisteredBuffers.NOT_REGISTERED);
            } else {
                loop.submitSend(this, sendAddress, sendRemaining);
            }
            return;
        }
        if (prefix != sendCacheBuffer) {
            sendCacheBuffer = prefix;
            sendCacheAddress = baseAddress(prefix);
        }
        if (sharedMsg == null) {
            sharedMsg = Arena.ofAuto().allocate(MSGHDR_AREA + 2L * IoUringConstants.IOVEC_SIZE, 8);
        }
        sharedSending = true;
        sharedPrefixAddress = sendCacheAddress;
        sharedPrefixLeft = prefixLength;
        sharedBodyAddress = body.address() + offset;
        sharedBodyLeft = length;
        sharedTotal = prefixLength + length;
        submitSharedRest();
    }

    private void submitSharedRest() {
        MemorySegment m = sharedMsg;
        int n = 0;
        if (sharedPrefixLeft > 0) {
            m.set(ValueLayout.JAVA_LONG, MSGHDR_AREA + IoUringConstants.IOVEC_BASE, sharedPrefixAddress);
            m.set(ValueLayout.JAVA_LONG, MSGHDR_AREA + IoUringConstants.IOVEC_LEN, sharedPrefixLeft);
            n++;
        }
        long iov = MSGHDR_AREA + (long) n * IoUringConstants.IOVEC_SIZE;
        m.set(ValueLayout.JAVA_LONG, iov + IoUringConstants.IOVEC_BASE, sharedBodyAddress);
        m.set(ValueLayout.JAVA_LONG, iov + IoUringConstants.IOVEC_LEN, sharedBodyLeft);
        n++;
        m.asSlice(0, IoUringConstants.MSGHDR_SIZE).fill((byte) 0);
        m.set(ValueLayout.JAVA_LONG, IoUringConstants.MSGHDR_IOV, m.address() + MSGHDR_AREA);
        m.set(ValueLayout.JAVA_LONG, IoUringConstants.MSGHDR_IOVLEN, n);
        loop.submitSendmsg(this, m.address());
    }

    /** A SENDMSG CQE of a shared send: drops what went out, resubmits the rest. */
    private void onSharedCompleted(int res) {
        if (res < 0) {
            sharedSending = false;
            handler.onSent(res);
            return;
        }
        int fromPrefix = Math.min(res, sharedPrefixLeft);
        sharedPrefixLeft -= fromPrefix;
        sharedPrefixAddress += fromPrefix;
        sharedBodyLeft -= res - fromPrefix;
        sharedBodyAddress += res - fromPrefix;
        if (sharedBodyLeft > 0 && res > 0) {
            submitSharedRest();
            return;
        }
        sharedSending = false;
        handler.onSent(sharedBodyLeft == 0 ? sharedTotal : -Errno.EPIPE);
    }

    private void submitSendRest() {
        int bufIndex = zeroCopy && sendRemaining >= ZERO_COPY_MIN_BYTES
                ? loop.registeredIndex(sendAddress, sendRemaining) : RegisteredBuffers.NOT_REGISTERED;
        if (bufIndex != RegisteredBuffers.NOT_REGISTERED) {
            loop.submitSendZeroCopy(this, sendAddress, sendRemaining, bufIndex);
        } else {
            loop.submitSend(this, sendAddress, sendRemaining);
        }
    }

    /**
     * A SEND_ZC CQE. Returns true when the operation is over: the notification (F_NOTIF) arrived, or the result
     * came without F_MORE (nothing was pinned, e.g. an error). A result with F_MORE is kept for the notification.
     */
    boolean zeroCopyCompletion(int res, int flags) {
        if ((flags & IoUringConstants.IORING_CQE_F_NOTIF) != 0) {
            zeroCopyInFlight = false;
            return true;
        }
        zeroCopyResult = res;
        boolean done = (flags & IoUringConstants.IORING_CQE_F_MORE) == 0;
        zeroCopyInFlight = !done;
        return done;
    }

    int zeroCopyResult() {
        return zeroCopyResult;
    }

    /** Sends what the socket takes now of the file send; then waits for room, or completes next turn. */
    private void continueFileSend() {
        long n = loop.sendfile(this, fileFd, fileOffset, fileLeft);
        if (n > 0) {
            fileOffset += n;
            fileLeft -= (int) n;
        }
        if (fileLeft == 0) {
            loop.submitFileSendWake(this, false); // completions are never delivered inside the call that asked
            return;
        }
        if (n > 0 || n == -Errno.EAGAIN) {
            loop.submitFileSendWake(this, true); // the socket is full: go on when it has room (the TCP window)
            return;
        }
        fileError = n == 0 ? -Errno.EPIPE : (int) n;
        loop.submitFileSendWake(this, false);
    }

    /** The file send's wake-up CQE: the socket has room (or the send is over, or failed). */
    void onFileSendWake(int res) {
        if (!fileSending) {
            return;
        }
        if (fileError == 0 && fileLeft > 0 && res < 0) {
            fileError = res;
        }
        if (fileError != 0 || fileLeft == 0) {
            fileSending = false;
            handler.onSent(fileError != 0 ? fileError : fileTotal);
            return;
        }
        continueFileSend();
    }

    /** A send CQE: resubmit the rest after a short send, complete otherwise. */
    void onSendCompleted(int res) {
        if (filePrefixSending) {
            onFilePrefixSent(res);
            return;
        }
        if (res < 0) {
            handler.onSent(res);
            return;
        }
        sendAddress += res;
        sendRemaining -= res;
        if (sendRemaining > 0 && res > 0) {
            submitSendRest();
            return;
        }
        handler.onSent(sendRemaining == 0 ? sendTotal : -Errno.EPIPE);
    }

    /** The head in front of a file send went (partly) out. */
    private void onFilePrefixSent(int res) {
        if (res <= 0) {
            filePrefixSending = false;
            fileSending = false;
            handler.onSent(res < 0 ? res : -Errno.EPIPE);
            return;
        }
        sendAddress += res;
        sendRemaining -= res;
        if (sendRemaining > 0) {
            loop.submitSendMore(this, sendAddress, sendRemaining);
            return;
        }
        filePrefixSending = false;
        continueFileSend();
    }

    @Override
    public void sendGather(IoBuffer buffer, GatherList pieces) {
        if (closing) {
            return;
        }
        gatherBuffer = buffer;
        gatherPieces = pieces;
        gatherTotal = (int) pieces.remaining();
        submitGatherRest();
    }

    /** msghdr at the buffer's start, the iovecs after it; rewritten for each (re)submission. */
    private void submitGatherRest() {
        MemorySegment seg = gatherBuffer.segment();
        long base = seg.address();
        int n = gatherPieces.count();
        for (int i = 0; i < n; i++) {
            long iov = MSGHDR_AREA + (long) i * IoUringConstants.IOVEC_SIZE;
            seg.set(ValueLayout.JAVA_LONG, iov + IoUringConstants.IOVEC_BASE, base + gatherPieces.offset(i));
            seg.set(ValueLayout.JAVA_LONG, iov + IoUringConstants.IOVEC_LEN, gatherPieces.length(i));
        }
        seg.asSlice(0, IoUringConstants.MSGHDR_SIZE).fill((byte) 0);
        seg.set(ValueLayout.JAVA_LONG, IoUringConstants.MSGHDR_IOV, base + MSGHDR_AREA);
        seg.set(ValueLayout.JAVA_LONG, IoUringConstants.MSGHDR_IOVLEN, n);
        loop.submitSendmsg(this, base);
    }

    /** A SENDMSG CQE: a short send drops what went out and resubmits the rest. */
    void onGatherCompleted(int res) {
        if (sharedSending) {
            onSharedCompleted(res);
            return;
        }
        if (res < 0) {
            gatherBuffer = null;
            gatherPieces = null;
            handler.onSent(res);
            return;
        }
        gatherPieces.consume(res);
        if (gatherPieces.count() > 0 && res > 0) {
            submitGatherRest();
            return;
        }
        boolean complete = gatherPieces.count() == 0;
        gatherBuffer = null;
        gatherPieces = null;
        handler.onSent(complete ? gatherTotal : -Errno.EPIPE);
    }

    /** Address of index 0 of a direct buffer (a segment view starts at the buffer's position, which varies). */
    private static long baseAddress(ByteBuffer b) {
        return MemorySegment.ofBuffer(b).address() - b.position();
    }

    @Override
    public long nowNs() {
        return loop.nowNs();
    }

    @Override
    public long congestionWindowBytes() {
        return closing ? -1 : loop.congestionWindowBytes(fd);
    }

    @Override
    public void shutdownOutput() {
        if (closing) {
            return;
        }
        try {
            // A plain syscall, not a ring op: it only queues a FIN behind the bytes the socket already holds.
            Sockets.shutdown(fd, Sockets.SHUT_WR);
        } catch (PosixException e) {
            // ENOTCONN: the peer is gone already; the next receive reports it.
        }
    }

    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        deadlineNs = 0;
        loop.beginClose(this);
    }
}
