package atlas.it;

import atlas.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * An operator's certificate renewal: `--cert`/`--key` files are replaced (as certbot does, by rename) and new
 * connections get the new certificate without a restart — within the 2 s file check, or at once on SIGHUP. A broken
 * replacement keeps the old certificate serving.
 */
class TlsReloadIT {
    private static final Pattern HTTPS_URL = Pattern.compile("https://localhost:(\\d+)/");
    /** Bounds a wait for the server's 2 s file check; only a failure takes this long. */
    private static final Duration RELOAD_WITHIN = Duration.ofSeconds(10);

    private Path workDir;
    private ServerProcess server;
    private HttpCurl curl;
    private int tlsPort;
    private Path cert;
    private Path key;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is not installed");
        workDir = HttpTestServers.workDir(TlsReloadIT.class);
        curl = new HttpCurl(workDir);
        cert = workDir.resolve("cert.pem");
        key = workDir.resolve("key.pem");
        makeCertificate("first", cert, key);
        server = HttpTestServers.start(workDir, "--no-demo", "--tls-listen", "127.0.0.1:0", "--cert", cert.toString(),
                "--key", key.toString());
        String output = Await.until("the https URL in the start-up output", Duration.ofSeconds(10), server::output,
                o -> HTTPS_URL.matcher(o).find());
        Matcher m = HTTPS_URL.matcher(output);
        assertThat(m.find()).isTrue();
        tlsPort = Integer.parseInt(m.group(1));
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        HttpTestServers.deleteTree(workDir);
    }

    @Test
    void shouldServeARenewedCertificateWithoutARestart() throws Exception {
        assertThat(servedSubject()).isEqualTo("first");
        // A broken renewal (the key does not match) must not take HTTPS down: the old certificate keeps serving.
        Path otherCert = workDir.resolve("other-cert.pem");
        Path otherKey = workDir.resolve("other-key.pem");
        makeCertificate("second", otherCert, otherKey);
        replace(otherCert, cert);
        Await.until("the file check to refuse the mismatched pair", RELOAD_WITHIN,
                () -> server.output().contains("does not match"));
        assertThat(servedSubject()).isEqualTo("first");
        // Now the matching key arrives: picked up by the file check.
        replace(otherKey, key);
        Await.until("the renewal served", RELOAD_WITHIN, this::servedSubject, "second"::equals);
        // And SIGHUP reloads at once. It reloads unconditionally, so it adds a line even if the file check was
        // first (that could only fool this test in the few milliseconds between counting and the signal).
        makeCertificate("third", otherCert, otherKey);
        replace(otherKey, key);
        replace(otherCert, cert);
        long reloadsBefore = reloads("third");
        new ProcessBuilder("kill", "-HUP", Long.toString(server.pid())).start().waitFor();
        Await.until("SIGHUP to reload the certificate", RELOAD_WITHIN, () -> reloads("third") > reloadsBefore);
        assertThat(servedSubject()).isEqualTo("third");
        assertThat(server.isAlive()).isTrue();
    }

    /** The server's "certificate reloaded" lines for the certificate with common name {@code cn}. */
    private long reloads(String cn) {
        return server.output().lines().filter(l -> l.contains("TLS certificate reloaded: CN=" + cn + ",")).count();
    }

    /** The CN of the certificate a fresh connection is served. */
    private String servedSubject() throws Exception {
        Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + tlsPort, "-servername",
                "localhost").redirectErrorStream(true).start();
        p.getOutputStream().close();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes());
        Matcher m = Pattern.compile("subject=CN ?= ?(\\w+)").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return m.group(1);
    }

    private void makeCertificate(String cn, Path certFile, Path keyFile) throws Exception {
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=" + cn, "-keyout",
                keyFile.toString(), "-out", certFile.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    /** Replaces {@code target} by {@code source}'s content the way renewal tools do: a copy, then a rename. */
    private static void replace(Path source, Path target) throws Exception {
        Path tmp = target.resolveSibling(target.getFileName() + ".new");
        Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
