package atlas.live;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class PlaylistScannerTest {
    private static final String LIVE = """
            #EXTM3U
            #EXT-X-VERSION:9
            #EXT-X-TARGETDURATION:2
            #EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.0
            #EXT-X-PART-INF:PART-TARGET=0.33334
            #EXT-X-MEDIA-SEQUENCE:266
            #EXTINF:2.000,
            seg266.mp4
            #EXT-X-PART:DURATION=0.33334,URI="seg267.0.mp4",INDEPENDENT=YES
            #EXT-X-PART:DURATION=0.33334,URI="seg267.1.mp4"
            #EXTINF:2.000,
            seg267.mp4
            #EXT-X-PART:DURATION=0.33334,URI="seg268.0.mp4",INDEPENDENT=YES
            #EXT-X-PART:DURATION=0.33334,URI="seg268.1.mp4"
            #EXT-X-PRELOAD-HINT:TYPE=PART,URI="seg268.2.mp4"
            """;

    private static PlaylistPosition scanInPieces(String playlist, int piece) {
        byte[] bytes = playlist.getBytes(StandardCharsets.US_ASCII);
        PlaylistScanner scanner = new PlaylistScanner();
        scanner.begin(true);
        MemorySegment body = MemorySegment.ofArray(bytes);
        for (int at = 0; at < bytes.length; at += piece) {
            scanner.scan(body, at, Math.min(piece, bytes.length - at));
        }
        return scanner.position();
    }

    @Test
    void shouldFindTheLastSegmentThePartsOfTheNextAndTheTargetWhateverTheBuffersAre() {
        for (int piece : new int[] {1, 2, 7, 64, 4096}) {
            PlaylistPosition p = scanInPieces(LIVE, piece);
            assertThat(p).as("pieces of %d bytes", piece).isEqualTo(new PlaylistPosition(267, 2, 2000, false));
        }
    }

    @Test
    void shouldReadCrLfPlaylistsAndOnesWithoutAFinalNewline() {
        String crlf = "#EXTM3U\r\n#EXT-X-TARGETDURATION:4\r\n#EXT-X-MEDIA-SEQUENCE:7\r\n#EXTINF:4,\r\na.ts\r\n#EXTINF:4,\r\nb.ts";
        assertThat(scanInPieces(crlf, 3)).isEqualTo(new PlaylistPosition(8, 0, 4000, false));
    }

    @Test
    void shouldSeeTheEndAndAnEmptyPlaylist() {
        assertThat(scanInPieces("#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6,\na.ts\n#EXT-X-ENDLIST\n", 5).ended())
                .isTrue();
        assertThat(scanInPieces("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:10\n", 100))
                .as("no segment yet: the last is the one before the first").isEqualTo(new PlaylistPosition(9, 0, 0, false));
    }

    @Test
    void shouldSkipLinesLongerThanItKeepsAndMalformedNumbers() {
        String longLine = "#EXT-X-DATERANGE:" + "X".repeat(PlaylistScanner.MAX_LINE_BYTES * 2) + "\n";
        String p = "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:abc\n" + longLine + "#EXTINF:2,\nx.ts\n";
        assertThat(scanInPieces(p, 100)).isEqualTo(new PlaylistPosition(0, 0, 0, false));
    }

    @Test
    void shouldDoNothingForAnUploadThatIsNotAPlaylist() {
        PlaylistScanner scanner = new PlaylistScanner();
        scanner.begin(false);
        scanner.scan(MemorySegment.ofArray("#EXTINF:1,\na.ts\n".getBytes(StandardCharsets.US_ASCII)), 0, 16);
        assertThat(scanner.isActive()).isFalse();
        assertThat(PlaylistScanner.isPlaylist("live/ch1/index.m3u8")).isTrue();
        assertThat(PlaylistScanner.isPlaylist("live/ch1/index.mpd")).isFalse();
        assertThat(PlaylistScanner.isPlaylist(".m3u8")).isFalse();
        byte[] path = "live/ch1/index.m3u8?x".getBytes(StandardCharsets.US_ASCII);
        assertThat(PlaylistScanner.isPlaylist(path, path.length - 2)).as("the name within a longer buffer").isTrue();
        assertThat(PlaylistScanner.isPlaylist(path, path.length)).isFalse();
        assertThat(PlaylistScanner.isPlaylist(path, 5)).isFalse();
    }
}
