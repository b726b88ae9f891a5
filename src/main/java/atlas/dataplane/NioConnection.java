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
final class NioConnection implements Transport {
    private static final int OP_NONE = 0;
    private static final int OP_DISK_READ = 1;
    private static final int OP_DISK_WRITE = 2;
    private static final int OP_DISK_WRITE_LAZY = 3;
    // Linux errno values reported to handlers for socket failures NIO only gives as exceptions.
    private static final int ECONNRESET = Errno.ECONNRESET;
    private static final int EIO = Errno.EIO;

    private final NioEventLoop loop;
    private final SocketChannel channel;
    private final SelectionKey key;
    private final TransportHandler handler;
    private final String remote;
    int registryIndex = -1;
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

    private int diskOp = OP_NONE;
    private IoBuffer diskBuffer;
    private int diskOffset;
    private int diskLength;
    private long diskFileOffset;

    long deadlineNs;

    NioConnection(NioEventLoop loop, SocketChannel channel, SelectionKey key, TransportHandler handler, String remote) {
        this.loop = loop;
        this.channel = channel;
        this.key = key;
        this.handler = handler;
        this.remote = remote;
    }

    TransportHandler handler() {
        return handler;
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
    public void readDisk(IoBuffer buffer, int bufferOffset, int length, long fileOffset) {
        submitDisk(OP_DISK_READ, buffer, bufferOffset, length, fileOffset);
    }

    @Override
    public void writeDiskDurable(IoBuffer buffer, int bufferOffset, int length, long fileOffset) {
        submitDisk(OP_DISK_WRITE, buffer, bufferOffset, length, fileOffset);
    }

    @Override
    public void writeDiskLazy(IoBuffer buffer, int bufferOffset, int length, long fileOffset) {
        submitDisk(OP_DISK_WRITE_LAZY, buffer, bufferOffset, length, fileOffset);
    }

    private void submitDisk(int op, IoBuffer buffer, int bufferOffset, int length, long fileOffset) {
        if (diskOp != OP_NONE) {
            throw new IllegalStateException("disk operation already pending");
        }
        diskOp = op;
        diskBuffer = buffer;
        diskOffset = bufferOffset;
        diskLength = length;
        diskFileOffset = fileOffset;
        loop.ready(this);
    }

    @Override
    public void deadline(long deadlineNs) {
        this.deadlineNs = deadlineNs;
    }

    @Override
    public long nowNs() {
        return loop.nowNs();
    }

    @Override
    public String remoteAddress() {
        return remote;
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
        diskOp = OP_NONE;
        diskBuffer = null;
        key.cancel();
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing to do: the descriptor is released either way.
        }
        loop.unregister(this);
        handler.onClosed();
    }

    boolean isClosed() {
        return closed;
    }

    /** Called by the loop for a ready connection: performs what can be done now, one completion per operation. */
    void perform(BlockStore disk) {
        if (diskOp != OP_NONE && !closed) {
            performDisk(disk);
        }
        if (sendBuffer != null && !closed) {
            performSend();
        }
        if (gatherBuffer != null && !closed) {
            performGather();
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

    private void performDisk(BlockStore disk) {
        int op = diskOp;
        IoBuffer buffer = diskBuffer;
        diskOp = OP_NONE;
        diskBuffer = null;
        MemorySegment slice = buffer.segment().asSlice(diskOffset, diskLength);
        int result;
        try {
            if (op == OP_DISK_READ) {
                result = disk.read(slice, diskFileOffset);
            } else if (op == OP_DISK_WRITE_LAZY) {
                disk.writeLazy(slice, diskFileOffset);
                result = diskLength;
            } else {
                disk.writeDurable(slice, diskFileOffset);
                result = diskLength;
            }
        } catch (IOException e) {
            loop.countDiskError();
            result = -EIO;
        }
        if (op == OP_DISK_READ) {
            handler.onDiskRead(result);
        } else {
            handler.onDiskWritten(result);
        }
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
                | ((sendBuffer != null || gatherBuffer != null) && sendWaiting ? SelectionKey.OP_WRITE : 0);
        if (key.interestOps() != ops) {
            key.interestOps(ops);
        }
    }
}
