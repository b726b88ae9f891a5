package atlas.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Signed URLs for a protected prefix with the tools an operator uses: {@code atlas sign} makes the links (with the
 * first of two rotated keys, and with the old one), curl fetches them. The playlist's path-form link makes its
 * relative segment URLs carry the token as a player resolves them (RFC 3986, as hls.js and dash.js do); ffmpeg,
 * a real HLS client, plays the protected stream from that link and fails with an expired one.
 */
class SignedUrlIT {
    private static final String OLD_KEY = "00112233445566778899aabbccddeeff";
    private static final String NEW_KEY = "ffeeddccbbaa99887766554433221100";
    private static final String EDGE_TOKEN = "edge-fill-token-0123456789";
    private static final String OTHER_TOKEN = "vod-only-token-0123456789";
    private static Path work;
    private static ServerProcess server;
    private static HttpCurl curl;

    @BeforeAll
    static void start() throws Exception {
        work = HttpTestServers.workDir(SignedUrlIT.class);
        Path keys = work.resolve("keys");
        Files.writeString(keys, "# newest first: it signs; both verify\n" + NEW_KEY + "\n" + OLD_KEY + "\n");
        // One credential may read the protected names without a signed URL: an edge's.
        Path auth = work.resolve("auth");
        Files.writeString(auth, "edge:{SHA256}" + sha256Hex(EDGE_TOKEN) + "\nscope:edge GET demo/\n"
                + "other:{SHA256}" + sha256Hex(OTHER_TOKEN) + "\nscope:other GET,PUT vod/\n");
        server = HttpTestServers.start(work, "--protect", "demo/", "--token-keys", keys.toString(), "--auth-file",
                auth.toString());
        curl = new HttpCurl(work);
    }

    @AfterAll
    static void stop() throws IOException {
        if (server != null) {
            server.close();
        }
        HttpTestServers.deleteTree(work);
    }

    private static List<String> sign(String key, String expiry, String name) throws Exception {
        return AtlasSign.sign(server, key, expiry, name);
    }

    @Test
    void shouldRefuseAProtectedNameWithoutAValidSignedUrl() throws Exception {
        assertThat(curl.run(server.url("demo/index.m3u8")).status()).as("no token").isEqualTo(403);
        List<String> signed = sign(NEW_KEY, "--expires 1h", "demo/index.m3u8");
        String tampered = signed.get(1).replace("hmac=", "hmac=0");
        assertThat(curl.run(tampered).status()).as("tampered").isEqualTo(403);
        List<String> expired = sign(NEW_KEY, "--expiry-epoch 1000000000", "demo/index.m3u8");
        assertThat(curl.run(expired.get(1)).status()).as("expired, as nginx: 410").isEqualTo(410);
        List<String> foreign = sign("0123456789abcdef0123456789abcdef", "--expires 1h", "demo/index.m3u8");
        assertThat(curl.run(foreign.get(1)).status()).as("another key").isEqualTo(403);
        assertThat(curl.run(server.url("_atlas/health")).status()).as("unprotected names are unaffected").isEqualTo(200);
    }

    @Test
    void shouldServeWithATokenInTheQueryTheHeaderTheCookieOrThePath() throws Exception {
        List<String> signed = sign(NEW_KEY, "--expires 1h", "demo/index.m3u8");
        String token = signed.get(0);
        assertThat(curl.run(signed.get(1)).status()).as("query " + signed.get(1)).isEqualTo(200);
        assertThat(curl.run("-H", "hdnts: " + token, server.url("demo/index.m3u8")).status()).isEqualTo(200);
        assertThat(curl.run("-b", "hdnts=" + token, server.url("demo/index.m3u8")).status()).isEqualTo(200);
        HttpCurl.Response playlist = curl.run(signed.get(2));
        assertThat(playlist.status()).as("path " + signed.get(2)).isEqualTo(200);
        String segment = playlist.bodyText().lines().filter(l -> !l.startsWith("#") && !l.isBlank()).findFirst()
                .orElseThrow();
        String segmentUrl = URI.create(signed.get(2)).resolve(segment).toString();
        assertThat(curl.run(segmentUrl).status()).as("a relative segment resolved against the path form: " + segmentUrl)
                .isEqualTo(200);
        List<String> old = sign(OLD_KEY, "--expires 1h", "demo/index.m3u8");
        assertThat(curl.run(old.get(1)).status()).as("signed with the previous key, still listed").isEqualTo(200);
    }

    @Test
    void shouldLetFfmpegPlayTheProtectedStreamFromItsSignedPlaylistOnly() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(HttpTestServers.onPath("ffmpeg"), "ffmpeg not installed");
        assertThat(play(sign(NEW_KEY, "--expires 1h", "demo/index.m3u8").get(2))).as("signed").isZero();
        assertThat(play(sign(NEW_KEY, "--expiry-epoch 1000000000", "demo/index.m3u8").get(2))).as("expired")
                .isNotZero();
    }

    @Test
    void shouldLetAnEdgeFillAProtectedNameWithItsUpstreamToken() throws Exception {
        String name = "demo/index.m3u8";
        HttpCurl.Response direct = curl.run(sign(NEW_KEY, "--expires 1h", name).get(1));
        assertThat(direct.status()).isEqualTo(200);
        assertThat(curl.run("-H", "Authorization: Bearer " + EDGE_TOKEN, server.url(name)).status())
                .as("the edge's token, no signed URL").isEqualTo(200);
        assertThat(curl.run("-H", "Authorization: Bearer " + OTHER_TOKEN, server.url(name)).status())
                .as("a token whose scope has no GET of demo/").isEqualTo(403);
        assertThat(curl.run("-H", "Authorization: Bearer not-a-token", server.url(name)).status())
                .as("an unknown token").isEqualTo(403);

        Path tokenFile = work.resolve("upstream-token");
        Files.writeString(tokenFile, EDGE_TOKEN + "\n");
        Path keys = work.resolve("keys");
        try (ServerProcess edge = ServerProcess.start(work.resolve("edge"), "--listen", "127.0.0.1:0", "--engine",
                HttpTestServers.engine(), "--no-demo", "--upstream", server.baseUrl(), "--upstream-token-file",
                tokenFile.toString(), "--protect", "demo/", "--token-keys", keys.toString());
             ServerProcess tokenless = ServerProcess.start(work.resolve("tokenless"), "--listen", "127.0.0.1:0",
                     "--engine", HttpTestServers.engine(), "--no-demo", "--upstream", server.baseUrl(), "--protect",
                     "demo/", "--token-keys", keys.toString())) {
            assertThat(edge.output()).doesNotContain(EDGE_TOKEN).doesNotContain("WARNING: --upstream-token-file");
            String signedAtEdge = sign(NEW_KEY, "--expires 1h", name).get(1).replace(server.baseUrl(), edge.baseUrl());
            HttpCurl.Response filled = curl.run(signedAtEdge);
            assertThat(filled.status()).as("a signed request at the edge, filled with the edge's token").isEqualTo(200);
            assertThat(filled.bodyText()).isEqualTo(direct.bodyText());
            assertThat(curl.run(edge.url(name)).status()).as("the edge checks its clients' signed URLs itself")
                    .isEqualTo(403);
            String signedAtTokenless = signedAtEdge.replace(edge.baseUrl(), tokenless.baseUrl());
            assertThat(curl.run(signedAtTokenless).status())
                    .as("an edge without the token is refused upstream (403): its client gets 502").isEqualTo(502);
        }
    }

    private static String sha256Hex(String secret) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(secret.getBytes(StandardCharsets.US_ASCII)));
    }

    private static int play(String url) throws Exception {
        Process p = new ProcessBuilder("ffmpeg", "-nostdin", "-v", "error", "-i", url, "-f", "null", "-")
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }
}
