package atlas.tls;

import java.util.concurrent.atomic.LongAdder;

/**
 * One core's TLS counters: only its thread adds, the metrics scrape reads (an uncontended {@link LongAdder} is one
 * CAS, no allocation). Each failure is counted under the one reason that ended the connection.
 */
public final class TlsCounters {
    /** Handshakes completed, by negotiated version. */
    public final LongAdder handshakesTls13 = new LongAdder();
    public final LongAdder handshakesTls12 = new LongAdder();
    /** Of the TLS 1.2 ones, abbreviated: a session resumed by its ID ({@link TlsSessionCache}). */
    public final LongAdder handshakesResumed = new LongAdder();
    /** The handshake library refused the peer (bad ClientHello, no common suite or ALPN, decode errors ...). */
    public final LongAdder handshakeFailures = new LongAdder();
    /** No finished handshake within the handshake timeout. */
    public final LongAdder handshakeTimeouts = new LongAdder();
    /** Plaintext HTTP sent to the HTTPS port: answered with a 400 that says so. */
    public final LongAdder plaintextRequests = new LongAdder();
    /** First bytes that are neither a TLS handshake record nor HTTP. */
    public final LongAdder notTls = new LongAdder();
    /** Records after the handshake that failed to open (bad MAC, overflow, unexpected type): fatal alert sent. */
    public final LongAdder recordErrors = new LongAdder();
    /** Fatal alerts received from peers (close_notify is not counted). */
    public final LongAdder alertsReceived = new LongAdder();
    /** KeyUpdates received (TLS 1.3). */
    public final LongAdder keyUpdates = new LongAdder();
}
