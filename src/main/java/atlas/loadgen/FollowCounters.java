package atlas.loadgen;

import org.HdrHistogram.Recorder;

import java.util.concurrent.atomic.LongAdder;

/**
 * What every viewer of an {@code atlas bench --follow} run adds to: wait-free across the viewers' threads
 * (HdrHistogram {@link Recorder}s and {@link LongAdder}s), read by the reporter.
 */
final class FollowCounters {
    static final long MAX_US = 3_600_000_000L;

    /** From the playlist response that first listed a segment to that segment's first response byte (µs). */
    final Recorder listedToFirstByte = new Recorder(MAX_US, 3);
    /** DASH: from the moment a segment starts being produced (the MPD's clock) to its first response byte (µs). */
    final Recorder segmentStartToFirstByte = new Recorder(MAX_US, 3);
    /** From a segment's request to its last byte (µs). */
    final Recorder segmentDownload = new Recorder(MAX_US, 3);
    /** How long blocking reloads were held (µs). */
    final Recorder blockingReload = new Recorder(MAX_US, 3);
    final LongAdder segments = new LongAdder();
    final LongAdder segmentBytes = new LongAdder();
    final LongAdder stalls = new LongAdder();
    final LongAdder stallMicros = new LongAdder();
    final LongAdder reloads = new LongAdder();
    final LongAdder blockingReloads = new LongAdder();
    /** Segments that left the playlist before the viewer got to them: it fell behind the live edge. */
    final LongAdder missedSegments = new LongAdder();
    /** DASH: segments asked for before the encoder began their upload (404, asked again shortly). */
    final LongAdder earlyRequests = new LongAdder();
    final LongAdder httpErrors = new LongAdder();
    final LongAdder ioErrors = new LongAdder();
    /** Viewers that reached the end of the playlist (EXT-X-ENDLIST) or stopped on an error. */
    final LongAdder viewersDone = new LongAdder();
}
