package atlas.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * The server's TLS identity: a certificate chain (leaf first, DER) and the leaf's private key, checked once when
 * loaded so that a bad file is reported at start-up (or at a reload) in one precise line rather than as a failed
 * handshake per client. Immutable; one instance is shared by every core through {@link TlsIdentitySource}.
 * <p>
 * Keys: EC P-256 or P-384, or RSA of at least 2048 bits — the key types whose signature schemes the handshake
 * offers ({@link TlsHandshake}). PEM files are read with BouncyCastle's {@code PEMParser}, which understands the
 * three unencrypted forms OpenSSL writes: PKCS#8 {@code PRIVATE KEY}, SEC1 {@code EC PRIVATE KEY} and PKCS#1
 * {@code RSA PRIVATE KEY}. Encrypted keys are refused: the server starts unattended and has no passphrase.
 * <p>
 * Every problem is an {@link IllegalArgumentException} whose message names the file and the fault.
 */
public final class TlsIdentity {
    /** The key types the handshake can sign with. */
    public enum KeyType {
        EC_P256, EC_P384, RSA
    }

    /** Where {@link #selfSigned} keeps its files, under the server's data directory. */
    static final String SELF_SIGNED_DIR = "tls";
    static final String SELF_SIGNED_CERT = "selfsigned-cert.pem";
    static final String SELF_SIGNED_KEY = "selfsigned-key.pem";
    /** A demo certificate lasts a year; it is regenerated when less than a day of it is left. */
    private static final Duration SELF_SIGNED_VALIDITY = Duration.ofDays(365);
    private static final Duration SELF_SIGNED_MIN_REMAINING = Duration.ofDays(1);

    private final byte[][] chainDer;
    private final List<X509Certificate> chain;
    private final PrivateKey privateKey;
    private final KeyType keyType;
    private final String fingerprintSha256;
    private final Path certificateFile;

    private TlsIdentity(List<X509Certificate> chain, PrivateKey privateKey, KeyType keyType, Path certificateFile) {
        this.chain = List.copyOf(chain);
        this.chainDer = new byte[chain.size()][];
        for (int i = 0; i < chain.size(); i++) {
            try {
                chainDer[i] = chain.get(i).getEncoded();
            } catch (CertificateException e) {
                throw new IllegalArgumentException("cannot encode certificate " + (i + 1) + " of "
                        + certificateFile + ": " + e.getMessage(), e);
            }
        }
        this.privateKey = privateKey;
        this.keyType = keyType;
        this.fingerprintSha256 = fingerprint(chainDer[0]);
        this.certificateFile = certificateFile;
    }

    /**
     * Loads a chain ({@code CERTIFICATE} blocks, leaf first) and the leaf's unencrypted private key. The two may be
     * the same file: other PEM blocks in each are skipped.
     *
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    public static TlsIdentity fromPem(Path certChainPem, Path keyPem) {
        List<X509Certificate> chain = readChain(certChainPem);
        Instant now = Instant.now();
        for (int i = 0; i < chain.size(); i++) {
            X509Certificate c = chain.get(i);
            String which = (i == 0 ? "certificate" : "chain certificate " + (i + 1)) + " in " + certChainPem
                    + " (" + c.getSubjectX500Principal().getName() + ")";
            if (now.isAfter(c.getNotAfter().toInstant())) {
                throw new IllegalArgumentException(which + " expired on " + c.getNotAfter().toInstant());
            }
            if (now.isBefore(c.getNotBefore().toInstant())) {
                throw new IllegalArgumentException(which + " is not valid before " + c.getNotBefore().toInstant());
            }
        }
        X509Certificate leaf = chain.get(0);
        KeyType type = keyType(leaf.getPublicKey(), certChainPem);
        PrivateKey key = readPrivateKey(keyPem);
        checkMatch(key, leaf, type, keyPem, certChainPem);
        return new TlsIdentity(chain, key, type, certChainPem);
    }

    /**
     * The demo identity: {@code dir/tls/selfsigned-cert.pem} and {@code selfsigned-key.pem} if they exist, load
     * and are valid for at least another day; otherwise a fresh EC P-256 key and a one-year self-signed
     * certificate for {@code localhost}, {@code 127.0.0.1} and {@code ::1}, written there (the key file
     * readable by the owner only) and returned. Reusing the files keeps the fingerprint stable across restarts,
     * so a browser exception or a {@code curl --pinnedpubkey} made once keeps working.
     */
    public static TlsIdentity selfSigned(Path dir) {
        Path tlsDir = dir.resolve(SELF_SIGNED_DIR);
        Path certFile = tlsDir.resolve(SELF_SIGNED_CERT);
        Path keyFile = tlsDir.resolve(SELF_SIGNED_KEY);
        if (Files.exists(certFile) && Files.exists(keyFile)) {
            try {
                TlsIdentity existing = fromPem(certFile, keyFile);
                if (existing.notAfter().isAfter(Instant.now().plus(SELF_SIGNED_MIN_REMAINING))) {
                    return existing;
                }
            } catch (IllegalArgumentException unusable) {
                // a broken or expired demo certificate is simply replaced
            }
        }
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = generator.generateKeyPair();
            X509Certificate cert = selfSignedCertificate(pair);
            Files.createDirectories(tlsDir);
            // Key first: if we die between the two writes, the next start finds a key that does not match the
            // old certificate and generates both again.
            writeAtomically(keyFile, pem("PRIVATE KEY", pair.getPrivate().getEncoded()), true);
            writeAtomically(certFile, pem("CERTIFICATE", cert.getEncoded()), false);
            return new TlsIdentity(List.of(cert), pair.getPrivate(), KeyType.EC_P256, certFile);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write the self-signed certificate to " + tlsDir + ": " + e, e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot generate a self-signed certificate: " + e, e);
        }
    }

    private static X509Certificate selfSignedCertificate(KeyPair pair)
            throws IOException, GeneralSecurityException, OperatorCreationException {
        X500Name name = new X500Name("CN=localhost");
        // Back-dated an hour so a client whose clock is a little behind still accepts it.
        Instant notBefore = Instant.now().minus(Duration.ofHours(1));
        BigInteger serial = new BigInteger(64, new SecureRandom()).setBit(63); // positive, 8 bytes, non-zero
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial, Date.from(notBefore),
                Date.from(notBefore.plus(SELF_SIGNED_VALIDITY)), name, pair.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                new GeneralName(GeneralName.iPAddress, "::1")}));
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        X509CertificateHolder holder = builder.build(new JcaContentSignerBuilder("SHA256withECDSA")
                .build(pair.getPrivate()));
        return toX509(holder.getEncoded());
    }

    /** The chain, leaf first. */
    public List<X509Certificate> certificateChain() {
        return chain;
    }

    /** The leaf's DER encodings for the handshake's Certificate message; not copied, never modified. */
    byte[][] chainDer() {
        return chainDer;
    }

    public PrivateKey privateKey() {
        return privateKey;
    }

    public KeyType keyType() {
        return keyType;
    }

    /** SHA-256 of the leaf's DER, as {@code openssl x509 -noout -fingerprint -sha256} prints it (AB:CD:...). */
    public String fingerprintSha256() {
        return fingerprintSha256;
    }

    /** The leaf's subject, RFC 2253 form (e.g. {@code CN=localhost}). */
    public String subject() {
        return chain.get(0).getSubjectX500Principal().getName(X500Principal.RFC2253);
    }

    public Instant notAfter() {
        return chain.get(0).getNotAfter().toInstant();
    }

    public Path certificateFile() {
        return certificateFile;
    }

    /** One line for the start-up report. */
    public String summary() {
        return subject() + ", " + keyType + ", valid until " + notAfter() + ", SHA-256 " + fingerprintSha256
                + " (" + certificateFile + ")";
    }

    @Override
    public String toString() {
        return "TlsIdentity[" + summary() + ']';
    }

    private static List<X509Certificate> readChain(Path file) {
        byte[] bytes = readFile(file, "certificate");
        List<X509CertificateHolder> blocks = new ArrayList<>();
        try (PEMParser parser = parser(bytes)) {
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                if (o instanceof X509CertificateHolder holder) {
                    blocks.add(holder);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(file + " is not valid PEM: " + e.getMessage(), e);
        }
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("no CERTIFICATE block in " + file + derHint(bytes));
        }
        List<X509Certificate> chain = new ArrayList<>(blocks.size());
        for (X509CertificateHolder block : blocks) {
            try {
                chain.add(toX509(block.getEncoded()));
            } catch (IOException | CertificateException e) {
                throw new IllegalArgumentException("certificate " + (chain.size() + 1) + " in " + file
                        + " is not a valid X.509 certificate: " + e.getMessage(), e);
            }
        }
        return chain;
    }

    private static PrivateKey readPrivateKey(Path file) {
        byte[] bytes = readFile(file, "private key");
        Object key = null;
        try (PEMParser parser = parser(bytes)) {
            for (Object o = parser.readObject(); o != null && key == null; o = parser.readObject()) {
                if (o instanceof PrivateKeyInfo || o instanceof PEMKeyPair
                        || o instanceof PKCS8EncryptedPrivateKeyInfo || o instanceof PEMEncryptedKeyPair) {
                    key = o;
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(file + " is not a valid PEM private key: " + e.getMessage(), e);
        }
        if (key == null) {
            throw new IllegalArgumentException("no PRIVATE KEY block (PKCS#8, EC or RSA) in " + file + derHint(bytes));
        }
        if (key instanceof PKCS8EncryptedPrivateKeyInfo || key instanceof PEMEncryptedKeyPair) {
            throw new IllegalArgumentException("private key in " + file + " is encrypted; Atlas needs it unencrypted"
                    + " (decrypt it with: openssl pkey -in " + file + " -out plain-key.pem)");
        }
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try {
            // "PRIVATE KEY" (PKCS#8), or "EC PRIVATE KEY" (SEC1) / "RSA PRIVATE KEY" (PKCS#1), which carry the pair
            return key instanceof PrivateKeyInfo info ? converter.getPrivateKey(info)
                    : converter.getKeyPair((PEMKeyPair) key).getPrivate();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("private key in " + file + " cannot be decoded: " + e.getMessage(), e);
        }
    }

    private static byte[] readFile(Path file, String what) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(what + " file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + what + " file " + file + ": " + e, e);
        }
    }

    /** Latin-1 maps every byte to a char, so a binary file reaches the parser (and fails there) instead of here. */
    private static PEMParser parser(byte[] bytes) {
        Reader reader = new InputStreamReader(new ByteArrayInputStream(bytes), StandardCharsets.ISO_8859_1);
        return new PEMParser(reader);
    }

    private static String derHint(byte[] bytes) {
        // A DER SEQUENCE starts with 0x30: a common mistake is handing over a .der/.crt file in binary form.
        return bytes.length > 0 && bytes[0] == 0x30
                ? " (it looks like binary DER; convert it with openssl x509 -inform der / openssl pkey -inform der)"
                : "";
    }

    private static X509Certificate toX509(byte[] der) throws CertificateException {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der));
    }

    private static KeyType keyType(PublicKey key, Path certFile) {
        if (key instanceof ECPublicKey) {
            ASN1ObjectIdentifier curve = curveOf(key);
            if (SECObjectIdentifiers.secp256r1.equals(curve)) {
                return KeyType.EC_P256;
            }
            if (SECObjectIdentifiers.secp384r1.equals(curve)) {
                return KeyType.EC_P384;
            }
            throw new IllegalArgumentException("certificate in " + certFile + " has an EC key on curve "
                    + (curve == null ? "with explicit parameters" : curve.getId())
                    + "; Atlas supports P-256 and P-384");
        }
        if (key instanceof RSAPublicKey rsa) {
            int bits = rsa.getModulus().bitLength();
            if (bits < 2048) {
                throw new IllegalArgumentException("certificate in " + certFile + " has a " + bits
                        + "-bit RSA key; Atlas needs at least 2048 bits");
            }
            return KeyType.RSA;
        }
        throw new IllegalArgumentException("certificate in " + certFile + " has a " + key.getAlgorithm()
                + " key; Atlas supports EC (P-256, P-384) and RSA");
    }

    private static ASN1ObjectIdentifier curveOf(PublicKey key) {
        var parameters = SubjectPublicKeyInfo.getInstance(key.getEncoded()).getAlgorithm().getParameters();
        return parameters instanceof ASN1ObjectIdentifier oid ? oid : null;
    }

    /** Signs a probe with the key and verifies it with the leaf's public key: the one check that covers every form. */
    private static void checkMatch(PrivateKey key, X509Certificate leaf, KeyType type, Path keyFile, Path certFile) {
        boolean keyIsEc = key.getAlgorithm().equals("EC");
        boolean keyIsRsa = key.getAlgorithm().equals("RSA");
        if ((type == KeyType.RSA && !keyIsRsa) || (type != KeyType.RSA && !keyIsEc)) {
            throw new IllegalArgumentException("private key in " + keyFile + " is " + key.getAlgorithm()
                    + " but the certificate in " + certFile + " has an " + (type == KeyType.RSA ? "RSA" : "EC")
                    + " key");
        }
        String algorithm = type == KeyType.RSA ? "SHA256withRSA" : "SHA256withECDSA";
        byte[] probe = "atlas key check".getBytes(StandardCharsets.US_ASCII);
        boolean matches;
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(leaf.getPublicKey());
            verifier.update(probe);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            // e.g. an EC key on another curve than the certificate's
            matches = false;
        }
        if (!matches) {
            throw new IllegalArgumentException("private key in " + keyFile + " does not match the certificate in "
                    + certFile + " (" + leaf.getSubjectX500Principal().getName() + ")");
        }
    }

    static String fingerprint(byte[] der) {
        try {
            return HexFormat.ofDelimiter(":").withUpperCase()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /**
     * Writes through a temporary file and a rename, so a reader never sees half a file; a private file is created
     * with mode 0600 before any byte is written to it (where the file system has POSIX permissions).
     */
    private static void writeAtomically(Path file, String content, boolean ownerOnly) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            if (ownerOnly && file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.createFile(tmp,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } else {
                Files.createFile(tmp);
            }
        } catch (FileAlreadyExistsException raced) {
            throw new IOException(tmp + " appeared while writing it (another process generating too?)", raced);
        }
        Files.writeString(tmp, content, StandardCharsets.US_ASCII);
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
