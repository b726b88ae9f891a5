package atlas.live;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Reads an HLS media playlist as its upload streams through a core, buffer by buffer, and keeps only what blocking
 * playlist reload needs ({@link PlaylistPosition}): EXT-X-MEDIA-SEQUENCE, EXT-X-TARGETDURATION, the segments (an
 * EXTINF and its URI line), the EXT-X-PART tags since the last segment, EXT-X-ENDLIST. The body is scanned from the
 * receive buffers it lands in, once, while it goes to the disk: no read-back, no copy of the playlist.
 * <p>
 * One per upload slot, reused; allocates nothing after construction. A line longer than {@link #MAX_LINE_BYTES}
 * (no tag of interest is) is skipped. Thread: the uploading core's.
 */
public final class PlaylistScanner {
    static final int MAX_LINE_BYTES = 1024;
    private static final byte[] MEDIA_SEQUENCE = tag("#EXT-X-MEDIA-SEQUENCE:");
    private static final byte[] TARGET_DURATION = tag("#EXT-X-TARGETDURATION:");
    private static final byte[] EXTINF = tag("#EXTINF:");
    private static final byte[] PART = tag("#EXT-X-PART:");
    private static final byte[] ENDLIST = tag("#EXT-X-ENDLIST");

    private final byte[] line = new byte[MAX_LINE_BYTES];
    private int lineLength;
    private boolean lineTooLong;
    private boolean active;
    private long mediaSequence;
    private long segments;
    private int partsSinceSegment;
    private long targetDurationMillis;
    private boolean uriExpected;
    private boolean ended;

    private static byte[] tag(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static final byte[] PLAYLIST_SUFFIX = tag(".m3u8");

    /** True for the name {@code name[0, length)} when blocking reload applies to it: an HLS playlist. */
    public static boolean isPlaylist(byte[] name, int length) {
        int at = length - PLAYLIST_SUFFIX.length;
        return at > 0 && java.util.Arrays.equals(name, at, length, PLAYLIST_SUFFIX, 0, PLAYLIST_SUFFIX.length);
    }

    /** True for names blocking reload applies to: HLS playlists. */
    public static boolean isPlaylist(CharSequence name) {
        int n = name.length();
        return n > 5 && name.charAt(n - 5) == '.' && name.charAt(n - 4) == 'm' && name.charAt(n - 3) == '3'
                && name.charAt(n - 2) == 'u' && name.charAt(n - 1) == '8';
    }

    /** A new upload: scanned when {@code playlist}, else every call below does nothing. */
    public void begin(boolean playlist) {
        active = playlist;
        lineLength = 0;
        lineTooLong = false;
        mediaSequence = 0;
        segments = 0;
        partsSinceSegment = 0;
        targetDurationMillis = 0;
        uriExpected = false;
        ended = false;
    }

    public boolean isActive() {
        return active;
    }

    /** The next {@code length} bytes of the body, at {@code offset} in {@code body}. */
    public void scan(MemorySegment body, long offset, int length) {
        if (!active) {
            return;
        }
        for (int i = 0; i < length; i++) {
            byte b = body.get(ValueLayout.JAVA_BYTE, offset + i);
            if (b == '\n') {
                endLine();
            } else if (lineLength < MAX_LINE_BYTES) {
                line[lineLength++] = b;
            } else {
                lineTooLong = true;
            }
        }
    }

    /** Where the whole body put the playlist (the last line needs no newline). */
    public PlaylistPosition position() {
        endLine();
        return new PlaylistPosition(mediaSequence + segments - 1, partsSinceSegment, targetDurationMillis, ended);
    }

    private void endLine() {
        int n = lineLength;
        if (n > 0 && line[n - 1] == '\r') {
            n--;
        }
        boolean skipped = lineTooLong;
        lineLength = 0;
        lineTooLong = false;
        if (skipped || n == 0) {
            return;
        }
        if (line[0] != '#') {
            if (uriExpected) {
                segments++;
                partsSinceSegment = 0;
                uriExpected = false;
            }
        } else if (startsWith(n, EXTINF)) {
            uriExpected = true;
        } else if (startsWith(n, PART)) {
            partsSinceSegment++;
        } else if (startsWith(n, MEDIA_SEQUENCE)) {
            mediaSequence = Math.max(0, digits(MEDIA_SEQUENCE.length, n));
        } else if (startsWith(n, TARGET_DURATION)) {
            targetDurationMillis = Math.max(0, digits(TARGET_DURATION.length, n)) * 1000;
        } else if (startsWith(n, ENDLIST)) {
            ended = true;
        }
    }

    private boolean startsWith(int n, byte[] tag) {
        if (n < tag.length) {
            return false;
        }
        for (int i = 0; i < tag.length; i++) {
            if (line[i] != tag[i]) {
                return false;
            }
        }
        return true;
    }

    /** The decimal integer at {@code line[from, to)}, or -1 when it is not one (or too long to be a real one). */
    private long digits(int from, int to) {
        if (from == to || to - from > 18) {
            return -1;
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            int d = line[i] - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }
}
