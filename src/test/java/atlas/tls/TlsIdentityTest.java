package atlas.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsIdentityTest {
    @TempDir
    Path dir;

    private static boolean openssl;

    @BeforeAll
    static void probe() {
        openssl = TestCertificates.opensslAvailable();
    }

    /** The fingerprint as openssl prints it ("sha256 Fingerprint=AB:..." in OpenSSL 3, "SHA256 ..." in 1.1). */
    private String opensslFingerprint(Path cert) throws Exception {
        String out = TestCertificates.openssl(dir, "x509", "-in", cert.toString(), "-noout", "-fingerprint",
                "-sha256").trim();
        return out.substring(out.indexOf('=') + 1);
    }

    @Test
    void shouldLoadAnOpensslEcKeyInPkcs8AndMatchOpensslsFingerprint() throws Exception {
        assumeTrue(openssl, "openssl CLI not installed");
        TestCertificates.openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-keyout", "key.pem", "-out", "cert.pem", "-days", "2", "-subj", "/CN=atlas-test");
        assertThat(Files.readString(dir.resolve("key.pem"))).startsWith("-----BEGIN PRIVATE KEY-----");

        TlsIdentity identity = TlsIdentity.fromPem(dir.resolve("cert.pem"), dir.resolve("key.pem"));

        assertThat(identity.keyType()).isEqualTo(TlsIdentity.KeyType.EC_P256);
        assertThat(identity.subject()).isEqualTo("CN=atlas-test");
        assertThat(identity.fingerprintSha256()).isEqualTo(opensslFingerprint(dir.resolve("cert.pem")))
                .matches("([0-9A-F]{2}:){31}[0-9A-F]{2}");
        assertThat(identity.notAfter()).isBetween(Instant.now().plus(Duration.ofDays(1)),
                Instant.now().plus(Duration.ofDays(3)));
        assertThat(identity.certificateChain()).hasSize(1);
        assertThat(identity.summary()).contains("CN=atlas-test", "EC_P256", identity.fingerprintSha256());
    }

    @Test
    void shouldLoadTraditionalRsaAndSec1EcKeysFromOpenssl() throws Exception {
        assumeTrue(openssl, "openssl CLI not installed");
        TestCertificates.openssl(dir, "genrsa", "-traditional", "-out", "rsa-key.pem", "2048");
        TestCertificates.openssl(dir, "req", "-x509", "-key", "rsa-key.pem", "-out", "rsa-cert.pem", "-days", "2",
                "-subj", "/CN=rsa");
        assertThat(Files.readString(dir.resolve("rsa-key.pem"))).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        TestCertificates.openssl(dir, "ecparam", "-name", "secp384r1", "-genkey", "-out", "ec-key.pem");
        TestCertificates.openssl(dir, "req", "-x509", "-key", "ec-key.pem", "-out", "ec-cert.pem", "-days", "2",
                "-subj", "/CN=ec384");
        assertThat(Files.readString(dir.resolve("ec-key.pem")))
                .contains("-----BEGIN EC PARAMETERS-----", "-----BEGIN EC PRIVATE KEY-----");

        TlsIdentity rsa = TlsIdentity.fromPem(dir.resolve("rsa-cert.pem"), dir.resolve("rsa-key.pem"));
        TlsIdentity ec = TlsIdentity.fromPem(dir.resolve("ec-cert.pem"), dir.resolve("ec-key.pem"));

        assertThat(rsa.keyType()).isEqualTo(TlsIdentity.KeyType.RSA);
        assertThat(rsa.fingerprintSha256()).isEqualTo(opensslFingerprint(dir.resolve("rsa-cert.pem")));
        assertThat(ec.keyType()).isEqualTo(TlsIdentity.KeyType.EC_P384);
        assertThat(ec.subject()).isEqualTo("CN=ec384");
    }

    @Test
    void shouldKeepTheWholeChainLeafFirstAndAcceptCertAndKeyInOneFile() throws Exception {
        TlsIdentity leaf = TestCertificates.write(dir.resolve("leaf"), "ec256");
        TlsIdentity other = TestCertificates.write(dir.resolve("other"), "ec384");
        Path combined = dir.resolve("combined.pem");
        Files.writeString(combined, Files.readString(dir.resolve("leaf/cert.pem"))
                + Files.readString(dir.resolve("other/cert.pem")) + Files.readString(dir.resolve("leaf/key.pem")));

        TlsIdentity identity = TlsIdentity.fromPem(combined, combined);

        assertThat(identity.certificateChain()).hasSize(2);
        assertThat(identity.fingerprintSha256()).isEqualTo(leaf.fingerprintSha256());
        assertThat(identity.certificateChain().get(1)).isEqualTo(other.certificateChain().get(0));
    }

    @Test
    void shouldRefuseAKeyThatDoesNotMatchTheCertificate() throws Exception {
        TestCertificates.write(dir.resolve("a"), "ec256");
        TestCertificates.write(dir.resolve("b"), "ec256");
        TestCertificates.write(dir.resolve("r"), "rsa2048");
        Path cert = dir.resolve("a/cert.pem");

        assertThatThrownBy(() -> TlsIdentity.fromPem(cert, dir.resolve("b/key.pem")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("private key in " + dir.resolve("b/key.pem") + " does not match the certificate in "
                        + cert + " (CN=localhost)");
        assertThatThrownBy(() -> TlsIdentity.fromPem(cert, dir.resolve("r/key.pem")))
                .hasMessageContaining("private key in " + dir.resolve("r/key.pem") + " is RSA but the certificate in "
                        + cert + " has an EC key");
    }

    @Test
    void shouldNameTheFileAndTheFaultForMissingGarbageAndMisplacedInput() throws Exception {
        TestCertificates.write(dir, "ec256");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Path missing = dir.resolve("nope.pem");
        Path garbage = dir.resolve("garbage.pem");
        Files.writeString(garbage, "this is not a certificate\n\u0000\u0001binary");
        Path der = dir.resolve("cert.der");
        Files.write(der, TlsIdentity.fromPem(cert, key).certificateChain().get(0).getEncoded());

        assertThatThrownBy(() -> TlsIdentity.fromPem(missing, key))
                .hasMessage("certificate file " + missing + " does not exist");
        assertThatThrownBy(() -> TlsIdentity.fromPem(cert, missing))
                .hasMessage("private key file " + missing + " does not exist");
        assertThatThrownBy(() -> TlsIdentity.fromPem(garbage, key))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no CERTIFICATE block in " + garbage);
        assertThatThrownBy(() -> TlsIdentity.fromPem(der, key))
                .hasMessageStartingWith("no CERTIFICATE block in " + der + " (it looks like binary DER");
        assertThatThrownBy(() -> TlsIdentity.fromPem(cert, cert))
                .hasMessage("no PRIVATE KEY block (PKCS#8, EC or RSA) in " + cert);
        assertThatThrownBy(() -> TlsIdentity.fromPem(cert, garbage))
                .hasMessage("no PRIVATE KEY block (PKCS#8, EC or RSA) in " + garbage);
        Path broken = dir.resolve("broken.pem");
        Files.writeString(broken, "-----BEGIN CERTIFICATE-----\nMIIB!!!notbase64\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> TlsIdentity.fromPem(broken, key))
                .hasMessageStartingWith(broken + " is not valid PEM: ");
    }

    @Test
    void shouldRefuseAnEncryptedKeyWithAHint() throws Exception {
        assumeTrue(openssl, "openssl CLI not installed");
        TestCertificates.write(dir, "ec256");
        TestCertificates.openssl(dir, "pkey", "-in", "key.pem", "-aes256", "-passout", "pass:secret", "-out",
                "encrypted.pem");
        Path encrypted = dir.resolve("encrypted.pem");

        assertThatThrownBy(() -> TlsIdentity.fromPem(dir.resolve("cert.pem"), encrypted))
                .hasMessageStartingWith("private key in " + encrypted + " is encrypted; Atlas needs it unencrypted");
    }

    @Test
    void shouldRefuseAnExpiredOrNotYetValidCertificate() throws Exception {
        KeyPair pair = TestCertificates.keyPair("ec256");
        Instant now = Instant.now();
        Path key = dir.resolve("key.pem");
        Files.writeString(key, TlsIdentity.pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
        X509Certificate expired = TestCertificates.selfSigned(pair, "old", now.minus(Duration.ofDays(10)),
                now.minus(Duration.ofDays(1)));
        Path expiredFile = dir.resolve("expired.pem");
        Files.writeString(expiredFile, TlsIdentity.pem("CERTIFICATE", expired.getEncoded()));
        X509Certificate future = TestCertificates.selfSigned(pair, "new", now.plus(Duration.ofDays(1)),
                now.plus(Duration.ofDays(10)));
        Path futureFile = dir.resolve("future.pem");
        Files.writeString(futureFile, TlsIdentity.pem("CERTIFICATE", future.getEncoded()));

        assertThatThrownBy(() -> TlsIdentity.fromPem(expiredFile, key))
                .hasMessage("certificate in " + expiredFile + " (CN=old) expired on "
                        + expired.getNotAfter().toInstant());
        assertThatThrownBy(() -> TlsIdentity.fromPem(futureFile, key))
                .hasMessage("certificate in " + futureFile + " (CN=new) is not valid before "
                        + future.getNotBefore().toInstant());
    }

    @Test
    void shouldGenerateASelfSignedIdentityOnceAndReloadItWithTheSameFingerprint() throws Exception {
        TlsIdentity generated = TlsIdentity.selfSigned(dir);
        Path cert = dir.resolve("tls/selfsigned-cert.pem");
        Path key = dir.resolve("tls/selfsigned-key.pem");

        assertThat(generated.keyType()).isEqualTo(TlsIdentity.KeyType.EC_P256);
        assertThat(generated.subject()).isEqualTo("CN=localhost");
        assertThat(generated.certificateFile()).isEqualTo(cert);
        assertThat(Files.getPosixFilePermissions(key)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        X509Certificate leaf = generated.certificateChain().get(0);
        assertThat(leaf.getSubjectAlternativeNames()).containsExactlyInAnyOrder(
                List.of(2, "localhost"), List.of(7, "127.0.0.1"), List.of(7, "0:0:0:0:0:0:0:1"));
        assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        Duration validity = Duration.between(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
        assertThat(validity).isEqualTo(Duration.ofDays(365));
        if (openssl) {
            assertThat(opensslFingerprint(cert)).isEqualTo(generated.fingerprintSha256());
        }

        TlsIdentity reloaded = TlsIdentity.selfSigned(dir);
        assertThat(reloaded.fingerprintSha256()).isEqualTo(generated.fingerprintSha256());
        assertThat(reloaded.privateKey().getEncoded()).isEqualTo(generated.privateKey().getEncoded());
    }

    @Test
    void shouldReplaceABrokenSelfSignedPair() throws Exception {
        TlsIdentity first = TlsIdentity.selfSigned(dir);
        Files.writeString(dir.resolve("tls/selfsigned-key.pem"), "garbage", StandardCharsets.US_ASCII);

        TlsIdentity second = TlsIdentity.selfSigned(dir);

        assertThat(second.fingerprintSha256()).isNotEqualTo(first.fingerprintSha256());
        assertThat(TlsIdentity.fromPem(dir.resolve("tls/selfsigned-cert.pem"), dir.resolve("tls/selfsigned-key.pem"))
                .fingerprintSha256()).isEqualTo(second.fingerprintSha256());
    }
}
