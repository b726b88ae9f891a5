package atlas.tls;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * TLS 1.2 session resumption by ID, against the JDK's client (which resumes a session of the same host and port
 * from its context's cache): the abbreviated handshake, its record keys, and when it must not happen.
 */
class TlsSessionResumptionTest {
    @TempDir
    static Path dir;
    private static TlsIdentity identity;
    private static AesGcm gcm;
    private final AtomicLong clock = new AtomicLong(1_000_000);
    private final TlsSessionCache sessions = new TlsSessionCache(100, 60_000, clock::get);

    @BeforeAll
    static void setUp() throws Exception {
        identity = TestCertificates.write(dir.resolve("ec256"), "ec256");
        gcm = new AesGcm();
    }

    @AfterAll
    static void tearDown() {
        gcm.close();
    }

    /** One connection of a client using {@code context}; returns the completed server side. */
    private TlsHandshake connect(SSLContext context, TlsHandshakeFactory factory, TlsIdentity serving,
                                 String protocol) throws Exception {
        TlsHandshake server = factory.newHandshake(serving);
        try (JdkClientLink link = new JdkClientLink(context, server, p -> p.setProtocols(new String[] {protocol}))) {
            link.handshake();
            assertThat(link.clientFailure).isNull();
            assertThat(server.isComplete()).as(String.valueOf(server.failure())).isTrue();
            // The record layer takes over with the keys of this handshake, full or abbreviated.
            try (RecordSealer sealer = server.newSealer(gcm);
                 RecordOpener opener = server.newOpener(gcm, requested -> { })) {
                link.clientSends("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(new String(link.openAtServer(opener), StandardCharsets.US_ASCII))
                        .isEqualTo("GET / HTTP/1.1\r\n\r\n");
                link.sealToClient(sealer, "HTTP/1.1 204 No Content\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(new String(link.takeClientReceived(), StandardCharsets.US_ASCII))
                        .isEqualTo("HTTP/1.1 204 No Content\r\n\r\n");
            }
            server.destroy();
            return server;
        }
    }

    private static SSLContext trusting(TlsIdentity... identities) throws Exception {
        java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        for (int i = 0; i < identities.length; i++) {
            trust.setCertificateEntry("atlas" + i, identities[i].certificateChain().get(0));
        }
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    @Test
    void aTls12ClientComingBackResumesItsSessionOnAnyCore() throws Exception {
        SSLContext client = JdkClientLink.trusting(identity);
        TlsHandshakeFactory core0 = TlsHandshakeFactory.forCore().sessions(sessions);
        TlsHandshakeFactory core1 = TlsHandshakeFactory.forCore().sessions(sessions);

        assertThat(connect(client, core0, identity, "TLSv1.2").resumed()).as("the first one is full").isFalse();
        assertThat(sessions.size()).isEqualTo(1);
        assertThat(connect(client, core1, identity, "TLSv1.2").resumed()).as("the next, on another core").isTrue();
        assertThat(connect(client, core0, identity, "TLSv1.2").resumed()).isTrue();
    }

    @Test
    void anExpiredSessionOrANewCertificateGetsAFullHandshake() throws Exception {
        SSLContext client = JdkClientLink.trusting(identity);
        TlsHandshakeFactory factory = TlsHandshakeFactory.forCore().sessions(sessions);
        connect(client, factory, identity, "TLSv1.2");
        clock.addAndGet(60_000);
        assertThat(connect(client, factory, identity, "TLSv1.2").resumed()).as("past its lifetime").isFalse();

        TlsIdentity reloaded = TestCertificates.write(dir.resolve("reloaded"), "ec256");
        SSLContext trustsBoth = trusting(identity, reloaded);
        connect(trustsBoth, factory, identity, "TLSv1.2");
        assertThat(connect(trustsBoth, factory, reloaded, "TLSv1.2").resumed())
                .as("a session of the certificate before a reload").isFalse();
    }

    @Test
    void tls13AndAServerWithoutACacheResumeNothing() throws Exception {
        SSLContext client = JdkClientLink.trusting(identity);
        TlsHandshakeFactory factory = TlsHandshakeFactory.forCore().sessions(sessions);
        connect(client, factory, identity, "TLSv1.3");
        assertThat(connect(client, factory, identity, "TLSv1.3").resumed()).isFalse();
        assertThat(sessions.size()).as("no TLS 1.3 session is kept").isZero();

        TlsHandshakeFactory none = TlsHandshakeFactory.forCore();
        SSLContext other = JdkClientLink.trusting(identity);
        connect(other, none, identity, "TLSv1.2");
        assertThat(connect(other, none, identity, "TLSv1.2").resumed()).isFalse();
    }

    @Test
    void theCacheKeepsItsNewestSessionsWithinItsCapacity() throws Exception {
        TlsSessionCache small = new TlsSessionCache(2, 60_000, clock::get);
        TlsHandshakeFactory factory = TlsHandshakeFactory.forCore().sessions(small);
        SSLContext[] clients = new SSLContext[3];
        for (int i = 0; i < clients.length; i++) {
            clients[i] = JdkClientLink.trusting(identity);
            connect(clients[i], factory, identity, "TLSv1.2");
        }
        assertThat(small.size()).isEqualTo(2);
        // Newest first: a full handshake would store a session and push out another.
        assertThat(connect(clients[2], factory, identity, "TLSv1.2").resumed()).isTrue();
        assertThat(connect(clients[1], factory, identity, "TLSv1.2").resumed()).isTrue();
        assertThat(connect(clients[0], factory, identity, "TLSv1.2").resumed()).as("the oldest was pushed out")
                .isFalse();
        assertThat(small.size()).isEqualTo(2);
    }
}
