package atlas.access;

import org.bouncycastle.crypto.macs.HMac;

import java.security.DigestException;
import java.security.MessageDigest;

/**
 * Decides whether a read of a protected path carries a valid signed-URL token. One instance per core, not
 * thread-safe: it owns one HMAC per EdgeAuth key (keyed once, reset by each MAC), the tokens it found authentic
 * ({@link AuthenticTokens}: one MAC per token, not per request), an MD5 digest and scratch buffers, all reused, so a
 * verification allocates nothing.
 *
 * <p>Where a token may be, in the order they are tried:
 * <ol>
 *   <li>the first path segment, {@code /hdnts=TOKEN/...} ({@link PathToken}; the caller strips and decodes it);</li>
 *   <li>the query argument {@code hdnts=TOKEN}, percent-decoded;</li>
 *   <li>the header {@code hdnts: TOKEN}, as sent;</li>
 *   <li>the cookie {@code hdnts=TOKEN}, as sent;</li>
 *   <li>with a secure link configured, the query arguments {@code md5=HASH&expires=EPOCH_S}, as sent (nginx does not
 *       decode {@code $arg_md5} either).</li>
 * </ol>
 * Any one that is valid lets the request through, so a stale cookie cannot shadow a fresh link. When none is,
 * the verdict is that of the first token found: a player showing "expired" for the link it was given is more
 * useful than one about a leftover cookie. Nothing here throws on request input: whatever does not parse is
 * {@link TokenVerdict#INVALID}, and a token over {@link #MAX_TOKEN_BYTES} is refused before any work.
 */
public final class UrlTokenVerifier {
    /** Real tokens are 100-300 bytes; the bound caps the MAC and the ACL match a hostile request can cost. */
    public static final int MAX_TOKEN_BYTES = 4096;
    private static final int MAX_MD5_ARG_CHARS = 24;
    private static final int MAX_EXPIRES_DIGITS = 18;

    private final HMac[] macs;
    private final SecureLinkMd5 secureLink;
    private final MessageDigest md5;
    private final String tokenName;
    private final EdgeAuthToken edgeAuth = new EdgeAuthToken();
    private final AuthenticTokens authentic = new AuthenticTokens();
    private final ByteScratch token = new ByteScratch(MAX_TOKEN_BYTES);
    private final ByteScratch path = new ByteScratch(256);
    private final ByteScratch expires = new ByteScratch(MAX_EXPIRES_DIGITS);
    private final ByteScratch clientText = new ByteScratch(64);
    private final byte[] clientAddress = new byte[IpAddressText.ADDRESS_BYTES];
    private final byte[] tokenAddress = new byte[IpAddressText.ADDRESS_BYTES];
    /** The client's address in the canonical text nginx's $remote_addr has (45 bytes is the longest IPv6 text). */
    private final byte[] canonicalClient = new byte[64];
    private boolean clientParsed;
    private TokenVerdict firstVerdict;
    private final byte[] givenMd5 = new byte[SecureLinkMd5.MD5_BYTES];
    private final byte[] computedMd5 = new byte[SecureLinkMd5.MD5_BYTES];

    public UrlTokenVerifier(UrlSigning signing) {
        SigningKeys keys = signing.edgeAuthKeys();
        macs = new HMac[keys.size()];
        for (int i = 0; i < macs.length; i++) {
            macs[i] = EdgeAuthToken.newMac(keys.key(i));
        }
        secureLink = signing.secureLink();
        md5 = secureLink == null ? null : SecureLinkMd5.newMd5();
        tokenName = signing.tokenName();
    }

    /**
     * @param path         the decoded request path with its leading '/', e.g. "/live/ch1/seg1.ts" (after any path
     *                     token was stripped)
     * @param rawQuery     the raw query string without '?', or null
     * @param cookieHeader the raw Cookie field value, or null
     * @param tokenHeader  the raw value of the header named like the token (e.g. "hdnts: st=...~..."), or null
     * @param pathToken    a token that came as the URL's first path segment (see {@link PathToken}), or null
     * @param clientIp     the peer address without port, e.g. "127.0.0.1" or "::1"
     */
    public TokenVerdict verify(String path, String rawQuery, String cookieHeader, String tokenHeader, String pathToken,
                               String clientIp, long nowEpochSeconds) {
        this.path.clear().appendUtf8(path, 0, path.length());
        clientText.clear();
        if (clientIp != null) {
            clientText.appendUtf8(clientIp, 0, clientIp.length());
        }
        clientParsed = IpAddressText.parse(clientText.array(), 0, clientText.length(), clientAddress);
        firstVerdict = null;
        if (macs.length > 0) {
            if (pathToken != null
                    && isValid(verifyEdgeAuth(loadAsSent(pathToken, 0, pathToken.length()), clientIp, nowEpochSeconds))) {
                return TokenVerdict.VALID;
            }
            int arg = rawQuery == null ? -1 : NamedValues.queryValue(rawQuery, tokenName);
            if (arg >= 0) {
                int end = NamedValues.queryValueEnd(rawQuery, arg);
                if (isValid(verifyEdgeAuth(loadPercentDecoded(rawQuery, arg, end), clientIp, nowEpochSeconds))) {
                    return TokenVerdict.VALID;
                }
            }
            if (tokenHeader != null) {
                int from = skipSpace(tokenHeader, 0, tokenHeader.length());
                int to = trimSpace(tokenHeader, from, tokenHeader.length());
                if (isValid(verifyEdgeAuth(loadAsSent(tokenHeader, from, to), clientIp, nowEpochSeconds))) {
                    return TokenVerdict.VALID;
                }
            }
            int cookie = cookieHeader == null ? -1 : NamedValues.cookieValue(cookieHeader, tokenName);
            if (cookie >= 0) {
                int end = NamedValues.cookieValueEnd(cookieHeader, cookie);
                // RFC 6265 allows a cookie value in double quotes; they are not part of it.
                boolean quoted = end - cookie >= 2 && cookieHeader.charAt(cookie) == '"'
                        && cookieHeader.charAt(end - 1) == '"';
                int from = quoted ? cookie + 1 : cookie;
                int to = quoted ? end - 1 : end;
                if (isValid(verifyEdgeAuth(loadAsSent(cookieHeader, from, to), clientIp, nowEpochSeconds))) {
                    return TokenVerdict.VALID;
                }
            }
        }
        int md5Arg = secureLink == null || rawQuery == null ? -1 : NamedValues.queryValue(rawQuery, "md5");
        if (md5Arg >= 0 && isValid(verifySecureLink(rawQuery, md5Arg, nowEpochSeconds))) {
            return TokenVerdict.VALID;
        }
        return firstVerdict == null ? TokenVerdict.MISSING : firstVerdict;
    }

    /** Records the verdict of the first token found (the answer when none is valid). */
    private boolean isValid(TokenVerdict verdict) {
        if (firstVerdict == null) {
            firstVerdict = verdict;
        }
        return verdict == TokenVerdict.VALID;
    }

    /** The token's bytes, or null when it is over the bound. */
    private ByteScratch loadAsSent(String s, int from, int to) {
        if (to - from > MAX_TOKEN_BYTES) {
            return null;
        }
        token.clear().appendUtf8(s, from, to);
        return token.length() > MAX_TOKEN_BYTES ? null : token;
    }

    /** The decoded token's bytes, or null when it is over the bound or its percent-encoding is malformed. */
    private ByteScratch loadPercentDecoded(String s, int from, int to) {
        if (to - from > MAX_TOKEN_BYTES) {
            return null;
        }
        return token.clear().appendPercentDecoded(s, from, to) && token.length() <= MAX_TOKEN_BYTES ? token : null;
    }

    /**
     * Checks in this order: parse, MAC, path and address, start, expiry. The MAC comes first so that only an
     * authentic token can earn {@link TokenVerdict#EXPIRED}; a token for another path or client is
     * {@link TokenVerdict#INVALID} whether or not it has expired.
     */
    private TokenVerdict verifyEdgeAuth(ByteScratch bytes, String clientIp, long nowEpochSeconds) {
        if (bytes == null || !edgeAuth.wrap(bytes.array(), bytes.length()) || !isAuthentic(bytes)
                || !edgeAuth.covers(path.array(), path.length())
                || !edgeAuth.allows(clientIp, clientParsed ? clientAddress : null, tokenAddress)
                || edgeAuth.startEpochSec() > nowEpochSeconds) {
            return TokenVerdict.INVALID;
        }
        // Inclusive: exp is the last valid second, as nginx's secure_link treats its expires.
        return nowEpochSeconds > edgeAuth.expiryEpochSec() ? TokenVerdict.EXPIRED : TokenVerdict.VALID;
    }

    /** The MAC check of the token {@link EdgeAuthToken#wrap wrapped} from {@code bytes}, remembered when it can be. */
    private boolean isAuthentic(ByteScratch bytes) {
        boolean pathFree = edgeAuth.isSignedIndependentOfPath();
        if (pathFree && authentic.isKnown(bytes.array(), bytes.length())) {
            return true;
        }
        if (!edgeAuth.isSignedBy(macs, path.array(), path.length())) {
            return false;
        }
        if (pathFree) {
            authentic.remember(bytes.array(), bytes.length());
        }
        return true;
    }

    /** As nginx's {@code ngx_http_secure_link_variable}: hash first, then expiry (expired when before now). */
    private TokenVerdict verifySecureLink(String query, int md5Start, long nowEpochSeconds) {
        int md5End = NamedValues.queryValueEnd(query, md5Start);
        int expiresStart = NamedValues.queryValue(query, "expires");
        if (expiresStart < 0 || !Base64Url.decode(query, md5Start, md5End, MAX_MD5_ARG_CHARS, givenMd5)) {
            return TokenVerdict.INVALID;
        }
        int expiresEnd = NamedValues.queryValueEnd(query, expiresStart);
        long expiresEpochSec = parseDigits(query, expiresStart, expiresEnd);
        if (expiresEpochSec <= 0) {
            return TokenVerdict.INVALID;
        }
        expires.clear().appendUtf8(query, expiresStart, expiresEnd);
        // $remote_addr as nginx prints it, whichever way the server wrote the peer (0:0:0:0:0:0:0:1 becomes ::1).
        byte[] remoteAddr = clientText.array();
        int remoteAddrLength = clientText.length();
        if (clientParsed) {
            remoteAddr = canonicalClient;
            remoteAddrLength = IpAddressText.formatCanonical(clientAddress, canonicalClient);
        }
        md5.reset();
        secureLink.update(md5, expires.array(), expires.length(), path.array(), path.length(), remoteAddr, remoteAddrLength);
        try {
            md5.digest(computedMd5, 0, computedMd5.length);
        } catch (DigestException e) {
            throw new IllegalStateException("MD5 output does not fit 16 bytes", e); // cannot happen: MD5 is 16 bytes
        }
        if (!MessageDigest.isEqual(computedMd5, givenMd5)) {
            return TokenVerdict.INVALID;
        }
        return expiresEpochSec < nowEpochSeconds ? TokenVerdict.EXPIRED : TokenVerdict.VALID;
    }

    private static long parseDigits(String s, int from, int to) {
        if (to == from || to - from > MAX_EXPIRES_DIGITS) {
            return -1;
        }
        long value = 0;
        for (int i = from; i < to; i++) {
            int digit = s.charAt(i) - '0';
            if (digit < 0 || digit > 9) {
                return -1;
            }
            value = value * 10 + digit;
        }
        return value;
    }

    private static int skipSpace(String s, int from, int to) {
        while (from < to && (s.charAt(from) == ' ' || s.charAt(from) == '\t')) {
            from++;
        }
        return from;
    }

    private static int trimSpace(String s, int from, int to) {
        while (to > from && (s.charAt(to - 1) == ' ' || s.charAt(to - 1) == '\t')) {
            to--;
        }
        return to;
    }
}
