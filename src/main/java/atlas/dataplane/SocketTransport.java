package atlas.dataplane;

/**
 * An engine's own socket: a {@link Transport} that can also send scattered pieces of one buffer in one system call
 * (sendmsg with iovecs, a gathering write) — what TLS needs to put record headers and tags around payloads sealed
 * in place. Plaintext handlers never need it: a response head sits right before its body in the I/O buffer.
 */
public interface SocketTransport extends Transport {
    /**
     * Sends the pieces of {@code buffer} listed in {@code pieces}, in order, as one stream →
     * {@link TransportHandler#onSent} with their total. The engine may write its own send descriptors (msghdr,
     * iovecs) into {@code buffer}'s {@link IoBuffer#GATHER_AREA}, so the pieces must not overlap it.
     */
    void sendGather(IoBuffer buffer, GatherList pieces);
}
