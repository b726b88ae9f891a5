package atlas.loadgen;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code atlas bench --follow URL}: N viewers of one live stream for a duration; a line a second on stderr, then a
 * {@link FollowReport}. An HLS playlist is followed by {@link LiveViewer}s, each on a virtual thread over one shared
 * HTTP/1.1 client; a DASH MPD ({@code .mpd}) by {@link DashFollow}'s selector threads, thousands of viewers each.
 * Viewers join over the first second (a real audience does not arrive in one instant, and a thundering herd of
 * first requests would measure the client).
 */
public final class LiveFollow {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    /** {@code threads}: selector threads for DASH viewers. */
    public record Settings(URI playlist, int viewers, Duration duration, Duration timeout, int threads) {
    }

    private final Settings settings;

    public LiveFollow(Settings settings) {
        this.settings = settings;
    }

    public FollowReport run(PrintStream progress) throws IOException, InterruptedException {
        if (settings.playlist().getPath().endsWith(".mpd")) {
            return new DashFollow(settings).run(progress);
        }
        URI media = Playlists.mediaPlaylist(settings.playlist());
        FollowCounters counters = new FollowCounters();
        long startNs = System.nanoTime();
        long endNs = startNs + settings.duration().toNanos();
        List<Thread> threads = new ArrayList<>(settings.viewers());
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT).build()) {
            for (int i = 0; i < settings.viewers(); i++) {
                long joinNs = startNs + TimeUnit.SECONDS.toNanos(1) * i / settings.viewers();
                LiveViewer viewer = new LiveViewer(http, media, counters, settings.timeout(), endNs);
                threads.add(Thread.ofVirtual().name("viewer-" + i).start(() -> {
                    try {
                        TimeUnit.NANOSECONDS.sleep(joinNs - System.nanoTime());
                    } catch (InterruptedException e) {
                        return;
                    }
                    viewer.run();
                }));
            }
            showProgress(progress, counters, startNs, endNs);
            for (Thread t : threads) {
                // A viewer in a held reload or a download ends with it; past the timeout it is abandoned.
                t.join(Math.max(1, settings.timeout().toMillis() + 35_000));
            }
            threads.forEach(Thread::interrupt);
        }
        return new FollowReport(media, settings.viewers(), (System.nanoTime() - startNs) / 1e9, counters);
    }

    /** A line a second on {@code progress} until {@code endNs}: segments and stalls in that second, errors so far. */
    static void showProgress(PrintStream progress, FollowCounters counters, long startNs, long endNs)
            throws InterruptedException {
        long lastSegments = 0;
        long lastStalls = 0;
        for (long tick = startNs + TimeUnit.SECONDS.toNanos(1); tick < endNs; tick += TimeUnit.SECONDS.toNanos(1)) {
            TimeUnit.NANOSECONDS.sleep(tick - System.nanoTime());
            long segments = counters.segments.sum();
            long stalls = counters.stalls.sum();
            progress.printf(Locale.ROOT, "atlas bench --follow: %3d s  %6d segments/s  %4d stalls  %d errors%n",
                    TimeUnit.NANOSECONDS.toSeconds(tick - startNs), segments - lastSegments, stalls - lastStalls,
                    counters.httpErrors.sum() + counters.ioErrors.sum());
            lastSegments = segments;
            lastStalls = stalls;
        }
    }
}
