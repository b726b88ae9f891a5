package atlas.access;

import atlas.http.Method;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Decides, for one core, whether a PUT, POST or DELETE may proceed: the one owner of that decision.
 * <ul>
 *   <li>No auth file: loopback peers may write everything, nobody else anything (secure by default).</li>
 *   <li>{@code Authorization: Bearer SECRET}: the SHA-256 of the secret names the token; no cache needed.</li>
 *   <li>{@code Authorization: Basic …}: a bcrypt check, run off the core ({@link PasswordVerifier}); its outcome
 *       is cached here under the SHA-256 of the field's value, so a persistent encoder connection, or a new one
 *       with the same credentials, costs one digest per request instead of one bcrypt.</li>
 *   <li>A credential that verifies but whose scope does not cover the method and name: 403.</li>
 * </ul>
 * The cache holds outcomes of one credentials snapshot; a reload (new {@link CredentialSource#generation}) empties
 * it, so a revoked password stops working at its next request. Wrong passwords are cached too (a misconfigured
 * encoder retrying every segment costs one bcrypt), within {@link #CACHE_ENTRIES}.
 * <p>
 * Threads: the core's only. Answers of the verifier arrive through the core's inbox, on the core's thread.
 */
public final class WriteAuthorizer {
    public static final int ALLOWED = 0;
    /** A bcrypt check is running; the callback given to {@link #authorize} gets its outcome on the core's thread. */
    public static final int PENDING = 1;
    static final int CACHE_ENTRIES = 1024;
    /** The challenge of every 401. */
    public static final String CHALLENGE = "Basic realm=\"atlas\", charset=\"UTF-8\"";

    private static final Credential WRONG = new Credential("", WriteScope.EVERYTHING);

    private final CredentialSource source;
    private final PasswordVerifier verifier;
    private final Executor inbox;
    private final MessageDigest sha256;
    /** Outcomes by the hex SHA-256 of the Authorization value; {@link #WRONG} for a password that failed. */
    private final Map<String, Credential> verified = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Credential> eldest) {
            return size() > CACHE_ENTRIES;
        }
    };
    private long generation;
    private Credential granted;
    private String problem;
    private long verifications;

    public WriteAuthorizer(CredentialSource source, PasswordVerifier verifier, Executor inbox) {
        this.source = source;
        this.verifier = verifier;
        this.inbox = inbox;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        this.generation = source.generation();
    }

    /**
     * Decides for {@code method} on {@code path[0, length)} with the request's Authorization value (null: none).
     *
     * @param resume on {@link #PENDING}: later called on the core's thread with the verified credential, or null
     *               when the password was wrong; pass it to {@link #decide}
     * @return {@link #ALLOWED} ({@link #granted()} says who), {@link #PENDING}, or the status to answer: 401
     *         (send {@link #CHALLENGE}), 403 or 503 ({@link #problem()} says why)
     */
    public int authorize(String authorization, boolean loopbackPeer, Method method, byte[] path, int length,
                         Consumer<Credential> resume) {
        Credentials credentials = source.current();
        long g = source.generation();
        if (g != generation) {
            verified.clear();
            generation = g;
        }
        if (!credentials.configured()) {
            if (loopbackPeer) {
                granted = Credential.LOOPBACK;
                return ALLOWED;
            }
            return deny(403, "writes are accepted from loopback peers only until an --auth-file is configured");
        }
        if (authorization == null) {
            return deny(401, "credentials required (HTTP Basic or Bearer)");
        }
        int space = authorization.indexOf(' ');
        String scheme = space < 0 ? authorization : authorization.substring(0, space);
        String value = space < 0 ? "" : authorization.substring(space + 1).strip();
        if (scheme.equalsIgnoreCase("Bearer")) {
            Credential token = credentials.token(sha256.digest(value.getBytes(StandardCharsets.UTF_8)));
            return token == null ? deny(401, "unknown bearer token") : decide(token, method, path, length);
        }
        if (!scheme.equalsIgnoreCase("Basic")) {
            return deny(401, "unsupported authorization scheme (use Basic or Bearer)");
        }
        String key = HexFormat.of().formatHex(sha256.digest(authorization.getBytes(StandardCharsets.UTF_8)));
        Credential cached = verified.get(key);
        if (cached != null) {
            return decide(cached, method, path, length);
        }
        String userPass;
        try {
            userPass = new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return deny(401, "malformed Basic credentials");
        }
        int colon = userPass.indexOf(':');
        Credentials.User user = colon < 0 ? null : credentials.user(userPass.substring(0, colon));
        if (user == null) {
            return deny(401, "unknown user or wrong password");
        }
        long askedGeneration = generation;
        verifications++;
        boolean queued = verifier.verify(user.bcryptHash(), userPass.substring(colon + 1).toCharArray(), inbox, ok -> {
            Credential outcome = ok ? user.credential() : WRONG;
            if (askedGeneration == generation) {
                verified.put(key, outcome);
            }
            resume.accept(ok ? user.credential() : null);
        });
        return queued ? PENDING : deny(503, "too many credential checks in progress");
    }

    /**
     * True when {@code authorization} is a bearer token whose scope has GET for the name {@code path[0, length)}:
     * an edge of this origin filling a name {@code --protect} guards, which it has no signed URL for. Bearer tokens
     * only: a bcrypt check per segment would cost more than sending the segment, and would have to wait.
     */
    public boolean mayRead(String authorization, byte[] path, int length) {
        if (authorization == null || authorization.length() < 8
                || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        Credential token = source.current().token(sha256.digest(authorization.substring(7).strip()
                .getBytes(StandardCharsets.UTF_8)));
        return token != null && token.scope().permits(Method.GET, path, length);
    }

    /** The outcome for a verified {@code credential} (null or wrong: 401). */
    public int decide(Credential credential, Method method, byte[] path, int length) {
        if (credential == null || credential == WRONG) {
            return deny(401, "unknown user or wrong password");
        }
        if (!credential.scope().permits(method, path, length)) {
            return deny(403, "credential '" + credential.name() + "' may not " + method + " this name (its scope: "
                    + credential.scope() + ")");
        }
        granted = credential;
        return ALLOWED;
    }

    private int deny(int status, String why) {
        granted = null;
        problem = why;
        return status;
    }

    /** Who was allowed by the last {@link #ALLOWED} outcome. */
    public Credential granted() {
        return granted;
    }

    /** Why the last denial. */
    public String problem() {
        return problem;
    }

    /** bcrypt checks started by this core. */
    public long verifications() {
        return verifications;
    }
}
