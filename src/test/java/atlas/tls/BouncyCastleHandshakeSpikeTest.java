package atlas.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateEntry;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.DefaultTlsServer;
import org.bouncycastle.tls.PRFAlgorithm;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.SignatureScheme;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsServerProtocol;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Spike for issue 5: BouncyCastle's non-blocking TlsServerProtocol does the handshake with a JDK SSLSocket client,
 * we pull the traffic secrets (TLS 1.3) or the key block (TLS 1.2) out of its SecurityParameters, and from then
 * on our own in-place RecordSealer/RecordOpener carry the connection — the JDK client must accept our records.
 * BC is fed one whole record at a time, so no byte after the client's Finished ever reaches BC's record layer.
 */
class BouncyCastleHandshakeSpikeTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void shouldHandOverFromBouncyCastleHandshakeToInPlaceRecords(String protocol) throws Exception {
        Path keystore = dir.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                "-alias", "atlas", "-dname", "CN=localhost", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", "changeit").inheritIO().start();
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).isZero();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(keystore.toFile())) {
            ks.load(in, "changeit".toCharArray());
        }
        PrivateKey privateKey = (PrivateKey) ks.getKey("atlas", "changeit".toCharArray());
        byte[] certDer = ks.getCertificate("atlas").getEncoded();

        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext clientContext = SSLContext.getInstance("TLS");
        clientContext.init(null, tmf.getTrustManagers(), null);

        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> client = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket s = (SSLSocket) clientContext.getSocketFactory()
                        .createSocket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
                    s.setEnabledProtocols(new String[] {protocol});
                    s.setSoTimeout(20_000);
                    s.startHandshake();
                    s.getOutputStream().write("ping from the JDK".getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    byte[] reply = new byte[64];
                    int n = s.getInputStream().readNBytes(reply, 0, 24);
                    String got = new String(reply, 0, n, StandardCharsets.US_ASCII);
                    // after our close_notify the JDK sees end of stream
                    return got + "|eof=" + (s.getInputStream().read() == -1) + "|" + s.getSession().getProtocol();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            try (Socket socket = listener.accept()) {
                socket.setSoTimeout(20_000);
                serve(socket, privateKey, certDer, protocol);
            }
            assertThat(client.get(30, TimeUnit.SECONDS))
                    .isEqualTo("sealed in place by Atlas|eof=true|" + protocol);
        }
    }

    private static void serve(Socket socket, PrivateKey privateKey, byte[] certDer, String protocol) throws Exception {
        JcaTlsCrypto crypto = new JcaTlsCryptoProvider().create(new SecureRandom());
        boolean tls13 = protocol.equals("TLSv1.3");
        Handover handover = new Handover();
        DefaultTlsServer server = new DefaultTlsServer(crypto) {
            @Override
            protected ProtocolVersion[] getSupportedVersions() {
                return tls13 ? ProtocolVersion.TLSv13.only() : ProtocolVersion.TLSv12.only();
            }

            @Override
            protected int[] getSupportedCipherSuites() {
                // only suites the in-place sealer implements
                return new int[] {CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384,
                        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384};
            }

            @Override
            public TlsCredentials getCredentials() throws IOException {
                TlsCertificate cert = crypto.createCertificate(certDer);
                Certificate chain = tls13
                        ? new Certificate(TlsUtils.EMPTY_BYTES, new CertificateEntry[] {new CertificateEntry(cert, null)})
                        : new Certificate(new TlsCertificate[] {cert});
                SignatureAndHashAlgorithm alg =
                        SignatureScheme.getSignatureAndHashAlgorithm(SignatureScheme.ecdsa_secp256r1_sha256);
                return new JcaDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), crypto, privateKey, chain,
                        alg);
            }

            @Override
            public void notifyHandshakeComplete() throws IOException {
                super.notifyHandshakeComplete();
                SecurityParameters sp = context.getSecurityParametersConnection();
                handover.cipherSuite = sp.getCipherSuite();
                if (TlsUtils.isTLSv13(context)) {
                    handover.serverSecret = sp.getTrafficSecretServer().extract();
                    handover.clientSecret = sp.getTrafficSecretClient().extract();
                } else {
                    int keyLength = sp.getCipherSuite() == CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 ? 32 : 16;
                    byte[] seed = org.bouncycastle.util.Arrays.concatenate(sp.getServerRandom(), sp.getClientRandom());
                    // RFC 5246 §6.3: client_write_key, server_write_key, client_write_IV, server_write_IV
                    handover.keyBlock = sp.getMasterSecret()
                            .deriveUsingPRF(sp.getPRFAlgorithm(), "key expansion", seed, 2 * keyLength + 8).extract();
                    handover.keyLength = keyLength;
                    assertThat(sp.getPRFAlgorithm()).isIn(PRFAlgorithm.tls_prf_sha256, PRFAlgorithm.tls_prf_sha384);
                }
            }
        };

        TlsServerProtocol bc = new TlsServerProtocol(); // non-blocking mode: offerInput / readOutput
        bc.accept(server);
        DataInputStream in = new DataInputStream(socket.getInputStream());
        OutputStream out = socket.getOutputStream();
        byte[] record = new byte[5 + RecordLayout.MAX_CIPHERTEXT_12];
        while (bc.isHandshaking()) {
            flush(bc, out);
            in.readFully(record, 0, 5);
            int len = ((record[3] & 0xFF) << 8) | (record[4] & 0xFF);
            in.readFully(record, 5, len);
            bc.offerInput(record, 0, 5 + len);
        }
        flush(bc, out);
        assertThat(bc.getAvailableInputBytes()).isZero();

        try (Arena arena = Arena.ofConfined(); AesGcm gcm = new AesGcm()) {
            RecordSealer sealer;
            RecordOpener opener;
            if (tls13) {
                KeySchedule.Suite suite = KeySchedule.Suite.forCode(handover.cipherSuite);
                assertThat(suite).isNotNull();
                sealer = RecordSealer.tls13(gcm, suite, handover.serverSecret);
                opener = RecordOpener.tls13(gcm, suite, handover.clientSecret, r -> { });
            } else {
                int k = handover.keyLength;
                byte[] kb = handover.keyBlock;
                byte[] clientKey = java.util.Arrays.copyOfRange(kb, 0, k);
                byte[] serverKey = java.util.Arrays.copyOfRange(kb, k, 2 * k);
                byte[] clientSalt = java.util.Arrays.copyOfRange(kb, 2 * k, 2 * k + 4);
                byte[] serverSalt = java.util.Arrays.copyOfRange(kb, 2 * k + 4, 2 * k + 8);
                // each side's Finished was record 0 under the new keys
                sealer = RecordSealer.tls12(gcm, serverKey, serverSalt, 1);
                opener = RecordOpener.tls12(gcm, clientKey, clientSalt, 1);
            }
            try (sealer; opener) {
                MemorySegment buf = arena.allocate(64 * 1024);
                // client's application data, opened in place
                in.readFully(record, 0, 5);
                int len = ((record[3] & 0xFF) << 8) | (record[4] & 0xFF);
                in.readFully(record, 5, len);
                MemorySegment.copy(record, 0, buf, ValueLayout.JAVA_BYTE, 0, 5 + len);
                assertThat(opener.open(buf, 0, 5 + len)).isEqualTo(5 + len);
                assertThat(opener.contentType()).isEqualTo(RecordLayout.APPLICATION_DATA);
                assertThat(new String(buf.asSlice(opener.plaintextOffset(), opener.plaintextLength())
                        .toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII)).isEqualTo("ping from the JDK");

                // our reply, sealed in place, then close_notify
                byte[] body = "sealed in place by Atlas".getBytes(StandardCharsets.US_ASCII);
                long start = 4096 - sealer.headerLength();
                MemorySegment.copy(body, 0, buf, ValueLayout.JAVA_BYTE, 4096, body.length);
                int n = sealer.seal(buf, start, body.length);
                int m = sealer.sealAlert(buf, start + n, (byte) 1, (byte) 0);
                out.write(buf.asSlice(start, n + m).toArray(ValueLayout.JAVA_BYTE));
                out.flush();
            }
        }
    }

    private static void flush(TlsServerProtocol bc, OutputStream out) throws IOException {
        int n = bc.getAvailableOutputBytes();
        if (n > 0) {
            byte[] b = new byte[n];
            bc.readOutput(b, 0, n);
            out.write(b);
            out.flush();
        }
    }

    private static final class Handover {
        int cipherSuite;
        byte[] serverSecret;
        byte[] clientSecret;
        byte[] keyBlock;
        int keyLength;
    }
}
