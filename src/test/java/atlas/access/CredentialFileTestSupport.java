package atlas.access;

import java.util.List;

/** For tests outside this package: an auth file's lines parsed, and a token's SHA-256 as the file holds it. */
public final class CredentialFileTestSupport {
    private CredentialFileTestSupport() {
    }

    public static Credentials parse(String... lines) {
        return CredentialFile.parse("test", List.of(lines));
    }

    public static String sha256Hex(String secret) {
        try {
            return CredentialFileTest.sha256Hex(secret);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
