package atlas.access;

import atlas.http.Method;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The write decision of one core. The verifier's answers arrive in {@link #inbox} (as they would in the core's
 * inbox) and the test runs them, as the core's loop would.
 */
class WriteAuthorizerTest {
    private final LinkedBlockingQueue<Runnable> inbox = new LinkedBlockingQueue<>();
    private final PasswordVerifier verifier = new PasswordVerifier(1);
    private final List<Credential> answers = new ArrayList<>();

    @AfterEach
    void tearDown() {
        verifier.close();
    }

    private WriteAuthorizer authorizer(String... lines) throws Exception {
        return new WriteAuthorizer(CredentialSource.fixed(CredentialFile.parse("auth", List.of(lines))), verifier,
                inbox::add);
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private int authorize(WriteAuthorizer w, String authorization, Method m, String name) {
        byte[] path = name.getBytes(StandardCharsets.UTF_8);
        return w.authorize(authorization, false, m, path, path.length, answers::add);
    }

    /** Runs the verifier's answer as the core would, then decides as HttpConnection does. */
    private int answer(WriteAuthorizer w, Method m, String name) throws InterruptedException {
        Runnable r = inbox.poll(10, TimeUnit.SECONDS);
        assertThat(r).as("the verifier answered").isNotNull();
        r.run();
        byte[] path = name.getBytes(StandardCharsets.UTF_8);
        return w.decide(answers.removeLast(), m, path, path.length);
    }

    @Test
    void shouldAllowOnlyLoopbackPeersWithoutAnAuthFile() {
        WriteAuthorizer w = new WriteAuthorizer(CredentialSource.none(), verifier, inbox::add);
        byte[] p = "x".getBytes(StandardCharsets.US_ASCII);
        assertThat(w.authorize(null, true, Method.PUT, p, 1, answers::add)).isEqualTo(WriteAuthorizer.ALLOWED);
        assertThat(w.granted()).isSameAs(Credential.LOOPBACK);
        assertThat(w.authorize(basic("a", "b"), false, Method.PUT, p, 1, answers::add)).isEqualTo(403);
        assertThat(w.problem()).contains("loopback peers only");
    }

    @Test
    void shouldVerifyBasicOffTheCoreOnceThenFromTheCache() throws Exception {
        WriteAuthorizer w = authorizer("enc:" + CredentialFileTest.HASH, "scope:enc PUT live/ch1/");
        String good = basic("enc", "s3cret");
        assertThat(authorize(w, good, Method.PUT, "live/ch1/a.ts")).isEqualTo(WriteAuthorizer.PENDING);
        assertThat(answer(w, Method.PUT, "live/ch1/a.ts")).isEqualTo(WriteAuthorizer.ALLOWED);
        assertThat(w.granted().name()).isEqualTo("enc");

        assertThat(authorize(w, good, Method.PUT, "live/ch1/b.ts")).as("cached: no second bcrypt")
                .isEqualTo(WriteAuthorizer.ALLOWED);
        assertThat(w.verifications()).isEqualTo(1);
        assertThat(authorize(w, good, Method.PUT, "live/ch2/b.ts")).as("out of scope").isEqualTo(403);
        assertThat(w.problem()).contains("'enc' may not PUT");
        assertThat(authorize(w, good, Method.DELETE, "live/ch1/b.ts")).isEqualTo(403);
    }

    @Test
    void shouldRefuseAWrongPasswordAndRememberIt() throws Exception {
        WriteAuthorizer w = authorizer("enc:" + CredentialFileTest.HASH);
        String wrong = basic("enc", "guess");
        assertThat(authorize(w, wrong, Method.PUT, "a")).isEqualTo(WriteAuthorizer.PENDING);
        assertThat(answer(w, Method.PUT, "a")).isEqualTo(401);
        assertThat(authorize(w, wrong, Method.PUT, "a")).as("the same wrong field again: no bcrypt").isEqualTo(401);
        assertThat(w.verifications()).isEqualTo(1);
        assertThat(authorize(w, basic("nobody", "x"), Method.PUT, "a")).isEqualTo(401);
        assertThat(authorize(w, null, Method.PUT, "a")).isEqualTo(401);
        assertThat(authorize(w, "Basic %%%", Method.PUT, "a")).isEqualTo(401);
        assertThat(authorize(w, "Digest abc", Method.PUT, "a")).isEqualTo(401);
        assertThat(inbox).as("nothing else went to the verifier").isEmpty();
    }

    @Test
    void shouldTakeBearerTokensByTheirDigest() throws Exception {
        WriteAuthorizer w = authorizer("ci:{SHA256}" + CredentialFileTest.sha256Hex("tok-1"), "scope:ci PUT vod/");
        assertThat(authorize(w, "Bearer tok-1", Method.PUT, "vod/x.mp4")).isEqualTo(WriteAuthorizer.ALLOWED);
        assertThat(w.granted().name()).isEqualTo("ci");
        assertThat(authorize(w, "bearer  tok-1", Method.PUT, "vod/x.mp4")).as("scheme is case-insensitive")
                .isEqualTo(WriteAuthorizer.ALLOWED);
        assertThat(authorize(w, "Bearer tok-2", Method.PUT, "vod/x.mp4")).isEqualTo(401);
        assertThat(authorize(w, "Bearer tok-1", Method.PUT, "live/x")).isEqualTo(403);
    }

    @Test
    void shouldLetATokenWithGetInItsScopeReadProtectedNamesOnly() throws Exception {
        WriteAuthorizer w = authorizer("edge:{SHA256}" + CredentialFileTest.sha256Hex("fill-1"), "scope:edge GET vod/",
                "ci:{SHA256}" + CredentialFileTest.sha256Hex("tok-1"), "enc:" + CredentialFileTest.HASH);
        byte[] vod = "vod/x.mp4".getBytes(StandardCharsets.US_ASCII);
        byte[] live = "live/x.ts".getBytes(StandardCharsets.US_ASCII);
        assertThat(w.mayRead("Bearer fill-1", vod, vod.length)).isTrue();
        assertThat(w.mayRead("bearer fill-1", vod, vod.length)).as("scheme is case-insensitive").isTrue();
        assertThat(w.mayRead("Bearer fill-1", live, live.length)).as("outside its scope").isFalse();
        assertThat(w.mayRead("Bearer tok-1", vod, vod.length)).as("a writer's token without scope lines writes "
                + "everything but reads nothing protected").isFalse();
        assertThat(w.mayRead("Bearer nope", vod, vod.length)).isFalse();
        assertThat(w.mayRead(basic("enc", "s3cret"), vod, vod.length)).as("Basic: no bcrypt per read").isFalse();
        assertThat(w.mayRead(null, vod, vod.length)).isFalse();
        assertThat(w.mayRead("Bearer", vod, vod.length)).isFalse();
        assertThat(authorize(w, "Bearer fill-1", Method.PUT, "vod/x.mp4")).as("GET gives no write").isEqualTo(403);
    }

    @Test
    void shouldForgetWhatWasVerifiedWhenTheFileIsReloaded() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("auth", ".txt");
        try {
            java.nio.file.Files.writeString(file, "enc:" + CredentialFileTest.HASH + "\n");
            CredentialSource source = CredentialSource.watching(file, line -> { });
            WriteAuthorizer w = new WriteAuthorizer(source, verifier, inbox::add);
            String good = basic("enc", "s3cret");
            assertThat(authorize(w, good, Method.PUT, "a")).isEqualTo(WriteAuthorizer.PENDING);
            assertThat(answer(w, Method.PUT, "a")).isEqualTo(WriteAuthorizer.ALLOWED);
            java.nio.file.Files.writeString(file, "# enc revoked\n");
            assertThat(source.reload()).isTrue();
            assertThat(authorize(w, good, Method.PUT, "a")).as("revoked at its next request").isEqualTo(401);
        } finally {
            java.nio.file.Files.delete(file);
        }
    }
}
