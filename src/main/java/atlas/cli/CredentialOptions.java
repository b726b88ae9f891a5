package atlas.cli;

import picocli.CommandLine.Option;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The credential {@code atlas put} and {@code atlas rm} write with, for a server with an {@code --auth-file}: HTTP
 * Basic as curl's {@code -u}, or a bearer token. Both default to environment variables so that a secret need not
 * appear in the process list; a server without an auth file takes writes from loopback peers without any.
 */
final class CredentialOptions {
    @Option(names = "--user", paramLabel = "NAME:PASSWORD", defaultValue = "${env:ATLAS_USER}",
            description = "HTTP Basic credentials of the server's --auth-file (default: $ATLAS_USER).")
    String user;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:ATLAS_TOKEN}",
            description = "A bearer token of the server's --auth-file (default: $ATLAS_TOKEN).")
    String token;

    /** The Authorization field's value, or null to send none. */
    String authorization() {
        if (token != null && !token.isEmpty()) {
            return "Bearer " + token;
        }
        if (user != null && !user.isEmpty()) {
            return "Basic " + Base64.getEncoder().encodeToString(user.getBytes(StandardCharsets.UTF_8));
        }
        return null;
    }
}
