package atlas.tls;

import static org.assertj.core.api.Assertions.assertThat;

import atlas.dataplane.GatherList;
import atlas.dataplane.IoBuffer;
import atlas.dataplane.SocketTransport;
import atlas.dataplane.Transport;
import atlas.dataplane.TransportHandler;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsClientProtocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TlsTransport} over a fake socket with BouncyCastle's client on the other end: a KeyUpdate with
 * update_requested is answered at once when nothing else is being sent, since a client may wait for it before it
 * sends more (tlsfuzzer's "app data split, conversation with KeyUpdate msg"); an application send arriving while
 * that KeyUpdate is in the socket waits for it (one send at a time) and then goes out under the new key.
 */
class TlsTransportKeyUpdateTest {
    @TempDir
    Path dir;

    /** One connection's socket as the engine would drive it; at most one send outstanding, as the engines allow. */
    private static final class FakeSocket implements SocketTransport {
        ByteBuffer receiveDst;
        int receiveOffset;
        int receiveLength;
        final ByteArrayOutputStream sent = new ByteArrayOutputStream();
        int sendInFlight = -1;
        int sendsWhileBusy;

        @Override
        public void receive(ByteBuffer dst, int offset, int length) {
            receiveDst = dst;
            receiveOffset = offset;
            receiveLength = length;
        }

        @Override
        public void send(ByteBuffer src, int offset, int length) {
            if (sendInFlight >= 0) {
                sendsWhileBusy++;
            }
            byte[] b = new byte[length];
            src.get(offset, b);
            sent.writeBytes(b);
            sendInFlight = length;
        }

        @Override
        public void sendGather(IoBuffer buffer, GatherList pieces) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void sendShared(ByteBuffer prefix, int prefixLength, MemorySegment body, long offset, int length,
                               int fileFd, long fileOffset) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void deadline(long deadlineNs) {
        }

        @Override
        public long nowNs() {
            return 0;
        }

        @Override
        public String remoteAddress() {
            return "test";
        }

        @Override
        public void close() {
        }

        byte[] takeSent() {
            byte[] b = sent.toByteArray();
            sent.reset();
            return b;
        }
    }

    /** The application: keeps a receive posted, records what it got and its completed sends. */
    private static final class App implements TransportHandler<Transport> {
        Transport transport;
        final ByteBuffer buffer = ByteBuffer.allocate(4096);
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        int sentCompletions;

        @Override
        public void onOpen(Transport t) {
            transport = t;
            t.receive(buffer, 0, buffer.capacity());
        }

        @Override
        public void onReceived(int bytes) {
            if (bytes > 0) {
                received.write(buffer.array(), 0, bytes);
                transport.receive(buffer, 0, buffer.capacity());
            }
        }

        @Override
        public void onSent(int bytes) {
            sentCompletions++;
        }

        @Override
        public void onTimeout() {
        }

        @Override
        public void onDrain() {
        }

        @Override
        public void onClosed() {
        }
    }

    private final FakeSocket socket = new FakeSocket();
    private TransportHandler<SocketTransport> handler;

    /** Delivers client bytes to the transport's outstanding receive. */
    private void toServer(byte[] bytes) {
        int off = 0;
        while (off < bytes.length) {
            int n = Math.min(bytes.length - off, socket.receiveLength);
            socket.receiveDst.put(socket.receiveOffset, bytes, off, n);
            off += n;
            handler.onReceived(n);
        }
    }

    private TlsCore core;
    private App app;

    /** Runs the handshake through the transport; returns the client and server application traffic secrets. */
    private byte[][] handshake() throws Exception {
        TlsIdentity identity = TestCertificates.write(dir.resolve("ec256"), "ec256");
        core = new TlsCore(TlsIdentitySource.fixed(identity), Duration.ofSeconds(10),
                TlsGroups.parse(TlsGroups.DEFAULT), null);
        app = new App();
        handler = core.wrap(app);
        handler.onOpen(socket);
        BcClientLink.Client client = new BcClientLink.Client(new ProtocolVersion[] {ProtocolVersion.TLSv13},
                ext -> { });
        TlsClientProtocol protocol = new TlsClientProtocol();
        protocol.connect(client);
        for (int round = 0; round < 20 && app.transport == null; round++) {
            byte[] out = new byte[protocol.getAvailableOutputBytes()];
            protocol.readOutput(out, 0, out.length);
            toServer(out);
            while (socket.sendInFlight >= 0) {
                byte[] flight = socket.takeSent();
                int n = socket.sendInFlight;
                socket.sendInFlight = -1;
                protocol.offerInput(flight);
                handler.onSent(n);
            }
        }
        assertThat(app.transport).as("the handshake completed and the application opened").isNotNull();
        return trafficSecrets(client);
    }

    @Test
    void shouldAnswerARequestedKeyUpdateAtOnceAndHoldTheNextSendBehindIt() throws Exception {
        byte[][] secrets = handshake();
        KeySchedule.Suite suite = KeySchedule.Suite.TLS_AES_128_GCM_SHA256;
        try (Arena arena = Arena.ofConfined();
             RecordSealer clientSealer = RecordSealer.tls13(core.gcm, suite, secrets[0]);
             RecordOpener clientOpener = RecordOpener.tls13(core.gcm, suite, secrets[1], null)) {
            MemorySegment wire = arena.allocate(1 << 15);
            int n = clientSealer.sealKeyUpdate(wire, 0, true);

            toServer(wire.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));

            byte[] answer = socket.takeSent();
            assertThat(answer).as("our KeyUpdate, sent before any application data").isNotEmpty();
            MemorySegment.copy(answer, 0, wire, ValueLayout.JAVA_BYTE, 0, answer.length);
            assertThat(clientOpener.open(wire, 0, answer.length)).isEqualTo(answer.length);
            assertThat(clientOpener.contentType()).isEqualTo(RecordLayout.HANDSHAKE);
            assertThat(wire.asSlice(clientOpener.plaintextOffset(), clientOpener.plaintextLength())
                    .toArray(ValueLayout.JAVA_BYTE)).containsExactly(RecordLayout.KEY_UPDATE, 0, 0, 1, 0);

            byte[] response = "HTTP/1.1 200 OK\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            app.transport.send(ByteBuffer.wrap(response), 0, response.length);
            assertThat(socket.sendsWhileBusy).as("no second send while the KeyUpdate is in the socket").isZero();
            assertThat(socket.takeSent()).isEmpty();

            int keyUpdateBytes = socket.sendInFlight;
            socket.sendInFlight = -1;
            handler.onSent(keyUpdateBytes);

            byte[] record = socket.takeSent();
            MemorySegment.copy(record, 0, wire, ValueLayout.JAVA_BYTE, 0, record.length);
            assertThat(clientOpener.open(wire, 0, record.length)).as("under the server's next key")
                    .isEqualTo(record.length);
            assertThat(wire.asSlice(clientOpener.plaintextOffset(), clientOpener.plaintextLength())
                    .toArray(ValueLayout.JAVA_BYTE)).isEqualTo(response);
            int n2 = socket.sendInFlight;
            socket.sendInFlight = -1;
            handler.onSent(n2);
            assertThat(app.sentCompletions).isEqualTo(1);
        }
    }

    /** The application traffic secrets, taken out of the BC client (its record layer has its keys already). */
    private static byte[][] trafficSecrets(BcClientLink.Client client) {
        var sp = client.context().getSecurityParametersConnection();
        return new byte[][] {sp.getTrafficSecretClient().extract(), sp.getTrafficSecretServer().extract()};
    }

    @Test
    void shouldAnswerEachOfSeveralRequestsWithAKeyUpdateOfItsOwn() throws Exception {
        byte[][] secrets = handshake();
        KeySchedule.Suite suite = KeySchedule.Suite.TLS_AES_128_GCM_SHA256;
        try (Arena arena = Arena.ofConfined();
             RecordSealer clientSealer = RecordSealer.tls13(core.gcm, suite, secrets[0]);
             RecordOpener clientOpener = RecordOpener.tls13(core.gcm, suite, secrets[1], null)) {
            MemorySegment wire = arena.allocate(1 << 15);
            int n = 0;
            for (int i = 0; i < 32; i++) {
                n += clientSealer.sealKeyUpdate(wire, n, true);
            }

            toServer(wire.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));

            byte[] answer = socket.takeSent();
            MemorySegment.copy(answer, 0, wire, ValueLayout.JAVA_BYTE, 0, answer.length);
            int records = 0;
            for (int p = 0; p < answer.length; records++) {
                int r = clientOpener.open(wire, p, answer.length - p);
                assertThat(r).as("record %d of the answer", records).isPositive();
                assertThat(clientOpener.contentType()).isEqualTo(RecordLayout.HANDSHAKE);
                p += r;
            }
            assertThat(records).as("one KeyUpdate per request, in one send").isEqualTo(32);
            assertThat(socket.sendsWhileBusy).isZero();
        }
    }
}
