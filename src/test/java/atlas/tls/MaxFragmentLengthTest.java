package atlas.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Random;
import org.bouncycastle.tls.MaxFragmentLength;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsExtensionsUtils;
import org.bouncycastle.tls.TlsFatalAlert;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * max_fragment_length (RFC 6066 §4): once BouncyCastle grants it, our record layer must honour it both ways — the
 * BC client, which enforces the limit on what it reads, must accept our records — and record_size_limit (RFC 8449)
 * must not be negotiated, since we do not implement it (issue 16).
 */
class MaxFragmentLengthTest {
    @TempDir
    static Path dir;

    private static TlsIdentity ec256;
    private static AesGcm gcm;

    @BeforeAll
    static void setUp() throws Exception {
        ec256 = TestCertificates.write(dir.resolve("ec256"), "ec256");
        gcm = new AesGcm();
    }

    @AfterAll
    static void tearDown() {
        gcm.close();
    }

    @ParameterizedTest(name = "{0} max_fragment_length {1}")
    @CsvSource({"TLSv1.3, 1", "TLSv1.2, 1", "TLSv1.3, 4", "TLSv1.2, 3"})
    void shouldSealAndOpenNoMoreThanTheNegotiatedFragmentLength(String version, short code) throws Exception {
        int limit = 1 << (8 + code);
        TlsHandshake server = TlsHandshakeFactory.forCore().newHandshake(ec256);
        ProtocolVersion v = version.equals("TLSv1.3") ? ProtocolVersion.TLSv13 : ProtocolVersion.TLSv12;
        BcClientLink link = new BcClientLink(server, new ProtocolVersion[] {v},
                ext -> TlsExtensionsUtils.addMaxFragmentLengthExtension(ext, code));

        link.handshake();

        assertThat(server.failure()).isNull();
        assertThat(server.isComplete()).isTrue();
        assertThat(server.maxPlaintext()).isEqualTo(limit);
        try (Arena arena = Arena.ofConfined();
             RecordSealer sealer = server.newSealer(gcm);
             RecordOpener opener = server.newOpener(gcm, requested -> { })) {
            assertThat(sealer.maxPlaintext()).isEqualTo(limit);
            assertThat(opener.maxPlaintext()).isEqualTo(limit);
            MemorySegment wire = arena.allocate(1 << 15);
            assertThatThrownBy(() -> sealer.seal(wire, 0, limit + 1)).isInstanceOf(IllegalArgumentException.class);

            byte[] data = new byte[limit];
            new Random(1).nextBytes(data);
            MemorySegment.copy(MemorySegment.ofArray(data), 0, wire, sealer.headerLength(), limit);
            int n = sealer.seal(wire, 0, limit);
            link.protocol.offerInput(wire.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            byte[] received = new byte[limit];
            assertThat(link.protocol.readInput(received, 0, limit)).isEqualTo(limit);
            assertThat(received).as("the BC client, which enforces the limit, read our full record").isEqualTo(data);
        }
    }

    @Test
    void shouldRefuseARecordOverTheLimitWithRecordOverflow() {
        byte[] secret = new byte[32];
        try (Arena arena = Arena.ofConfined();
             RecordSealer peer = RecordSealer.tls13(gcm, KeySchedule.Suite.TLS_AES_128_GCM_SHA256, secret.clone());
             RecordOpener opener = RecordOpener.tls13(gcm, KeySchedule.Suite.TLS_AES_128_GCM_SHA256, secret.clone(),
                     null).maxPlaintext(512)) {
            MemorySegment wire = arena.allocate(1 << 12);
            int n = peer.seal(wire, 0, 512);
            assertThat(opener.open(wire, 0, n)).isEqualTo(n);
            n = peer.seal(wire, 0, 513);
            assertThat(opener.open(wire, 0, n)).isEqualTo(RecordOpener.RECORD_OVERFLOW);
        }
    }

    @Test
    void shouldRefuseAnUnlimitedRecordAtTheBcClientAsTheGuard() throws Exception {
        // guards the test above: a record over the limit is what the BC client would refuse
        TlsHandshake server = TlsHandshakeFactory.forCore().newHandshake(ec256);
        BcClientLink link = new BcClientLink(server, new ProtocolVersion[] {ProtocolVersion.TLSv13},
                ext -> TlsExtensionsUtils.addMaxFragmentLengthExtension(ext, MaxFragmentLength.pow2_9));
        link.handshake();
        try (Arena arena = Arena.ofConfined();
             RecordSealer unlimited = server.newSealer(gcm).maxPlaintext(RecordLayout.MAX_PLAINTEXT)) {
            MemorySegment wire = arena.allocate(1 << 12);
            int n = unlimited.seal(wire, 0, 513);
            assertThatThrownBy(() -> link.protocol.offerInput(wire.asSlice(0, n)
                    .toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))).isInstanceOf(TlsFatalAlert.class)
                    .hasMessageContaining("record_overflow");
        }
    }

    @Test
    void shouldNotNegotiateRecordSizeLimit() {
        RawClientHello hello = RawClientHello.tls12(0x0017).extension(28, new byte[] {0x02, 0x00});

        RawClientHello.ServerReply reply = hello.sendTo(TlsHandshakeFactory.forCore().newHandshake(ec256), 16384);

        assertThat(reply.isServerHello()).isTrue();
        assertThat(reply.extension(28)).as("record_size_limit in the ServerHello").isNull();
    }
}
