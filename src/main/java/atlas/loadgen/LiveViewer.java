package atlas.loadgen;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One viewer of a live HLS stream, behaving as a player does: it starts three segments behind the live edge (as
 * hls.js and Safari do, HOLD-BACK), fetches every segment once and in order, and reloads the playlist — with
 * {@code _HLS_msn} for the next segment when the playlist says {@code CAN-BLOCK-RELOAD=YES}, otherwise after a
 * target duration (half of one when the playlist had not changed, RFC 8216 §6.3.4).
 * <p>
 * It keeps a playback clock to count stalls: playback starts when the first segment is in, and segment k is due
 * when playback reaches it (the start plus the durations before it). A segment that completes after that is a
 * stall, and playback resumes from the moment it completed, as a player rebuffers. One virtual thread each.
 */
final class LiveViewer implements Runnable {
    /** Players start this many segments behind the newest (hls.js liveSyncDurationCount, Apple's HOLD-BACK). */
    static final int START_BEHIND = 3;

    private final HttpClient http;
    private final URI playlist;
    private final FollowCounters counters;
    private final Duration timeout;
    private final long endNs;
    private final byte[] discard = new byte[64 * 1024];

    LiveViewer(HttpClient http, URI playlist, FollowCounters counters, Duration timeout, long endNs) {
        this.http = http;
        this.playlist = playlist;
        this.counters = counters;
        this.timeout = timeout;
        this.endNs = endNs;
    }

    @Override
    public void run() {
        try {
            follow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            counters.ioErrors.increment();
        } finally {
            counters.viewersDone.increment();
        }
    }

    private void follow() throws IOException, InterruptedException {
        long listedNs = System.nanoTime();
        LivePlaylist current = reload(playlist);
        if (current == null) {
            return;
        }
        long next = Math.max(current.mediaSequence(), current.lastMsn() - (START_BEHIND - 1));
        long playStartNs = 0;
        double bufferedSeconds = 0;
        boolean joining = true; // the segments listed when the viewer came were not new: no listing delay for them
        while (System.nanoTime() < endNs) {
            boolean changed = false;
            for (LivePlaylist.Segment s : current.segments()) {
                if (s.msn() < next || System.nanoTime() >= endNs) {
                    continue;
                }
                changed = true;
                long doneNs = fetchSegment(s, joining ? -1 : listedNs);
                if (doneNs < 0) {
                    return;
                }
                if (playStartNs == 0) {
                    playStartNs = doneNs;
                } else {
                    long dueNs = playStartNs + (long) (bufferedSeconds * 1e9);
                    if (doneNs > dueNs) {
                        counters.stalls.increment();
                        counters.stallMicros.add((doneNs - dueNs) / 1000);
                        playStartNs += doneNs - dueNs; // rebuffered: playback resumes now
                    }
                }
                bufferedSeconds += s.durationSeconds();
                next = s.msn() + 1;
            }
            joining = false;
            if (current.ended()) {
                return;
            }
            if (current.mediaSequence() > next) {
                counters.missedSegments.add(current.mediaSequence() - next);
                next = current.mediaSequence();
            }
            URI reloadUri = playlist;
            if (current.canBlockReload()) {
                reloadUri = URI.create(playlist + (playlist.getRawQuery() == null ? "?" : "&") + "_HLS_msn=" + next);
            } else {
                double wait = current.targetDurationSeconds() * (changed ? 1.0 : 0.5);
                long untilNs = Math.min(endNs, System.nanoTime() + (long) (Math.max(0.1, wait) * 1e9));
                TimeUnit.NANOSECONDS.sleep(untilNs - System.nanoTime()); // a player's reload timer
            }
            long askedNs = System.nanoTime();
            LivePlaylist reloaded = reload(reloadUri);
            listedNs = System.nanoTime();
            if (reloaded == null) {
                return;
            }
            if (current.canBlockReload()) {
                counters.blockingReloads.increment();
                counters.blockingReload.recordValue(Math.min(FollowCounters.MAX_US, (listedNs - askedNs) / 1000));
            }
            current = reloaded;
        }
    }

    /** The playlist, or null when the server answered something else than 200 (counted). */
    private LivePlaylist reload(URI uri) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(request(uri, timeout.plus(Duration.ofSeconds(30))),
                HttpResponse.BodyHandlers.ofString());
        counters.reloads.increment();
        if (r.statusCode() != 200) {
            counters.httpErrors.increment();
            return null;
        }
        return LivePlaylist.parse(playlist, r.body());
    }

    /**
     * Fetches one segment; the time its last byte came, or -1 on an HTTP error (counted). {@code listedNs}: when the
     * playlist that first listed it arrived, or -1 for a segment that was there when the viewer joined.
     */
    private long fetchSegment(LivePlaylist.Segment s, long listedNs) throws IOException, InterruptedException {
        long startNs = System.nanoTime();
        HttpResponse<InputStream> r = http.send(request(s.uri(), timeout), HttpResponse.BodyHandlers.ofInputStream());
        long firstByteNs = System.nanoTime();
        long bytes = 0;
        try (InputStream in = r.body()) {
            for (int n; (n = in.read(discard)) > 0; ) {
                bytes += n;
            }
        }
        long doneNs = System.nanoTime();
        if (r.statusCode() != 200) {
            counters.httpErrors.increment();
            return -1;
        }
        counters.segments.increment();
        counters.segmentBytes.add(bytes);
        if (listedNs >= 0) {
            counters.listedToFirstByte.recordValue(Math.min(FollowCounters.MAX_US, (firstByteNs - listedNs) / 1000));
        }
        counters.segmentDownload.recordValue(Math.min(FollowCounters.MAX_US, (doneNs - startNs) / 1000));
        return doneNs;
    }

    private static HttpRequest request(URI uri, Duration timeout) {
        return HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
    }
}
