package atlas.dataplane;

import atlas.posix.Errno;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One accepted socket under the {@link NioEventLoop}: turns the completion-style {@link Transport} calls into
 * non-blocking reads and writes plus readiness interest, and delivers one completion per operation.
 * <p>
 * Submissions only record the operation and put the connection on the loop's ready list; the loop performs
 * them after the selector pass. That keeps the call stack flat (no completion runs inside a submission) and
 * mirrors how io_uring takes SQEs in one turn and returns CQEs in a later one.
 */
final class NioConnection extends EngineConnection {
    // Linux errno reported to handlers for socket failures NIO only gives as exceptions.
    private static final int ECONNRESET = Errno.ECONNRESET;

    private final NioEventLoop loop;
    private final SocketChannel channel;
    private final SelectionKey key;
    boolean onReadyList;
    private boolean closed;

    private ByteBuffer recvBuffer;
    private int recvOffset;
    private int recvLength;
    private boolean recvWaiting;

    private ByteBuffer sendBuffer;
    private int sendOffset;
    private int sendEnd;
    private int sendTotal;
    private boolean sendWaiting;
    /** A gathered send in progress: the pieces of {@link #gatherBuffer} still to write. */
    private IoBuffer gatherBuffer;
    private GatherList gatherPieces;
    private long gatherTotal;
    /** A {@link #sendShared} in progress: the prefix view and the body view. */
    private ByteBuffer[] sharedViews;
    private int sharedTotal;

    NioConnection(NioEventLoop loop, SocketChannel channel, SelectionKey key,
                  TransportHandler<? super SocketTransport> handler, String remote) {
        super(handler, remote);
        this.loop = loop;
        this.channel = channel;
        this.key = key;
    }

    @Override
    boolean isClosing() {
        return closed;
    }

    @Override
    public void receive(ByteBuffer dst, int offset, int length) {
        if (recvBuffer != null) {
            throw new IllegalStateException("receive already pending");
        }
        recvBuffer = dst;
        recvOffset = offset;
        recvLength = length;
        loop.ready(this);
    }

    @Override
    public void send(ByteBuffer src, int offset, int length) {
        if (sendBuffer != null || gatherBuffer != null) {
            throw new IllegalStateException("send already pending");
        }
        sendBuffer = src;
        sendOffset = offset;
        sendEnd = offset + length;
        sendTotal = length;
        loop.ready(this);
    }

    /**
     * A shared-memory send: views of the prefix and the body (made per send: this engine is the portable one, not
     * the fast one), written by one gathering write.
     */
    @Override
    public void sendShared(ByteBuffer prefix, int prefixLength, MemorySegment body, long offset, int length,
                           int fileFd, long fileOffset) {
        if (sendBuffer != null || gatherBuffer != null || sharedViews != null) {
            throw new IllegalStateException("send already pending");
        }
        sharedViews = new ByteBuffer[] {prefix.duplicate().clear().limit(prefixLength),
                body.asSlice(offset, length).asByteBuffer()};
        sharedTotal = prefixLength + length;
        loop.ready(this);
    }

    @Override
    public void sendGather(IoBuffer buffer, GatherList pieces) {
        if (sendBuffer != null || gatherBuffer != null) {
            throw new IllegalStateException("send already pending");
        }
        gatherBuffer = buffer;
        gatherPieces = pieces;
        gatherTotal = pieces.remaining();
        loop.ready(this);
    }

    @Override
    public long nowNs() {
        return loop.nowNs();
    }

    @Override
    public void shutdownOutput() {
        if (closed) {
            return;
        }
        try {
            channel.shutdownOutput(); // the sends before this one completed: every byte is in the socket already
        } catch (IOException e) {
            // The peer is gone already; the next receive reports it.
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        recvBuffer = null;
        sendBuffer = null;
        gatherBuffer = null;
        gatherPieces = null;
        sharedViews = null;
        key.cancel();
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing to do: the descriptor is released either way.
        }
        loop.unregister(this);
        try {
            handler.onClosed();
        } catch (RuntimeException e) {
            loop.closeFailed(this, e); // the socket is closed regardless; the loop's clean-up must still run
        }
    }

    boolean isClosed() {
        return closed;
    }

    /** Called by the loop for a ready connection: performs what can be done now, one completion per operation. */
    void perform() {
        if (sendBuffer != null && !closed) {
            performSend();
        }
        if (gatherBuffer != null && !closed) {
            performGather();
        }
        if (sharedViews != null && !closed) {
            performShared();
        }
        if (recvBuffer != null && !closed) {
            performReceive();
        }
        updateInterest();
    }

    /** Readiness from the selector: try again what was waiting for it. */
    void onSelected(int readyOps) {
        if ((readyOps & SelectionKey.OP_READ) != 0) {
            recvWaiting = false;
        }
        if ((readyOps & SelectionKey.OP_WRITE) != 0) {
            sendWaiting = false;
        }
        loop.ready(this);
    }

    private void performSend() {
        if (sendWaiting) {
            return;
        }
        ByteBuffer b = sendBuffer;
        try {
            b.limit(sendEnd).position(sendOffset);
            int n;
            do {
                n = channel.write(b);
            } while (n > 0 && b.hasRemaining());
            sendOffset = b.position();
            b.clear(); // absolute puts by the owner are bounded by the limit: leave the whole buffer usable
            if (sendOffset < sendEnd) {
                sendWaiting = true;
                return;
            }
        } catch (IOException e) {
            b.clear();
            sendBuffer = null;
            handler.onSent(-ECONNRESET);
            return;
        }
        sendBuffer = null;
        handler.onSent(sendTotal);
    }

    private void performGather() {
        if (sendWaiting) {
            return;
        }
        GatherList pieces = gatherPieces;
        try {
            while (pieces.count() > 0) {
                int n = pieces.count();
                ByteBuffer[] views = gatherBuffer.gatherViews(n);
                for (int i = 0; i < n; i++) {
                    views[i].clear().position(pieces.offset(i)).limit(pieces.offset(i) + pieces.length(i));
                }
                long written = channel.write(views, 0, n);
                if (written <= 0) {
                    sendWaiting = true;
                    return;
                }
                pieces.consume(written);
            }
        } catch (IOException e) {
            gatherBuffer = null;
            gatherPieces = null;
            handler.onSent(-ECONNRESET);
            return;
        }
        gatherBuffer = null;
        gatherPieces = null;
        handler.onSent((int) gatherTotal);
    }

    private void performShared() {
        if (sendWaiting) {
            return;
        }
        ByteBuffer[] views = sharedViews;
        try {
            while (views[1].hasRemaining()) {
                if (channel.write(views) <= 0) {
                    sendWaiting = true;
                    return;
                }
            }
        } catch (IOException e) {
            sharedViews = null;
            handler.onSent(-ECONNRESET);
            return;
        }
        sharedViews = null;
        handler.onSent(sharedTotal);
    }

    private void performReceive() {
        if (recvWaiting) {
            return;
        }
        ByteBuffer b = recvBuffer;
        int n;
        try {
            b.limit(recvOffset + recvLength).position(recvOffset);
            n = channel.read(b);
        } catch (IOException e) {
            n = -ECONNRESET;
        }
        b.clear();
        if (n == 0) {
            recvWaiting = true;
            return;
        }
        recvBuffer = null;
        handler.onReceived(n < 0 && n != -ECONNRESET ? TransportHandler.EOF : n);
    }

    private void updateInterest() {
        if (closed) {
            return;
        }
        int ops = (recvBuffer != null && recvWaiting ? SelectionKey.OP_READ : 0)
                | ((sendBuffer != null || gatherBuffer != null || sharedViews != null) && sendWaiting ? SelectionKey.OP_WRITE : 0);
        if (key.interestOps() != ops) {
            key.interestOps(ops);
        }
    }
}
