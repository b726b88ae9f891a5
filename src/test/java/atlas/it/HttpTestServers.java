package atlas.it;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * Working directories and servers for the HTTP integration tests: one server per test class, on 127.0.0.1 only,
 * with the engine chosen by system property {@code atlas.engine} (default {@code nio}) so the same suite runs
 * against every engine: {@code mvn verify -Datlas.engine=uring}.
 */
final class HttpTestServers {
    private HttpTestServers() {
    }

    static String engine() {
        return System.getProperty("atlas.engine", "nio");
    }

    /**
     * A fresh directory {@code target/it-data/<TestClass>-<random>/}: not /tmp, which may be tmpfs and refuse
     * the O_DIRECT the volume needs. The caller deletes it with {@link #deleteTree(Path)}.
     */
    static Path workDir(Class<?> testClass) throws IOException {
        Path base = Path.of(System.getProperty("atlas.repo", ".")).toAbsolutePath().resolve("target").resolve("it-data");
        Files.createDirectories(base);
        return Files.createTempDirectory(base, testClass.getSimpleName() + "-");
    }

    /** {@code atlas serve --data workDir/data --listen 127.0.0.1:0 --engine E extraArgs…}. */
    static ServerProcess start(Path workDir, String... extraArgs) throws IOException {
        List<String> args = new ArrayList<>(List.of("--listen", "127.0.0.1:0", "--engine", engine()));
        args.addAll(List.of(extraArgs));
        return ServerProcess.start(workDir.resolve("data"), args.toArray(String[]::new));
    }

    static void deleteTree(Path root) throws IOException {
        if (root == null || !Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** A TLS client context that trusts exactly the certificate in PEM file {@code certificate} (a self-signed one). */
    static SSLContext trusting(Path certificate) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(certificate)) {
            trust.setCertificateEntry("atlas", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    /** True when {@code tool} is an executable on the PATH (a test that needs it is skipped otherwise). */
    static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** This host's first non-loopback IPv4 address, to connect from as a peer that is not loopback; or null. */
    static java.net.InetAddress nonLoopbackAddress() throws java.net.SocketException {
        for (java.net.NetworkInterface n : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
            if (!n.isUp() || n.isLoopback()) {
                continue;
            }
            for (java.net.InetAddress a : java.util.Collections.list(n.getInetAddresses())) {
                if (a instanceof java.net.Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                    return a;
                }
            }
        }
        return null;
    }
}
