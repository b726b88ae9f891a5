package atlas.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.TlsExtensionsUtils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that offers early_data and sends 0-RTT records we cannot read (tlsfuzzer's
 * {@code test-tls13-0rtt-garbage}): the BC client's ClientHello carries the extension and the link slips
 * undecryptable application_data records in behind it; RFC 8446 §4.2.10 wants them skipped (issue 16).
 */
class RejectedEarlyDataTest {
    @TempDir
    static Path dir;

    private static TlsIdentity ec256;

    @BeforeAll
    static void setUp() throws Exception {
        ec256 = TestCertificates.write(dir.resolve("ec256"), "ec256");
    }

    /** A record that looks like 0-RTT data: application_data outside, {@code length} random bytes inside. */
    private static byte[] earlyData(int length, int seed) {
        byte[] r = new byte[5 + length];
        new Random(seed).nextBytes(r);
        r[0] = RecordLayout.APPLICATION_DATA;
        r[1] = 3;
        r[2] = 3;
        r[3] = (byte) (length >>> 8);
        r[4] = (byte) length;
        return r;
    }

    private static final byte[] CCS = {RecordLayout.CHANGE_CIPHER_SPEC, 3, 3, 0, 1, 1};

    /**
     * A link whose client offers early_data (or not) and after its {@code afterHello}-th ClientHello sends
     * {@code inject}.
     */
    private static BcClientLink link(TlsHandshake server, boolean offerEarlyData, int afterHello, byte[]... inject) {
        BcClientLink link = new BcClientLink(server, new ProtocolVersion[] {ProtocolVersion.TLSv13}, ext -> {
            if (offerEarlyData) {
                TlsExtensionsUtils.addEarlyDataIndication(ext);
            }
        });
        int[] hellos = {0};
        link.rewrite = record -> {
            boolean plaintextHandshake = record[0] == RecordLayout.HANDSHAKE;
            if (!plaintextHandshake || ++hellos[0] != afterHello) {
                return List.of(record);
            }
            List<byte[]> out = new ArrayList<>(List.of(record));
            out.addAll(List.of(inject));
            return out;
        };
        return link;
    }

    @Test
    void shouldSkipRejectedEarlyDataAndFinishTheHandshake() throws Exception {
        TlsHandshake server = TlsHandshakeFactory.forCore().newHandshake(ec256);
        BcClientLink link = link(server, true, 1, earlyData(8192, 1), CCS, earlyData(8192, 2));

        link.handshake();

        assertThat(server.failure()).isNull();
        assertThat(server.isComplete()).isTrue();
        assertThat(server.protocolVersion()).isEqualTo(0x0304);
        assertThat(link.clientFailure).isNull();
    }

    @Test
    void shouldSkipAFullSizeEarlyDataRecord() throws Exception {
        TlsHandshake server = TlsHandshakeFactory.forCore().newHandshake(ec256);
        BcClientLink link = link(server, true, 1, earlyData(RecordLayout.MAX_PLAINTEXT, 1));

        link.handshake();

        assertThat(server.failure()).isNull();
        assertThat(server.isComplete()).isTrue();
    }

    @Test
    void shouldFailWithBadRecordMacBeyondTheEarlyDataLimit() throws Exception {
        TlsHandshake server = TlsHandshakeFactory.forCore().newHandshake(ec256);
        BcClientLink link = link(server, true, 1, earlyData(8192, 1), earlyData(8192, 2), earlyData(8192, 3));

        link.handshake();

        assertThat(server.failure()).startsWith("bad_record_mac(20)");
    }

    @Test
    void shouldFailWithBadRecordMacWhenTheClientOfferedNoEarlyData() throws Exception {
        TlsHandshake server = TlsHandshakeFactory.forCore().newHandshake(ec256);
        BcClientLink link = link(server, false, 1, earlyData(100, 1));

        link.handshake();

        assertThat(server.failure()).startsWith("bad_record_mac(20)");
    }

    @Test
    void shouldSkipEarlyDataUnreadBeforeTheSecondClientHelloAfterAHelloRetryRequest() throws Exception {
        // The BC client shares an X25519 key; a server limited to P-256 asks again (HelloRetryRequest).
        TlsHandshakeFactory p256 = TlsHandshakeFactory.forCore().groups(TlsGroups.parse("p256"));
        TlsHandshake server = p256.newHandshake(ec256);
        BcClientLink link = link(server, true, 1, earlyData(8000, 1), earlyData(8000, 2));

        link.handshake();

        assertThat(server.failure()).isNull();
        assertThat(server.isComplete()).isTrue();
    }

    @Test
    void shouldNotSkipAnythingAfterTheSecondClientHello() throws Exception {
        // After a HelloRetryRequest the client may send no early data (RFC 8446 §4.2.10)
        TlsHandshakeFactory p256 = TlsHandshakeFactory.forCore().groups(TlsGroups.parse("p256"));
        TlsHandshake server = p256.newHandshake(ec256);
        BcClientLink link = link(server, true, 2, earlyData(64, 1));

        link.handshake();

        assertThat(server.failure()).startsWith("bad_record_mac(20)");
    }
}
