package atlas.tls;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.security.KeyStore;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * A JDK {@link SSLEngine} client wired to a {@link TlsHandshake} in memory, without sockets: the two byte streams
 * are buffers, and the server side is fed exactly as the dataplane feeds it — one whole record per
 * {@link TlsHandshake#offerRecord}, output drained after each, all through native memory. Whatever the client sends
 * after its Finished stays in {@link #toServer} for the record layer ({@link #openAtServer}).
 * Used by {@code TlsHandshakeTest} and {@code TlsHandshakeBenchmark}.
 */
final class JdkClientLink implements AutoCloseable {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    final SSLEngine client;
    final TlsHandshake server;
    /** Client output the server has not taken yet (write mode). */
    final ByteBuffer toServer = ByteBuffer.allocate(1 << 15);
    /** Server output the client has not taken yet (write mode). */
    final ByteBuffer toClient = ByteBuffer.allocate(1 << 15);
    /** Application data the client has received (write mode). */
    final ByteBuffer clientReceived = ByteBuffer.allocate(1 << 15);
    /** Where the server side stages records, as the dataplane's I/O buffers would. */
    private final Arena arena = Arena.ofConfined();
    final MemorySegment wire = arena.allocate(1 << 15);
    /** The client wraps this as soon as its own handshake is done, before the server has seen its Finished. */
    byte[] clientFirstData;
    /** The client's failure, if it saw one (usually the server's alert). */
    SSLException clientFailure;
    /** Client bytes already waiting behind the record that completed the server's handshake; -1 before. */
    int waitingAtCompletion = -1;
    /**
     * CPU time of this thread inside TlsHandshake calls: the server's share of the handshake. Thread CPU time, not
     * wall time, so other processes on a shared machine do not inflate it.
     */
    long serverCpuNanos;

    JdkClientLink(SSLContext context, TlsHandshake server, Consumer<SSLParameters> parameters) {
        this.server = server;
        client = context.createSSLEngine("localhost", 443);
        client.setUseClientMode(true);
        SSLParameters p = client.getSSLParameters();
        p.setApplicationProtocols(new String[] {"h2", "http/1.1"});
        parameters.accept(p);
        client.setSSLParameters(p);
    }

    /** A client context that trusts exactly {@code identity}'s leaf. */
    static SSLContext trusting(TlsIdentity identity) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("atlas", identity.certificateChain().get(0));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    /** Runs both sides until neither makes progress: the server completed or failed, the client is done. */
    void handshake() throws SSLException {
        client.beginHandshake();
        for (int round = 0; round < 100; round++) {
            boolean progress = clientStep();
            progress |= serverStep();
            if (!progress) {
                return;
            }
        }
        throw new IllegalStateException("handshake did not settle in 100 rounds");
    }

    private boolean clientStep() throws SSLException {
        if (clientFailure != null) {
            return false;
        }
        boolean progress = false;
        try {
            for (int i = 0; i < 100; i++) {
                HandshakeStatus status = client.getHandshakeStatus();
                if (status == HandshakeStatus.NEED_TASK) {
                    for (Runnable task = client.getDelegatedTask(); task != null; task = client.getDelegatedTask()) {
                        task.run();
                    }
                } else if (status == HandshakeStatus.NEED_WRAP) {
                    SSLEngineResult r = client.wrap(EMPTY, toServer);
                    if (r.bytesProduced() == 0 && r.getStatus() != SSLEngineResult.Status.OK) {
                        return progress;
                    }
                } else if (status == HandshakeStatus.NEED_UNWRAP || status == HandshakeStatus.NEED_UNWRAP_AGAIN) {
                    toClient.flip();
                    SSLEngineResult r = client.unwrap(toClient, clientReceived);
                    toClient.compact();
                    if (r.getStatus() == SSLEngineResult.Status.BUFFER_UNDERFLOW
                            || (r.bytesConsumed() == 0 && r.getHandshakeStatus() == status)) {
                        return progress;
                    }
                } else {
                    if (clientFirstData != null) {
                        client.wrap(ByteBuffer.wrap(clientFirstData), toServer);
                        clientFirstData = null;
                        progress = true;
                    }
                    return progress;
                }
                progress = true;
            }
        } catch (SSLException e) {
            clientFailure = e;
            return true;
        }
        return progress;
    }

    private boolean serverStep() {
        boolean progress = false;
        toServer.flip();
        while (!server.isComplete() && !server.hasFailed() && toServer.remaining() >= RecordLayout.HEADER) {
            int p = toServer.position();
            int length = RecordLayout.HEADER + (((toServer.get(p + 3) & 0xFF) << 8) | (toServer.get(p + 4) & 0xFF));
            if (toServer.remaining() < length) {
                break;
            }
            MemorySegment.copy(MemorySegment.ofBuffer(toServer.slice(p, length)), 0, wire, 0, length);
            toServer.position(p + length);
            long start = cpuNanos();
            server.offerRecord(wire, 0, length);
            drainServer();
            serverCpuNanos += cpuNanos() - start;
            if (server.isComplete()) {
                waitingAtCompletion = toServer.remaining();
            }
            progress = true;
        }
        toServer.compact();
        return progress;
    }

    /** CPU time used by the calling thread so far. */
    static long cpuNanos() {
        return THREADS.getCurrentThreadCpuTime();
    }

    /** Moves the server's pending output (handshake flight or alert) to the client. */
    void drainServer() {
        int n;
        while ((n = server.drainOutput(wire, 0, 4096)) > 0) {
            toClient.put(wire.asSlice(0, n).asByteBuffer());
        }
    }

    /** Opens the next record the client sent with {@code opener}; returns its plaintext, or null on a sentinel. */
    byte[] openAtServer(RecordOpener opener) {
        toServer.flip();
        int available = toServer.remaining();
        MemorySegment.copy(MemorySegment.ofBuffer(toServer), 0, wire, 0, available);
        int consumed = opener.open(wire, 0, available);
        if (consumed > 0) {
            toServer.position(toServer.position() + consumed);
        }
        toServer.compact();
        return consumed > 0 ? wire.asSlice(opener.plaintextOffset(), opener.plaintextLength())
                .toArray(ValueLayout.JAVA_BYTE) : null;
    }

    /** Seals {@code data} in place with {@code sealer} and hands the record to the client, which unwraps it. */
    void sealToClient(RecordSealer sealer, byte[] data) throws SSLException {
        long start = 64;
        MemorySegment.copy(data, 0, wire, ValueLayout.JAVA_BYTE, start + sealer.headerLength(), data.length);
        int n = sealer.seal(wire, start, data.length);
        toClient.put(wire.asSlice(start, n).asByteBuffer());
        unwrapAtClient();
    }

    /** Seals a close_notify alert and hands it to the client. */
    void closeNotifyToClient(RecordSealer sealer) throws SSLException {
        int n = sealer.sealAlert(wire, 0, (byte) 1, (byte) 0);
        toClient.put(wire.asSlice(0, n).asByteBuffer());
        unwrapAtClient();
    }

    private void unwrapAtClient() throws SSLException {
        toClient.flip();
        while (toClient.hasRemaining()) {
            SSLEngineResult r = client.unwrap(toClient, clientReceived);
            if (r.bytesConsumed() == 0) {
                break;
            }
        }
        toClient.compact();
    }

    /** Wraps application data at the client into {@link #toServer}. */
    void clientSends(byte[] data) throws SSLException {
        client.wrap(ByteBuffer.wrap(data), toServer);
    }

    /** Takes what the client has received so far. */
    byte[] takeClientReceived() {
        clientReceived.flip();
        byte[] out = new byte[clientReceived.remaining()];
        clientReceived.get(out);
        clientReceived.clear();
        return out;
    }

    @Override
    public void close() {
        arena.close();
    }
}
