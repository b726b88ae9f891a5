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
     * O_DIRECT read of the volume's data file into {@code buffer}'s data area at {@code bufferOffset} (block
     * aligned, as are {@code length} and {@code fileOffset}) → {@link TransportHandler#onDiskRead}.
     */
    void readDisk(IoBuffer buffer, int bufferOffset, int length, long fileOffset);

    /** O_DIRECT + O_DSYNC write (same alignment rules) → {@link TransportHandler#onDiskWritten}. */
    void writeDiskDurable(IoBuffer buffer, int bufferOffset, int length, long fileOffset);

    /** Arms the connection's single timer: {@link TransportHandler#onTimeout} at {@code deadlineNs}; 0 disarms. */
    void deadline(long deadlineNs);

    /** The loop's clock, read once per turn (nanoseconds, monotonic). */
    long nowNs();

    /** Peer address for logs, e.g. "127.0.0.1:53412". */
    String remoteAddress();

    /** Closes the connection; pending operations are dropped and {@link TransportHandler#onClosed} follows. */
    void close();
}
