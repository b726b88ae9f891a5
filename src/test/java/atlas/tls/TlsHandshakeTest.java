package atlas.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link TlsHandshake} against the JDK's TLS client, in memory: the server is fed one record at a time through
 * native memory ({@link JdkClientLink}), then the connection is handed over to {@link RecordSealer} and
 * {@link RecordOpener}, and the JDK client must accept our records and we its records.
 */
class TlsHandshakeTest {
    @TempDir
    static Path dir;

    private static final Map<String, TlsIdentity> IDENTITIES = new HashMap<>();
    private static AesGcm gcm;

    @BeforeAll
    static void identities() throws Exception {
        for (String kind : new String[] {"ec256", "ec384", "rsa2048"}) {
            IDENTITIES.put(kind, TestCertificates.write(dir.resolve(kind), kind));
        }
        gcm = new AesGcm();
    }

    @AfterAll
    static void close() {
        gcm.close();
    }

    private static TlsHandshakeFactory factory(String crypto) {
        return crypto.equals("bc") ? TlsHandshakeFactory.forCore() : TlsHandshakeFactory.forCoreWithJdkCrypto();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({
        "TLSv1.3, ec256, bc", "TLSv1.3, ec384, bc", "TLSv1.3, rsa2048, bc",
        "TLSv1.2, ec256, bc", "TLSv1.2, ec384, bc", "TLSv1.2, rsa2048, bc",
        "TLSv1.3, ec256, jdk", "TLSv1.3, rsa2048, jdk", "TLSv1.2, ec256, jdk", "TLSv1.2, rsa2048, jdk"})
    void shouldHandOverToTheInPlaceRecordLayerBothWays(String protocol, String kind, String crypto) throws Exception {
        TlsIdentity identity = IDENTITIES.get(kind);
        TlsHandshake server = factory(crypto).newHandshake(identity);
        try (JdkClientLink link = new JdkClientLink(JdkClientLink.trusting(identity), server,
                p -> p.setProtocols(new String[] {protocol}))) {
            // In TLS 1.3 this lands right behind the client's Finished, before the server has processed it:
            // only the one-record-at-a-time feeding keeps it out of BouncyCastle.
            link.clientFirstData = ascii("GET /first HTTP/1.1\r\n\r\n");

            link.handshake();

            assertThat(server.failure()).isNull();
            assertThat(server.isComplete()).isTrue();
            if (protocol.equals("TLSv1.3")) {
                assertThat(link.waitingAtCompletion).as("the client's data was queued behind its Finished")
                        .isGreaterThan(RecordLayout.HEADER);
            }
            assertThat(server.pendingOutput()).isZero();
            assertThat(link.clientFailure).isNull();
            assertThat(link.client.getHandshakeStatus()).isEqualTo(SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING);
            assertThat(link.client.getSession().getProtocol()).isEqualTo(protocol);
            assertThat(server.protocolVersion()).isEqualTo(protocol.equals("TLSv1.3") ? 0x0304 : 0x0303);
            assertThat(server.cipherSuiteName()).isEqualTo(link.client.getSession().getCipherSuite())
                    .contains("_AES_128_GCM_"); // our preference wins over the JDK's (AES-256 first)
            assertThat(link.client.getApplicationProtocol()).isEqualTo("http/1.1");
            assertThat(server.applicationProtocol()).isEqualTo("http/1.1");
            Certificate presented = link.client.getSession().getPeerCertificates()[0];
            assertThat(TlsIdentity.fingerprint(presented.getEncoded())).isEqualTo(identity.fingerprintSha256());

            try (RecordSealer sealer = server.newSealer(gcm);
                 RecordOpener opener = server.newOpener(gcm, requested -> { })) {
                server.destroy();
                assertThat(link.openAtServer(opener)).asString(StandardCharsets.US_ASCII)
                        .isEqualTo("GET /first HTTP/1.1\r\n\r\n");
                for (int i = 0; i < 3; i++) {
                    link.clientSends(ascii("request " + i));
                    assertThat(link.openAtServer(opener)).asString(StandardCharsets.US_ASCII)
                            .isEqualTo("request " + i);
                    link.sealToClient(sealer, ascii("response " + i));
                    assertThat(link.takeClientReceived()).asString(StandardCharsets.US_ASCII)
                            .isEqualTo("response " + i);
                }
                byte[] big = new byte[RecordLayout.MAX_PLAINTEXT];
                Arrays.fill(big, (byte) 'x');
                link.sealToClient(sealer, big);
                assertThat(link.takeClientReceived()).isEqualTo(big);

                link.closeNotifyToClient(sealer);
                assertThat(link.client.isInboundDone()).as("the JDK saw our close_notify").isTrue();
            }
        }
    }

    @Test
    void shouldServeTheSelfSignedIdentityToAClientThatChecksTheHostName() throws Exception {
        TlsIdentity identity = TlsIdentity.selfSigned(dir.resolve("demo"));
        TlsHandshake server = TlsHandshakeFactory.forCore().newHandshake(identity);
        try (JdkClientLink link = new JdkClientLink(JdkClientLink.trusting(identity), server,
                p -> p.setEndpointIdentificationAlgorithm("HTTPS"))) {
            link.handshake();

            assertThat(link.clientFailure).isNull();
            assertThat(server.isComplete()).isTrue();
            assertThat(server.protocolVersion()).isEqualTo(0x0304);
        }
    }

    @Test
    void shouldSignWithRsaPkcs1InTls12WhenTheClientOffersNothingElse() throws Exception {
        TlsIdentity identity = IDENTITIES.get("rsa2048");
        TlsHandshake server = TlsHandshakeFactory.forCore().newHandshake(identity);
        try (JdkClientLink link = new JdkClientLink(JdkClientLink.trusting(identity), server, p -> {
            p.setProtocols(new String[] {"TLSv1.2"});
            p.setSignatureSchemes(new String[] {"rsa_pkcs1_sha256"});
        })) {
            link.handshake();

            assertThat(link.clientFailure).isNull();
            assertThat(server.isComplete()).isTrue();
        }
    }

    @Test
    void shouldFailWhenTheClientAcceptsNoSignatureSchemeForOurKey() throws Exception {
        TlsIdentity identity = IDENTITIES.get("ec384");
        TlsHandshake server = TlsHandshakeFactory.forCore().newHandshake(identity);
        try (JdkClientLink link = new JdkClientLink(JdkClientLink.trusting(identity), server, p -> {
            p.setProtocols(new String[] {"TLSv1.3"});
            p.setSignatureSchemes(new String[] {"ecdsa_secp256r1_sha256", "rsa_pss_rsae_sha256"});
        })) {
            link.handshake();

            assertThat(server.hasFailed()).isTrue();
            assertThat(server.failure()).isEqualTo(
                    "handshake_failure(40); client accepts no signature scheme for our EC_P384 key");
            assertThat(link.clientFailure).isInstanceOf(SSLHandshakeException.class);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void shouldRefuseAClientThatOffersOnlyChaCha20(String protocol) throws Exception {
        TlsIdentity identity = IDENTITIES.get("ec256");
        TlsHandshake server = TlsHandshakeFactory.forCore().newHandshake(identity);
        try (JdkClientLink link = new JdkClientLink(JdkClientLink.trusting(identity), server, p -> {
            p.setProtocols(new String[] {protocol});
            p.setCipherSuites(new String[] {protocol.equals("TLSv1.3") ? "TLS_CHACHA20_POLY1305_SHA256"
                    : "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"});
        })) {
            link.handshake();

            assertThat(server.hasFailed()).isTrue();
            assertThat(server.isComplete()).isFalse();
            assertThat(server.failure()).startsWith("handshake_failure(40)");
            assertThat(link.clientFailure).isInstanceOf(SSLHandshakeException.class)
                    .hasMessageContaining("handshake_failure");
            assertThatThrownBy(() -> server.newSealer(gcm)).isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("handshake failed: handshake_failure(40)");
        }
    }

    @Test
    void shouldRefuseAClientThatOffersOnlyH2WithNoApplicationProtocol() throws Exception {
        TlsIdentity identity = IDENTITIES.get("ec256");
        TlsHandshake server = TlsHandshakeFactory.forCore().newHandshake(identity);
        try (JdkClientLink link = new JdkClientLink(JdkClientLink.trusting(identity), server,
                p -> p.setApplicationProtocols(new String[] {"h2"}))) {
            link.handshake();

            assertThat(server.failure()).startsWith("no_application_protocol(120)");
            assertThat(link.clientFailure).hasMessageContaining("no_application_protocol");
        }
    }

    @Test
    void shouldServeAClientThatSendsNoAlpn() throws Exception {
        TlsIdentity identity = IDENTITIES.get("ec256");
        TlsHandshake server = TlsHandshakeFactory.forCore().newHandshake(identity);
        try (JdkClientLink link = new JdkClientLink(JdkClientLink.trusting(identity), server,
                p -> p.setApplicationProtocols(new String[0]))) {
            link.handshake();

            assertThat(server.isComplete()).isTrue();
            assertThat(server.applicationProtocol()).isNull();
            assertThat(link.client.getApplicationProtocol()).isEmpty();
        }
    }

    @Test
    void shouldFailOnGarbageInsteadOfAClientHelloAndQueueTheAlert() {
        TlsHandshake server = TlsHandshakeFactory.forCore().newHandshake(IDENTITIES.get("ec256"));
        byte[] record = new byte[5 + 16];
        record[0] = RecordLayout.HANDSHAKE;
        record[1] = 3;
        record[2] = 1;
        record[4] = 16;
        Arrays.fill(record, 5, record.length, (byte) 0x5A);

        server.offerRecord(record, 0, record.length);

        assertThat(server.hasFailed()).isTrue();
        assertThat(server.isComplete()).isFalse();
        assertThat(server.failure()).isEqualTo("unexpected_message(10); Handshake message of unrecognized type: 90");
        byte[] alert = new byte[64];
        assertThat(server.pendingOutput()).isEqualTo(7);
        assertThat(server.drainOutput(alert, 0, alert.length)).isEqualTo(7);
        assertThat(Arrays.copyOf(alert, 7)).containsExactly(RecordLayout.ALERT, 3, 3, 0, 2, 2, 10);
        assertThat(server.pendingOutput()).isZero();
        assertThat(server.drainOutput(alert, 0, alert.length)).isZero();
        assertThatThrownBy(() -> server.offerRecord(record, 0, record.length))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("failed (unexpected_message(10)");
    }

    @Test
    void shouldFailOnAGarbledClientHello() {
        TlsHandshake server = TlsHandshakeFactory.forCore().newHandshake(IDENTITIES.get("ec256"));
        // a client_hello message header (type 1, length 16) over 16 bytes that are no ClientHello
        byte[] record = new byte[5 + 4 + 16];
        record[0] = RecordLayout.HANDSHAKE;
        record[1] = 3;
        record[2] = 1;
        record[4] = 4 + 16;
        record[5] = 1;
        record[8] = 16;
        Arrays.fill(record, 9, record.length, (byte) 0x5A);
        MemorySegment wire = MemorySegment.ofArray(new byte[64]);
        MemorySegment.copy(MemorySegment.ofArray(record), 0, wire, 10, record.length);

        server.offerRecord(wire, 10, record.length);

        assertThat(server.failure()).startsWith("decode_error(50)");
        assertThat(server.drainOutput(wire, 0, 64)).isEqualTo(7);
        assertThat(wire.asSlice(0, 7).toArray(ValueLayout.JAVA_BYTE))
                .containsExactly(RecordLayout.ALERT, 3, 3, 0, 2, 2, 50);
    }

    @Test
    void shouldFailOnApplicationDataBeforeTheHandshake() {
        TlsHandshake server = TlsHandshakeFactory.forCore().newHandshake(IDENTITIES.get("ec256"));
        byte[] record = {RecordLayout.APPLICATION_DATA, 3, 3, 0, 3, 'a', 'b', 'c'};

        server.offerRecord(record, 0, record.length);

        assertThat(server.failure()).startsWith("unexpected_message(10)");
        assertThat(server.pendingOutput()).isEqualTo(7);
    }

    @Test
    void shouldRecordAClientAlertAsTheFailure() {
        TlsHandshake server = TlsHandshakeFactory.forCore().newHandshake(IDENTITIES.get("ec256"));
        byte[] alert = {RecordLayout.ALERT, 3, 3, 0, 2, 2, 40};

        server.offerRecord(alert, 0, alert.length);

        assertThat(server.failure()).isEqualTo("peer sent handshake_failure(40)");
    }

    @Test
    void shouldRejectAnythingButExactlyOneRecordPerCall() {
        TlsHandshake server = TlsHandshakeFactory.forCore().newHandshake(IDENTITIES.get("ec256"));
        byte[] twoRecords = {RecordLayout.HANDSHAKE, 3, 1, 0, 1, 1, RecordLayout.HANDSHAKE, 3, 1, 0, 1, 1};

        assertThatThrownBy(() -> server.offerRecord(twoRecords, 0, twoRecords.length))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("offerRecord takes exactly one record: 12 bytes given, the header says 6");
        assertThatThrownBy(() -> server.offerRecord(twoRecords, 0, 4))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(server.hasFailed()).isFalse();
        assertThatThrownBy(() -> server.newSealer(gcm)).hasMessage("handshake not complete");
    }

    @Test
    void shouldServeANewIdentityFromTheSameFactoryAfterAReload() throws Exception {
        TlsHandshakeFactory factory = TlsHandshakeFactory.forCore();
        for (String kind : new String[] {"ec256", "rsa2048", "ec256"}) {
            TlsIdentity identity = IDENTITIES.get(kind);
            TlsHandshake server = factory.newHandshake(identity);
            try (JdkClientLink link = new JdkClientLink(JdkClientLink.trusting(identity), server, p -> { })) {
                link.handshake();

                assertThat(server.failure()).isNull();
                assertThat(server.isComplete()).isTrue();
                assertThat(server.identity()).isSameAs(identity);
                assertThat(TlsIdentity.fingerprint(link.client.getSession().getPeerCertificates()[0].getEncoded()))
                        .isEqualTo(identity.fingerprintSha256());
            }
        }
    }

    @Test
    void shouldRefuseToHandOverAfterDestroy() throws Exception {
        TlsIdentity identity = IDENTITIES.get("ec256");
        TlsHandshake server = TlsHandshakeFactory.forCore().newHandshake(identity);
        try (JdkClientLink link = new JdkClientLink(JdkClientLink.trusting(identity), server, p -> { })) {
            link.handshake();
            assertThat(server.isComplete()).isTrue();

            server.destroy();

            assertThatThrownBy(() -> server.newSealer(gcm)).hasMessage("handshake secrets already destroyed");
            byte[] record = {RecordLayout.HANDSHAKE, 3, 3, 0, 1, 1};
            assertThatThrownBy(() -> server.offerRecord(record, 0, record.length))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("completed");
        }
    }

    @Test
    void shouldBuildAClientContextThatTrustsOnlyTheGivenIdentity() throws Exception {
        // guards the other tests: with a client that trusts another certificate the handshake must fail
        TlsIdentity served = IDENTITIES.get("ec256");
        SSLContext trustsOther = JdkClientLink.trusting(IDENTITIES.get("ec384"));
        TlsHandshake server = TlsHandshakeFactory.forCore().newHandshake(served);
        try (JdkClientLink link = new JdkClientLink(trustsOther, server, p -> { })) {
            link.handshake();

            assertThat(link.clientFailure).isInstanceOf(SSLHandshakeException.class);
            assertThat(server.isComplete()).isFalse();
        }
    }
}
