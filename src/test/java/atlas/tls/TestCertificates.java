package atlas.tls;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Key pairs and certificates for the tests, made in Java (any key type, any validity) or with the openssl CLI. */
final class TestCertificates {
    private TestCertificates() {
    }

    /** "ec256", "ec384" or "rsa2048". */
    static KeyPair keyPair(String kind) throws Exception {
        KeyPairGenerator generator;
        switch (kind) {
            case "ec256", "ec384" -> {
                generator = KeyPairGenerator.getInstance("EC");
                generator.initialize(new ECGenParameterSpec(kind.equals("ec256") ? "secp256r1" : "secp384r1"));
            }
            case "rsa2048" -> {
                generator = KeyPairGenerator.getInstance("RSA");
                generator.initialize(2048);
            }
            default -> throw new IllegalArgumentException(kind);
        }
        return generator.generateKeyPair();
    }

    static X509Certificate selfSigned(KeyPair pair, String cn, Instant notBefore, Instant notAfter) throws Exception {
        X500Name name = new X500Name("CN=" + cn);
        String algorithm = pair.getPrivate().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name,
                BigInteger.valueOf(System.nanoTime()), Date.from(notBefore), Date.from(notAfter), name,
                pair.getPublic()).build(new JcaContentSignerBuilder(algorithm).build(pair.getPrivate())));
    }

    /** Writes cert.pem and key.pem (PKCS#8) of a fresh self-signed pair valid for a day into {@code dir}. */
    static TlsIdentity write(Path dir, String kind) throws Exception {
        Files.createDirectories(dir);
        KeyPair pair = keyPair(kind);
        Instant now = Instant.now();
        X509Certificate cert = selfSigned(pair, "localhost", now.minusSeconds(60), now.plus(Duration.ofDays(1)));
        Path certFile = dir.resolve("cert.pem");
        Path keyFile = dir.resolve("key.pem");
        Files.writeString(certFile, TlsIdentity.pem("CERTIFICATE", cert.getEncoded()), StandardCharsets.US_ASCII);
        Files.writeString(keyFile, TlsIdentity.pem("PRIVATE KEY", pair.getPrivate().getEncoded()),
                StandardCharsets.US_ASCII);
        return TlsIdentity.fromPem(certFile, keyFile);
    }

    static boolean opensslAvailable() {
        try {
            return new ProcessBuilder("openssl", "version").redirectErrorStream(true).start()
                    .waitFor(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            return false;
        }
    }

    /** Runs openssl with {@code args} in {@code dir}; returns its stdout, fails on a non-zero exit. */
    static String openssl(Path dir, String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = "openssl";
        System.arraycopy(args, 0, command, 1, args.length);
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("openssl " + String.join(" ", args) + " failed: " + out);
        }
        return out;
    }
}
