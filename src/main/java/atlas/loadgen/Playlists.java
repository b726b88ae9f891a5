package atlas.loadgen;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * HLS playlists as a source of targets: the media segments a player would fetch.
 * <ul>
 *   <li>A <em>media</em> playlist lists its segments as URI lines (every line that is neither blank nor a
 *       {@code #} tag), relative to the playlist's own URL (RFC 8216 §4.1).</li>
 *   <li>A <em>master</em> playlist ({@code #EXT-X-STREAM-INF} tags) lists variants; like a player starting up we
 *       follow the first one, at most {@link #MAX_HOPS} times.</li>
 * </ul>
 * A live playlist (no {@code #EXT-X-ENDLIST}) gives the segments listed when it was fetched.
 */
public final class Playlists {
    static final int MAX_HOPS = 4;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private Playlists() {
    }

    /** What one playlist text says: either a variant to follow or the segments. */
    record Parsed(URI variant, List<URI> segments) {
        boolean isMaster() {
            return variant != null;
        }
    }

    /** Whether a URL names a playlist (by its extension), so {@code atlas bench URL} can expand it. */
    public static boolean looksLikePlaylist(URI uri) {
        String path = uri.getPath();
        return path != null && (path.endsWith(".m3u8") || path.endsWith(".m3u"));
    }

    /** Parses a playlist fetched from {@code base}; URIs are resolved against {@code base}. */
    static Parsed parse(URI base, String text) {
        if (!text.stripLeading().startsWith("#EXTM3U")) {
            throw new IllegalArgumentException(base + ": not an HLS playlist (no #EXTM3U header)");
        }
        boolean nextIsVariant = false;
        List<URI> segments = new ArrayList<>();
        for (String raw : text.lines().toList()) {
            String line = raw.strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                if (line.startsWith("#EXT-X-STREAM-INF")) {
                    nextIsVariant = true;
                }
                continue;
            }
            URI uri = resolve(base, line);
            if (nextIsVariant) {
                return new Parsed(uri, List.of());
            }
            segments.add(uri);
        }
        return new Parsed(null, List.copyOf(segments));
    }

    private static URI resolve(URI base, String reference) {
        try {
            return base.resolve(reference);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(base + ": bad URI in playlist: '" + reference + "'", e);
        }
    }

    /** Fetches {@code playlist} (following a master playlist's first variant) and returns its segment URLs. */
    public static List<URI> segments(URI playlist) throws IOException, InterruptedException {
        Media media = follow(playlist);
        if (media.parsed().segments().isEmpty()) {
            throw new IOException(media.uri() + ": playlist lists no segments");
        }
        return media.parsed().segments();
    }

    /** The media playlist {@code playlist} leads to: itself, or a master playlist's first variant (followed). */
    public static URI mediaPlaylist(URI playlist) throws IOException, InterruptedException {
        return follow(playlist).uri();
    }

    private record Media(URI uri, Parsed parsed) {
    }

    private static Media follow(URI playlist) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT)
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        URI current = playlist;
        for (int hop = 0; hop <= MAX_HOPS; hop++) {
            Parsed parsed = parse(current, fetch(http, current));
            if (!parsed.isMaster()) {
                return new Media(current, parsed);
            }
            current = parsed.variant();
        }
        throw new IOException(playlist + ": more than " + MAX_HOPS + " nested master playlists");
    }

    private static String fetch(HttpClient http, URI uri) throws IOException, InterruptedException {
        HttpResponse<String> response;
        try {
            response = http.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new IOException("cannot connect to " + uri + " (is the server running?)", e);
        } catch (HttpTimeoutException e) {
            throw new IOException(uri + ": no answer within " + TIMEOUT.toSeconds() + " s", e);
        }
        if (response.statusCode() != 200) {
            throw new IOException(uri + ": HTTP " + response.statusCode() + " fetching the playlist");
        }
        return response.body();
    }
}
