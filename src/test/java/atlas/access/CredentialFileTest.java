package atlas.access;

import atlas.http.Method;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CredentialFileTest {
    static final String HASH = OpenBSDBCrypt.generate("2y", "s3cret".toCharArray(), new byte[16], 4);

    static String sha256Hex(String secret) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(secret.getBytes(StandardCharsets.UTF_8)));
    }

    private static boolean permits(WriteScope s, Method m, String name) {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        return s.permits(m, b, b.length);
    }

    @Test
    void shouldReadHtpasswdLinesTokensAndScopes() throws Exception {
        Credentials c = CredentialFile.parse("auth", List.of(
                "# encoders",
                "enc1:" + HASH,
                "",
                "ci:{SHA256}" + sha256Hex("tok-123"),
                "scope:enc1 PUT,POST live/ch1/",
                "scope:enc1 DELETE live/ch1/old/",
                "admin:" + HASH));
        assertThat(c.configured()).isTrue();
        assertThat(c.userCount()).isEqualTo(2);
        assertThat(c.tokenCount()).isEqualTo(1);
        WriteScope enc1 = c.user("enc1").credential().scope();
        assertThat(permits(enc1, Method.PUT, "live/ch1/seg1.ts")).isTrue();
        assertThat(permits(enc1, Method.POST, "live/ch1/x")).isTrue();
        assertThat(permits(enc1, Method.DELETE, "live/ch1/seg1.ts")).as("DELETE only under old/").isFalse();
        assertThat(permits(enc1, Method.DELETE, "live/ch1/old/seg1.ts")).isTrue();
        assertThat(permits(enc1, Method.PUT, "live/ch2/seg1.ts")).isFalse();
        assertThat(permits(enc1, Method.PUT, "live/ch1")).as("the prefix itself is not under it").isFalse();
        WriteScope admin = c.user("admin").credential().scope();
        assertThat(permits(admin, Method.DELETE, "anything/at/all")).as("no scope lines: everything").isTrue();
        byte[] digest = MessageDigest.getInstance("SHA-256").digest("tok-123".getBytes(StandardCharsets.UTF_8));
        assertThat(c.token(digest).name()).isEqualTo("ci");
        digest[0] ^= 1;
        assertThat(c.token(digest)).isNull();
    }

    @Test
    void shouldSayWhichLineIsWrong() {
        assertThatThrownBy(() -> CredentialFile.parse("/etc/atlas/auth", List.of("a:" + HASH, "b:$apr1$xyz$abc")))
                .hasMessageStartingWith("/etc/atlas/auth line 2: user 'b': only bcrypt hashes");
        assertThatThrownBy(() -> CredentialFile.parse("f", List.of("a:" + HASH, "scope:a PUT")))
                .hasMessageStartingWith("f line 2: expected 'scope:NAME METHODS PREFIXES'");
        assertThatThrownBy(() -> CredentialFile.parse("f", List.of("a:" + HASH, "scope:a HEAD live/")))
                .hasMessageContaining("line 2: unknown method 'HEAD' (PUT, POST, DELETE, GET or *");
        assertThatThrownBy(() -> CredentialFile.parse("f", List.of("scope:ghost PUT live/")))
                .hasMessageContaining("line 1: scope for 'ghost', which is neither a user nor a token");
        assertThatThrownBy(() -> CredentialFile.parse("f", List.of("a:" + HASH, "a:" + HASH)))
                .hasMessageContaining("line 2: 'a' is defined twice");
        assertThatThrownBy(() -> CredentialFile.parse("f", List.of("t:{SHA256}abc")))
                .hasMessageContaining("line 1: token 't': {SHA256} must be followed by 64 hex digits");
        assertThatThrownBy(() -> CredentialFile.parse("f", List.of("no colon here")))
                .hasMessageContaining("line 1: expected 'NAME:HASH'");
    }

    @Test
    void shouldTreatStarAsEveryMethodAndEveryName() {
        Credentials c = CredentialFile.parse("f", List.of("a:" + HASH, "scope:a * *"));
        WriteScope s = c.user("a").credential().scope();
        assertThat(permits(s, Method.DELETE, "x/y")).isTrue();
        assertThat(permits(s, Method.GET, "x/y")).as("scopes are about writes only").isFalse();
    }
}
