package atlas.cli;

import atlas.access.EdgeAuthToken;
import atlas.access.PathToken;
import atlas.access.SecureLinkMd5;
import atlas.access.SigningKeys;
import atlas.access.TokenEncoding;
import atlas.access.UrlSigning;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code atlas sign}: makes a signed URL for a protected object, offline (a key and the clock are all it needs).
 * Prints three lines: the token, the URL with the token in the query, and the URL with the token as the first
 * path segment — the form to hand a player for a playlist, because relative segment URLs keep the path and
 * lose the query (see docs/signed-urls.md). A secure link has no path form, so it prints two.
 */
@Command(name = "sign", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Make a signed URL for an object under a protected prefix (EdgeAuth token or nginx secure link).")
final class SignCommand implements Callable<Integer> {
    static final Duration DEFAULT_LIFETIME = Duration.ofHours(1);

    @Spec
    CommandSpec spec;

    @Option(names = "--key", paramLabel = "HEX", description = "EdgeAuth signing key, hex (at least 32 digits).")
    String key;

    @Option(names = "--key-file", paramLabel = "PATH",
            description = "File with one hex key per line ('#' comments); the first signs.")
    Path keyFile;

    @Option(names = "--acl", paramLabel = "PATTERN",
            description = "Paths the token covers, '*' wildcards, several joined by '!' (default: the object's folder + '*').")
    String acl;

    @Option(names = "--url", description = "A token for exactly this object instead of an ACL.")
    boolean urlMode;

    @Option(names = "--expires", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Lifetime from now, e.g. 30m or 1h (default: 1h).")
    Duration expires;

    @Option(names = "--expiry-epoch", paramLabel = "S", description = "Last valid second, as a Unix time.")
    Long expiryEpoch;

    @Option(names = "--start", paramLabel = "S|now", description = "First valid second (Unix time or 'now'; default: none).")
    String start;

    @Option(names = "--ip", paramLabel = "ADDR", description = "Only this client address may use the link.")
    String ip;

    @Option(names = "--format", paramLabel = "edgeauth|secure-link", defaultValue = "edgeauth",
            description = "Token format (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--secure-link-template", paramLabel = "TEMPLATE",
            description = "With --format secure-link: nginx's secure_link_md5 expression, secret included, "
                    + "e.g. '$secure_link_expires$uri$remote_addr secret'.")
    String secureLinkTemplate;

    @Option(names = "--token-name", paramLabel = "NAME", defaultValue = UrlSigning.DEFAULT_TOKEN_NAME,
            description = "Query argument and path segment name of the token (default: ${DEFAULT-VALUE}).")
    String tokenName;

    @Option(names = "--base", paramLabel = "URL", defaultValue = "http://127.0.0.1:8080/",
            description = "Server URL the links start with (default: ${DEFAULT-VALUE}).")
    String base;

    @Parameters(paramLabel = "NAME", description = "Object name or path, e.g. live/ch1/index.m3u8.")
    String object;

    @Override
    public Integer call() {
        String name = object.startsWith("/") ? object.substring(1) : object;
        String problem = NameCheck.problem(name);
        if (problem != null) {
            throw invalid("NAME", object, problem);
        }
        URI baseUrl;
        try {
            baseUrl = ObjectUrls.base(base);
        } catch (IllegalArgumentException e) {
            throw invalid("--base", base, "expected an http(s) URL, e.g. http://127.0.0.1:8080/");
        }
        if (expires != null && expiryEpoch != null) {
            throw usage("--expires and --expiry-epoch are exclusive");
        }
        if (expiryEpoch != null && expiryEpoch <= 0) {
            throw invalid("--expiry-epoch", expiryEpoch.toString(), "must be a positive Unix time");
        }
        long expiry = expiryEpoch != null ? expiryEpoch : expiryFromNow();
        String address = ip == null ? null : address(ip);
        String path = "/" + name;
        String objectUrl = baseUrl + ObjectUrls.encodePath(name);
        PrintWriter out = spec.commandLine().getOut();
        switch (format) {
            case "edgeauth" -> {
                String token = edgeAuthToken(path, expiry, address);
                out.println(token);
                out.println(objectUrl + "?" + tokenName + "=" + TokenEncoding.queryValue(token));
                out.println(baseUrl + PathToken.pathForm(token, tokenName).substring(1) + "/" + ObjectUrls.encodePath(name));
            }
            case "secure-link" -> {
                String query = secureLink(path, expiry, address);
                out.println(query);
                out.println(objectUrl + "?" + query);
            }
            default -> throw invalid("--format", format, "expected edgeauth or secure-link");
        }
        out.flush();
        return 0;
    }

    private String edgeAuthToken(String path, long expiry, String address) {
        if (secureLinkTemplate != null) {
            throw usage("--secure-link-template only applies with --format secure-link");
        }
        String tokenNameProblem = UrlSigning.tokenNameProblem(tokenName);
        if (tokenNameProblem != null) {
            throw invalid("--token-name", tokenName, tokenNameProblem);
        }
        if (acl != null && urlMode) {
            throw usage("--acl and --url are exclusive");
        }
        SigningKeys keys = keys();
        long startEpoch = start == null ? -1 : startEpoch();
        if (startEpoch >= 0 && expiry <= startEpoch) {
            throw usage("the expiry (" + expiry + ") is not after --start (" + startEpoch + ")");
        }
        try {
            return urlMode ? EdgeAuthToken.signUrl(keys, startEpoch, expiry, path, address)
                    : EdgeAuthToken.sign(keys, startEpoch, expiry, acl != null ? acl : defaultAcl(path), address);
        } catch (IllegalArgumentException e) {
            throw acl != null ? invalid("--acl", acl, e.getMessage()) : usage(e.getMessage());
        }
    }

    private String secureLink(String path, long expiry, String address) {
        refuseForSecureLink("--key", key != null);
        refuseForSecureLink("--key-file", keyFile != null);
        refuseForSecureLink("--acl", acl != null);
        refuseForSecureLink("--start", start != null);
        refuseForSecureLink("--url", urlMode);
        if (secureLinkTemplate == null) {
            throw usage("--format secure-link needs --secure-link-template");
        }
        SecureLinkMd5 link;
        try {
            link = SecureLinkMd5.parse(secureLinkTemplate);
        } catch (IllegalArgumentException e) {
            throw usage("invalid --secure-link-template: " + e.getMessage()); // not echoed: it holds the secret
        }
        if (address == null && link.usesRemoteAddr()) {
            throw usage("the secure link template uses $remote_addr: give the client's address with --ip");
        }
        return link.sign(path, expiry, address);
    }

    private void refuseForSecureLink(String option, boolean given) {
        if (given) {
            throw usage(option + " only applies with --format edgeauth");
        }
    }

    private SigningKeys keys() {
        if (key != null && keyFile != null) {
            throw usage("--key and --key-file are exclusive");
        }
        if (key != null) {
            String problem = SigningKeys.problem(key);
            if (problem != null) {
                throw usage("invalid value for --key: " + problem); // never echo a secret
            }
            return SigningKeys.parse(List.of(key));
        }
        if (keyFile == null) {
            throw usage("missing --key HEX or --key-file PATH");
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(keyFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw usage("cannot read --key-file " + keyFile + ": " + FailureHandler.message(e));
        }
        try {
            return SigningKeys.fromLines(lines);
        } catch (IllegalArgumentException e) {
            throw usage("invalid --key-file " + keyFile + ": " + e.getMessage());
        }
    }

    private long expiryFromNow() {
        Duration lifetime = expires != null ? expires : DEFAULT_LIFETIME;
        if (lifetime.toSeconds() <= 0) {
            throw invalid("--expires", DurationConverter.format(lifetime), "must be at least 1s");
        }
        return System.currentTimeMillis() / 1000 + lifetime.toSeconds();
    }

    private long startEpoch() {
        if (start.equals("now")) {
            return System.currentTimeMillis() / 1000;
        }
        try {
            long s = Long.parseLong(start);
            if (s >= 0) {
                return s;
            }
        } catch (NumberFormatException e) {
            // fall through to the one message
        }
        throw invalid("--start", start, "expected a Unix time in seconds or 'now'");
    }

    /** An IP literal (no host names: a token is bound to what the server sees), lowercased as servers print it. */
    private String address(String text) {
        try {
            InetAddress.ofLiteral(text);
            return text.toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw invalid("--ip", text, "expected an IPv4 or IPv6 address, e.g. 203.0.113.7 or 2001:db8::1");
        }
    }

    /** The folder of {@code /live/ch1/index.m3u8} and everything below it: {@code /live/ch1/*}. */
    static String defaultAcl(String path) {
        return path.substring(0, path.lastIndexOf('/') + 1) + "*";
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    private ParameterException invalid(String option, String value, String why) {
        return usage("invalid value for " + option + ": '" + value + "' (" + why + ")");
    }
}
