package atlas.fill;

import atlas.http.HttpDate;
import atlas.store.UpstreamCopy;
import org.junit.jupiter.api.Test;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ResponseFreshnessTest {
    private static final long NOW = 1_800_000_000_000L; // ms, a whole second
    private static final CachePolicy POLICY = new CachePolicy(Duration.ofMinutes(10), Duration.ofSeconds(1),
            Duration.ofSeconds(10), Duration.ofHours(1), List.of("live/"));

    private static HttpHeaders headers(String... nameValue) {
        Map<String, List<String>> map = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            map.computeIfAbsent(nameValue[i], k -> new java.util.ArrayList<>()).add(nameValue[i + 1]);
        }
        return HttpHeaders.of(map, (a, b) -> true);
    }

    private static UpstreamCopy.Terms of(String name, String... nameValue) {
        return ResponseFreshness.of(name, headers(nameValue), NOW, POLICY);
    }

    @Test
    void shouldPreferSMaxAgeOverMaxAgeAndForbidStaleWithIt() {
        UpstreamCopy.Terms t = of("a.ts", "Cache-Control", "public, max-age=60, s-maxage=30, stale-if-error=99");
        assertThat(t.freshUntilMillis()).isEqualTo(NOW + 30_000);
        assertThat(t.staleIfErrorMillis()).isZero(); // §5.2.2.10: s-maxage implies proxy-revalidate
        assertThat(t.cacheControl()).isEqualTo("public, max-age=60, s-maxage=30, stale-if-error=99");
    }

    @Test
    void shouldSubtractTheAgeTheResponseAlreadyHas() {
        UpstreamCopy.Terms t = of("a.ts", "Cache-Control", "max-age=60", "Age", "20");
        assertThat(t.freshUntilMillis()).isEqualTo(NOW + 40_000);
        assertThat(t.ageSeconds(NOW + 5_000)).isEqualTo(25);
        assertThat(t.ageSeconds(NOW)).isEqualTo(20);
        // Rounded up: a cache below us must not take a copy 0.1 s older than its Age for fresher.
        assertThat(t.ageSeconds(NOW + 100)).isEqualTo(21);
        assertThat(t.ageSeconds(NOW + 4_001)).isEqualTo(25);
        // A Date lagging behind our clock counts too (apparent age), whichever is larger.
        t = of("a.ts", "Cache-Control", "max-age=60", "Date", HttpDate.format(NOW / 1000 - 50), "Age", "5");
        assertThat(t.freshUntilMillis()).isEqualTo(NOW + 10_000);
    }

    @Test
    void shouldUseExpiresMinusDateWithoutMaxAge() {
        UpstreamCopy.Terms t = of("a.ts", "Date", HttpDate.format(NOW / 1000),
                "Expires", HttpDate.format(NOW / 1000 + 120));
        assertThat(t.freshUntilMillis()).isEqualTo(NOW + 120_000);
        // An invalid Expires means already expired (§5.3).
        assertThat(of("a.ts", "Date", HttpDate.format(NOW / 1000), "Expires", "0").fresh(NOW)).isFalse();
    }

    @Test
    void shouldFallBackToThePolicyShorterForManifests() {
        assertThat(of("v/seg1.ts").freshUntilMillis()).isEqualTo(NOW + 600_000);
        assertThat(of("v/index.m3u8").freshUntilMillis()).isEqualTo(NOW + 1_000);
        assertThat(of("v/manifest.mpd").freshUntilMillis()).isEqualTo(NOW + 1_000);
        assertThat(of("v/seg1.ts").staleIfErrorMillis()).isEqualTo(3_600_000);
        assertThat(of("v/seg1.ts").staleWhileRevalidateMillis()).isZero();
    }

    @Test
    void shouldNotStorePrivateOrNoStoreAndAlwaysRevalidateNoCache() {
        assertThat(of("a.ts", "Cache-Control", "no-store")).isNull();
        assertThat(of("a.ts", "Cache-Control", "private, max-age=60")).isNull();
        assertThat(of("a.ts", "Cache-Control", "max-age=60", "Cache-Control", "no-store")).isNull(); // two lines
        UpstreamCopy.Terms t = of("a.ts", "Cache-Control", "no-cache=\"Set-Cookie, X-A\", max-age=60");
        assertThat(t).isNotNull();
        assertThat(t.fresh(NOW)).isFalse();
    }

    @Test
    void shouldReadStaleDirectivesUnlessMustRevalidate() {
        UpstreamCopy.Terms t = of("a.ts", "Cache-Control", "max-age=10, stale-while-revalidate=5, stale-if-error=20");
        assertThat(t.fresh(NOW + 9_999)).isTrue();
        assertThat(t.fresh(NOW + 10_000)).isFalse();
        assertThat(t.staleWhileRevalidating(NOW + 14_999)).isTrue();
        assertThat(t.staleWhileRevalidating(NOW + 15_000)).isFalse();
        assertThat(t.staleOnError(NOW + 29_999)).isTrue();
        assertThat(t.ttlSeconds(NOW + 12_000)).isEqualTo(-2);
        t = of("a.ts", "Cache-Control", "max-age=10, must-revalidate, stale-while-revalidate=5");
        assertThat(t.staleWhileRevalidating(NOW + 10_000)).isFalse();
        assertThat(t.staleOnError(NOW + 10_000)).isFalse();
    }

    @Test
    void shouldTreatAMalformedMaxAgeAsStaleAndIgnoreUnknownDirectives() {
        assertThat(of("a.ts", "Cache-Control", "max-age=ten").fresh(NOW)).isFalse();
        assertThat(of("a.ts", "Cache-Control", "max-age=\"30\", x-unknown=1, immutable").freshUntilMillis())
                .isEqualTo(NOW + 30_000);
        assertThat(of("a.ts", "Cache-Control", "max-age=99999999999999999999").fresh(NOW + 86_400_000L)).isTrue();
    }

    @Test
    void shouldKeepTheValidatorsForRevalidation() {
        UpstreamCopy.Terms t = of("a.ts", "ETag", "\"abc\"", "Last-Modified", "Tue, 01 Dec 2026 10:00:00 GMT");
        assertThat(t.etag()).isEqualTo("\"abc\"");
        assertThat(t.lastModified()).isEqualTo("Tue, 01 Dec 2026 10:00:00 GMT");
    }

    @Test
    void shouldRefreshFromA304KeepingWhatItDoesNotSend() {
        UpstreamCopy.Terms stored = of("a.ts", "Cache-Control", "max-age=10", "ETag", "\"v1\"");
        UpstreamCopy.Terms renewed = ResponseFreshness.refreshed("a.ts", stored, headers(), NOW + 60_000, POLICY);
        assertThat(renewed.freshUntilMillis()).isEqualTo(NOW + 70_000);
        assertThat(renewed.etag()).isEqualTo("\"v1\"");
        renewed = ResponseFreshness.refreshed("a.ts", stored, headers("Cache-Control", "max-age=100"),
                NOW + 60_000, POLICY);
        assertThat(renewed.freshUntilMillis()).isEqualTo(NOW + 160_000);
        assertThat(renewed.cacheControl()).isEqualTo("max-age=100");
    }

    @Test
    void shouldRememberA404BrieflyAndLessUnderALivePrefix() {
        assertThat(ResponseFreshness.negativeMillis("vod/a.ts", headers(), POLICY)).isEqualTo(10_000);
        assertThat(ResponseFreshness.negativeMillis("live/seg9.m4s", headers(), POLICY)).isEqualTo(1_000);
        assertThat(ResponseFreshness.negativeMillis("vod/a.ts", headers("Cache-Control", "max-age=3"), POLICY))
                .isEqualTo(3_000);
        assertThat(ResponseFreshness.negativeMillis("vod/a.ts", headers("Cache-Control", "no-store"), POLICY))
                .isZero();
    }
}
