package atlas.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.tls.ProtocolVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The client's handshake split over records in ways real clients rarely choose but RFC 5246 §6.2.1 allows
 * (tlsfuzzer's {@code test-record-layer-fragmentation}); the hand-over to our record layer must still start at
 * the right sequence number.
 */
class HandshakeFragmentationTest {
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

    /**
     * The BC client's TLS 1.2 Finished (one 16-byte message, record 0 under the new keys) is opened with the
     * client's key and sealed again as {@code pieces} records; the client's first request then carries sequence
     * number {@code pieces}, and the opener the server hands over must expect exactly that.
     */
    @ParameterizedTest(name = "Finished in {0} records")
    @ValueSource(ints = {1, 2, 3, 16})
    void shouldContinueTls12AfterAClientFinishedSplitOverRecords(int pieces) throws Exception {
        TlsHandshake server = TlsHandshakeFactory.forCore().newHandshake(ec256);
        BcClientLink link = new BcClientLink(server, new ProtocolVersion[] {ProtocolVersion.TLSv12}, ext -> { });
        byte[][] keys = new byte[2][];
        boolean[] changed = {false};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment wire = arena.allocate(1 << 12);
            link.rewrite = record -> {
                if (record[0] == RecordLayout.CHANGE_CIPHER_SPEC) {
                    changed[0] = true;
                    return List.of(record);
                }
                if (!changed[0] || record[0] != RecordLayout.HANDSHAKE) {
                    return List.of(record);
                }
                byte[] block = link.client.keyBlock12(16);
                keys[0] = Arrays.copyOfRange(block, 0, 16);
                keys[1] = Arrays.copyOfRange(block, 32, 36);
                return split(wire, record, pieces, keys[0], keys[1]);
            };

            link.handshake();

            assertThat(server.failure()).isNull();
            assertThat(server.isComplete()).isTrue();
            assertThat(keys[0]).as("the Finished went through the hook").isNotNull();
            byte[] request = "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            try (RecordSealer client = RecordSealer.tls12(gcm, keys[0], keys[1], pieces);
                 RecordOpener opener = server.newOpener(gcm, requested -> { })) {
                MemorySegment.copy(request, 0, wire, ValueLayout.JAVA_BYTE, client.headerLength(), request.length);
                int n = client.seal(wire, 0, request.length);

                assertThat(opener.sequence()).isEqualTo(pieces);
                assertThat(opener.open(wire, 0, n)).isEqualTo(n);
                assertThat(wire.asSlice(opener.plaintextOffset(), opener.plaintextLength())
                        .toArray(ValueLayout.JAVA_BYTE)).isEqualTo(request);
            }
        }
    }

    /** Opens the encrypted Finished record (sequence 0) and seals its message again as {@code pieces} records. */
    private static List<byte[]> split(MemorySegment wire, byte[] record, int pieces, byte[] key, byte[] salt) {
        MemorySegment.copy(record, 0, wire, ValueLayout.JAVA_BYTE, 0, record.length);
        byte[] message;
        try (RecordOpener opener = RecordOpener.tls12(gcm, key.clone(), salt.clone(), 0)) {
            assertThat(opener.open(wire, 0, record.length)).isEqualTo(record.length);
            message = wire.asSlice(opener.plaintextOffset(), opener.plaintextLength()).toArray(ValueLayout.JAVA_BYTE);
        }
        List<byte[]> records = new ArrayList<>();
        try (RecordSealer sealer = RecordSealer.tls12(gcm, key.clone(), salt.clone(), 0)) {
            int step = (message.length + pieces - 1) / pieces;
            for (int off = 0; off < message.length; off += step) {
                int n = Math.min(step, message.length - off);
                MemorySegment.copy(message, off, wire, ValueLayout.JAVA_BYTE, sealer.headerLength(), n);
                int len = sealer.seal(wire, 0, n, RecordLayout.HANDSHAKE, 0);
                records.add(wire.asSlice(0, len).toArray(ValueLayout.JAVA_BYTE));
            }
            assertThat(records).hasSize(pieces);
        }
        return records;
    }

    /**
     * A TLS 1.2 Finished whose header and body are both 2 bytes short (tlsfuzzer's {@code test-tls13-finished}
     * "truncation" cases do this for TLS 1.3): BC's reader runs out of bytes, which must be decode_error, not the
     * internal_error BC makes of an EOFException.
     */
    @org.junit.jupiter.api.Test
    void shouldAnswerATruncatedFinishedWithDecodeError() throws Exception {
        TlsHandshake server = TlsHandshakeFactory.forCore().newHandshake(ec256);
        BcClientLink link = new BcClientLink(server, new ProtocolVersion[] {ProtocolVersion.TLSv12}, ext -> { });
        boolean[] changed = {false};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment wire = arena.allocate(1 << 12);
            link.rewrite = record -> {
                changed[0] |= record[0] == RecordLayout.CHANGE_CIPHER_SPEC;
                if (!changed[0] || record[0] != RecordLayout.HANDSHAKE) {
                    return List.of(record);
                }
                byte[] block = link.client.keyBlock12(16);
                byte[] key = Arrays.copyOfRange(block, 0, 16);
                byte[] salt = Arrays.copyOfRange(block, 32, 36);
                byte[] finished = open(wire, record, key, salt);
                byte[] truncated = Arrays.copyOf(finished, finished.length - 2);
                truncated[3] = (byte) (finished[3] - 2);
                try (RecordSealer sealer = RecordSealer.tls12(gcm, key, salt, 0)) {
                    MemorySegment.copy(truncated, 0, wire, ValueLayout.JAVA_BYTE, sealer.headerLength(),
                            truncated.length);
                    int n = sealer.seal(wire, 0, truncated.length, RecordLayout.HANDSHAKE, 0);
                    return List.of(wire.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
                }
            };

            link.handshake();

            assertThat(server.failure()).startsWith("decode_error(50)");
            assertThat(link.clientFailure).isInstanceOf(org.bouncycastle.tls.TlsFatalAlertReceived.class);
            assertThat(((org.bouncycastle.tls.TlsFatalAlertReceived) link.clientFailure).getAlertDescription())
                    .as("the alert the client got").isEqualTo((short) 50);
        }
    }

    private static byte[] open(MemorySegment wire, byte[] record, byte[] key, byte[] salt) {
        MemorySegment.copy(record, 0, wire, ValueLayout.JAVA_BYTE, 0, record.length);
        try (RecordOpener opener = RecordOpener.tls12(gcm, key.clone(), salt.clone(), 0)) {
            assertThat(opener.open(wire, 0, record.length)).isEqualTo(record.length);
            return wire.asSlice(opener.plaintextOffset(), opener.plaintextLength()).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /**
     * TLS 1.3: an alert record with no alert in it (only its content type, maybe padding) in place of the
     * client's Finished, under the client handshake key (tlsfuzzer's {@code test-tls13-empty-alert} "using
     * handshake keys"): unexpected_message, as after the handshake, not BC's illegal_parameter.
     */
    @ParameterizedTest(name = "padding {0}")
    @ValueSource(ints = {0, 5})
    void shouldAnswerAnEmptyAlertUnderTheHandshakeKeysWithUnexpectedMessage(int padding) throws Exception {
        TlsHandshake server = TlsHandshakeFactory.forCore().newHandshake(ec256);
        BcClientLink link = new BcClientLink(server, new ProtocolVersion[] {ProtocolVersion.TLSv13}, ext -> { });
        byte[][] keys = new byte[2][];
        link.afterServerRecord = () -> {
            org.bouncycastle.tls.SecurityParameters sp = link.client.context().getSecurityParametersHandshake();
            if (keys[0] == null && sp != null && sp.getTrafficSecretClient() != null) {
                keys[0] = expand(sp, "key", 16);
                keys[1] = expand(sp, "iv", 12);
            }
        };
        link.rewrite = record -> record[0] != RecordLayout.APPLICATION_DATA ? List.of(record)
                : List.of(emptyAlert(keys[0], keys[1], padding));

        link.handshake();

        assertThat(server.failure()).startsWith("unexpected_message(10)");
        assertThat(((org.bouncycastle.tls.TlsFatalAlertReceived) link.clientFailure).getAlertDescription())
                .as("the alert the client got").isEqualTo((short) 10);
    }

    /** HKDF-Expand-Label of the client handshake traffic secret (RFC 8446 §7.3), without destroying it. */
    private static byte[] expand(org.bouncycastle.tls.SecurityParameters sp, String label, int length) {
        try {
            return org.bouncycastle.tls.crypto.TlsCryptoUtils.hkdfExpandLabel(sp.getTrafficSecretClient(),
                    sp.getPRFCryptoHashAlgorithm(), label, new byte[0], length).extract();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A TLS 1.3 record at sequence 0 whose inner plaintext is only the alert content type and padding. */
    private static byte[] emptyAlert(byte[] key, byte[] iv, int padding) {
        byte[] inner = new byte[1 + padding];
        inner[0] = RecordLayout.ALERT;
        int length = inner.length + RecordLayout.TAG;
        byte[] header = {RecordLayout.APPLICATION_DATA, 3, 3, (byte) (length >>> 8), (byte) length};
        try {
            javax.crypto.Cipher c = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
            c.init(javax.crypto.Cipher.ENCRYPT_MODE, new javax.crypto.spec.SecretKeySpec(key, "AES"),
                    new javax.crypto.spec.GCMParameterSpec(128, iv)); // sequence 0: the nonce is the IV
            c.updateAAD(header);
            byte[] sealed = c.doFinal(inner);
            byte[] record = Arrays.copyOf(header, header.length + sealed.length);
            System.arraycopy(sealed, 0, record, header.length, sealed.length);
            return record;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
