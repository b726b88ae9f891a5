package atlas.access;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static atlas.access.SigningKeysTest.KEY_A;
import static atlas.access.SigningKeysTest.KEY_B;
import static atlas.access.TokenVerdict.EXPIRED;
import static atlas.access.TokenVerdict.INVALID;
import static atlas.access.TokenVerdict.MISSING;
import static atlas.access.TokenVerdict.VALID;
import static org.assertj.core.api.Assertions.assertThat;

class UrlTokenVerifierTest {
    private static final long NOW = 1_700_000_000L;
    private static final String IP = "203.0.113.7";
    private static final String PATH = "/live/ch1/seg1.ts";
    private static final SigningKeys KEYS = SigningKeys.parse(List.of(KEY_A, KEY_B));
    private static final SigningKeys OLD_KEY_FIRST = SigningKeys.parse(List.of(KEY_B));

    private final UrlTokenVerifier verifier = new UrlTokenVerifier(new UrlSigning(KEYS, null));

    private static String token(long start, long expiry, String acl) {
        return EdgeAuthToken.sign(KEYS, start, expiry, acl, null);
    }

    private static String encoded(String token) {
        return URLEncoder.encode(token, StandardCharsets.UTF_8);
    }

    private TokenVerdict inQuery(String token, String path) {
        return verifier.verify(path, "hdnts=" + encoded(token), null, null, null, IP, NOW);
    }

    @Test
    void shouldAcceptAValidTokenInEveryPlace() {
        String token = token(NOW - 10, NOW + 3600, "/live/ch1/*");
        assertThat(verifier.verify(PATH, "hdnts=" + encoded(token), null, null, null, IP, NOW)).isEqualTo(VALID);
        assertThat(verifier.verify(PATH, "a=1&hdnts=" + token + "&b=2", null, null, null, IP, NOW)).as("raw").isEqualTo(VALID);
        assertThat(verifier.verify(PATH, null, null, " " + token + " ", null, IP, NOW)).as("header").isEqualTo(VALID);
        assertThat(verifier.verify(PATH, null, "a=b; hdnts=" + token + "; c=d", null, null, IP, NOW)).as("cookie").isEqualTo(VALID);
        assertThat(verifier.verify(PATH, null, "hdnts=\"" + token + "\"", null, null, IP, NOW)).as("quoted").isEqualTo(VALID);
        assertThat(verifier.verify(PATH, null, null, null, token, IP, NOW)).as("path").isEqualTo(VALID);
    }

    @Test
    void shouldSayMissingWhenNoTokenIsAnywhere() {
        assertThat(verifier.verify(PATH, null, null, null, null, IP, NOW)).isEqualTo(MISSING);
        assertThat(verifier.verify(PATH, "x=1&hdntsx=2&md5=abc", "other=1; xhdnts=2", null, null, IP, NOW)).isEqualTo(MISSING);
        assertThat(verifier.verify(PATH, "", "", null, null, IP, NOW)).isEqualTo(MISSING);
    }

    @Test
    void shouldIgnoreEdgeAuthTokensWhenNoKeysAreConfigured() {
        UrlTokenVerifier noKeys = new UrlTokenVerifier(new UrlSigning(SigningKeys.none(), null));
        String token = token(-1, NOW + 60, "/*");
        assertThat(noKeys.verify(PATH, "hdnts=" + token, token, token, token, IP, NOW)).isEqualTo(MISSING);
    }

    @Test
    void shouldMatchAclWildcardsAgainstThePath() {
        String token = token(-1, NOW + 60, "/live/ch1/*");
        assertThat(inQuery(token, "/live/ch1/a/b.ts")).isEqualTo(VALID);
        assertThat(inQuery(token, "/live/ch10/x")).isEqualTo(INVALID);
        assertThat(inQuery(token, "/live/ch1")).isEqualTo(INVALID);
        String several = token(-1, NOW + 60, "/live/ch1/*!/ads/*");
        assertThat(inQuery(several, "/ads/spot1.ts")).isEqualTo(VALID);
        assertThat(inQuery(several, "/live/ch1/seg.ts")).isEqualTo(VALID);
        assertThat(inQuery(several, "/live/ch2/seg.ts")).isEqualTo(INVALID);
    }

    @Test
    void shouldMatchNonAsciiPathsByTheirUtf8() {
        String token = token(-1, NOW + 60, "/vod/café/*");
        assertThat(inQuery(token, "/vod/café/a.ts")).isEqualTo(VALID);
        assertThat(inQuery(token, "/vod/cafe/a.ts")).isEqualTo(INVALID);
    }

    @Test
    void shouldTreatExpiryAsTheLastValidSecond() {
        String token = token(-1, NOW, "/live/*");
        assertThat(verifier.verify(PATH, "hdnts=" + token, null, null, null, IP, NOW)).isEqualTo(VALID);
        assertThat(verifier.verify(PATH, "hdnts=" + token, null, null, null, IP, NOW + 1)).isEqualTo(EXPIRED);
    }

    @Test
    void shouldCallATokenNotValidYetInvalid() {
        String token = token(NOW + 1, NOW + 60, "/live/*");
        assertThat(verifier.verify(PATH, "hdnts=" + token, null, null, null, IP, NOW)).isEqualTo(INVALID);
        assertThat(verifier.verify(PATH, "hdnts=" + token, null, null, null, IP, NOW + 1)).isEqualTo(VALID);
    }

    @Test
    void shouldBindATokenToItsClientAddress() {
        String v4 = EdgeAuthToken.sign(KEYS, -1, NOW + 60, "/live/*", IP);
        assertThat(verifier.verify(PATH, "hdnts=" + v4, null, null, null, IP, NOW)).isEqualTo(VALID);
        assertThat(verifier.verify(PATH, "hdnts=" + v4, null, null, null, "203.0.113.8", NOW)).isEqualTo(INVALID);
        assertThat(verifier.verify(PATH, "hdnts=" + v4, null, null, null, null, NOW)).isEqualTo(INVALID);
        String v6 = EdgeAuthToken.sign(KEYS, -1, NOW + 60, "/live/*", "::1");
        assertThat(verifier.verify(PATH, null, null, null, v6, "::1", NOW)).isEqualTo(VALID);
        assertThat(verifier.verify(PATH, null, null, null, v6, "127.0.0.1", NOW)).isEqualTo(INVALID);
    }

    @Test
    void shouldCompareAddressesByValueNotSpelling() {
        String v6 = EdgeAuthToken.sign(KEYS, -1, NOW + 60, "/live/*", "::1");
        assertThat(verifier.verify(PATH, null, null, null, v6, "0:0:0:0:0:0:0:1", NOW)).isEqualTo(VALID);
        String v4 = EdgeAuthToken.sign(KEYS, -1, NOW + 60, "/live/*", "192.0.2.1");
        assertThat(verifier.verify(PATH, null, null, null, v4, "::ffff:192.0.2.1", NOW)).as("dual-stack").isEqualTo(VALID);
        String junk = EdgeAuthToken.sign(KEYS, -1, NOW + 60, "/live/*", "not-an-ip");
        assertThat(verifier.verify(PATH, null, null, null, junk, "not-an-ip", NOW)).as("same text").isEqualTo(VALID);
        assertThat(verifier.verify(PATH, null, null, null, junk, "192.0.2.1", NOW)).isEqualTo(INVALID);
    }

    @Test
    void shouldHashTheClientAddressAsNginxPrintsItInSecureLinks() {
        SecureLinkMd5 link = SecureLinkMd5.parse(SecureLinkMd5Test.NGINX_TEMPLATE);
        UrlTokenVerifier linkOnly = new UrlTokenVerifier(new UrlSigning(null, link));
        String query = link.sign(PATH, NOW + 60, "::1");
        assertThat(query).isEqualTo(link.sign(PATH, NOW + 60, "0:0:0:0:0:0:0:1"));
        assertThat(linkOnly.verify(PATH, query, null, null, null, "0:0:0:0:0:0:0:1", NOW)).isEqualTo(VALID);
        assertThat(linkOnly.verify(PATH, query, null, null, null, "::1", NOW)).isEqualTo(VALID);
        assertThat(linkOnly.verify(PATH, query, null, null, null, "::2", NOW)).isEqualTo(INVALID);
    }

    @Test
    void shouldAcceptTokensOfEveryListedKeyAndNoneAfterRemoval() {
        String oldToken = EdgeAuthToken.sign(OLD_KEY_FIRST, -1, NOW + 60, "/live/*", null);
        assertThat(new UrlTokenVerifier(new UrlSigning(KEYS, null))
                .verify(PATH, "hdnts=" + oldToken, null, null, null, IP, NOW)).as("old key still listed").isEqualTo(VALID);
        UrlTokenVerifier rotated = new UrlTokenVerifier(new UrlSigning(SigningKeys.parse(List.of(KEY_A)), null));
        assertThat(rotated.verify(PATH, "hdnts=" + oldToken, null, null, null, IP, NOW)).as("old key removed").isEqualTo(INVALID);
        assertThat(rotated.verify(PATH, "hdnts=" + token(-1, NOW + 60, "/live/*"), null, null, null, IP, NOW)).isEqualTo(VALID);
    }

    @Test
    void shouldRefuseEveryTamperedField() {
        String token = EdgeAuthToken.sign(KEYS, NOW - 10, NOW + 60, "/live/ch1/*", IP);
        assertThat(inQuery(token, PATH)).isEqualTo(VALID);
        String hmacHex = token.substring(token.indexOf("~hmac=") + 6);
        String flipped = hmacHex.charAt(0) == '0' ? "1" + hmacHex.substring(1) : "0" + hmacHex.substring(1);
        for (String tampered : new String[] {
            token.replace("exp=" + (NOW + 60), "exp=" + (NOW + 6000)),
            token.replace("st=" + (NOW - 10), "st=" + (NOW - 11)),
            token.replace("acl=/live/ch1/*", "acl=/live/*"),
            token.replace("ip=" + IP + "~", ""),
            token.replace("~hmac=", "~id=x~hmac="),
            token.replace(hmacHex, flipped),
            token.replace(hmacHex, hmacHex.substring(0, 62)),
            token.replace("~hmac=", "~hmac=00"),
            token + "~data=x",
        }) {
            assertThat(inQuery(tampered, PATH)).as(tampered).isEqualTo(INVALID);
        }
    }

    @Test
    void shouldAcceptUppercaseHexInTheMac() {
        String token = token(-1, NOW + 60, "/live/*");
        int at = token.indexOf("hmac=") + 5;
        assertThat(inQuery(token.substring(0, at) + token.substring(at).toUpperCase(), PATH)).isEqualTo(VALID);
    }

    @Test
    void shouldNotSayExpiredOfAForgedOrForeignToken() {
        String forged = "exp=" + (NOW - 100) + "~acl=/live/*~hmac=" + "ab".repeat(32);
        assertThat(inQuery(forged, PATH)).isEqualTo(INVALID);
        String otherPath = token(-1, NOW - 100, "/vod/*");
        assertThat(inQuery(otherPath, PATH)).isEqualTo(INVALID);
    }

    @Test
    void shouldBindAUrlTokenToExactlyItsPath() {
        String token = EdgeAuthToken.signUrl(KEYS, -1, NOW + 60, "/vod/film/a.mp4", null);
        assertThat(inQuery(token, "/vod/film/a.mp4")).isEqualTo(VALID);
        assertThat(inQuery(token, "/vod/film/b.mp4")).isEqualTo(INVALID);
        assertThat(inQuery(token, "/vod/film/a.mp4x")).isEqualTo(INVALID);
    }

    @Test
    void shouldAcceptAUrlFieldCarriedInTheTokenWhenItIsThePath() throws Exception {
        String signed = "exp=" + (NOW + 60) + "~url=/vod/a.mp4";
        String token = signed + "~hmac=" + EdgeAuthTokenTest.jdkHmacHex(KEY_A, signed);
        assertThat(inQuery(token, "/vod/a.mp4")).isEqualTo(VALID);
        assertThat(inQuery(token, "/vod/b.mp4")).isEqualTo(INVALID);
    }

    @Test
    void shouldRefuseTokensOverFourKibibytes() {
        int fixed = ("exp=" + (NOW + 60) + "~acl=/live/*~data=~hmac=").length() + 64;
        String fits = signWithData("x".repeat(UrlTokenVerifier.MAX_TOKEN_BYTES - fixed));
        String over = signWithData("x".repeat(UrlTokenVerifier.MAX_TOKEN_BYTES - fixed + 1));
        assertThat(fits).hasSize(UrlTokenVerifier.MAX_TOKEN_BYTES);
        assertThat(over).hasSize(UrlTokenVerifier.MAX_TOKEN_BYTES + 1);
        for (String where : new String[] {"query", "header", "cookie", "path"}) {
            assertThat(inPlace(where, fits)).as(where).isEqualTo(VALID);
            assertThat(inPlace(where, over)).as(where).isEqualTo(INVALID);
        }
        assertThat(inPlace("query", "exp=1~" + "%41".repeat(2000))).as("encoded form is bounded too").isEqualTo(INVALID);
    }

    private TokenVerdict inPlace(String where, String token) {
        return switch (where) {
            case "query" -> verifier.verify(PATH, "hdnts=" + token, null, null, null, IP, NOW);
            case "header" -> verifier.verify(PATH, null, null, token, null, IP, NOW);
            case "cookie" -> verifier.verify(PATH, null, "hdnts=" + token, null, null, IP, NOW);
            default -> verifier.verify(PATH, null, null, null, token, IP, NOW);
        };
    }

    private static String signWithData(String data) {
        try {
            String signed = "exp=" + (NOW + 60) + "~acl=/live/*~data=" + data;
            return signed + "~hmac=" + EdgeAuthTokenTest.jdkHmacHex(KEY_A, signed);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void shouldCallMalformedPercentEncodingInvalid() {
        String token = encoded(token(-1, NOW + 60, "/live/*"));
        assertThat(verifier.verify(PATH, "hdnts=" + token + "%", null, null, null, IP, NOW)).isEqualTo(INVALID);
        assertThat(verifier.verify(PATH, "hdnts=" + token + "%4", null, null, null, IP, NOW)).isEqualTo(INVALID);
        assertThat(verifier.verify(PATH, "hdnts=%zz" + token, null, null, null, IP, NOW)).isEqualTo(INVALID);
        assertThat(verifier.verify(PATH, "hdnts=", null, null, null, IP, NOW)).isEqualTo(INVALID);
        assertThat(verifier.verify(PATH, null, null, null, "", IP, NOW)).as("PathToken.decode's malformed").isEqualTo(INVALID);
    }

    @Test
    void shouldNeverThrowOnGarbage() {
        String[] garbage = {"~", "=", "~~~", "hmac=", "exp=~hmac=", "\u0000\uFFFF\uD800", "%00", "a=b=c~d", "!*!*"};
        for (String g : garbage) {
            assertThat(verifier.verify(PATH, "hdnts=" + g, "hdnts=" + g, g, g, IP, NOW)).as(g).isEqualTo(INVALID);
        }
    }

    @Test
    void shouldLetAnyValidTokenThroughAndOtherwiseReportTheFirstFound() {
        String fresh = token(-1, NOW + 60, "/live/*");
        String expired = token(-1, NOW - 60, "/live/*");
        assertThat(verifier.verify(PATH, "hdnts=" + fresh, "hdnts=" + expired, null, null, IP, NOW))
                .as("stale cookie, fresh link").isEqualTo(VALID);
        assertThat(verifier.verify(PATH, "hdnts=" + expired, "hdnts=" + fresh, null, expired, IP, NOW))
                .as("fresh cookie behind expired path and query tokens").isEqualTo(VALID);
        assertThat(verifier.verify(PATH, "hdnts=" + expired, null, null, "garbage", IP, NOW))
                .as("path token first").isEqualTo(INVALID);
        assertThat(verifier.verify(PATH, "hdnts=garbage", null, null, expired, IP, NOW))
                .as("path token first").isEqualTo(EXPIRED);
        assertThat(verifier.verify(PATH, null, "hdnts=garbage", expired, null, IP, NOW))
                .as("header before cookie").isEqualTo(EXPIRED);
    }

    @Test
    void shouldUseTheConfiguredTokenName() {
        UrlTokenVerifier named = new UrlTokenVerifier(new UrlSigning(KEYS, null, "__token__"));
        String token = token(-1, NOW + 60, "/live/*");
        assertThat(named.verify(PATH, "__token__=" + token, null, null, null, IP, NOW)).isEqualTo(VALID);
        assertThat(named.verify(PATH, null, "__token__=" + token, null, null, IP, NOW)).isEqualTo(VALID);
        assertThat(named.verify(PATH, "hdnts=" + token, "hdnts=" + token, null, null, IP, NOW)).isEqualTo(MISSING);
    }

    @Test
    void shouldVerifyNginxSecureLinks() {
        SecureLinkMd5 link = SecureLinkMd5.parse(SecureLinkMd5Test.NGINX_TEMPLATE);
        UrlTokenVerifier both = new UrlTokenVerifier(new UrlSigning(KEYS, link));
        String query = link.sign(PATH, NOW + 60, IP);
        assertThat(both.verify(PATH, query, null, null, null, IP, NOW)).isEqualTo(VALID);
        assertThat(both.verify(PATH, "a=1&" + query + "&b=2", null, null, null, IP, NOW)).isEqualTo(VALID);
        assertThat(both.verify(PATH, query, null, null, null, IP, NOW + 60)).as("expires is inclusive").isEqualTo(VALID);
        assertThat(both.verify(PATH, query, null, null, null, IP, NOW + 61)).isEqualTo(EXPIRED);
        assertThat(both.verify("/live/ch1/seg2.ts", query, null, null, null, IP, NOW)).isEqualTo(INVALID);
        assertThat(both.verify(PATH, query, null, null, null, "203.0.113.8", NOW)).isEqualTo(INVALID);
        assertThat(both.verify(PATH, query.replace("expires=" + (NOW + 60), "expires=" + (NOW + 99)), null, null, null, IP, NOW))
                .isEqualTo(INVALID);
        assertThat(both.verify(PATH, query.substring(0, query.indexOf('&')), null, null, null, IP, NOW))
                .as("no expires").isEqualTo(INVALID);
        assertThat(both.verify(PATH, "md5=AAAA&expires=" + (NOW + 60), null, null, null, IP, NOW)).isEqualTo(INVALID);
        assertThat(both.verify(PATH, query.replace("expires=", "expires=x"), null, null, null, IP, NOW)).isEqualTo(INVALID);
        assertThat(both.verify(PATH, "md5=" + "A".repeat(5000) + "&expires=1", null, null, null, IP, NOW)).isEqualTo(INVALID);
        // Forged and expired: INVALID, as nginx checks the hash before the time.
        assertThat(both.verify(PATH, "md5=AAAAAAAAAAAAAAAAAAAAAA&expires=" + (NOW - 1), null, null, null, IP, NOW)).isEqualTo(INVALID);
    }

    @Test
    void shouldIgnoreSecureLinksWhenNotConfigured() {
        SecureLinkMd5 link = SecureLinkMd5.parse(SecureLinkMd5Test.NGINX_TEMPLATE);
        assertThat(verifier.verify(PATH, link.sign(PATH, NOW + 60, IP), null, null, null, IP, NOW)).isEqualTo(MISSING);
        UrlTokenVerifier linkOnly = new UrlTokenVerifier(new UrlSigning(null, link));
        assertThat(linkOnly.verify(PATH, link.sign(PATH, NOW + 60, IP), null, null, null, IP, NOW)).isEqualTo(VALID);
    }

    @Test
    void shouldAllocateNothingPerVerificationOnceWarm() {
        SecureLinkMd5 link = SecureLinkMd5.parse(SecureLinkMd5Test.NGINX_TEMPLATE);
        UrlTokenVerifier both = new UrlTokenVerifier(new UrlSigning(KEYS, link));
        String query = "hdnts=" + encoded(EdgeAuthToken.sign(OLD_KEY_FIRST, -1, NOW + 60, "/live/ch1/*!/ads/*", IP));
        String cookie = "a=b; hdnts=" + token(-1, NOW - 1, "/live/*");
        String secure = link.sign(PATH, NOW + 60, IP);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 20_000; i++) {
            both.verify(PATH, query, cookie, null, null, IP, NOW);
            both.verify(PATH, secure, cookie, null, null, IP, NOW);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        int valid = 0;
        for (int i = 0; i < 1000; i++) {
            valid += both.verify(PATH, query, cookie, null, null, IP, NOW) == VALID ? 1 : 0;
            valid += both.verify(PATH, secure, cookie, null, null, IP, NOW) == VALID ? 1 : 0;
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(valid).isEqualTo(2000);
        assertThat(allocated).as("bytes for 2000 verifications").isLessThan(2000);
    }

    /** A token found authentic once skips its MAC after that, but nothing else: it still expires and stays in its ACL. */
    @Test
    void shouldStillCheckPathAddressAndTimesOfATokenWhoseMacItRemembers() {
        String token = EdgeAuthToken.sign(KEYS, NOW - 10, NOW + 60, "/live/ch1/*", IP);
        assertThat(inQuery(token, PATH)).as("first use: the MAC is checked").isEqualTo(VALID);
        assertThat(inQuery(token, PATH)).as("remembered").isEqualTo(VALID);
        assertThat(inQuery(token, "/live/ch2/seg1.ts")).as("outside its acl").isEqualTo(INVALID);
        assertThat(verifier.verify(PATH, "hdnts=" + encoded(token), null, null, null, "203.0.113.8", NOW))
                .as("another client").isEqualTo(INVALID);
        assertThat(verifier.verify(PATH, "hdnts=" + encoded(token), null, null, null, IP, NOW + 61))
                .as("after its expiry").isEqualTo(EXPIRED);
        assertThat(verifier.verify(PATH, "hdnts=" + encoded(token), null, null, null, IP, NOW - 11))
                .as("before its start").isEqualTo(INVALID);
        String forged = token.substring(0, token.length() - 1) + (token.endsWith("0") ? "1" : "0");
        assertThat(inQuery(forged, PATH)).as("one MAC digit off a remembered token").isEqualTo(INVALID);
        String widened = token.replace("acl=/live/ch1/*", "acl=/*");
        assertThat(inQuery(widened, "/other/x.ts")).as("its MAC under another acl").isEqualTo(INVALID);
    }

    @Test
    void shouldCheckTheMacOfATokenHashedWithItsPathOnEveryRequest() {
        String token = EdgeAuthToken.signUrl(KEYS, -1, NOW + 60, PATH, null);
        assertThat(inQuery(token, PATH)).isEqualTo(VALID);
        assertThat(inQuery(token, PATH)).isEqualTo(VALID);
        assertThat(inQuery(token, "/live/ch1/seg2.ts")).as("a url token is only good for its own path").isEqualTo(INVALID);
    }

    @Test
    void shouldKeepServingEveryTokenWhenMoreAreInUseThanItRemembers() {
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < AuthenticTokens.SLOTS * 3; i++) {
                String token = EdgeAuthToken.sign(KEYS, -1, NOW + 60 + i, "/live/ch1/*", null);
                assertThat(inQuery(token, PATH)).as("token %d", i).isEqualTo(VALID);
            }
        }
    }
}
