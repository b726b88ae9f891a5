package atlas.tls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.List;
import java.util.function.Function;
import org.bouncycastle.tls.DefaultTlsClient;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.ServerOnlyTlsAuthentication;
import org.bouncycastle.tls.TlsAuthentication;
import org.bouncycastle.tls.TlsClientProtocol;
import org.bouncycastle.tls.TlsServerCertificate;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;

/**
 * BouncyCastle's TLS client in non-blocking mode wired to a {@link TlsHandshake} in memory, record by record like
 * {@link JdkClientLink}, with two things the JDK client cannot give: a hook that may rewrite each client record on
 * its way (split a Finished, drop or add records), and the client's own key material, so a test can seal the
 * client's next records itself. Records that arrive after the server completed are kept in {@link #afterHandshake}
 * for the record layer.
 */
final class BcClientLink {
    final TlsClientProtocol protocol = new TlsClientProtocol();
    final Client client;
    final TlsHandshake server;
    /** Rewrites one whole client record into the records the server gets instead (identity by default). */
    Function<byte[], List<byte[]>> rewrite = List::of;
    /** Client records that reached the wire after the server's handshake ended. */
    final List<byte[]> afterHandshake = new ArrayList<>();
    /** The client's failure, if it saw one (usually the server's alert). */
    IOException clientFailure;
    /** Runs after each server record the client has taken. */
    Runnable afterServerRecord = () -> { };
    private final ByteArrayOutputStream toServer = new ByteArrayOutputStream();
    private final ByteArrayOutputStream toClient = new ByteArrayOutputStream();

    /** A BC client offering exactly {@code versions}; {@code extensions} may add to its ClientHello extensions. */
    BcClientLink(TlsHandshake server, ProtocolVersion[] versions, Extensions extensions) {
        this.server = server;
        this.client = new Client(versions, extensions);
    }

    /** Adds to the client's ClientHello extensions. */
    @FunctionalInterface
    interface Extensions {
        void addTo(Hashtable<Integer, byte[]> extensions) throws IOException;
    }

    /** The BC client: trusts any server certificate (the tests are about the record layer, not PKIX). */
    static final class Client extends DefaultTlsClient {
        private final ProtocolVersion[] versions;
        private final Extensions extensions;

        Client(ProtocolVersion[] versions, Extensions extensions) {
            super(new BcTlsCrypto(new SecureRandom()));
            this.versions = versions;
            this.extensions = extensions;
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return versions;
        }

        @Override
        @SuppressWarnings("unchecked")
        public Hashtable<Integer, byte[]> getClientExtensions() throws IOException {
            Hashtable<Integer, byte[]> ext = (Hashtable<Integer, byte[]>) super.getClientExtensions();
            if (ext == null) {
                ext = new Hashtable<>();
            }
            extensions.addTo(ext);
            return ext;
        }

        @Override
        public TlsAuthentication getAuthentication() {
            return new ServerOnlyTlsAuthentication() {
                @Override
                public void notifyServerCertificate(TlsServerCertificate serverCertificate) {
                }
            };
        }

        org.bouncycastle.tls.TlsClientContext context() {
            return context;
        }

        /**
         * TLS 1.2 AES-GCM: the key block from the client's master secret (RFC 5246 §6.3): client key, server key,
         * client salt, server salt. Valid as soon as the client has sent its ClientKeyExchange.
         */
        byte[] keyBlock12(int keyLength) {
            SecurityParameters sp = context.getSecurityParametersHandshake();
            if (sp == null) {
                sp = context.getSecurityParametersConnection();
            }
            byte[] seed = org.bouncycastle.util.Arrays.concatenate(sp.getServerRandom(), sp.getClientRandom());
            return sp.getMasterSecret().deriveUsingPRF(sp.getPRFAlgorithm(), "key expansion", seed,
                    2 * keyLength + 8).extract();
        }
    }

    /** Runs both sides until neither makes progress. */
    void handshake() throws IOException {
        protocol.connect(client);
        for (int round = 0; round < 100; round++) {
            if (!step()) {
                return;
            }
        }
        throw new IllegalStateException("handshake did not settle in 100 rounds");
    }

    private boolean step() {
        boolean progress = false;
        int n = protocol.getAvailableOutputBytes();
        if (n > 0) {
            byte[] out = new byte[n];
            protocol.readOutput(out, 0, n);
            toServer.writeBytes(out);
            progress = true;
        }
        byte[] pending = toServer.toByteArray();
        int p = 0;
        while (pending.length - p >= RecordLayout.HEADER) {
            int length = RecordLayout.HEADER + ((pending[p + 3] & 0xFF) << 8 | (pending[p + 4] & 0xFF));
            if (pending.length - p < length) {
                break;
            }
            for (byte[] r : rewrite.apply(Arrays.copyOfRange(pending, p, p + length))) {
                deliver(r);
            }
            p += length;
            progress = true;
        }
        toServer.reset();
        toServer.write(pending, p, pending.length - p);
        return progress;
    }

    /** Gives one record to the server (or keeps it for the record layer) and the server's answer to the client. */
    void deliver(byte[] record) {
        if (server.isComplete() || server.hasFailed()) {
            afterHandshake.add(record);
            return;
        }
        server.offerRecord(record, 0, record.length);
        byte[] out = new byte[1 << 15];
        int n;
        while ((n = server.drainOutput(out, 0, out.length)) > 0) {
            toClient.write(out, 0, n);
        }
        byte[] pending = toClient.toByteArray();
        int p = 0;
        // record by record, so that afterServerRecord sees the client between them (e.g. its handshake keys)
        while (pending.length - p >= RecordLayout.HEADER) {
            int length = RecordLayout.HEADER + ((pending[p + 3] & 0xFF) << 8 | (pending[p + 4] & 0xFF));
            if (pending.length - p < length) {
                break;
            }
            if (clientFailure == null) {
                try {
                    protocol.offerInput(pending, p, length);
                    afterServerRecord.run();
                } catch (IOException e) {
                    clientFailure = e;
                }
            }
            p += length;
        }
        toClient.reset();
        toClient.write(pending, p, pending.length - p);
    }
}
