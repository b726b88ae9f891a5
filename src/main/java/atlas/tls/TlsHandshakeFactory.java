package atlas.tls;

import java.io.IOException;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.AlgorithmParameterSpec;
import java.util.Locale;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.jcajce.util.DefaultJcaJceHelper;
import org.bouncycastle.tls.Certificate;
import org.bouncycastle.tls.CertificateEntry;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCertificate;
import org.bouncycastle.tls.crypto.TlsCrypto;
import org.bouncycastle.tls.crypto.TlsStreamSigner;
import org.bouncycastle.tls.crypto.TlsStreamVerifier;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCryptoProvider;

/**
 * Makes the {@link TlsHandshake}s of one core: it holds that core's BouncyCastle {@link TlsCrypto} and the
 * current identity's certificate chain already parsed into BC objects, so an accept costs one handshake and not
 * also a parse of every certificate of the chain. Confined to the core's thread, like everything it hands out.
 * <p>
 * Which {@link TlsCrypto}: {@link #forCore()} uses BC's own lightweight crypto ({@link BcTlsCrypto}).
 * {@code TlsHandshakeBenchmark} (TLS 1.3, X25519, ECDSA P-256, JDK 25, thread CPU time on this 2-vCPU EPYC VM):
 * the server's share of a handshake is ~0.47 ms with {@link BcTlsCrypto} against ~0.78 ms with {@link JcaTlsCrypto}
 * over the JDK's providers. The two public-key operations a server does per handshake explain it: BC has a
 * dedicated Curve25519 implementation (X25519 keygen + agreement ~140 µs vs ~350 µs in SunEC's generic
 * field code) and signs P-256 with a precomputed fixed-base comb (~110 µs vs ~245 µs). Everything else in the
 * handshake (hashing a few KB, HKDF) is small either way. {@link #forCoreWithJdkCrypto()} remains for keys that
 * only a JCA provider can use (an HSM via PKCS#11) and for the benchmark's comparison.
 * <p>
 * Randomness: each core gets its own DRBG instance. The default {@code new SecureRandom()} on Linux is NativePRNG,
 * whose instances share one global lock and read {@code /dev/urandom} per call — the cores would contend on it.
 */
public final class TlsHandshakeFactory {
    private final TlsCrypto crypto;
    /** Key exchange groups, in preference order ({@link TlsGroups}). */
    private int[] groups = TlsGroups.parse(TlsGroups.DEFAULT);
    /** One-entry cache: identities change only at a certificate reload. */
    private TlsIdentity cachedIdentity;
    private Certificate chain13;
    private Certificate chain12;
    private AsymmetricKeyParameter bcPrivateKey;
    /** TLS 1.2 sessions for resumption, shared by every core's factory; null: none (every handshake is full). */
    private TlsSessionCache sessions;

    private TlsHandshakeFactory(TlsCrypto crypto) {
        this.crypto = crypto;
    }

    /** A factory for one core: its own {@link BcTlsCrypto} and DRBG (the faster choice, see the class comment). */
    public static TlsHandshakeFactory forCore() {
        return new TlsHandshakeFactory(new BcTlsCrypto(newRandom()));
    }

    /** A factory for one core over the JDK's JCA providers ({@link JcaTlsCrypto}): slower, see the class comment. */
    public static TlsHandshakeFactory forCoreWithJdkCrypto() {
        return new TlsHandshakeFactory(new JdkProviders().create(newRandom()));
    }

    private static SecureRandom newRandom() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }

    /** A handshake for a connection accepted now, serving {@code identity} (normally {@code source.current()}). */
    public TlsHandshake newHandshake(TlsIdentity identity) {
        if (identity != cachedIdentity) {
            cache(identity);
        }
        return new TlsHandshake(this, identity);
    }

    /** The key exchange groups new handshakes accept (IANA codes, from {@link TlsGroups#parse}); returns this. */
    public TlsHandshakeFactory groups(int[] accepted) {
        if (accepted.length == 0) {
            throw new IllegalArgumentException("no key exchange group");
        }
        this.groups = accepted.clone();
        return this;
    }

    int[] groups() {
        return groups;
    }

    /** Where TLS 1.2 sessions are kept for resumption (shared by all cores), or null for none; returns this. */
    public TlsHandshakeFactory sessions(TlsSessionCache cache) {
        this.sessions = cache;
        return this;
    }

    TlsSessionCache sessions() {
        return sessions;
    }

    TlsCrypto crypto() {
        return crypto;
    }

    /** The chain in the form of the negotiated version: TLS 1.3 has per-certificate extensions, 1.2 does not. */
    Certificate chain(boolean tls13) {
        return tls13 ? chain13 : chain12;
    }

    /** The private key in BC's lightweight form, for {@link BcTlsCrypto}; null with JCA crypto. */
    AsymmetricKeyParameter bcPrivateKey() {
        return bcPrivateKey;
    }

    /**
     * BC's JCA crypto asks for RSA-PSS by BC's provider name ({@code SHA256WITHRSAANDMGF1}), which the JDK's
     * SunRsaSign does not know — it has the standard {@code RSASSA-PSS} with a {@code PSSParameterSpec}, which BC
     * passes anyway. Without this, an RSA certificate fails every TLS 1.3 handshake with internal_error. Adding the
     * whole BC JCA provider instead would also move ECDHE and ECDSA to BC's slower code.
     */
    private static final class JdkPssTlsCrypto extends JcaTlsCrypto {
        JdkPssTlsCrypto(SecureRandom keyRandom, SecureRandom nonceRandom) {
            super(new DefaultJcaJceHelper(), keyRandom, nonceRandom);
        }

        @Override
        protected TlsStreamSigner createStreamSigner(String algorithm, AlgorithmParameterSpec parameter,
                                                     PrivateKey key, boolean needsRandom) throws IOException {
            return super.createStreamSigner(standardName(algorithm), parameter, key, needsRandom);
        }

        @Override
        protected TlsStreamVerifier createStreamVerifier(String algorithm, AlgorithmParameterSpec parameter,
                                                         byte[] signature, PublicKey key) throws IOException {
            return super.createStreamVerifier(standardName(algorithm), parameter, signature, key);
        }

        private static String standardName(String algorithm) {
            return algorithm.toUpperCase(Locale.ROOT).endsWith("WITHRSAANDMGF1") ? "RSASSA-PSS" : algorithm;
        }
    }

    /** Makes {@link JdkPssTlsCrypto}s; BC's provider adds the nonce generator that its constructor needs. */
    private static final class JdkProviders extends JcaTlsCryptoProvider {
        @Override
        public JcaTlsCrypto create(SecureRandom keyRandom, SecureRandom nonceRandom) {
            return new JdkPssTlsCrypto(keyRandom, nonceRandom);
        }
    }

    private void cache(TlsIdentity identity) {
        byte[][] der = identity.chainDer();
        TlsCertificate[] certificates = new TlsCertificate[der.length];
        CertificateEntry[] entries = new CertificateEntry[der.length];
        try {
            for (int i = 0; i < der.length; i++) {
                certificates[i] = crypto.createCertificate(der[i]);
                entries[i] = new CertificateEntry(certificates[i], null);
            }
            bcPrivateKey = crypto instanceof BcTlsCrypto
                    ? PrivateKeyFactory.createKey(identity.privateKey().getEncoded()) : null;
        } catch (IOException e) {
            // TlsIdentity already parsed these with the JDK; BC refusing them would be a bug, not bad input.
            throw new IllegalStateException("BouncyCastle cannot load the certificate chain of " + identity, e);
        }
        chain13 = new Certificate(TlsUtils.EMPTY_BYTES, entries);
        chain12 = new Certificate(certificates);
        cachedIdentity = identity;
    }
}
