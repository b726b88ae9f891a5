package atlas.loadgen;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code atlas bench --follow URL.mpd}: the viewers of a live DASH stream, spread over selector threads
 * ({@link DashFollowWorker}), after one read of the MPD; the report is the same {@link FollowReport} as for HLS,
 * with each segment's first byte timed from the moment the encoder starts producing it.
 */
final class DashFollow {
    private final LiveFollow.Settings settings;

    DashFollow(LiveFollow.Settings settings) {
        this.settings = settings;
    }

    FollowReport run(PrintStream progress) throws IOException, InterruptedException {
        URI mpd = settings.playlist();
        LiveManifest manifest;
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(mpd).timeout(settings.timeout()).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IOException(mpd + ": " + r.statusCode() + " (a live MPD must be there to follow)");
            }
            manifest = LiveManifest.parse(mpd, r.body());
        }
        int port = mpd.getPort() > 0 ? mpd.getPort() : 80;
        if (!"http".equals(mpd.getScheme())) {
            throw new IOException(mpd + ": only http:// streams are followed by DASH viewers");
        }
        InetSocketAddress address = new InetSocketAddress(mpd.getHost(), port);
        FollowCounters counters = new FollowCounters();
        long startNs = System.nanoTime();
        long endNs = startNs + settings.duration().toNanos();
        int threads = Math.max(1, Math.min(settings.threads(), settings.viewers()));
        List<Thread> running = new ArrayList<>(threads);
        for (int t = 0; t < threads; t++) {
            int share = settings.viewers() / threads + (t < settings.viewers() % threads ? 1 : 0);
            DashFollowWorker w = new DashFollowWorker(manifest, address, share, TimeUnit.SECONDS.toNanos(1), counters,
                    settings.timeout().toNanos(), startNs, endNs);
            running.add(Thread.ofPlatform().name("dash-viewers-" + t).start(w));
        }
        LiveFollow.showProgress(progress, counters, startNs, endNs);
        for (Thread t : running) {
            t.join();
        }
        return new FollowReport(mpd, settings.viewers(), (System.nanoTime() - startNs) / 1e9, counters);
    }
}
