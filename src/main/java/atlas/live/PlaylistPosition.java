package atlas.live;

/**
 * Where a live HLS media playlist stands, as its last committed upload says: the Media Sequence Number of its last
 * complete segment, how many Partial Segments of the next one it lists already, its target duration, and whether
 * it has ended. Immutable: one is made per playlist commit and read by every core.
 *
 * @param lastSegment          Media Sequence Number of the last Media Segment, or {@code mediaSequence - 1} when
 *                             the playlist lists none yet
 * @param partsOfNext          EXT-X-PART tags after the last segment: the parts of the segment being made
 * @param targetDurationMillis EXT-X-TARGETDURATION, in milliseconds; 0 when the playlist has none
 * @param ended                EXT-X-ENDLIST: nothing more will come, so nothing is held
 */
public record PlaylistPosition(long lastSegment, int partsOfNext, long targetDurationMillis, boolean ended) {
    /** Answer now: the playlist already has what was asked for (or will never have more). */
    public static final int READY = 0;
    /** Hold the request until a later commit of the playlist satisfies it. */
    public static final int HOLD = 1;
    /** 400: more than two segments ahead of the playlist (draft-pantos-hls-rfc8216bis §6.2.5.2). */
    public static final int TOO_FAR_AHEAD = 2;

    /** How long a request may be held before it is answered 503: three target durations (§6.2.5.2). */
    public long holdLimitMillis() {
        return 3 * Math.max(1000, targetDurationMillis);
    }

    /**
     * What to do with a request for segment {@code msn} (and with {@code part} >= 0, that Partial Segment of it):
     * ready once the playlist contains segment {@code msn}, or the part, or anything later.
     */
    public int check(long msn, int part) {
        if (ended) {
            return READY;
        }
        if (msn > lastSegment + 2) {
            return TOO_FAR_AHEAD;
        }
        if (msn <= lastSegment) {
            return READY;
        }
        return part >= 0 && msn == lastSegment + 1 && part < partsOfNext ? READY : HOLD;
    }
}
