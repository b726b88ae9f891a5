package atlas.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
        Matcher m = HTTPS_URL.matcher(server.output());
        for (int i = 0; i < 100 && !m.find(); i++) {
            Thread.sleep(100);
            m = HTTPS_URL.matcher(server.output());
        }
        assertThat(m.find(0)).as(server.output()).isTrue();
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
        Thread.sleep(3000);
        assertThat(servedSubject()).isEqualTo("first");
        assertThat(server.output()).contains("does not match");
        // Now the matching key arrives: picked up by the file check.
        replace(otherKey, key);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!servedSubject().equals("second") && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(servedSubject()).isEqualTo("second");
        // And SIGHUP reloads at once.
        makeCertificate("third", otherCert, otherKey);
        replace(otherKey, key);
        replace(otherCert, cert);
        new ProcessBuilder("kill", "-HUP", Long.toString(server.pid())).start().waitFor();
        Thread.sleep(300);
        assertThat(servedSubject()).isEqualTo("third");
        assertThat(server.isAlive()).isTrue();
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
