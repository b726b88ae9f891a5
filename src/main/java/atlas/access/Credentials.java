package atlas.access;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;

/**
 * One loaded auth file: users with bcrypt hashes (HTTP Basic) and bearer tokens by the SHA-256 of their secret.
 * Immutable, shared by all cores; a reload replaces the whole snapshot ({@link CredentialSource}).
 * <p>
 * Bearer tokens are looked up by their digest, so the file never holds a usable secret and the lookup's timing
 * says nothing about the secret (the final comparison is {@link MessageDigest#isEqual}, constant time).
 */
public final class Credentials {
    /** No auth file: only loopback peers may write. */
    public static final Credentials NONE = new Credentials(Map.of(), Map.of(), false);

    /** A user of the file: its bcrypt hash ({@code $2y$…}, as {@code htpasswd -B} writes it) and what it may do. */
    public record User(String bcryptHash, Credential credential) {
    }

    /** A bearer token: the SHA-256 of its secret and what it may do. */
    public record Token(byte[] sha256, Credential credential) {
    }

    private final Map<String, User> users;
    /** By the lower-case hex of the secret's SHA-256. */
    private final Map<String, Token> tokens;
    private final boolean configured;

    Credentials(Map<String, User> users, Map<String, Token> tokens, boolean configured) {
        this.users = Map.copyOf(users);
        this.tokens = Map.copyOf(tokens);
        this.configured = configured;
    }

    /** False without an auth file: then writes are accepted from loopback peers only. */
    public boolean configured() {
        return configured;
    }

    public User user(String name) {
        return users.get(name);
    }

    /** The token whose secret has this SHA-256, or null. */
    public Credential token(byte[] secretSha256) {
        Token t = tokens.get(HexFormat.of().formatHex(secretSha256));
        return t != null && MessageDigest.isEqual(t.sha256(), secretSha256) ? t.credential() : null;
    }

    public int userCount() {
        return users.size();
    }

    public int tokenCount() {
        return tokens.size();
    }
}
