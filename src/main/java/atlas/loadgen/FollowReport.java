package atlas.loadgen;

import org.HdrHistogram.Histogram;

import java.net.URI;
import java.util.Locale;

/** The end of an {@code atlas bench --follow} run: what the viewers got, as text and as one JSON object. */
public final class FollowReport {
    private final URI playlist;
    private final int viewers;
    private final double seconds;
    private final Histogram listed;
    private final Histogram started;
    private final Histogram download;
    private final Histogram blocking;
    private final FollowCounters c;

    FollowReport(URI playlist, int viewers, double seconds, FollowCounters counters) {
        this.playlist = playlist;
        this.viewers = viewers;
        this.seconds = seconds;
        this.c = counters;
        this.listed = counters.listedToFirstByte.getIntervalHistogram();
        this.started = counters.segmentStartToFirstByte.getIntervalHistogram();
        this.download = counters.segmentDownload.getIntervalHistogram();
        this.blocking = counters.blockingReload.getIntervalHistogram();
    }

    public long segments() {
        return c.segments.sum();
    }

    public long stalls() {
        return c.stalls.sum();
    }

    public long errors() {
        return c.httpErrors.sum() + c.ioErrors.sum();
    }

    private static String ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? "-" : String.format(Locale.ROOT, "%.1f", h.getValueAtPercentile(percentile) / 1e3);
    }

    public String text() {
        StringBuilder t = new StringBuilder(String.format(Locale.ROOT, """
                following %s: %d viewers, %.1f s
                segments     %d delivered (%.1f/s), %.1f MB, %d missed (fell behind the live edge)
                stalls       %d (%.2f s in all)
                """, playlist, viewers, seconds, segments(), segments() / seconds, c.segmentBytes.sum() / 1e6,
                c.missedSegments.sum(), stalls(), c.stallMicros.sum() / 1e6));
        if (listed.getTotalCount() > 0) {
            t.append(String.format(Locale.ROOT, "listed->first byte   p50 %s ms  p99 %s ms  max %s ms  (from the "
                    + "playlist that listed a segment to its first byte)%n", ms(listed, 50), ms(listed, 99),
                    ms(listed, 100)));
        }
        if (started.getTotalCount() > 0) {
            t.append(String.format(Locale.ROOT, "start->first byte    p50 %s ms  p99 %s ms  max %s ms  (from the "
                    + "moment a segment starts being produced to its first byte; %d asked for early)%n",
                    ms(started, 50), ms(started, 99), ms(started, 100), c.earlyRequests.sum()));
        }
        t.append(String.format(Locale.ROOT, "segment download     p50 %s ms  p99 %s ms%n", ms(download, 50),
                ms(download, 99)));
        if (c.reloads.sum() > 0) {
            t.append(String.format(Locale.ROOT, "reloads      %d, %d blocking (_HLS_msn), held p50 %s ms  p99 %s ms%n",
                    c.reloads.sum(), c.blockingReloads.sum(), ms(blocking, 50), ms(blocking, 99)));
        }
        t.append(String.format(Locale.ROOT, "errors       %d HTTP, %d I/O%n", c.httpErrors.sum(), c.ioErrors.sum()));
        return t.toString();
    }

    public String json() {
        return String.format(Locale.ROOT, "{\"playlist\":\"%s\",\"viewers\":%d,\"durationSeconds\":%.3f,"
                        + "\"segments\":%d,\"segmentBytes\":%d,\"missedSegments\":%d,\"stalls\":%d,\"stallSeconds\":%.3f,"
                        + "\"listedToFirstByteMicros\":{\"p50\":%d,\"p99\":%d,\"max\":%d},"
                        + "\"startToFirstByteMicros\":{\"p50\":%d,\"p99\":%d,\"max\":%d},\"earlyRequests\":%d,"
                        + "\"segmentDownloadMicros\":{\"p50\":%d,\"p99\":%d},\"reloads\":%d,\"blockingReloads\":%d,"
                        + "\"blockingHeldMicros\":{\"p50\":%d,\"p99\":%d},\"errors\":{\"http\":%d,\"io\":%d}}",
                playlist, viewers, seconds, segments(), c.segmentBytes.sum(), c.missedSegments.sum(), stalls(),
                c.stallMicros.sum() / 1e6, at(listed, 50), at(listed, 99), at(listed, 100), at(started, 50),
                at(started, 99), at(started, 100), c.earlyRequests.sum(), at(download, 50),
                at(download, 99), c.reloads.sum(), c.blockingReloads.sum(), at(blocking, 50), at(blocking, 99),
                c.httpErrors.sum(), c.ioErrors.sum());
    }

    private static long at(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile);
    }
}
