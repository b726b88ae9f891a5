package atlas.server;

import java.time.Duration;
import java.util.function.Function;

/**
 * {@code --retain PREFIX=DURATION}: objects whose names start with {@code prefix} expire once their mtime is older
 * than {@code maxAge} (issue 6, point 4: a live stream's old segments). Playlists never expire: a live playlist is
 * rewritten every segment, and a finished one must stay to describe what is left.
 *
 * @param prefix object-name prefix, like {@code live/} (may be empty: the whole volume)
 * @param maxAge objects older than this expire
 */
public record RetentionRule(String prefix, Duration maxAge) {
    public RetentionRule {
        if (prefix.startsWith("/")) {
            throw new IllegalArgumentException("prefix is an object name without the leading '/'");
        }
        if (!maxAge.isPositive()) {
            throw new IllegalArgumentException("duration must be greater than zero");
        }
    }

    /**
     * Parses {@code PREFIX=DURATION}, splitting at the last {@code =} (a prefix may contain one); {@code durations}
     * parses the duration (the CLI's converter) and throws IllegalArgumentException with its own wording.
     */
    public static RetentionRule parse(String spec, Function<String, Duration> durations) {
        int eq = spec.lastIndexOf('=');
        if (eq < 0) {
            throw new IllegalArgumentException("expected PREFIX=DURATION, e.g. live/=10m");
        }
        return new RetentionRule(spec.substring(0, eq).strip(), durations.apply(spec.substring(eq + 1).strip()));
    }

    /** True if this rule may expire {@code name}: under the prefix and not a playlist. */
    public boolean covers(String name) {
        return name.startsWith(prefix) && !isPlaylist(name);
    }

    /** HLS and DASH playlists/manifests, which retention never deletes. */
    static boolean isPlaylist(String name) {
        return name.endsWith(".m3u8") || name.endsWith(".mpd");
    }

    /** {@code live/=10m}, the form it was given in. */
    @Override
    public String toString() {
        long ms = maxAge.toMillis();
        String d = ms % 3_600_000 == 0 ? ms / 3_600_000 + "h" : ms % 60_000 == 0 ? ms / 60_000 + "m"
                : ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
        return prefix + "=" + d;
    }
}
