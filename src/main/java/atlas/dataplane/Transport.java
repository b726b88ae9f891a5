package atlas.dataplane;

import java.nio.ByteBuffer;

/**
 * What a protocol handler may ask its engine to do for one connection. Every operation is a submission that
 * completes later with exactly one callback on the same event-loop thread ({@link TransportHandler}) — the
 * shape of io_uring, which the NIO engine emulates — so handlers never block and never see a partial send.
 * <p>
 * At most one operation of each kind (receive, send, disk) is outstanding per connection. Buffers passed in stay
 * owned by the handler but must not be touched until the completion arrives.
 */
public interface Transport {
    /** Receives up to {@code length} bytes into {@code dst[offset, offset+length)} → {@link TransportHandler#onReceived}. */
    void receive(ByteBuffer dst, int offset, int length);

    /** Sends all of {@code src[offset, offset+length)} → {@link TransportHandler#onSent}. */
    void send(ByteBuffer src, int offset, int length);

    /**
     * Sends the pieces of {@code buffer} listed in {@code pieces}, in order, as one stream →
     * {@link TransportHandler#onSent} with their total. The engine may write its own send descriptors (msghdr,
     * iovecs) into {@code buffer}'s {@link IoBuffer#GATHER_AREA}, so the pieces must not overlap it.
     */
    void sendGather(IoBuffer buffer, GatherList pieces);

    /**
     * Sends response bytes that sit in an I/O buffer at {@code [offset, offset + length)}, with
     * {@code offset >= }{@link IoBuffer#BODY_SEND_MIN} → {@link TransportHandler#onSent} with {@code length}. Unlike
     * {@link #send}, the transport may rewrite those bytes in place and use the headroom below
     * {@link IoBuffer#BODY_SEND_MIN} (a TLS transport encrypts them where they lie and frames them as records), so
     * the caller must not reuse the bytes after handing them over — only the buffer, once the send completed.
     */
    default void sendBody(IoBuffer buffer, int offset, int length) {
        send(buffer.byteBuffer(), offset, length);
    }

    /**
     * O_DIRECT read of the volume's data file into {@code buffer}'s data area at {@code bufferOffset} (block
     * aligned, as are {@code length} and {@code fileOffset}) → {@link TransportHandler#onDiskRead}.
     */
    void readDisk(IoBuffer buffer, int bufferOffset, int length, long fileOffset);

    /** O_DIRECT + O_DSYNC write (same alignment rules) → {@link TransportHandler#onDiskWritten}. */
    void writeDiskDurable(IoBuffer buffer, int bufferOffset, int length, long fileOffset);

    /**
     * O_DIRECT write without O_DSYNC (same alignment rules) → {@link TransportHandler#onDiskWritten}: the bytes are
     * readable when it completes and durable only after a later data sync ({@link CoreIo#syncData}). For bytes
     * whose durable copy is elsewhere (an inline journal entry).
     */
    void writeDiskLazy(IoBuffer buffer, int bufferOffset, int length, long fileOffset);

    /** Arms the connection's single timer: {@link TransportHandler#onTimeout} at {@code deadlineNs}; 0 disarms. */
    void deadline(long deadlineNs);

    /** The loop's clock, read once per turn (nanoseconds, monotonic). */
    long nowNs();

    /**
     * The connection's congestion window in bytes ({@code tcpi_snd_cwnd × tcpi_snd_mss}): how much it can have in
     * flight per round trip now, so a sender can size its next disk read to what the network will take. -1 when
     * the engine cannot tell (the NIO engine has no descriptor to ask).
     */
    default long congestionWindowBytes() {
        return -1;
    }

    /** What protects the connection, for logs: "-" for plain TCP, "TLSv1.3" or "TLSv1.2" under TLS. */
    default String security() {
        return "-";
    }

    /** Peer address for logs, e.g. "127.0.0.1:53412". */
    String remoteAddress();

    /** Closes the connection; pending operations are dropped and {@link TransportHandler#onClosed} follows. */
    void close();
}
