package atlas.it;

import atlas.testing.Await;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Authenticated writes against a real server with the clients operators use: an auth file made by {@code htpasswd
 * -B} (plus a bearer token and scope lines), curl {@code -u} and {@code -H "Authorization: Bearer …"}, a live HLS
 * publish by ffmpeg with Basic credentials in its URL, a reload of the file while serving, and the access log's
 * user field.
 */
class AccessControlIT {
    private static final String TOKEN = "tok-" + Long.toHexString(System.nanoTime());
    private static Path work;
    private static Path authFile;
    private static ServerProcess server;
    private static HttpCurl curl;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(HttpTestServers.onPath("htpasswd"), "htpasswd not installed (./atlas test installs apache2-utils)");
        work = HttpTestServers.workDir(AccessControlIT.class);
        authFile = work.resolve("auth");
        htpasswd("-c", "enc1", "pass-1");
        htpasswd("admin", "pass-admin");
        Files.writeString(authFile, "ci:{SHA256}" + sha256(TOKEN) + "\nscope:enc1 PUT,POST,DELETE live/ch1/\n",
                java.nio.file.StandardOpenOption.APPEND);
        server = HttpTestServers.start(work, "--auth-file", authFile.toString());
        curl = new HttpCurl(work);
    }

    @AfterAll
    static void stop() throws IOException {
        if (server != null) {
            server.close();
        }
        HttpTestServers.deleteTree(work);
    }

    /** {@code htpasswd -B -b [-c] FILE USER PASSWORD}, as an operator adds an encoder. */
    private static void htpasswd(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("htpasswd", "-B", "-b"));
        cmd.addAll(List.of(args).subList(0, args.length - 2));
        cmd.add(authFile.toString());
        cmd.addAll(List.of(args).subList(args.length - 2, args.length));
        run(cmd.toArray(String[]::new));
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    private static HttpCurl.Response put(String name, String body, String... auth) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of(auth));
        args.addAll(List.of("-X", "PUT", "--data-binary", body, server.url(name)));
        return curl.run(args.toArray(String[]::new));
    }

    private static int status(String name) throws Exception {
        return curl.run(server.url(name)).status();
    }

    @Test
    void shouldRefuseWritesWithoutTheRightCredentialAndStoreNothing() throws Exception {
        HttpCurl.Response none = put("live/ch1/a.ts", "x");
        assertThat(none.status()).as(none.toString()).isEqualTo(401);
        assertThat(none.header("WWW-Authenticate")).startsWith("Basic realm=");
        assertThat(put("live/ch1/a.ts", "x", "-u", "enc1:wrong").status()).isEqualTo(401);
        assertThat(put("live/ch1/a.ts", "x", "-u", "nobody:pass-1").status()).isEqualTo(401);
        HttpCurl.Response outOfScope = put("live/ch2/a.ts", "x", "-u", "enc1:pass-1");
        assertThat(outOfScope.status()).as(outOfScope.toString()).isEqualTo(403);
        assertThat(outOfScope.bodyText()).contains("'enc1' may not PUT");
        assertThat(curl.run("-X", "DELETE", "-u", "enc1:wrong", server.url("demo/index.m3u8")).status()).isEqualTo(401);
        assertThat(status("live/ch1/a.ts")).isEqualTo(404);
        assertThat(status("live/ch2/a.ts")).isEqualTo(404);
        assertThat(status("demo/index.m3u8")).isEqualTo(200);
    }

    @Test
    void shouldStoreWithBasicOrBearerInScopeAndLogWhoWrote() throws Exception {
        assertThat(put("live/ch1/b.ts", "bee", "-u", "enc1:pass-1").status()).isEqualTo(201);
        assertThat(put("vod/t.mp4", "tee", "-H", "Authorization: Bearer " + TOKEN).status()).isEqualTo(201);
        assertThat(put("other/x", "ex", "-u", "admin:pass-admin").status()).as("no scope: everything").isEqualTo(201);
        assertThat(curl.run(server.url("live/ch1/b.ts")).bodyText()).isEqualTo("bee");
        Path log = work.resolve("data").resolve("access.log");
        Await.until("the access log names the writers", Duration.ofSeconds(10),
                () -> Files.exists(log) ? Files.readString(log) : "",
                text -> text.contains(" - enc1 [") && text.contains(" - ci [") && text.contains(" - admin ["));
    }

    @Test
    void shouldKeepTheConnectionAfterARefusedBodyForTheRetryWithCredentials() throws Exception {
        try (RawConnection c = new RawConnection(server.port())) {
            RawConnection.Response refused = c.send("PUT /live/ch1/k.ts HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nkkkk")
                    .read();
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.closes()).isFalse();
            String basic = Base64.getEncoder().encodeToString("enc1:pass-1".getBytes(StandardCharsets.UTF_8));
            RawConnection.Response stored = c.send("PUT /live/ch1/k.ts HTTP/1.1\r\nHost: t\r\nAuthorization: Basic "
                    + basic + "\r\nContent-Length: 4\r\n\r\nkkkk").read();
            assertThat(stored.status()).as(stored.toString()).isEqualTo(201);
        }
    }

    @Test
    void shouldLetFfmpegPublishLiveHlsWithBasicCredentialsAndNobodyElse() throws Exception {
        assumeTrue(HttpTestServers.onPath("ffmpeg"), "ffmpeg not installed (./atlas test installs it)");
        String host = server.baseUrl().substring("http://".length());
        assertThat(publish("http://enc1:pass-1@" + host + "live/ch1/stream/index.m3u8")).as("in scope").isTrue();
        String playlist = curl.run(server.url("live/ch1/stream/index.m3u8")).bodyText();
        assertThat(playlist).contains("#EXTM3U").contains(".ts");
        String firstSegment = playlist.lines().filter(l -> l.endsWith(".ts")).findFirst().orElseThrow();
        assertThat(status("live/ch1/stream/" + firstSegment)).isEqualTo(200);

        publish("http://" + host + "live/ch1/anon/index.m3u8");
        publish("http://enc1:pass-1@" + host + "live/ch2/stream/index.m3u8");
        publish("http://enc1:wrong@" + host + "live/ch1/wrong/index.m3u8");
        String listing = curl.run(server.adminUrl("_atlas/list?prefix=live/")).bodyText();
        assertThat(listing).as("nothing stored without, out of scope or with a wrong password")
                .doesNotContain("live/ch1/anon/").doesNotContain("live/ch2/").doesNotContain("live/ch1/wrong/")
                .contains("live/ch1/stream/index.m3u8");
    }

    /** Two seconds of HLS PUT to {@code playlistUrl}; true when ffmpeg says it succeeded. */
    private static boolean publish(String playlistUrl) throws Exception {
        Process p = new ProcessBuilder("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=25",
                "-t", "2", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-f", "hls", "-hls_time", "1",
                "-method", "PUT", "-auth_type", "basic", playlistUrl).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(out).isTrue();
        return p.exitValue() == 0 && !out.contains("Server returned 4");
    }

    @Test
    void shouldLetAtlasPutWriteWithCredentialsFromItsEnvironment() throws Exception {
        Path file = work.resolve("clip.ts");
        Files.writeString(file, "clip");
        Process refused = new ProcessBuilder(ServerProcess.atlasCommand(List.of("put", "--server", server.baseUrl(),
                "--name", "live/ch1/clip.ts", file.toString()))).redirectErrorStream(true).start();
        String out = new String(refused.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(refused.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(refused.exitValue()).as(out).isNotZero();
        assertThat(out).contains("401");
        ProcessBuilder withUser = new ProcessBuilder(ServerProcess.atlasCommand(List.of("put", "--server",
                server.baseUrl(), "--name", "live/ch1/clip.ts", file.toString()))).redirectErrorStream(true);
        withUser.environment().put("ATLAS_USER", "enc1:pass-1");
        Process stored = withUser.start();
        out = new String(stored.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(stored.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(stored.exitValue()).as(out).isZero();
        assertThat(curl.run(server.url("live/ch1/clip.ts")).bodyText()).isEqualTo("clip");
    }

    @Test
    void shouldApplyAnEditedAuthFileWithoutARestart() throws Exception {
        htpasswd("late", "pass-late");
        Await.until("the new user is accepted", Duration.ofSeconds(20),
                () -> put("late/x", "1", "-u", "late:pass-late").status(), s -> s == 201);
        run("htpasswd", "-D", authFile.toString(), "late");
        Await.until("the removed user is refused", Duration.ofSeconds(20),
                () -> put("late/y", "1", "-u", "late:pass-late").status(), s -> s == 401);
    }
}
