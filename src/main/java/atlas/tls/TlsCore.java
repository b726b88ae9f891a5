package atlas.tls;

import atlas.dataplane.ByteBufferStock;
import atlas.dataplane.SocketTransport;
import atlas.dataplane.Transport;
import atlas.dataplane.TransportHandler;

import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * The TLS side of one core, touched by that core's thread only: the AES-GCM context every connection's records go
 * through, the handshake factory (the library's crypto and the parsed chain), recycled record buffers and the
 * core's counters. The only
 * thing it reads from other threads is the current certificate, through {@link TlsIdentitySource#current()}
 * (a volatile snapshot, swapped on reload).
 */
public final class TlsCore {
    /**
     * Ciphertext receive buffer: one largest TLS 1.2 record (5 + 2^14 + 2048). A record is always opened where it
     * was received; a partial one is moved to the front first, which is always possible because more is only
     * received once the previous record's plaintext has been handed on.
     */
    static final int IN_BUFFER_BYTES = RecordLayout.HEADER + RecordLayout.MAX_CIPHERTEXT_12;
    /** Records we frame by copying (heads, small bodies, handshake flights, alerts): one full record and a KeyUpdate. */
    static final int OUT_BUFFER_BYTES = RecordLayout.MAX_PLAINTEXT + 512;
    private static final int STOCK = 1024;

    final AesGcm gcm = new AesGcm();
    private final TlsHandshakeFactory handshakes;
    final TlsIdentitySource identities;
    final long handshakeTimeoutNs;
    public final TlsCounters counters = new TlsCounters();
    private final ByteBufferStock freeIn = new ByteBufferStock(IN_BUFFER_BYTES, STOCK);
    private final ByteBufferStock freeOut = new ByteBufferStock(OUT_BUFFER_BYTES, STOCK);

    /**
     * @param groups   key exchange groups, IANA codes in preference order ({@link TlsGroups#parse})
     * @param sessions TLS 1.2 sessions for resumption, the same for every core; null for none
     */
    public TlsCore(TlsIdentitySource identities, Duration handshakeTimeout, int[] groups, TlsSessionCache sessions) {
        this.identities = identities;
        this.handshakeTimeoutNs = handshakeTimeout.toNanos();
        this.handshakes = TlsHandshakeFactory.forCore().groups(groups).sessions(sessions);
    }

    /** Puts TLS between the engine and {@code application}: the engine talks to the returned handler. */
    public TransportHandler<SocketTransport> wrap(TransportHandler<? super Transport> application) {
        return new TlsTransport(this, application);
    }

    TlsHandshake newHandshake() {
        return handshakes.newHandshake(identities.current());
    }

    ByteBuffer takeInBuffer() {
        return freeIn.take();
    }

    ByteBuffer takeOutBuffer() {
        return freeOut.take();
    }

    void giveBack(ByteBuffer in, ByteBuffer out) {
        freeIn.giveBack(in);
        freeOut.giveBack(out);
    }
}
