package atlas.tls;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.ClientHello;
import org.bouncycastle.tls.ServerHello;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsServerProtocol;

/**
 * BouncyCastle's non-blocking server protocol, tolerant of future ClientHello versions, strict about the syntax of
 * their extensions ({@link ClientHelloSyntax}: decode_error, not BC's internal_error), and telling whether it
 * sent a HelloRetryRequest (which {@link RejectedEarlyData} needs: early data before the second ClientHello is
 * skipped unread).
 * <p>
 * RFC 5246 Appendix E.1 and RFC 8446 §4.1.2/§D.2: a client may offer any {@code legacy_version} above TLS 1.2 and
 * the server answers with the highest version it supports. BC refuses a major version other than 3 with
 * {@code illegal_parameter}, and {@code {0xFE, 0xFE}} even with {@code internal_error} (its version table throws),
 * so a client probing with 4.1 or 254.254 (tlsfuzzer's {@code test-version-numbers}, version-intolerance scanners)
 * never gets a ServerHello. We parse such a ClientHello as if it said 3.3; the handshake transcript still hashes
 * the bytes as received ({@code HandshakeMessageInput.updateHash} reads BC's buffer, not the parsed object), so
 * both sides' Finished agree. A major version below 3 is no TLS version at all: {@code protocol_version}.
 */
final class TolerantServerProtocol extends TlsServerProtocol {
    /** The version bytes we parse a future ClientHello as: TLS 1.2, the highest legacy_version there is. */
    private static final byte LEGACY_MAJOR = 3;
    private static final byte LEGACY_MINOR = 3;

    /** ClientHellos parsed so far: 2 after a HelloRetryRequest was answered. */
    private int clientHellos;
    private boolean retryRequested;

    /** Non-blocking mode, as {@link TlsServerProtocol#TlsServerProtocol()}. */
    TolerantServerProtocol() {
    }

    /** True between our HelloRetryRequest and the client's second ClientHello. */
    boolean awaitsSecondClientHello() {
        return retryRequested && clientHellos == 1;
    }

    /** True once we sent a HelloRetryRequest. */
    boolean retryRequested() {
        return retryRequested;
    }

    /**
     * A message of the client's that ends early (a truncated Finished, a short extension BC reads late) surfaces
     * as an {@link EOFException} from BC's readers, which BC answers with internal_error; it is the client's
     * malformed input: decode_error (RFC 8446 §6.2).
     */
    @Override
    protected void handleException(short alertDescription, String message, Throwable e) throws IOException {
        boolean truncatedInput = false;
        for (Throwable t = e; t != null && !truncatedInput; t = t.getCause()) {
            truncatedInput = t instanceof EOFException;
        }
        short description = alertDescription;
        if (alertDescription == AlertDescription.internal_error && truncatedInput) {
            description = AlertDescription.decode_error;
        } else if (isEmptyRecordRefusal(alertDescription, e)) {
            description = AlertDescription.unexpected_message;
        }
        super.handleException(description, message, e);
    }

    /**
     * BC refuses a record of no plaintext other than application data (an empty alert or handshake record,
     * padding only) with illegal_parameter, after RFC 5246 §6.2.1. RFC 8446 §5.1/§5.4, OpenSSL and tlsfuzzer's
     * {@code test-tls13-empty-alert} say unexpected_message, which is also what our own record layer sends after
     * the handshake ({@link RecordOpener}). BC throws that alert without a message from its record stream's
     * {@code decodeAndVerify}; nothing else there raises illegal_parameter.
     */
    private static boolean isEmptyRecordRefusal(short alertDescription, Throwable e) {
        if (alertDescription != AlertDescription.illegal_parameter || !(e instanceof TlsFatalAlert alert)
                || !AlertDescription.getText(alertDescription).equals(alert.getMessage())
                || e.getStackTrace().length == 0) {
            return false; // not BC's bare illegal_parameter
        }
        StackTraceElement top = e.getStackTrace()[0];
        return top.getClassName().equals("org.bouncycastle.tls.RecordStream")
                && top.getMethodName().equals("decodeAndVerify");
    }

    @Override
    protected ServerHello generate13HelloRetryRequest(ClientHello clientHello) throws IOException {
        retryRequested = true;
        return super.generate13HelloRetryRequest(clientHello);
    }

    @Override
    protected ClientHello receiveClientHelloMessage(ByteArrayInputStream buf) throws IOException {
        clientHellos++;
        byte[] body = buf.readAllBytes();
        if (body.length >= 2) {
            int major = body[0] & 0xFF;
            if (major < LEGACY_MAJOR) {
                throw new TlsFatalAlert(AlertDescription.protocol_version,
                        "ClientHello legacy_version " + major + "." + (body[1] & 0xFF));
            }
            if (major > LEGACY_MAJOR) {
                body[0] = LEGACY_MAJOR;
                body[1] = LEGACY_MINOR;
            }
        }
        ClientHelloSyntax.check(body);
        return super.receiveClientHelloMessage(new ByteArrayInputStream(body));
    }
}
