package atlas.dataplane;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * One connection's byte stream, as a protocol handler sees it: receive, send, a timer, close — sockets only (the
 * disk is {@link DiskIo}'s). Every operation is a submission that completes later with exactly one callback on the
 * same event-loop thread ({@link TransportHandler}) — the shape of io_uring, which the NIO engine emulates — so
 * handlers never block and never see a partial send.
 * <p>
 * Implemented by the engines' sockets ({@link SocketTransport}) and by TLS, which is a transport to the application
 * over a socket transport below it. At most one receive and one send are outstanding per connection. Buffers
 * passed in stay owned by the handler but must not be touched until the completion arrives.
 */
public interface Transport {
    /** Receives up to {@code length} bytes into {@code dst[offset, offset+length)} → {@link TransportHandler#onReceived}. */
    void receive(ByteBuffer dst, int offset, int length);

    /** Sends all of {@code src[offset, offset+length)} → {@link TransportHandler#onSent}. */
    void send(ByteBuffer src, int offset, int length);

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
     * Sends {@code prefix[0, prefixLength)} (a response head or part header; may be empty) and then
     * {@code body[offset, offset + length)} as one stream, in one system call where the engine can →
     * {@link TransportHandler#onSent} with {@code prefixLength + length}. {@code body} is memory other cores may be
     * sending at the same moment (the hot tier's): no transport writes it, not even in place — a TLS transport seals
     * it into its own buffer. Both stay the caller's, untouched, until the completion. When the same bytes are also
     * at {@code fileOffset} of file {@code fileFd} (the tier's memory file; -1: not file-backed), a socket transport
     * may send them from there with sendfile, which hands the kernel references to the pages instead of a copy.
     */
    void sendShared(ByteBuffer prefix, int prefixLength, MemorySegment body, long offset, int length, int fileFd,
                    long fileOffset);

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

    /**
     * Half-closes: the peer reads end of stream after the bytes already sent, while receives go on (TCP FIN,
     * {@code shutdown(SHUT_WR)}). Call with no send outstanding. For the lingering close of RFC 9112 §9.6: closing
     * outright with request bytes still unread makes the kernel answer with a reset, which can destroy the response
     * before the client has read it. The default does nothing (a transport that cannot; the peer then sees the end
     * only at {@link #close}), which leaves lingering correct, only slower to end.
     */
    default void shutdownOutput() {
    }

    /** Closes the connection; pending operations are dropped and {@link TransportHandler#onClosed} follows. */
    void close();
}
