package atlas.tls;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Hashtable;
import java.util.Vector;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.DefaultTlsServer;
import org.bouncycastle.tls.EncryptionAlgorithm;
import org.bouncycastle.tls.NamedGroup;
import org.bouncycastle.tls.ProtocolName;
import org.bouncycastle.tls.ProtocolVersion;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.SignatureAndHashAlgorithm;
import org.bouncycastle.tls.SignatureScheme;
import org.bouncycastle.tls.TlsCredentials;
import org.bouncycastle.tls.TlsExtensionsUtils;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsFatalAlertReceived;
import org.bouncycastle.tls.TlsServerProtocol;
import org.bouncycastle.tls.TlsSession;
import org.bouncycastle.tls.TlsUtils;
import org.bouncycastle.tls.crypto.TlsCryptoParameters;
import org.bouncycastle.tls.crypto.TlsCryptoUtils;
import org.bouncycastle.tls.crypto.impl.bc.BcDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.bc.BcTlsCrypto;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaDefaultTlsCredentialedSigner;
import org.bouncycastle.tls.crypto.impl.jcajce.JcaTlsCrypto;

/**
 * The server side of one TLS handshake, done by BouncyCastle's non-blocking {@link TlsServerProtocol} and driven
 * by the connection's event loop; it never does I/O. When it completes, {@link #newSealer} and {@link #newOpener}
 * carry the connection with Atlas's in-place record layer and BC is dropped (docs/tls.md, "hand-over").
 *
 * <pre>
 *              offerRecord(one whole record)            isComplete()
 *   HANDSHAKING ---------------------------> ... ------------------> COMPLETE --> newSealer / newOpener
 *        |         drain pendingOutput() after each call                         (then destroy())
 *        | fatal alert raised or received, bad input
 *        v
 *     FAILED: failure() says why; pendingOutput() may hold our alert: send it, then close
 * </pre>
 *
 * Records go in one at a time, so when the client's Finished completes the handshake no later byte has entered
 * BC: the opener starts exactly at the next record. Made by the core's {@link TlsHandshakeFactory}; confined to
 * the connection's core thread. The handshake is control path and allocates; the record layer after it does not.
 * <p>
 * What is negotiated:
 * <ul>
 *   <li>TLS 1.3 and 1.2, AES-GCM suites only — the only AEAD the in-place {@link RecordSealer} implements. The
 *       server's order wins and puts AES-128 first: bulk encryption is Atlas's main TLS cost and AES-128 is
 *       a little faster ({@code openssl speed}, 16 KiB, this machine: 3.49 against 3.34 GB/s) and not weaker in
 *       any practical sense. TLS 1.2 suites follow the key type ({@code ECDHE_ECDSA} for EC, {@code ECDHE_RSA}
 *       for RSA).</li>
 *   <li>Key exchange groups X25519, P-256, P-384, or the subset {@code --tls-groups} names ({@link TlsGroups}),
 *       in TLS 1.3 and TLS 1.2 alike. Finite-field groups are left out: a client could pick ffdhe4096 and make
 *       each handshake cost us tens of milliseconds.</li>
 *   <li>ALPN: {@code http/1.1} only. A client that sends ALPN without {@code http/1.1} (e.g. h2 only) gets the
 *       fatal alert {@code no_application_protocol}, as RFC 7301 §3.2 asks; proceeding without ALPN would hand
 *       an h2-only client an HTTP/1.1 server and a confusing error later. curl and browsers offer
 *       {@code h2, http/1.1} and get {@code http/1.1}; a client that sends no ALPN at all is served.</li>
 *   <li>Signature: the first of our preferences for the key type that the client's {@code signature_algorithms}
 *       lists: {@code ecdsa_secp256r1_sha256} / {@code ecdsa_secp384r1_sha384} for EC, {@code rsa_pss_rsae_*}
 *       for RSA (and in TLS 1.2 also {@code rsa_pkcs1_*}). No SHA-1 fallback for a TLS 1.2 client that sends no
 *       list (RFC 9155): such a client fails with {@code handshake_failure}.</li>
 * </ul>
 */
public final class TlsHandshake {
    /** The 1.3 suites, then the 1.2 suites per key type: AES-GCM only, AES-128 first (see the class comment). */
    private static final int[] SUITES_EC = {
        CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384};
    private static final int[] SUITES_RSA = {
        CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384};
    /**
     * The largest ClientHello the syntax allows (RFC 8446 §4.1.2): version 2, random 32, session id 1 + 32,
     * cipher suites 2 + 65534, compression 1 + 255, extensions 2 + 65535. BC's default limit is 32 KiB, which
     * refused real clients with many extensions (large post-quantum key shares, padding) with internal_error; the
     * limit applies to every handshake message from the client, and the handshake timeout bounds how long a
     * connection may hold that much.
     */
    static final int MAX_CLIENT_HANDSHAKE_MESSAGE = 2 + 32 + 1 + 32 + 2 + 65534 + 1 + 255 + 2 + 65535;

    /** Signature schemes per key type, in preference order; TLS 1.3 binds the ECDSA curve to the hash. */
    private static final int[] SCHEMES_P256_13 = {SignatureScheme.ecdsa_secp256r1_sha256};
    private static final int[] SCHEMES_P384_13 = {SignatureScheme.ecdsa_secp384r1_sha384};
    private static final int[] SCHEMES_RSA_13 = {
        SignatureScheme.rsa_pss_rsae_sha256, SignatureScheme.rsa_pss_rsae_sha384, SignatureScheme.rsa_pss_rsae_sha512};
    private static final int[] SCHEMES_P256_12 = {
        SignatureScheme.ecdsa_secp256r1_sha256, SignatureScheme.ecdsa_secp384r1_sha384,
        SignatureScheme.ecdsa_secp521r1_sha512};
    private static final int[] SCHEMES_P384_12 = {
        SignatureScheme.ecdsa_secp384r1_sha384, SignatureScheme.ecdsa_secp256r1_sha256,
        SignatureScheme.ecdsa_secp521r1_sha512};
    private static final int[] SCHEMES_RSA_12 = {
        SignatureScheme.rsa_pss_rsae_sha256, SignatureScheme.rsa_pss_rsae_sha384, SignatureScheme.rsa_pss_rsae_sha512,
        SignatureScheme.rsa_pkcs1_sha256, SignatureScheme.rsa_pkcs1_sha384, SignatureScheme.rsa_pkcs1_sha512};

    private final TlsHandshakeFactory factory;
    private final TlsIdentity identity;
    private final TolerantServerProtocol protocol = new TolerantServerProtocol(); // non-blocking mode
    private final Server server;
    private String failure;
    private boolean complete;
    /**
     * TLS 1.2: whether the client's ChangeCipherSpec has gone in, and how many records followed it. Each of those
     * was decrypted by BC under the new keys, so their count is the read sequence number our opener continues at:
     * 1 for a Finished in one record, more when the client split it (RFC 5246 §6.2.1 allows any fragmentation).
     */
    private boolean clientCipherChanged;
    private long recordsUnderClientKeys;
    /** The first ClientHello carried early_data; its 0-RTT records are skipped, not read (RFC 8446 §4.2.10). */
    private boolean earlyDataOffered;
    private final RejectedEarlyData earlyData = new RejectedEarlyData();
    /** The first handshake message's header (type, uint24 length) as it arrives, in records of any size. */
    private int helloHeaderSeen;
    private int helloLength;
    private boolean helloIsClientHello;
    /** The fatal alert BC sent (it may differ from the exception's, see TolerantServerProtocol); -1: none. */
    private short alertSent = -1;
    /** Whether BC has produced any output yet: before a valid ClientHello it stays silent, even on failure. */
    private boolean bcSpoke;
    /** Our own plaintext fatal alert when BC stayed silent (see fail); sent after BC's output, if any. */
    private byte[] ownAlert;
    private int ownAlertSent;
    /** Set by notifyHandshakeComplete; the hand-over material, wiped by destroy(). */
    private boolean handedOver;
    private int cipherSuite;
    private int version;
    private String applicationProtocol;
    /** TLS 1.2: the client resumed a session by its ID (an abbreviated handshake). */
    private boolean resumed;
    private byte[] clientSecret; // TLS 1.3 application traffic secrets
    private byte[] serverSecret;
    private byte[] keyBlock;     // TLS 1.2: client key, server key, client salt, server salt
    private int keyLength;
    /** Record plaintext limit both ways: 2^14, or 2^(8+n) when the client negotiated max_fragment_length n. */
    private int maxPlaintext = RecordLayout.MAX_PLAINTEXT;

    TlsHandshake(TlsHandshakeFactory factory, TlsIdentity identity) {
        this.factory = factory;
        this.identity = identity;
        this.server = new Server();
        try {
            protocol.accept(server);
        } catch (IOException e) {
            fail(e);
        }
    }

    /**
     * Feeds exactly one whole TLS record (5-byte header + body) from {@code src[offset, offset + length)}. Bad
     * input from the peer never throws: it ends in {@link #hasFailed()}, usually with our alert in
     * {@link #pendingOutput()}. Drain the output after every call.
     *
     * @throws IllegalArgumentException if {@code length} is not the record's length (a framing bug of the caller)
     * @throws IllegalStateException    after completion or failure
     */
    public void offerRecord(MemorySegment src, long offset, int length) {
        // BC takes heap arrays only; a handshake record is a few hundred bytes, copied once.
        byte[] record = src.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE);
        offerRecord(record, 0, length);
    }

    /** {@link #offerRecord(MemorySegment, long, int)} from a heap array. */
    public void offerRecord(byte[] src, int offset, int length) {
        if (complete || failure != null) {
            throw new IllegalStateException("record offered to a handshake that has "
                    + (complete ? "completed" : "failed (" + failure + ")"));
        }
        int declared = length < RecordLayout.HEADER ? -1
                : RecordLayout.HEADER + (((src[offset + 3] & 0xFF) << 8) | (src[offset + 4] & 0xFF));
        if (declared != length) {
            throw new IllegalArgumentException("offerRecord takes exactly one record: " + length
                    + " bytes given, the header says " + declared);
        }
        if (helloHeaderSeen < 4 && src[offset] == RecordLayout.HANDSHAKE && isOversizedHello(src, offset, length)) {
            return;
        }
        if (earlyDataOffered && earlyData.isOpen() && src[offset] == RecordLayout.APPLICATION_DATA
                && skipAsEarlyData(src, offset, length)) {
            return;
        }
        offer(src, offset, length);
    }

    /**
     * Reads the ClientHello's declared length from its header and fails with decode_error if no ClientHello can be
     * that long ({@link #MAX_CLIENT_HANDSHAKE_MESSAGE}); BC would say internal_error ("exceeds the maximum").
     */
    private boolean isOversizedHello(byte[] src, int offset, int length) {
        for (int i = offset + RecordLayout.HEADER; i < offset + length && helloHeaderSeen < 4; i++) {
            if (helloHeaderSeen++ == 0) {
                helloIsClientHello = src[i] == 1; // another type: BC's unexpected_message
            } else {
                helloLength = helloLength << 8 | (src[i] & 0xFF);
            }
        }
        if (helloHeaderSeen == 4 && helloIsClientHello && helloLength > MAX_CLIENT_HANDSHAKE_MESSAGE) {
            fail(new TlsFatalAlert(AlertDescription.decode_error,
                    "ClientHello of " + helloLength + " bytes, more than any can have"));
            return true;
        }
        return false;
    }

    /** True if the record is 0-RTT data we reject and must skip (see {@link RejectedEarlyData}). */
    private boolean skipAsEarlyData(byte[] src, int offset, int length) {
        if (protocol.awaitsSecondClientHello()) {
            return earlyData.skipUnread(length);
        }
        SecurityParameters sp = server.handshakeParameters();
        if (protocol.retryRequested() || sp == null || !TlsUtils.isTLSv13(sp.getNegotiatedVersion())
                || sp.getTrafficSecretClient() == null) {
            earlyData.end(); // TLS 1.2, or early data can no longer come (after a second ClientHello)
            return false;
        }
        if (!earlyData.hasHandshakeKeys()) {
            KeySchedule.Suite suite = KeySchedule.Suite.forCode(sp.getCipherSuite());
            try {
                int hash = sp.getPRFCryptoHashAlgorithm();
                earlyData.handshakeKeys(
                        TlsCryptoUtils.hkdfExpandLabel(sp.getTrafficSecretClient(), hash, "key",
                                TlsUtils.EMPTY_BYTES, suite.keyLength).extract(),
                        TlsCryptoUtils.hkdfExpandLabel(sp.getTrafficSecretClient(), hash, "iv",
                                TlsUtils.EMPTY_BYTES, 12).extract());
            } catch (IOException | GeneralSecurityException | RuntimeException e) {
                earlyData.end(); // BC reads the record then, and fails as it would have
                return false;
            }
        }
        return earlyData.skipIfUndecryptable(src, offset, length);
    }

    private void offer(byte[] src, int offset, int length) {
        if (clientCipherChanged) {
            recordsUnderClientKeys++;
        } else if (src[offset] == RecordLayout.CHANGE_CIPHER_SPEC) {
            clientCipherChanged = true; // in TLS 1.3 the compatibility CCS; the count is unused there
        }
        try {
            protocol.offerInput(src, offset, length);
        } catch (IOException | RuntimeException e) {
            fail(e);
            return;
        } finally {
            bcSpoke |= protocol.getAvailableOutputBytes() > 0;
        }
        if (handedOver && !protocol.isHandshaking()) {
            // Cannot happen with one record per call; if it did, those bytes would be lost to our opener.
            int leftover = protocol.getAvailableInputBytes();
            if (leftover != 0) {
                failure = "internal: " + leftover + " application bytes buffered in BouncyCastle at hand-over";
                wipe();
                return;
            }
            complete = true;
        }
    }

    private void fail(Exception e) {
        if (e instanceof TlsFatalAlertReceived received) {
            failure = "peer sent " + AlertDescription.getText(received.getAlertDescription());
        } else if (e instanceof TlsFatalAlert alert) {
            // "handshake_failure(40); No selectable cipher suite"; an internal_error names its cause
            failure = alert.getCause() == null ? alert.getMessage()
                    : alert.getMessage() + " (" + alert.getCause() + ')';
            if (alertSent >= 0 && alertSent != alert.getAlertDescription()) {
                failure = AlertDescription.getText(alertSent) + " sent for " + failure; // TolerantServerProtocol
            }
            if (!bcSpoke && protocol.getAvailableOutputBytes() == 0) {
                // BC sends nothing before a valid ClientHello. A client that sent a broken one deserves to
                // learn why (RFC 8446 §6.2: abort with an alert), so we queue the fatal alert in plaintext.
                ownAlert = new byte[] {RecordLayout.ALERT, 3, 3, 0, 2, 2, (byte) alert.getAlertDescription()};
            }
        } else if (e instanceof EOFException) {
            failure = AlertDescription.getText(alertSent >= 0 ? alertSent : AlertDescription.decode_error)
                    + "; a client message ends early";
        } else {
            failure = "internal: " + e;
        }
        wipe();
    }

    /** Bytes BC wants sent: handshake messages, or after a failure our fatal alert. */
    public int pendingOutput() {
        return protocol.getAvailableOutputBytes() + (ownAlert == null ? 0 : ownAlert.length - ownAlertSent);
    }

    /** Copies up to {@code maxLength} pending bytes to {@code dst[offset...]}; returns how many. */
    public int drainOutput(MemorySegment dst, long offset, int maxLength) {
        int n = Math.min(maxLength, protocol.getAvailableOutputBytes());
        if (n > 0) {
            return protocol.readOutput(dst.asSlice(offset, n).asByteBuffer(), n);
        }
        if (ownAlert == null) {
            return 0;
        }
        n = Math.min(maxLength, ownAlert.length - ownAlertSent);
        MemorySegment.copy(ownAlert, ownAlertSent, dst, ValueLayout.JAVA_BYTE, offset, n);
        ownAlertSent += n;
        return n;
    }

    /** {@link #drainOutput(MemorySegment, long, int)} into a heap array. */
    public int drainOutput(byte[] dst, int offset, int maxLength) {
        return drainOutput(MemorySegment.ofArray(dst), offset, Math.min(maxLength, dst.length - offset));
    }

    /** True once the client's Finished was verified: drain the output, then switch to the record layer. */
    public boolean isComplete() {
        return complete;
    }

    public boolean hasFailed() {
        return failure != null;
    }

    /** A short reason for logs and metrics (e.g. {@code "handshake_failure(40); No selectable cipher suite"}). */
    public String failure() {
        return failure;
    }

    /** 0x0304 or 0x0303 after completion, 0 before. */
    public int protocolVersion() {
        return version;
    }

    /** The negotiated suite's IANA name after completion, null before. */
    public String cipherSuiteName() {
        return complete ? suiteName(cipherSuite) : null;
    }

    /** True after completion when it was a TLS 1.2 session resumed by ID ({@link TlsSessionCache}). */
    public boolean resumed() {
        return resumed;
    }

    /** "http/1.1" when the client used ALPN, else null. */
    public String applicationProtocol() {
        return applicationProtocol;
    }

    /**
     * The most data a record may carry in either direction after completion: 2^14, or 512/1024/2048/4096 when the
     * client asked for max_fragment_length (RFC 6066 §4), which BC grants. record_size_limit (RFC 8449) is not
     * negotiated: BC 1.84 does not implement it, so it never appears in our ServerHello/EncryptedExtensions.
     */
    public int maxPlaintext() {
        return maxPlaintext;
    }

    /** The identity this handshake serves (stays the same if the source reloads meanwhile). */
    public TlsIdentity identity() {
        return identity;
    }

    /**
     * Our write direction after completion: TLS 1.3 from the server application traffic secret, sequence 0;
     * TLS 1.2 from the key block, sequence 1 (our Finished was record 0 under that key).
     */
    public RecordSealer newSealer(AesGcm gcm) {
        checkComplete();
        if (isTls13()) {
            return RecordSealer.tls13(gcm, suite13(), serverSecret.clone()).maxPlaintext(maxPlaintext);
        }
        return RecordSealer.tls12(gcm, Arrays.copyOfRange(keyBlock, keyLength, 2 * keyLength),
                Arrays.copyOfRange(keyBlock, 2 * keyLength + 4, 2 * keyLength + 8), 1).maxPlaintext(maxPlaintext);
    }

    /**
     * The read direction after completion; {@code listener} hears TLS 1.3 KeyUpdates (unused in TLS 1.2). TLS 1.3
     * starts at sequence 0; TLS 1.2 after the records the client's Finished took (usually 1).
     */
    public RecordOpener newOpener(AesGcm gcm, RecordOpener.KeyUpdateListener listener) {
        checkComplete();
        if (isTls13()) {
            return RecordOpener.tls13(gcm, suite13(), clientSecret.clone(), listener).maxPlaintext(maxPlaintext);
        }
        return RecordOpener.tls12(gcm, Arrays.copyOfRange(keyBlock, 0, keyLength),
                Arrays.copyOfRange(keyBlock, 2 * keyLength, 2 * keyLength + 4), recordsUnderClientKeys)
                .maxPlaintext(maxPlaintext);
    }

    /** Wipes the secrets held here (sealers and openers made earlier hold their own copies). */
    public void destroy() {
        wipe();
    }

    private boolean isTls13() {
        return version == ProtocolVersion.TLSv13.getFullVersion();
    }

    private KeySchedule.Suite suite13() {
        KeySchedule.Suite suite = KeySchedule.Suite.forCode(cipherSuite);
        if (suite == null) {
            throw new IllegalStateException("negotiated a suite the record layer cannot seal: " + cipherSuite);
        }
        return suite;
    }

    private void checkComplete() {
        if (!complete) {
            throw new IllegalStateException(failure != null ? "handshake failed: " + failure
                    : "handshake not complete");
        }
        if (serverSecret == null && keyBlock == null) {
            throw new IllegalStateException("handshake secrets already destroyed");
        }
    }

    private void wipe() {
        for (byte[] secret : new byte[][] {clientSecret, serverSecret, keyBlock}) {
            if (secret != null) {
                Arrays.fill(secret, (byte) 0);
            }
        }
        clientSecret = null;
        serverSecret = null;
        keyBlock = null;
    }

    private static String suiteName(int suite) {
        return switch (suite) {
            case CipherSuite.TLS_AES_128_GCM_SHA256 -> "TLS_AES_128_GCM_SHA256";
            case CipherSuite.TLS_AES_256_GCM_SHA384 -> "TLS_AES_256_GCM_SHA384";
            case CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 -> "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
            case CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 -> "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384";
            case CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 -> "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
            case CipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 -> "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384";
            default -> String.format("0x%04X", suite);
        };
    }

    /** BC's view of our server: what to offer, which credentials, and the hand-over when it is done. */
    private final class Server extends DefaultTlsServer {
        Server() {
            super(factory.crypto());
        }

        @Override
        protected ProtocolVersion[] getSupportedVersions() {
            return ProtocolVersion.TLSv13.downTo(ProtocolVersion.TLSv12);
        }

        @Override
        protected int[] getSupportedCipherSuites() {
            return identity.keyType() == TlsIdentity.KeyType.RSA ? SUITES_RSA : SUITES_EC;
        }

        @Override
        protected boolean preferLocalCipherSuites() {
            return true;
        }

        @Override
        public void notifyAlertRaised(short alertLevel, short alertDescription, String message, Throwable cause) {
            if (alertLevel == org.bouncycastle.tls.AlertLevel.fatal) {
                alertSent = alertDescription;
            }
        }

        /** BC's handshake parameters of this connection, null before the ClientHello. */
        SecurityParameters handshakeParameters() {
            return context == null ? null : context.getSecurityParametersHandshake();
        }

        @Override
        @SuppressWarnings("rawtypes") // BC's signature
        public void processClientExtensions(Hashtable clientExtensions) throws IOException {
            super.processClientExtensions(clientExtensions);
            earlyDataOffered |= TlsExtensionsUtils.hasEarlyDataIndication(clientExtensions);
        }

        /**
         * Checks, before the ServerHello, that the client accepts a signature scheme for our key: BC asks for the
         * credentials only after sending the ServerHello in TLS 1.3, so such a client got a ServerHello and then an
         * encrypted alert; RFC 8446 §4.2.3 and tlsfuzzer ("only undefined sigalgs") want handshake_failure at once.
         */
        @Override
        public int getSelectedCipherSuite() throws IOException {
            int suite = super.getSelectedCipherSuite();
            chooseSignature(TlsUtils.isTLSv13(context), context.getSecurityParametersHandshake().getClientSigAlgs());
            return suite;
        }

        @Override
        public int getMaxHandshakeMessageSize() {
            return MAX_CLIENT_HANDSHAKE_MESSAGE;
        }

        /**
         * Accepts a TLS 1.2 client that signals neither renegotiation_info nor the SCSV (RFC 5746 §4.4 lets a
         * server do so). BC refuses it with handshake_failure by default, which hid TLS 1.2 from scanners such as
         * nmap's. The attack RFC 5746 prevents needs a renegotiation, and we never renegotiate: a ClientHello after
         * the handshake gets unexpected_message from the record layer ({@code TlsTransport}).
         */
        @Override
        public void notifySecureRenegotiation(boolean secureRenegotiation) {
        }

        /** TLS 1.3: the groups of key_share and supported_groups we accept (BC picks in the client's order). */
        @Override
        public int[] getSupportedGroups() {
            return factory.groups();
        }

        /**
         * TLS 1.2: the strongest curve we could use, counting only the client's groups that are also ours. BC's
         * default counts every group the client lists, and then {@link #selectECDH} takes any of them: a client
         * offering only sect163k1 or brainpoolP256r1 got it. 0 leaves no ECDHE suite selectable:
         * handshake_failure, as in TLS 1.3.
         */
        @Override
        protected int getMaximumNegotiableCurveBits() {
            int[] offered = context.getSecurityParametersHandshake().getClientSupportedGroups();
            int bits = 0;
            for (int group : offered == null ? factory.groups() : offered) {
                if (TlsGroups.contains(factory.groups(), group)) {
                    bits = Math.max(bits, NamedGroup.getCurveBits(group));
                }
            }
            return bits;
        }

        /**
         * TLS 1.2: the first of the client's groups that is ours, as TLS 1.3 chooses. A client that sends no
         * supported_groups leaves the choice to us (RFC 8422 §4): P-256 if allowed (every TLS 1.2 ECC client
         * has it), else our first.
         */
        @Override
        protected int selectECDH(int minimumCurveBits) {
            int[] offered = context.getSecurityParametersHandshake().getClientSupportedGroups();
            if (offered == null) {
                return TlsGroups.contains(factory.groups(), NamedGroup.secp256r1) ? NamedGroup.secp256r1
                        : factory.groups()[0];
            }
            for (int group : offered) {
                if (TlsGroups.contains(factory.groups(), group) && NamedGroup.getCurveBits(group) >= minimumCurveBits) {
                    return group;
                }
            }
            return -1;
        }

        @Override
        protected Vector<ProtocolName> getProtocolNames() {
            Vector<ProtocolName> names = new Vector<>(1);
            names.add(ProtocolName.HTTP_1_1);
            return names;
        }

        @Override
        public TlsCredentials getCredentials() throws IOException {
            boolean tls13 = TlsUtils.isTLSv13(context);
            SignatureAndHashAlgorithm algorithm = chooseSignature(tls13,
                    context.getSecurityParametersHandshake().getClientSigAlgs());
            TlsCryptoParameters parameters = new TlsCryptoParameters(context);
            if (factory.crypto() instanceof JcaTlsCrypto jca) {
                return new JcaDefaultTlsCredentialedSigner(parameters, jca, identity.privateKey(),
                        factory.chain(tls13), algorithm);
            }
            return new BcDefaultTlsCredentialedSigner(parameters, (BcTlsCrypto) factory.crypto(),
                    factory.bcPrivateKey(), factory.chain(tls13), algorithm);
        }

        private SignatureAndHashAlgorithm chooseSignature(boolean tls13, Vector<?> offered) throws IOException {
            int[] preferences = switch (identity.keyType()) {
                case EC_P256 -> tls13 ? SCHEMES_P256_13 : SCHEMES_P256_12;
                case EC_P384 -> tls13 ? SCHEMES_P384_13 : SCHEMES_P384_12;
                case RSA -> tls13 ? SCHEMES_RSA_13 : SCHEMES_RSA_12;
            };
            if (offered != null) {
                for (int scheme : preferences) {
                    for (Object o : offered) {
                        if (SignatureScheme.from((SignatureAndHashAlgorithm) o) == scheme) {
                            return (SignatureAndHashAlgorithm) o;
                        }
                    }
                }
            }
            throw new TlsFatalAlert(AlertDescription.handshake_failure, "client accepts no signature scheme for our "
                    + identity.keyType() + " key");
        }

        /** TLS 1.2: a fresh random session ID makes the session resumable; null (BC's default) makes none. */
        @Override
        public byte[] getNewSessionID() {
            if (factory.sessions() == null) {
                return null;
            }
            byte[] id = new byte[32];
            context.getCrypto().getSecureRandom().nextBytes(id);
            return id;
        }

        /** TLS 1.2: the session whose ID the client offers, if we still hold it under this identity. */
        @Override
        public TlsSession getSessionToResume(byte[] sessionID) {
            TlsSessionCache sessions = factory.sessions();
            return sessions == null ? null : sessions.get(sessionID, identity);
        }

        @Override
        public void notifyHandshakeComplete() throws IOException {
            super.notifyHandshakeComplete();
            SecurityParameters sp = context.getSecurityParametersConnection();
            resumed = sp.isResumedSession();
            TlsSessionCache sessions = factory.sessions();
            if (sessions != null && !TlsUtils.isTLSv13(context) && !resumed) {
                // Only now does the session hold its master secret (BC made it without at the ServerHello).
                TlsSession session = context.getResumableSession();
                if (session != null) {
                    sessions.put(session, identity);
                }
            }
            cipherSuite = sp.getCipherSuite();
            version = sp.getNegotiatedVersion().getFullVersion();
            if (sp.getMaxFragmentLength() > 0) {
                maxPlaintext = 1 << (8 + sp.getMaxFragmentLength()); // MaxFragmentLength 1..4: 2^9..2^12
            }
            ProtocolName alpn = sp.getApplicationProtocol();
            applicationProtocol = alpn == null ? null : alpn.getUtf8Decoding();
            if (TlsUtils.isTLSv13(context)) {
                // extract() hands over BC's array and drops BC's reference to it
                serverSecret = sp.getTrafficSecretServer().extract();
                clientSecret = sp.getTrafficSecretClient().extract();
            } else {
                keyLength = switch (TlsUtils.getEncryptionAlgorithm(cipherSuite)) {
                    case EncryptionAlgorithm.AES_128_GCM -> 16;
                    case EncryptionAlgorithm.AES_256_GCM -> 32;
                    default -> throw new TlsFatalAlert(AlertDescription.internal_error,
                            "negotiated a suite the record layer cannot seal: " + suiteName(cipherSuite));
                };
                // RFC 5246 §6.3 key_block (no MAC keys for AEAD): client_write_key, server_write_key,
                // client_write_IV, server_write_IV; the GCM "IV" is the 4-byte salt (RFC 5288 §3).
                byte[] seed = org.bouncycastle.util.Arrays.concatenate(sp.getServerRandom(), sp.getClientRandom());
                keyBlock = sp.getMasterSecret().deriveUsingPRF(sp.getPRFAlgorithm(), "key expansion", seed,
                        2 * keyLength + 8).extract();
            }
            handedOver = true;
        }
    }
}
