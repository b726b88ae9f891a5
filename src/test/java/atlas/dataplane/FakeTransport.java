package atlas.dataplane;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

/**
 * A {@link Transport} the test drives, with a clock the test advances: receives and sends are recorded as
 * submitted and complete only when the test says so; sent bytes are copied at submission (what the kernel would
 * have taken), so a test sees exactly what reached the wire. Connect a handler with {@link #open}.
 */
public final class FakeTransport implements Transport {
    private TransportHandler<? super Transport> handler;
    private final ByteArrayOutputStream wire = new ByteArrayOutputStream();
    /** The loop's clock, advanced by the test (shared with the core under test). */
    private final LoopClock clock;
    public long congestionWindowBytes = -1;
    private boolean outputShut;
    private long deadlineNs;
    private boolean closed;
    private int sendPending = -1;
    private int sends;
    private int sharedSends;
    private ByteBuffer receiveBuffer;
    private int receiveOffset;
    private int receiveLength;

    public FakeTransport(LoopClock clock) {
        this.clock = clock;
    }

    /** A transport on a clock of its own, starting at 1 s. */
    public FakeTransport() {
        this(new LoopClock());
        clock.set(1_000_000_000L, 1_700_000_000_000L);
    }

    /** Moves the clock on by {@code ns} (the wall clock with it). */
    public void advance(long ns) {
        clock.set(clock.nowNs() + ns, clock.epochMillis() + ns / 1_000_000);
    }

    /** Hands this transport to {@code h} (its onOpen) and routes completions to it. */
    public void open(TransportHandler<? super Transport> h) {
        this.handler = h;
        h.onOpen(this);
    }

    @Override
    public void receive(ByteBuffer dst, int offset, int length) {
        if (receiveBuffer != null) {
            throw new AssertionError("a receive is already pending");
        }
        receiveBuffer = dst;
        receiveOffset = offset;
        receiveLength = length;
    }

    @Override
    public void send(ByteBuffer src, int offset, int length) {
        if (sendPending >= 0) {
            throw new AssertionError("a send is already pending");
        }
        byte[] bytes = new byte[length];
        src.get(offset, bytes);
        wire.writeBytes(bytes);
        sendPending = length;
        sends++;
    }

    @Override
    public void sendBody(IoBuffer buffer, int offset, int length) {
        if (offset < IoBuffer.BODY_SEND_MIN) {
            throw new AssertionError("body send at " + offset + ", below BODY_SEND_MIN");
        }
        send(buffer.byteBuffer(), offset, length);
    }

    /** Sends from shared memory, recorded as such: {@link #sharedSends} counts them. */
    @Override
    public void sendShared(ByteBuffer prefix, int prefixLength, MemorySegment body, long offset, int length,
                           int fileFd, long fileOffset) {
        if (sendPending >= 0) {
            throw new AssertionError("a send is already pending");
        }
        byte[] bytes = new byte[prefixLength + length];
        prefix.get(0, bytes, 0, prefixLength);
        MemorySegment.copy(body, ValueLayout.JAVA_BYTE, offset, bytes, prefixLength, length);
        wire.writeBytes(bytes);
        sendPending = bytes.length;
        sends++;
        sharedSends++;
    }

    @Override
    public void deadline(long deadlineNs) {
        this.deadlineNs = deadlineNs;
    }

    @Override
    public long nowNs() {
        return clock.nowNs();
    }

    @Override
    public long congestionWindowBytes() {
        return congestionWindowBytes;
    }

    @Override
    public String remoteAddress() {
        return "192.0.2.1:40000";
    }

    @Override
    public void shutdownOutput() {
        if (sendPending()) {
            throw new IllegalStateException("shutdownOutput with a send outstanding");
        }
        outputShut = true;
    }

    @Override
    public void close() {
        closed = true;
    }

    // ---------------------------------------------------------------- the test's side

    public boolean isClosed() {
        return closed;
    }

    /** True once the handler half-closed (the peer would read end of stream). */
    public boolean isOutputShut() {
        return outputShut;
    }

    public long deadlineNs() {
        return deadlineNs;
    }

    public boolean sendPending() {
        return sendPending >= 0;
    }

    public boolean receivePending() {
        return receiveBuffer != null;
    }

    /** Sends from shared memory (the hot tier) so far. */
    public int sharedSends() {
        return sharedSends;
    }

    /** Sends submitted so far. */
    public int sends() {
        return sends;
    }

    /** Everything sent so far, as text (ISO-8859-1: one char per byte). */
    public String wireText() {
        return wire.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    public byte[] wireBytes() {
        return wire.toByteArray();
    }

    /** Completes the pending send in full. */
    public void completeSend() {
        if (sendPending < 0) {
            throw new AssertionError("no send pending");
        }
        int n = sendPending;
        sendPending = -1;
        handler.onSent(n);
    }

    /** Completes sends until none is pending (including those the completions submit). */
    public void drainSends() {
        while (sendPending >= 0 && !closed) {
            completeSend();
        }
    }

    /** The peer sent {@code bytes}: completes the pending receive with as many as fit. */
    public int deliver(byte[] bytes) {
        if (receiveBuffer == null) {
            throw new AssertionError("no receive pending");
        }
        int n = Math.min(bytes.length, receiveLength);
        receiveBuffer.put(receiveOffset, bytes, 0, n);
        receiveBuffer = null;
        handler.onReceived(n);
        return n;
    }

    /** The peer closed its side: the pending receive completes with end of stream. */
    public void deliverEof() {
        receiveBuffer = null;
        handler.onReceived(TransportHandler.EOF);
    }

    /** Moves the clock to the deadline and fires it, as the loop's sweep would. */
    public void expireDeadline() {
        if (deadlineNs == 0) {
            throw new AssertionError("no deadline armed");
        }
        if (clock.nowNs() < deadlineNs) {
            advance(deadlineNs - clock.nowNs());
        }
        deadlineNs = 0;
        handler.onTimeout();
    }

    /** The engine finished closing: nothing in flight any more. */
    public void finishClose() {
        receiveBuffer = null;
        sendPending = -1;
        handler.onClosed();
    }
}
