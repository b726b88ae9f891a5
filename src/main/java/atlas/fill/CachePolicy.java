package atlas.fill;

import java.time.Duration;
import java.util.List;

/**
 * An edge's defaults for what the upstream does not say (RFC 9111 §4.2.2 leaves a response without explicit
 * freshness to the cache): how long a copy is fresh, shorter for the manifests of live streams, how long an
 * upstream 404 is remembered (shorter under a live prefix, where a segment that is missing now exists a moment
 * later), and how long past freshness a copy is still served when the upstream fails.
 *
 * @param ttl              freshness of a response without Cache-Control max-age/s-maxage or Expires
 * @param manifestTtl      the same for {@code .m3u8} and {@code .mpd}
 * @param negativeTtl      how long a 404 (or 410) is remembered, unless it says otherwise
 * @param staleIfError     how long past freshness a copy is served when the upstream fails, unless it says otherwise
 *                         or forbids it (must-revalidate)
 * @param livePrefixes     names under these are live: their 404s are remembered at most {@link #LIVE_NEGATIVE_TTL}
 */
public record CachePolicy(Duration ttl, Duration manifestTtl, Duration negativeTtl, Duration staleIfError,
                          List<String> livePrefixes) {
    /** A live segment missing now is usually there within a part or segment duration. */
    public static final Duration LIVE_NEGATIVE_TTL = Duration.ofSeconds(1);

    public CachePolicy {
        livePrefixes = List.copyOf(livePrefixes);
    }

    public static CachePolicy defaults() {
        return new CachePolicy(Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofSeconds(10),
                Duration.ofHours(1), List.of());
    }

    /** A live stream's manifest, by its name: changes every segment. */
    static boolean isManifest(String name) {
        return name.endsWith(".m3u8") || name.endsWith(".mpd");
    }

    /** Milliseconds an upstream 404 of {@code name} is remembered, when the response does not say. */
    long negativeMillis(String name) {
        long ms = negativeTtl.toMillis();
        for (String prefix : livePrefixes) {
            if (name.startsWith(prefix)) {
                return Math.min(ms, LIVE_NEGATIVE_TTL.toMillis());
            }
        }
        return ms;
    }

    /** Milliseconds a response of {@code name} without explicit freshness is fresh. */
    long defaultFreshMillis(String name) {
        return (isManifest(name) ? manifestTtl : ttl).toMillis();
    }
}
