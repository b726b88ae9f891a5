package atlas.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link TlsHandshake} against ClientHellos built byte by byte ({@link RawClientHello}): the inputs of tlsfuzzer's
 * {@code test-version-numbers}, {@code test-large-hello}, {@code test-client-hello-max-size}, and a TLS 1.2 client
 * without renegotiation_info (issue 16).
 */
class ClientHelloConformanceTest {
    @TempDir
    static Path dir;

    private static TlsIdentity ec256;

    @BeforeAll
    static void identity() throws Exception {
        ec256 = TestCertificates.write(dir.resolve("ec256"), "ec256");
    }

    private static TlsHandshake newServer() {
        return TlsHandshakeFactory.forCore().newHandshake(ec256);
    }

    @ParameterizedTest(name = "legacy_version {0}")
    @ValueSource(ints = {0x0303, 0x0304, 0x0305, 0x03FE, 0x0401, 0x0603, 0xFEFE, 0xFEFF, 0xFFFF})
    void shouldNegotiateTls12WithAClientOfAFutureVersion(int legacyVersion) {
        RawClientHello hello = RawClientHello.tls12(0x001D, 0x0017);
        hello.legacyVersion = legacyVersion;

        RawClientHello.ServerReply reply = hello.sendTo(newServer(), 16384);

        assertThat(reply.alert()).as("alert").isEqualTo(-1);
        assertThat(reply.isServerHello()).isTrue();
        assertThat(reply.negotiatedVersion()).isEqualTo(0x0303);
    }

    @ParameterizedTest(name = "legacy_version {0}")
    @ValueSource(ints = {0x0401, 0xFEFE})
    void shouldNegotiateTls13BySupportedVersionsWhateverTheLegacyVersion(int legacyVersion) {
        RawClientHello hello = RawClientHello.tls13();
        hello.legacyVersion = legacyVersion;

        RawClientHello.ServerReply reply = hello.sendTo(newServer(), 16384);

        assertThat(reply.isServerHello()).isTrue();
        assertThat(reply.negotiatedVersion()).isEqualTo(0x0304);
    }

    @ParameterizedTest(name = "legacy_version {0}")
    @ValueSource(ints = {0x0000, 0x0200, 0x0300})
    void shouldRefuseAVersionBelowTls12WithProtocolVersion(int legacyVersion) {
        RawClientHello hello = RawClientHello.tls12(0x001D);
        hello.legacyVersion = legacyVersion;

        assertThat(hello.sendTo(newServer(), 16384).alert()).isEqualTo(70); // protocol_version
    }

    @ParameterizedTest(name = "{0} bytes of extension in records of {1}")
    @CsvSource({"16000, 16384", "40000, 16384", "65000, 16384", "65000, 1000", "65000, 1"})
    void shouldAcceptAClientHelloUpToTheLargestTheSyntaxAllows(int padding, int fragment) {
        RawClientHello hello = RawClientHello.tls12(0x001D);
        hello.extension(21, new byte[padding]); // padding (RFC 7685)

        RawClientHello.ServerReply reply = hello.sendTo(newServer(), fragment);

        assertThat(reply.alert()).as("alert").isEqualTo(-1);
        assertThat(reply.isServerHello()).isTrue();
    }

    @Test
    void shouldAcceptAClientHelloWithTheMostCipherSuitesAndExtensionsThereAre() {
        RawClientHello hello = RawClientHello.tls13();
        int[] suites = new int[32767]; // 2^16 - 2 bytes of suites, ours last
        for (int i = 0; i < suites.length - 1; i++) {
            suites[i] = 0x0100 + i; // unassigned code points
        }
        suites[suites.length - 1] = 0x1301;
        hello.suites = suites;
        hello.extension(21, new byte[65535 - hello.extensionsLength() - 4]); // extensions at their 2^16 - 1 most

        RawClientHello.ServerReply reply = hello.sendTo(newServer(), 16384);

        assertThat(hello.message().length).isGreaterThan(128 * 1024);
        assertThat(reply.alert()).as("alert").isEqualTo(-1);
        assertThat(reply.isServerHello()).isTrue();
        assertThat(reply.negotiatedVersion()).isEqualTo(0x0304);
    }

    @Test
    void shouldServeATls12ClientThatSendsNeitherRenegotiationInfoNorTheScsv() {
        RawClientHello hello = RawClientHello.tls12(0x0017).without(RawClientHello.EXT_RENEGOTIATION_INFO);
        hello.suites = new int[] {0xC02B};

        RawClientHello.ServerReply reply = hello.sendTo(newServer(), 16384);

        assertThat(reply.alert()).as("alert").isEqualTo(-1);
        assertThat(reply.isServerHello()).isTrue();
        assertThat(reply.extension(RawClientHello.EXT_RENEGOTIATION_INFO))
                .as("no renegotiation_info in the ServerHello of a client that did not signal it").isNull();
    }

    @Test
    void shouldAnswerTheScsvWithAnEmptyRenegotiationInfo() {
        RawClientHello.ServerReply reply = RawClientHello.tls12(0x0017).sendTo(newServer(), 16384);

        assertThat(reply.extension(RawClientHello.EXT_RENEGOTIATION_INFO)).containsExactly(0);
    }

    @ParameterizedTest(name = "client groups {0}")
    @ValueSource(strings = {"1", "15", "26", "30", "1 15 26 27 28 30 256"})
    void shouldRefuseTls12WithOnlyGroupsThatAreNotOurs(String groups) {
        // sect163k1, secp160k1, brainpoolP256r1, X448, ffdhe2048: never negotiated
        int[] offered = java.util.Arrays.stream(groups.split(" ")).mapToInt(Integer::parseInt).toArray();

        assertThat(RawClientHello.tls12(offered).sendTo(newServer(), 16384).alert()).isEqualTo(40);
    }

    @ParameterizedTest(name = "client groups {0} -> {1}")
    @CsvSource({"1 29, 29", "26 23, 23", "30 24 23, 24", "29 23 24, 29", "23 29, 23"})
    void shouldNegotiateTheClientsFirstGroupThatIsOursInTls12(String groups, int expected) {
        int[] offered = java.util.Arrays.stream(groups.split(" ")).mapToInt(Integer::parseInt).toArray();

        RawClientHello.ServerReply reply = RawClientHello.tls12(offered).sendTo(newServer(), 16384);

        assertThat(reply.isServerHello()).isTrue();
        assertThat(reply.serverKeyExchangeGroup()).isEqualTo(expected);
    }

    @Test
    void shouldChooseP256ForATls12ClientThatSendsNoGroups() {
        RawClientHello hello = RawClientHello.tls12().without(RawClientHello.EXT_SUPPORTED_GROUPS);

        assertThat(hello.sendTo(newServer(), 16384).serverKeyExchangeGroup()).isEqualTo(23);
    }

    @Test
    void shouldOfferOnlyTheConfiguredGroupsInBothVersions() {
        TlsHandshakeFactory p384Only = TlsHandshakeFactory.forCore().groups(TlsGroups.parse("p384"));

        assertThat(RawClientHello.tls12(29, 23).sendTo(p384Only.newHandshake(ec256), 16384).alert()).isEqualTo(40);
        assertThat(RawClientHello.tls12(29, 24).sendTo(p384Only.newHandshake(ec256), 16384)
                .serverKeyExchangeGroup()).isEqualTo(24);
        // TLS 1.3 from a client that supports X25519 only: no common group
        assertThat(RawClientHello.tls13().sendTo(p384Only.newHandshake(ec256), 16384).alert()).isEqualTo(40);
    }

    // ---------------------------------------------------------------- malformed inputs get the alert they earn

    private static final int ALPN = 16;
    private static final int DECODE_ERROR = 50;

    private static RawClientHello.ServerReply tls13With(int type, byte[] data) {
        return RawClientHello.tls13().without(type).extension(type, data).sendTo(newServer(), 16384);
    }

    @ParameterizedTest(name = "signature_algorithms inner length {0}")
    @ValueSource(ints = {0, 2, 4, 8, 10, 100})
    void shouldRefuseASignatureAlgorithmsListOfTheWrongLengthWithDecodeError(int declared) {
        byte[] data = RawClientHello.list16(0x0403, 0x0503, 0x0804); // 6 bytes of schemes
        data[0] = (byte) (declared >>> 8);
        data[1] = (byte) declared;

        assertThat(tls13With(RawClientHello.EXT_SIGNATURE_ALGORITHMS, data).alert()).isEqualTo(DECODE_ERROR);
        RawClientHello tls12 = RawClientHello.tls12(0x0017).without(RawClientHello.EXT_SIGNATURE_ALGORITHMS)
                .extension(RawClientHello.EXT_SIGNATURE_ALGORITHMS, data);
        assertThat(tls12.sendTo(newServer(), 16384).alert()).isEqualTo(DECODE_ERROR);
    }

    @Test
    void shouldRefuseAnEmptyKeyShareExtensionWithDecodeError() {
        assertThat(tls13With(RawClientHello.EXT_KEY_SHARE, new byte[0]).alert()).isEqualTo(DECODE_ERROR);
        assertThat(tls13With(RawClientHello.EXT_KEY_SHARE, new byte[] {0, 4, 0, 0x1D, 0, 0}).alert())
                .as("a key share of no bytes").isEqualTo(DECODE_ERROR);
    }

    @Test
    void shouldAnswerAnEmptyKeyShareListWithAHelloRetryRequest() {
        RawClientHello.ServerReply reply = tls13With(RawClientHello.EXT_KEY_SHARE, new byte[] {0, 0});

        assertThat(reply.isServerHello()).isTrue();
        assertThat(reply.extension(RawClientHello.EXT_KEY_SHARE)).containsExactly(0, 0x1D); // retry with X25519
    }

    @Test
    void shouldRefuseATls13HelloWithoutKeyShareWithMissingExtension() {
        RawClientHello hello = RawClientHello.tls13().without(RawClientHello.EXT_KEY_SHARE);

        assertThat(hello.sendTo(newServer(), 16384).alert()).isEqualTo(109); // missing_extension
    }

    @ParameterizedTest(name = "ALPN data {0}")
    @ValueSource(strings = {"", "0000", "00", "000a 08 687474702f312e31", "0003 00 0161", "0009 07 687474702f312e31"})
    void shouldRefuseAMalformedAlpnExtensionWithDecodeError(String hex) {
        byte[] data = java.util.HexFormat.of().parseHex(hex.replace(" ", ""));

        assertThat(tls13With(ALPN, data).alert()).isEqualTo(DECODE_ERROR);
    }

    @ParameterizedTest(name = "supported_groups data {0}")
    @ValueSource(strings = {"", "0000", "0003001d17", "0004001d"})
    void shouldRefuseAMalformedGroupListWithDecodeError(String hex) {
        byte[] data = java.util.HexFormat.of().parseHex(hex);

        assertThat(tls13With(RawClientHello.EXT_SUPPORTED_GROUPS, data).alert()).isEqualTo(DECODE_ERROR);
    }

    @ParameterizedTest(name = "declared length {0}")
    @ValueSource(ints = {TlsHandshake.MAX_CLIENT_HANDSHAKE_MESSAGE + 1, 131584, 16777021})
    void shouldRefuseAClientHelloLongerThanAnyCanBeWithDecodeError(int declared) {
        RawClientHello hello = RawClientHello.tls12(0x001D);
        hello.declaredLength = declared;

        assertThat(hello.sendTo(newServer(), 1).alert()).isEqualTo(DECODE_ERROR);
    }

    @Test
    void shouldRefuseAClientWithOnlyUndefinedSignatureSchemesBeforeTheServerHello() {
        byte[] undefined = RawClientHello.list16(0x0418, 0x1801, 0x0a0a, 0x0918, 0xffff);

        RawClientHello.ServerReply reply = tls13With(RawClientHello.EXT_SIGNATURE_ALGORITHMS, undefined);

        assertThat(reply.isServerHello()).isFalse();
        assertThat(reply.alert()).isEqualTo(40); // handshake_failure, in plaintext: no ServerHello was sent
    }
}
