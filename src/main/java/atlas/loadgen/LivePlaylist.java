package atlas.loadgen;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * What a viewer following a live HLS media playlist needs from one version of it (RFC 8216 §4.3.3, §6.3.4 and
 * draft-pantos-hls-rfc8216bis §4.4.3.8 for blocking reload): the segments with their Media Sequence Numbers and
 * durations, the target duration that paces reloads, whether the server can block reloads, and the end.
 */
record LivePlaylist(long mediaSequence, List<Segment> segments, double targetDurationSeconds, boolean canBlockReload,
                    boolean ended) {
    record Segment(long msn, URI uri, double durationSeconds) {
    }

    static LivePlaylist parse(URI base, String text) {
        if (!text.stripLeading().startsWith("#EXTM3U")) {
            throw new IllegalArgumentException(base + ": not an HLS playlist (no #EXTM3U header)");
        }
        long sequence = 0;
        double target = 0;
        boolean canBlock = false;
        boolean ended = false;
        double duration = -1;
        List<Segment> segments = new ArrayList<>();
        for (String raw : text.lines().toList()) {
            String line = raw.strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#EXT-X-MEDIA-SEQUENCE:")) {
                sequence = Long.parseLong(line.substring("#EXT-X-MEDIA-SEQUENCE:".length()).strip());
            } else if (line.startsWith("#EXT-X-TARGETDURATION:")) {
                target = Double.parseDouble(line.substring("#EXT-X-TARGETDURATION:".length()).strip());
            } else if (line.startsWith("#EXT-X-SERVER-CONTROL:")) {
                canBlock = line.contains("CAN-BLOCK-RELOAD=YES");
            } else if (line.startsWith("#EXT-X-ENDLIST")) {
                ended = true;
            } else if (line.startsWith("#EXTINF:")) {
                int comma = line.indexOf(',');
                duration = Double.parseDouble(line.substring("#EXTINF:".length(), comma < 0 ? line.length() : comma));
            } else if (!line.startsWith("#")) {
                segments.add(new Segment(sequence + segments.size(), base.resolve(line),
                        duration >= 0 ? duration : target));
                duration = -1;
            }
        }
        return new LivePlaylist(sequence, List.copyOf(segments), target, canBlock, ended);
    }

    /** Media Sequence Number of the last segment, or one before the first when there is none. */
    long lastMsn() {
        return mediaSequence + segments.size() - 1;
    }
}
