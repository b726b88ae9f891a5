package atlas.fill;

import atlas.http.HttpDate;
import atlas.store.UpstreamCopy;

import java.net.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads an upstream response's caching terms as a shared cache must (RFC 9111): whether it may be stored at all,
 * for how long it is fresh, how old it already is, how long it may be served stale, and its validators. Pure: the
 * time the response arrived is given, so tests need no clock.
 * <ul>
 *   <li>Not stored: {@code no-store}, or {@code private} (§5.2.2.7: a shared cache MUST NOT store it). The fill
 *       still reaches the clients waiting for it; the copy is dropped once it is complete.
 *   <li>Freshness lifetime (§4.2.1): {@code s-maxage}, else {@code max-age}, else {@code Expires} − {@code Date},
 *       else the policy's default (shorter for manifests). {@code no-cache} makes it 0: stored, but revalidated
 *       before every use.
 *   <li>Age (§4.2.3): the larger of the {@code Age} field and the {@code Date} field's lag behind our clock.
 *   <li>Stale (RFC 5861): {@code stale-while-revalidate=N} as given (0 otherwise); {@code stale-if-error=N} as
 *       given, else the policy's; {@code must-revalidate}, {@code proxy-revalidate} and {@code s-maxage}
 *       (§5.2.2.10) forbid both.
 * </ul>
 * Directives this edge does not know are ignored, as §5.2 requires; a malformed number counts as absent, except
 * for max-age and s-maxage, where it counts as 0 (§4.2.1: an invalid freshness is stale).
 */
final class ResponseFreshness {
    private ResponseFreshness() {
    }

    /** The terms to store the response of {@code name} under, or null when it must not be stored. */
    static UpstreamCopy.Terms of(String name, HttpHeaders headers, long responseMillis, CachePolicy policy) {
        CacheControl cc = CacheControl.parse(String.join(",", headers.allValues("Cache-Control")));
        if (cc.noStore || cc.isPrivate) {
            return null;
        }
        long dateSeconds = date(headers, "Date");
        long ageSeconds = Math.max(0, number(headers.firstValue("Age").orElse(null)));
        if (dateSeconds >= 0) {
            ageSeconds = Math.max(ageSeconds, responseMillis / 1000 - dateSeconds);
        }
        long lifetimeMillis;
        if (cc.sMaxAge >= 0) {
            lifetimeMillis = cc.sMaxAge * 1000;
        } else if (cc.maxAge >= 0) {
            lifetimeMillis = cc.maxAge * 1000;
        } else if (headers.firstValue("Expires").isPresent()) {
            long expires = date(headers, "Expires"); // an invalid Expires is "already expired" (§5.3)
            lifetimeMillis = expires < 0 || dateSeconds < 0 ? 0 : Math.max(0, expires - dateSeconds) * 1000;
        } else {
            lifetimeMillis = policy.defaultFreshMillis(name);
        }
        if (cc.noCache) {
            lifetimeMillis = 0;
        }
        long freshUntil = responseMillis + lifetimeMillis - ageSeconds * 1000;
        boolean staleForbidden = cc.mustRevalidate || cc.sMaxAge >= 0;
        long whileRevalidate = staleForbidden ? 0 : Math.max(0, cc.staleWhileRevalidate) * 1000;
        long ifError = staleForbidden ? 0
                : cc.staleIfError >= 0 ? cc.staleIfError * 1000 : policy.staleIfError().toMillis();
        String cacheControl = headers.allValues("Cache-Control").isEmpty() ? null
                : String.join(", ", headers.allValues("Cache-Control"));
        return new UpstreamCopy.Terms(responseMillis, ageSeconds, freshUntil,
                whileRevalidate, ifError, headers.firstValue("ETag").orElse(null),
                headers.firstValue("Last-Modified").orElse(null), cacheControl);
    }

    /** Milliseconds a 404 of {@code name} is remembered: its own max-age if it has one, else the policy's. */
    static long negativeMillis(String name, HttpHeaders headers, CachePolicy policy) {
        CacheControl cc = CacheControl.parse(String.join(",", headers.allValues("Cache-Control")));
        if (cc.noStore || cc.isPrivate || cc.noCache) {
            return 0;
        }
        long seconds = cc.sMaxAge >= 0 ? cc.sMaxAge : cc.maxAge;
        return seconds >= 0 ? seconds * 1000 : policy.negativeMillis(name);
    }

    /**
     * A 304's fields update the stored copy's (§4.3.4): its own Cache-Control, Expires, Date and validators when it
     * sends them, the stored ones otherwise.
     */
    static UpstreamCopy.Terms refreshed(String name, UpstreamCopy.Terms stored, HttpHeaders notModified,
                                        long responseMillis, CachePolicy policy) {
        Map<String, List<String>> merged = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (stored.cacheControl() != null) {
            merged.put("Cache-Control", List.of(stored.cacheControl()));
        }
        if (stored.etag() != null) {
            merged.put("ETag", List.of(stored.etag()));
        }
        if (stored.lastModified() != null) {
            merged.put("Last-Modified", List.of(stored.lastModified()));
        }
        for (String field : new String[]{"Cache-Control", "Expires", "Date", "Age", "ETag", "Last-Modified"}) {
            List<String> values = notModified.allValues(field);
            if (!values.isEmpty()) {
                merged.put(field, values);
            }
        }
        UpstreamCopy.Terms renewed = of(name, HttpHeaders.of(merged, (a, b) -> true), responseMillis, policy);
        return renewed != null ? renewed.sliceOf(stored.completeLength())
                : new UpstreamCopy.Terms(responseMillis, 0, responseMillis - 1, 0, 0, stored.etag(),
                stored.lastModified(), stored.cacheControl(), stored.completeLength()); // now no-store: never fresh
    }

    private static long date(HttpHeaders headers, String field) {
        return headers.firstValue(field).map(HttpDate::parse).orElse(-1L);
    }

    /** A delta-seconds (§1.2.2), or -1 when absent or malformed; huge values are capped (2^31, as §1.2.2 says). */
    static long number(String text) {
        if (text == null) {
            return -1;
        }
        String t = text.strip();
        if (t.length() >= 2 && t.charAt(0) == '"' && t.charAt(t.length() - 1) == '"') {
            t = t.substring(1, t.length() - 1); // the quoted form §5.2 says a cache should accept
        }
        if (t.isEmpty() || !t.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            return -1;
        }
        return t.length() > 10 ? Integer.MAX_VALUE : Math.min(Long.parseLong(t), Integer.MAX_VALUE);
    }

    /** The directives of one response's Cache-Control fields that a shared cache acts on. */
    static final class CacheControl {
        boolean noStore;
        boolean noCache;
        boolean isPrivate;
        boolean mustRevalidate;
        long maxAge = -1;
        long sMaxAge = -1;
        long staleWhileRevalidate = -1;
        long staleIfError = -1;

        static CacheControl parse(String value) {
            CacheControl cc = new CacheControl();
            for (String directive : splitDirectives(value)) {
                int eq = directive.indexOf('=');
                String key = (eq < 0 ? directive : directive.substring(0, eq)).strip().toLowerCase(Locale.ROOT);
                String arg = eq < 0 ? null : directive.substring(eq + 1);
                switch (key) {
                    case "no-store" -> cc.noStore = true;
                    // With field names (no-cache="Set-Cookie") only those fields may not be reused; we do not
                    // store fields apart, so the whole response is revalidated: stricter, never wrong.
                    case "no-cache" -> cc.noCache = true;
                    case "private" -> cc.isPrivate = true;
                    case "must-revalidate", "proxy-revalidate" -> cc.mustRevalidate = true;
                    case "max-age" -> cc.maxAge = Math.max(0, number(arg));
                    case "s-maxage" -> cc.sMaxAge = Math.max(0, number(arg));
                    case "stale-while-revalidate" -> cc.staleWhileRevalidate = number(arg);
                    case "stale-if-error" -> cc.staleIfError = number(arg);
                    default -> {
                        // unknown directives are ignored (§5.2.3)
                    }
                }
            }
            return cc;
        }

        /** Splits at commas outside quoted strings (a no-cache="a, b" argument holds commas). */
        private static List<String> splitDirectives(String value) {
            List<String> out = new ArrayList<>();
            boolean quoted = false;
            int start = 0;
            for (int i = 0; i < value.length(); i++) {
                char ch = value.charAt(i);
                if (ch == '"' && (i == 0 || value.charAt(i - 1) != '\\')) {
                    quoted = !quoted;
                } else if (ch == ',' && !quoted) {
                    out.add(value.substring(start, i));
                    start = i + 1;
                }
            }
            out.add(value.substring(start));
            out.removeIf(String::isBlank);
            return out;
        }
    }
}
