package atlas.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a client may send after the handshake, record by record, as tlsfuzzer's {@code test-tls13-keyupdate} and
 * {@code test-tls13-empty-alert} send it: the client side is a {@link RecordSealer} on the client's secret that
 * seals any content type, the server side the {@link RecordOpener} under test (issue 16).
 */
class PostHandshakeRecordTest {
    private static final KeySchedule.Suite SUITE = KeySchedule.Suite.TLS_AES_128_GCM_SHA256;
    private static final byte[] GET = "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final AesGcm gcm = new AesGcm();
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment wire = arena.allocate(1 << 15);
    private final byte[] secret = new byte[32];
    private final List<Boolean> keyUpdates = new ArrayList<>();
    private final RecordSealer client;
    private final RecordOpener server;

    PostHandshakeRecordTest() {
        new Random(3).nextBytes(secret);
        client = RecordSealer.tls13(gcm, SUITE, secret.clone());
        server = RecordOpener.tls13(gcm, SUITE, secret.clone(), keyUpdates::add);
    }

    @AfterEach
    void close() {
        client.close();
        server.close();
        gcm.close();
        arena.close();
    }

    /** Seals {@code data} as one record of inner type {@code type} and opens it at the server. */
    private int send(byte type, byte[] data) {
        return send(type, data, 0);
    }

    private int send(byte type, byte[] data, int padding) {
        MemorySegment.copy(data, 0, wire, ValueLayout.JAVA_BYTE, client.headerLength(), data.length);
        int n = client.seal(wire, 0, data.length, type, padding);
        int r = server.open(wire, 0, n);
        return r == n ? 0 : r;
    }

    /** The client's KeyUpdate took effect on its side too: what it seals from now on uses the next secret. */
    private void clientAdvances() {
        // A sealer's KeyUpdate switches it; seal one into scratch space and forget the bytes.
        client.sealKeyUpdate(arena.allocate(64), 0, false);
    }

    private static byte[] keyUpdate(int requestUpdate) {
        return new byte[] {RecordLayout.KEY_UPDATE, 0, 0, 1, (byte) requestUpdate};
    }

    private static byte[] slice(byte[] b, int from, int to) {
        return java.util.Arrays.copyOfRange(b, from, to);
    }

    private void assertRequestOpens() {
        assertThat(send(RecordLayout.APPLICATION_DATA, GET)).isZero();
        assertThat(server.contentType()).isEqualTo(RecordLayout.APPLICATION_DATA);
        assertThat(wire.asSlice(server.plaintextOffset(), server.plaintextLength()).toArray(ValueLayout.JAVA_BYTE))
                .isEqualTo(GET);
    }

    @ParameterizedTest(name = "request_update {0}")
    @ValueSource(ints = {0, 1})
    void shouldApplyAKeyUpdateInOneRecord(int requestUpdate) {
        assertThat(send(RecordLayout.HANDSHAKE, keyUpdate(requestUpdate))).isZero();
        clientAdvances();

        assertThat(keyUpdates).containsExactly(requestUpdate == 1);
        assertRequestOpens();
    }

    @ParameterizedTest(name = "fragments of {0} bytes")
    @ValueSource(ints = {1, 2, 3, 4})
    void shouldApplyAKeyUpdateFragmentedOverRecords(int fragment) {
        byte[] ku = keyUpdate(1);
        for (int off = 0; off < ku.length; off += fragment) {
            assertThat(keyUpdates).isEmpty();
            assertThat(send(RecordLayout.HANDSHAKE, slice(ku, off, Math.min(ku.length, off + fragment)))).isZero();
        }
        clientAdvances();

        assertThat(keyUpdates).containsExactly(true);
        assertRequestOpens();
    }

    @Test
    void shouldApplyManyKeyUpdatesInARow() {
        for (int i = 0; i < 10; i++) {
            assertThat(send(RecordLayout.HANDSHAKE, keyUpdate(i & 1), i)).isZero();
            clientAdvances();
            assertRequestOpens();
        }
        assertThat(keyUpdates).hasSize(10);
    }

    @ParameterizedTest(name = "request_update {0}")
    @ValueSource(ints = {2, 3, 127, 128, 255})
    void shouldRefuseAnInvalidRequestUpdateWithIllegalParameter(int requestUpdate) {
        assertThat(send(RecordLayout.HANDSHAKE, keyUpdate(requestUpdate))).isEqualTo(RecordOpener.ILLEGAL_PARAMETER);
        assertThat(keyUpdates).isEmpty();
    }

    @Test
    void shouldRefuseAnEmptyKeyUpdateWithDecodeError() {
        assertThat(send(RecordLayout.HANDSHAKE, new byte[] {RecordLayout.KEY_UPDATE, 0, 0, 0}))
                .isEqualTo(RecordOpener.DECODE_ERROR);
    }

    @Test
    void shouldRefuseAnOversizedKeyUpdateWithDecodeError() {
        assertThat(send(RecordLayout.HANDSHAKE, new byte[] {RecordLayout.KEY_UPDATE, 0, 0, 2, 0, 0}))
                .isEqualTo(RecordOpener.DECODE_ERROR);
    }

    @Test
    void shouldRefuseTwoKeyUpdatesInOneRecordWithUnexpectedMessage() {
        // The second would be under the old key although the first one ended it (RFC 8446 §5.1).
        byte[] two = new byte[10];
        System.arraycopy(keyUpdate(0), 0, two, 0, 5);
        System.arraycopy(keyUpdate(1), 0, two, 5, 5);

        assertThat(send(RecordLayout.HANDSHAKE, two)).isEqualTo(RecordOpener.UNEXPECTED_MESSAGE);
    }

    @Test
    void shouldRefuseApplicationDataBetweenTheFragmentsOfAKeyUpdate() {
        assertThat(send(RecordLayout.HANDSHAKE, slice(keyUpdate(1), 0, 2))).isZero();

        assertThat(send(RecordLayout.APPLICATION_DATA, GET)).isEqualTo(RecordOpener.UNEXPECTED_MESSAGE);
    }

    @ParameterizedTest(name = "handshake type {0}")
    @ValueSource(ints = {0, 1, 2, 4, 5, 8, 11, 13, 15, 20, 23, 25, 254})
    void shouldRefuseAnyOtherPostHandshakeMessageWithUnexpectedMessage(int type) {
        // e.g. a NewSessionTicket (4) or Certificate (11) from a client, or a second ClientHello (1)
        byte[] message = {(byte) type, 0, 0, 4, 0, 0, 0, 0};

        assertThat(send(RecordLayout.HANDSHAKE, message)).isEqualTo(RecordOpener.UNEXPECTED_MESSAGE);
    }

    @Test
    void shouldRefuseAZeroLengthHandshakeRecordWithUnexpectedMessage() {
        assertThat(send(RecordLayout.HANDSHAKE, new byte[0], 3)).isEqualTo(RecordOpener.UNEXPECTED_MESSAGE);
    }

    @ParameterizedTest(name = "padding {0}")
    @ValueSource(ints = {0, 2, 5, 30})
    void shouldRefuseAnEmptyAlertWithUnexpectedMessage(int padding) {
        assertThat(send(RecordLayout.ALERT, new byte[0], padding)).isEqualTo(RecordOpener.UNEXPECTED_MESSAGE);
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {1, 3, 4})
    void shouldRefuseAnAlertOfTheWrongLengthWithDecodeError(int length) {
        assertThat(send(RecordLayout.ALERT, new byte[length])).isEqualTo(RecordOpener.DECODE_ERROR);
    }

    @Test
    void shouldOpenACloseNotify() {
        assertThat(send(RecordLayout.ALERT, new byte[] {1, 0})).isZero();
        assertThat(server.contentType()).isEqualTo(RecordLayout.ALERT);
    }

    @Test
    void shouldRefuseAnEmptyAlertInTls12WithUnexpectedMessage() {
        byte[] key = new byte[16];
        byte[] salt = new byte[4];
        try (RecordSealer sealer12 = RecordSealer.tls12(gcm, key.clone(), salt.clone(), 1);
             RecordOpener opener12 = RecordOpener.tls12(gcm, key.clone(), salt.clone(), 1)) {
            int n = sealer12.seal(wire, 0, 0, RecordLayout.ALERT, 0);
            assertThat(opener12.open(wire, 0, n)).isEqualTo(RecordOpener.UNEXPECTED_MESSAGE);
        }
    }
}
