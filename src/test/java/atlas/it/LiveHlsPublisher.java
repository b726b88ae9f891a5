package atlas.it;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A live HLS packager for the tests: one-second H.264 segments cut by ffmpeg beforehand, then PUT to the server in
 * real time — a segment, then the playlist's window ending with it, announcing {@code CAN-BLOCK-RELOAD=YES} — on a
 * thread of its own, paced by the encoder's clock (segment i is complete a segment duration after segment i - 1).
 */
final class LiveHlsPublisher {
    private static final int WINDOW = 6;

    private record Segment(String name, String duration) {
    }

    private final ServerProcess server;
    private final Path work;
    private final String prefix;
    private final HttpCurl curl;
    private final List<Segment> segments = new ArrayList<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    /** System.nanoTime() when the server acknowledged the playlist ending with segment i; 0 until then. */
    private AtomicLongArray playlistAcknowledged;
    private Thread thread;
    /** An Authorization field for every PUT (a server beyond loopback takes writes with a credential only). */
    private List<String> authorization = List.of();

    /** Encodes {@code count} segments into {@code work/encoded}; they go to {@code prefix} (e.g. "live/ch1/"). */
    LiveHlsPublisher(ServerProcess server, Path work, String prefix, int count) throws Exception {
        this.server = server;
        this.work = work;
        this.prefix = prefix;
        this.curl = new HttpCurl(work);
        Path dir = Files.createDirectories(work.resolve("encoded"));
        Process ffmpeg = new ProcessBuilder("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i",
                "testsrc2=size=320x180:rate=25", "-t", Integer.toString(count), "-c:v", "libx264", "-preset",
                "ultrafast", "-pix_fmt", "yuv420p", "-g", "25", "-keyint_min", "25", "-sc_threshold", "0",
                "-f", "hls", "-hls_time", "1", "-hls_list_size", "0",
                "-hls_segment_filename", dir.resolve("seg%d.ts").toString(), dir.resolve("vod.m3u8").toString())
                .redirectErrorStream(true).start();
        String err = new String(ffmpeg.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(ffmpeg.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(ffmpeg.exitValue()).as(err).isZero();
        String duration = null;
        for (String line : Files.readAllLines(dir.resolve("vod.m3u8"))) {
            if (line.startsWith("#EXTINF:")) {
                int comma = line.indexOf(',');
                duration = line.substring("#EXTINF:".length(), comma < 0 ? line.length() : comma);
            } else if (!line.startsWith("#") && !line.isBlank() && duration != null) {
                segments.add(new Segment(line.strip(), duration));
                duration = null;
            }
        }
        assertThat(segments).hasSizeGreaterThanOrEqualTo(count - 1);
        playlistAcknowledged = new AtomicLongArray(segments.size());
    }

    int segmentCount() {
        return segments.size();
    }

    String segmentName(int i) {
        return segments.get(i).name();
    }

    byte[] segmentBytes(int i) throws java.io.IOException {
        return Files.readAllBytes(work.resolve("encoded").resolve(segments.get(i).name()));
    }

    /**
     * When ({@link System#nanoTime()}) the server acknowledged the playlist that ends with segment {@code i}, or 0
     * if it has not yet: from then on a playlist ending before {@code i} is stale.
     */
    long playlistAcknowledgedNanos(int i) {
        return i < playlistAcknowledged.length() ? playlistAcknowledged.get(i) : 0;
    }

    /** Sends {@code Authorization: value} with every PUT. */
    LiveHlsPublisher authorizedBy(String value) {
        authorization = List.of("-H", "Authorization: " + value);
        return this;
    }

    String playlistUrl() {
        return server.url(prefix + "index.m3u8");
    }

    /** Publishes the first {@code n} segments at once (what a stream has when its first viewer comes). */
    void publishFirst(int n) throws Exception {
        for (int i = 0; i < n; i++) {
            publish(i);
        }
    }

    /** Publishes the rest, segment {@code from} on, in real time, on its own thread. */
    void startRealTime(int from) {
        thread = Thread.ofPlatform().name("publisher").start(() -> {
            long start = System.nanoTime();
            try {
                for (int i = from; i < segments.size(); i++) {
                    LockSupport.parkNanos(start + (i - from + 1) * 1_000_000_000L - System.nanoTime());
                    publish(i);
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
    }

    /** Waits for the last segment to be published; fails with what went wrong in the publisher. */
    void finish() throws InterruptedException {
        thread.join();
        assertThat(failure.get()).as("the publisher").isNull();
    }

    private void publish(int i) throws Exception {
        Segment s = segments.get(i);
        HttpCurl.Response put = curl.run(args("-T", work.resolve("encoded").resolve(s.name()).toString(),
                server.url(prefix + s.name())));
        assertThat(put.status()).as(put.toString()).isBetween(201, 204);
        int first = Math.max(0, i - WINDOW + 1);
        StringBuilder playlist = new StringBuilder("#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:2\n"
                + "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,HOLD-BACK=3.0\n#EXT-X-MEDIA-SEQUENCE:" + first + "\n");
        for (int k = first; k <= i; k++) {
            playlist.append("#EXTINF:").append(segments.get(k).duration()).append(",\n")
                    .append(segments.get(k).name()).append('\n');
        }
        Path file = work.resolve("index-" + i + ".m3u8");
        Files.writeString(file, playlist, StandardCharsets.US_ASCII);
        put = curl.run(args("-T", file.toString(), server.url(prefix + "index.m3u8")));
        assertThat(put.status()).as(put.toString()).isBetween(201, 204);
        playlistAcknowledged.set(i, System.nanoTime());
    }

    private String[] args(String... args) {
        List<String> all = new ArrayList<>(authorization);
        all.addAll(List.of(args));
        return all.toArray(String[]::new);
    }
}
