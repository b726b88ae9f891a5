package atlas.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** RFC 8448 §3 (simple 1-RTT handshake, TLS_AES_128_GCM_SHA256) application traffic keys. */
class KeyScheduleTest {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    private static final byte[] SERVER_AP_SECRET =
            hex("a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f cb 63 16 43");
    private static final byte[] CLIENT_AP_SECRET =
            hex("9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce 65 52 87 5a fa 0b 06 df 00 87 f7 92 eb b7 c1 75 04 a5");

    @Test
    void shouldDeriveServerApplicationKeyAndIvOfRfc8448() {
        KeySchedule.Suite suite = KeySchedule.Suite.TLS_AES_128_GCM_SHA256;
        assertThat(KeySchedule.writeKey(suite, SERVER_AP_SECRET))
                .isEqualTo(hex("9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56"));
        assertThat(KeySchedule.writeIv(suite, SERVER_AP_SECRET))
                .isEqualTo(hex("cf 78 2b 88 dd 83 54 9a ad f1 e9 84"));
    }

    @Test
    void shouldDeriveClientApplicationKeyAndIvOfRfc8448() {
        KeySchedule.Suite suite = KeySchedule.Suite.TLS_AES_128_GCM_SHA256;
        assertThat(KeySchedule.writeKey(suite, CLIENT_AP_SECRET))
                .isEqualTo(hex("17 42 2d da 59 6e d5 d9 ac d8 90 e3 c6 3f 50 51"));
        assertThat(KeySchedule.writeIv(suite, CLIENT_AP_SECRET))
                .isEqualTo(hex("5b 78 92 3d ee 08 57 90 33 e5 23 d9"));
    }

    @Test
    void shouldDeriveNextSecretAsTrafficUpdLabel() {
        KeySchedule.Suite suite = KeySchedule.Suite.TLS_AES_128_GCM_SHA256;
        byte[] next = KeySchedule.nextTrafficSecret(suite, SERVER_AP_SECRET);
        assertThat(next).hasSize(32)
                .isEqualTo(KeySchedule.hkdfExpandLabel(KeySchedule.Hash.SHA256, SERVER_AP_SECRET, "traffic upd",
                        new byte[0], 32))
                .isNotEqualTo(SERVER_AP_SECRET);
        assertThat(KeySchedule.nextTrafficSecret(KeySchedule.Suite.TLS_AES_256_GCM_SHA384, new byte[48])).hasSize(48);
    }
}
