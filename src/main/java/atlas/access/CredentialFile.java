package atlas.access;

import atlas.http.Method;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parses an auth file ({@code --auth-file}):
 * <pre>
 *   # users, exactly as htpasswd -B writes them (HTTP Basic)
 *   encoder1:$2y$05$Lw0yV6...
 *   # bearer tokens: the SHA-256 of the secret (printf %s "$SECRET" | sha256sum)
 *   ci-bot:{SHA256}9f86d081884c7d65...
 *   # what each may write; a name without scope lines may write everything
 *   scope:encoder1 PUT,POST,DELETE live/ch1/
 *   scope:ci-bot PUT vod/,trailers/
 *   # GET: may read what --protect guards without a signed URL (bearer tokens only): an edge filling from here
 *   scope:edge GET vod/,live/
 * </pre>
 * Scopes are lines of their own so that {@code htpasswd -B FILE NAME} (which rewrites only the line of that user and
 * copies every other line verbatim) can change a password without dropping its scope. They carry a colon because
 * htpasswd refuses a file with a line without one; to htpasswd they are the lines of a user named "scope", which
 * is therefore not a valid user name here.
 * <p>
 * Every problem is an {@link IllegalArgumentException} naming the file and the line: at start-up the server refuses
 * to start; on a reload it keeps the previous credentials.
 */
public final class CredentialFile {
    private static final String TOKEN_MARK = "{SHA256}";
    /** A scope line: htpasswd sees a user named "scope" (so none may have that name) and copies it verbatim. */
    private static final String SCOPE_MARK = "scope:";
    /** GET in a scope: reading the names {@code --protect} guards without a signed URL (an edge filling). */
    private static final Map<String, Method> SCOPE_METHODS = Map.of("PUT", Method.PUT, "POST", Method.POST,
            "DELETE", Method.DELETE, "GET", Method.GET);

    private CredentialFile() {
    }

    public static Credentials load(Path file) throws IOException {
        return parse(file.toString(), Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    static Credentials parse(String source, List<String> lines) {
        Map<String, String> hashes = new LinkedHashMap<>();
        Map<String, byte[]> tokens = new LinkedHashMap<>();
        Map<String, WriteScope> scopes = new HashMap<>();
        List<Integer> scopeLines = new ArrayList<>();
        List<String> scopeNames = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            String where = source + " line " + (i + 1) + ": ";
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith(SCOPE_MARK)) {
                String[] parts = line.substring(SCOPE_MARK.length()).strip().split("\\s+");
                if (parts.length != 3) {
                    throw new IllegalArgumentException(where + "expected 'scope:NAME METHODS PREFIXES', e.g. "
                            + "'scope:encoder1 PUT,DELETE live/ch1/'");
                }
                WriteScope s = WriteScope.of(methods(where, parts[1]), prefixes(where, parts[2]));
                scopes.merge(parts[0], s, WriteScope::union);
                scopeLines.add(i + 1);
                scopeNames.add(parts[0]);
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException(where + "expected 'NAME:HASH' (htpasswd -B), 'NAME:{SHA256}HEX' "
                        + "(a bearer token) or 'scope:NAME METHODS PREFIXES'");
            }
            String name = line.substring(0, colon);
            String secret = line.substring(colon + 1);
            if (hashes.containsKey(name) || tokens.containsKey(name)) {
                throw new IllegalArgumentException(where + "'" + name + "' is defined twice");
            }
            if (secret.startsWith(TOKEN_MARK)) {
                tokens.put(name, tokenDigest(where, name, secret.substring(TOKEN_MARK.length())));
            } else if (isBcrypt(secret)) {
                hashes.put(name, secret);
            } else {
                throw new IllegalArgumentException(where + "user '" + name + "': only bcrypt hashes are accepted "
                        + "(htpasswd -B; they start with $2y$, $2b$ or $2a$)");
            }
        }
        for (int i = 0; i < scopeNames.size(); i++) {
            String name = scopeNames.get(i);
            if (!hashes.containsKey(name) && !tokens.containsKey(name)) {
                throw new IllegalArgumentException(source + " line " + scopeLines.get(i) + ": scope for '" + name
                        + "', which is neither a user nor a token of this file");
            }
        }
        Map<String, Credentials.User> users = new HashMap<>();
        hashes.forEach((name, hash) -> users.put(name,
                new Credentials.User(hash, new Credential(name, scopes.getOrDefault(name, WriteScope.EVERYTHING)))));
        Map<String, Credentials.Token> byDigest = new HashMap<>();
        tokens.forEach((name, digest) -> byDigest.put(HexFormat.of().formatHex(digest),
                new Credentials.Token(digest, new Credential(name, scopes.getOrDefault(name, WriteScope.EVERYTHING)))));
        return new Credentials(users, byDigest, true);
    }

    private static boolean isBcrypt(String hash) {
        // $2y$05$ + 53 characters of salt and hash
        return hash.length() == 60 && hash.charAt(0) == '$' && hash.charAt(1) == '2' && hash.charAt(3) == '$'
                && "aby".indexOf(hash.charAt(2)) >= 0;
    }

    private static byte[] tokenDigest(String where, String name, String hex) {
        if (hex.length() != 64) {
            throw new IllegalArgumentException(where + "token '" + name + "': {SHA256} must be followed by 64 hex "
                    + "digits (printf %s \"$SECRET\" | sha256sum), found " + hex.length() + " characters");
        }
        try {
            return HexFormat.of().parseHex(hex.toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + "token '" + name + "': not hex: " + hex);
        }
    }

    private static int methods(String where, String list) {
        if (list.equals("*")) {
            return WriteScope.mask(Method.PUT, Method.POST, Method.DELETE);
        }
        int mask = 0;
        for (String m : list.split(",")) {
            Method method = SCOPE_METHODS.get(m.toUpperCase(Locale.ROOT));
            if (method == null) {
                throw new IllegalArgumentException(where + "unknown method '" + m
                        + "' (PUT, POST, DELETE, GET or * for the three writes)");
            }
            mask |= WriteScope.bit(method);
        }
        return mask;
    }

    private static List<String> prefixes(String where, String list) {
        if (list.equals("*")) {
            return List.of("");
        }
        List<String> prefixes = new ArrayList<>();
        for (String p : list.split(",")) {
            String prefix = p.startsWith("/") ? p.substring(1) : p;
            if (prefix.isEmpty()) {
                throw new IllegalArgumentException(where + "empty prefix (use * for every name)");
            }
            prefixes.add(prefix);
        }
        return prefixes;
    }
}
