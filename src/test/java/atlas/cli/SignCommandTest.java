package atlas.cli;

import atlas.access.PathToken;
import atlas.access.SecureLinkMd5;
import atlas.access.SigningKeys;
import atlas.access.TokenVerdict;
import atlas.access.UrlSigning;
import atlas.access.UrlTokenVerifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code atlas sign} in-process: what it prints must verify, and every mistake is one line with exit code 2. */
class SignCommandTest {
    private static final String KEY = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    private static final String OLD_KEY = "f0e1d2c3b4a5968778695a4b3c2d1e0f";
    private static final long EXPIRY = 1_700_003_600L;
    private static final long NOW = 1_700_000_000L;
    private static final String TEMPLATE = "$secure_link_expires$uri$remote_addr secret";

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @TempDir
    Path dir;

    private int run(String... args) {
        CommandLine cmd = AtlasCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }

    private String[] lines() {
        return out.toString().split("\n");
    }

    private String onlyErrorLine() {
        String[] lines = err.toString().split("\n");
        assertThat(lines).hasSize(1);
        return lines[0];
    }

    private static UrlTokenVerifier verifier(String... keys) {
        return new UrlTokenVerifier(new UrlSigning(SigningKeys.parse(List.of(keys)), null));
    }

    /** What the server will do with the path-form URL: strip and decode the leading token segment, then verify. */
    private static TokenVerdict verifyPathForm(UrlTokenVerifier verifier, String url, String clientIp, long now) {
        byte[] target = URI.create(url).getRawPath().getBytes(StandardCharsets.US_ASCII);
        int n = PathToken.segmentLength(target, 0, target.length, "hdnts");
        assertThat(n).as("token segment in " + url).isPositive();
        String token = PathToken.decode(target, 0, n, "hdnts");
        String path = URLDecoder.decode(new String(target, n, target.length - n, StandardCharsets.US_ASCII), StandardCharsets.UTF_8);
        return verifier.verify(path, null, null, null, token, clientIp, now);
    }

    private static TokenVerdict verifyQueryForm(UrlTokenVerifier verifier, String url, String clientIp, long now) {
        URI uri = URI.create(url);
        return verifier.verify(uri.getPath(), uri.getRawQuery(), null, null, null, clientIp, now);
    }

    @Test
    void shouldPrintTheTokenAndBothUrlForms() {
        assertThat(run("sign", "--key", KEY, "--expiry-epoch", "" + EXPIRY, "live/ch1/index.m3u8")).isZero();
        assertThat(err.toString()).isEmpty();
        String[] lines = lines();
        assertThat(lines).hasSize(3);
        assertThat(lines[0]).startsWith("exp=1700003600~acl=/live/ch1/*~hmac=").hasSize(36 + 64);
        assertThat(lines[1]).isEqualTo("http://127.0.0.1:8080/live/ch1/index.m3u8?hdnts=" + lines[0]);
        assertThat(lines[2]).isEqualTo("http://127.0.0.1:8080/hdnts=" + lines[0].replace("/", "%2F") + "/live/ch1/index.m3u8");
        UrlTokenVerifier verifier = verifier(KEY);
        assertThat(verifyQueryForm(verifier, lines[1], "192.0.2.1", NOW)).isEqualTo(TokenVerdict.VALID);
        assertThat(verifyPathForm(verifier, lines[2], "192.0.2.1", NOW)).isEqualTo(TokenVerdict.VALID);
        assertThat(verifyQueryForm(verifier, lines[1], "192.0.2.1", EXPIRY + 1)).isEqualTo(TokenVerdict.EXPIRED);
    }

    @Test
    void shouldLetSegmentsResolvedAgainstThePathFormInheritTheToken() {
        assertThat(run("sign", "--key", KEY, "--expiry-epoch", "" + EXPIRY, "/live/ch1/index.m3u8")).isZero();
        String playlist = lines()[2];
        // What hls.js and dash.js do with "seg1.ts" and "720p/seg2.ts" in that playlist: RFC 3986 resolution.
        for (String relative : new String[] {"seg1.ts", "720p/seg2.ts", "../ch1/seg3.ts"}) {
            String segment = URI.create(playlist).resolve(relative).toString();
            assertThat(verifyPathForm(verifier(KEY), segment, "192.0.2.1", NOW)).as(segment).isEqualTo(TokenVerdict.VALID);
        }
        String sibling = URI.create(playlist).resolve("../ch2/seg1.ts").toString();
        assertThat(verifyPathForm(verifier(KEY), sibling, "192.0.2.1", NOW)).isEqualTo(TokenVerdict.INVALID);
    }

    @Test
    void shouldHonourAclUrlStartIpAndBase() {
        assertThat(run("sign", "--key", KEY, "--expiry-epoch", "" + EXPIRY, "--start", "1699999000", "--ip", "2001:DB8::7",
                "--acl", "/live/*!/ads/*", "--base", "https://cdn.example.com", "live/ch1/a b.ts")).isZero();
        String[] lines = lines();
        assertThat(lines[0]).startsWith("ip=2001:db8::7~st=1699999000~exp=1700003600~acl=/live/*!/ads/*~hmac=");
        assertThat(lines[1]).startsWith("https://cdn.example.com/live/ch1/a%20b.ts?hdnts=ip=2001:db8::7~");
        assertThat(verifyQueryForm(verifier(KEY), lines[1], "2001:db8:0:0:0:0:0:7", NOW)).isEqualTo(TokenVerdict.VALID);
        assertThat(verifyPathForm(verifier(KEY), lines[2], "2001:db8::8", NOW)).isEqualTo(TokenVerdict.INVALID);

        out.getBuffer().setLength(0);
        assertThat(run("sign", "--key", KEY, "--expiry-epoch", "" + EXPIRY, "--url", "vod/film.mp4")).isZero();
        lines = lines();
        assertThat(lines[0]).startsWith("exp=1700003600~hmac=");
        assertThat(verifyQueryForm(verifier(KEY), lines[1], "192.0.2.1", NOW)).isEqualTo(TokenVerdict.VALID);
        assertThat(verifier(KEY).verify("/vod/other.mp4", "hdnts=" + lines[0], null, null, null, "192.0.2.1", NOW))
                .isEqualTo(TokenVerdict.INVALID);
    }

    @Test
    void shouldSignWithTheFirstKeyOfAKeyFile() throws IOException {
        Path keys = Files.writeString(dir.resolve("keys"), "# rotated 2026-12-01\n" + OLD_KEY + "\n\n" + KEY + "\n");
        assertThat(run("sign", "--key-file", keys.toString(), "--expiry-epoch", "" + EXPIRY, "live/x.ts")).isZero();
        String url = lines()[1];
        assertThat(verifyQueryForm(verifier(OLD_KEY), url, "192.0.2.1", NOW)).isEqualTo(TokenVerdict.VALID);
        assertThat(verifyQueryForm(verifier(KEY), url, "192.0.2.1", NOW)).isEqualTo(TokenVerdict.INVALID);
    }

    @Test
    void shouldExpireRelativeToNow() {
        long before = System.currentTimeMillis() / 1000;
        assertThat(run("sign", "--key", KEY, "--expires", "30m", "live/x.ts")).isZero();
        long after = System.currentTimeMillis() / 1000;
        long exp = Long.parseLong(lines()[0].replaceAll("^exp=(\\d+)~.*", "$1"));
        assertThat(exp).isBetween(before + 1800, after + 1800);

        out.getBuffer().setLength(0);
        assertThat(run("sign", "--key", KEY, "--start", "now", "live/x.ts")).isZero();
        assertThat(lines()[0]).matches("st=\\d+~exp=\\d+~acl=/live/\\*~hmac=[0-9a-f]{64}");
        long st = Long.parseLong(lines()[0].replaceAll("^st=(\\d+)~.*", "$1"));
        exp = Long.parseLong(lines()[0].replaceAll("^st=\\d+~exp=(\\d+)~.*", "$1"));
        assertThat(exp - st).as("default lifetime").isBetween(3599L, 3601L);
    }

    @Test
    void shouldMakeNginxSecureLinks() {
        assertThat(run("sign", "--format", "secure-link", "--secure-link-template", TEMPLATE, "--ip", "127.0.0.1",
                "--expiry-epoch", "2147483647", "live/ch1/index.m3u8")).isZero();
        // The openssl value of SecureLinkMd5Test.
        assertThat(lines()).containsExactly("md5=utszm_keBVgJ3OAWCMt4iw&expires=2147483647",
                "http://127.0.0.1:8080/live/ch1/index.m3u8?md5=utszm_keBVgJ3OAWCMt4iw&expires=2147483647");
        UrlTokenVerifier verifier = new UrlTokenVerifier(new UrlSigning(null, SecureLinkMd5.parse(TEMPLATE)));
        assertThat(verifyQueryForm(verifier, lines()[1], "127.0.0.1", NOW)).isEqualTo(TokenVerdict.VALID);
    }

    @Test
    void shouldReportEveryMistakeInOneLineWithExitCodeTwo() throws IOException {
        Path badKeys = Files.writeString(dir.resolve("bad"), KEY + "\n" + KEY.substring(1) + "\n");
        String[][] cases = {
            {"missing --key HEX or --key-file PATH", "live/x.ts"},
            {"invalid value for --key: odd number of hex digits (3)", "--key", "abc", "live/x.ts"},
            {"invalid value for --key: 15 bytes, at least 16 needed (32 hex digits)", "--key", KEY.substring(0, 30), "x.ts"},
            {"--key and --key-file are exclusive", "--key", KEY, "--key-file", badKeys.toString(), "x.ts"},
            {"invalid --key-file " + badKeys + ": line 2: odd number of hex digits (63)", "--key-file", badKeys.toString(), "x.ts"},
            {"cannot read --key-file " + dir.resolve("none") + ": no such file or directory: " + dir.resolve("none"),
                "--key-file", dir.resolve("none").toString(), "x.ts"},
            {"--expires and --expiry-epoch are exclusive", "--key", KEY, "--expires", "1h", "--expiry-epoch", "5", "x.ts"},
            {"invalid value for --expires: '0s' (must be at least 1s)", "--key", KEY, "--expires", "0s", "x.ts"},
            {"invalid value for --expires: '1w' (expected DURATION, e.g. 500ms, 10s, 2m, 1h or 365d)", "--key", KEY, "--expires", "1w", "x.ts"},
            {"invalid value for --start: 'soon' (expected a Unix time in seconds or 'now')", "--key", KEY, "--start", "soon", "x.ts"},
            {"invalid value for --expiry-epoch: '0' (must be a positive Unix time)", "--key", KEY, "--acl", "/a/*", "--expiry-epoch", "0", "x.ts"},
            {"the expiry (5) is not after --start (10)", "--key", KEY, "--start", "10", "--expiry-epoch", "5", "x.ts"},
            {"invalid value for --ip: 'example.com' (expected an IPv4 or IPv6 address, e.g. 203.0.113.7 or 2001:db8::1)",
                "--key", KEY, "--ip", "example.com", "x.ts"},
            {"invalid value for --acl: '/a~b' (acl contains '~', the field delimiter: '/a~b')", "--key", KEY, "--acl", "/a~b", "x.ts"},
            {"--acl and --url are exclusive", "--key", KEY, "--acl", "/a/*", "--url", "x.ts"},
            {"invalid value for --format: 'jwt' (expected edgeauth or secure-link)", "--key", KEY, "--format", "jwt", "x.ts"},
            {"invalid value for --token-name: 'a b' (only letters, digits, '-' and '_' (index 1))", "--key", KEY, "--token-name", "a b", "x.ts"},
            {"invalid value for --base: 'ftp://x' (expected an http(s) URL, e.g. http://127.0.0.1:8080/)", "--key", KEY, "--base", "ftp://x", "x.ts"},
            {"--format secure-link needs --secure-link-template", "--format", "secure-link", "x.ts"},
            {"--key only applies with --format edgeauth", "--format", "secure-link", "--key", KEY, "--secure-link-template", TEMPLATE, "x.ts"},
            {"--secure-link-template only applies with --format secure-link", "--key", KEY, "--secure-link-template", TEMPLATE, "x.ts"},
            {"the secure link template uses $remote_addr: give the client's address with --ip",
                "--format", "secure-link", "--secure-link-template", TEMPLATE, "x.ts"},
            {"invalid --secure-link-template: secure link template: unknown variable $args at index 4 "
                + "(known: $secure_link_expires, $uri, $remote_addr)", "--format", "secure-link", "--secure-link-template", "$uri$args s", "x.ts"},
            {"missing required parameter: 'NAME'", "--key", KEY},
        };
        for (String[] c : cases) {
            err.getBuffer().setLength(0);
            out.getBuffer().setLength(0);
            String[] args = new String[c.length];
            args[0] = "sign";
            System.arraycopy(c, 1, args, 1, c.length - 1);
            assertThat(run(args)).as(c[0]).isEqualTo(2);
            assertThat(onlyErrorLine()).isEqualTo("atlas sign: " + c[0] + "; see 'atlas sign --help'");
            assertThat(out.toString()).as(c[0]).isEmpty();
            assertThat(err.toString()).as("never echo a key").doesNotContain(KEY.substring(0, 30));
        }
    }

    @Test
    void shouldRefuseBadObjectNames() {
        assertThat(run("sign", "--key", KEY, "live/../x.ts")).isEqualTo(2);
        assertThat(onlyErrorLine()).startsWith("atlas sign: invalid value for NAME: 'live/../x.ts' (");
    }

    @Test
    void shouldPrintHelp() {
        assertThat(run("sign", "--help")).isZero();
        assertThat(out.toString()).startsWith("Usage: atlas sign").contains("--key-file", "--secure-link-template");
    }
}
