package atlas.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import atlas.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsIdentitySourceTest {
    @TempDir
    Path dir;

    private final List<String> log = new CopyOnWriteArrayList<>();

    private Path cert() {
        return dir.resolve("live/cert.pem");
    }

    private Path key() {
        return dir.resolve("live/key.pem");
    }

    /** Like a certificate renewal: the new file is written elsewhere and renamed over the live one. */
    private void install(Path from, Path to) throws Exception {
        Path tmp = to.resolveSibling(to.getFileName() + ".new");
        Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void shouldReloadWhenTheFilesChangeAndOnlyThen() throws Exception {
        TlsIdentity a = TestCertificates.write(dir.resolve("live"), "ec256");
        TlsIdentity b = TestCertificates.write(dir.resolve("b"), "ec256");
        try (TlsIdentitySource source = TlsIdentitySource.watching(cert(), key(), log::add)) {
            assertThat(source.current().fingerprintSha256()).isEqualTo(a.fingerprintSha256());
            assertThat(source.reloadIfChanged()).isFalse();

            install(dir.resolve("b/cert.pem"), cert());
            install(dir.resolve("b/key.pem"), key());

            assertThat(source.reloadIfChanged()).isTrue();
            assertThat(source.current().fingerprintSha256()).isEqualTo(b.fingerprintSha256());
            assertThat(source.reloadIfChanged()).isFalse();
            assertThat(log).containsExactly("atlas: TLS certificate reloaded: CN=localhost, valid until "
                    + b.notAfter() + ", SHA-256 " + b.fingerprintSha256());
        }
    }

    @Test
    void shouldKeepTheOldIdentityWhenAReloadFailsAndRetryWhenTheFilesChangeAgain() throws Exception {
        TlsIdentity a = TestCertificates.write(dir.resolve("live"), "ec256");
        TlsIdentity b = TestCertificates.write(dir.resolve("b"), "ec256");
        try (TlsIdentitySource source = TlsIdentitySource.watching(cert(), key(), log::add)) {
            // the usual renewal order: certificate first, so for a moment it does not match the old key
            install(dir.resolve("b/cert.pem"), cert());

            assertThat(source.reloadIfChanged()).isFalse();
            assertThat(source.current().fingerprintSha256()).isEqualTo(a.fingerprintSha256());
            assertThat(log).containsExactly("atlas: TLS certificate reload failed, still serving SHA-256 "
                    + a.fingerprintSha256() + ": private key in " + key() + " does not match the certificate in "
                    + cert() + " (CN=localhost)");
            assertThat(source.reloadIfChanged()).as("unchanged files are not retried").isFalse();
            assertThat(log).hasSize(1);

            install(dir.resolve("b/key.pem"), key());

            assertThat(source.reloadIfChanged()).isTrue();
            assertThat(source.current().fingerprintSha256()).isEqualTo(b.fingerprintSha256());
        }
    }

    @Test
    void shouldReportGarbageAndMissingFilesWithoutLosingTheIdentity() throws Exception {
        TlsIdentity a = TestCertificates.write(dir.resolve("live"), "ec256");
        try (TlsIdentitySource source = TlsIdentitySource.watching(cert(), key(), log::add)) {
            Path garbage = dir.resolve("garbage");
            Files.writeString(garbage, "not pem");
            install(garbage, cert());
            assertThat(source.reloadIfChanged()).isFalse();
            Files.delete(key());
            assertThat(source.reload()).isFalse();

            assertThat(source.current().fingerprintSha256()).isEqualTo(a.fingerprintSha256());
            assertThat(log).hasSize(2);
            assertThat(log.get(0)).endsWith(": no CERTIFICATE block in " + cert());
            assertThat(log.get(1)).endsWith(": no CERTIFICATE block in " + cert());
        }
    }

    @Test
    void shouldFailTheFirstLoadLoudly() {
        assertThatThrownBy(() -> TlsIdentitySource.watching(cert(), key(), log::add))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("certificate file " + cert() + " does not exist");
    }

    @Test
    void shouldPickUpARenewalFromTheWatcherThread() throws Exception {
        TestCertificates.write(dir.resolve("live"), "ec256");
        TlsIdentity b = TestCertificates.write(dir.resolve("b"), "ec256");
        try (TlsIdentitySource source = TlsIdentitySource.watching(cert(), key(), log::add)) {
            source.startWatching(Duration.ofMillis(20));
            install(dir.resolve("b/key.pem"), key());
            install(dir.resolve("b/cert.pem"), cert());

            Await.until("the watcher thread to pick up the renewal", Duration.ofSeconds(10),
                    () -> source.current().fingerprintSha256().equals(b.fingerprintSha256()));
        }
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("atlas-tls-reload"));
    }

    @Test
    void shouldReloadOnSighup() throws Exception {
        TestCertificates.write(dir.resolve("live"), "ec256");
        TlsIdentity b = TestCertificates.write(dir.resolve("b"), "ec256");
        try (TlsIdentitySource source = TlsIdentitySource.watching(cert(), key(), log::add)) {
            assumeTrue(source.installHangupHandler(), "this JVM refuses a SIGHUP handler");
            install(dir.resolve("b/key.pem"), key());
            install(dir.resolve("b/cert.pem"), cert());

            Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(ProcessHandle.current().pid())).start();
            assertThat(kill.waitFor()).isZero();

            Await.until("SIGHUP to reload the renewal", Duration.ofSeconds(10),
                    () -> source.current().fingerprintSha256().equals(b.fingerprintSha256()));
        }
    }

    @Test
    void shouldNeverChangeAFixedIdentity() throws Exception {
        TlsIdentity a = TestCertificates.write(dir.resolve("live"), "ec256");
        try (TlsIdentitySource source = TlsIdentitySource.fixed(a)) {
            assertThat(source.reload()).isFalse();
            assertThat(source.reloadIfChanged()).isFalse();
            assertThat(source.installHangupHandler()).isFalse();
            assertThat(source.current()).isSameAs(a);
        }
    }
}
