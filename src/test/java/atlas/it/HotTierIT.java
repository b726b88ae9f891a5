package atlas.it;

import atlas.testing.Await;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hot tier through the real server, on every core, over HTTP and HTTPS: hits are the bytes the volume holds
 * (whole, ranges, multipart), a scan does not evict the head, and no reader ever gets a version older than the last
 * acknowledged PUT while a writer overwrites a live playlist.
 */
class HotTierIT {
    private static final Pattern HTTPS_URL = Pattern.compile("(https://localhost:(\\d+)/)");
    private static final int CHUNK = 128 * 1024;
    private static Path work;
    private static ServerProcess server;
    private static String https;
    private static HttpClient http;
    private static HttpClient tls;

    @BeforeAll
    static void start() throws Exception {
        work = HttpTestServers.workDir(HotTierIT.class);
        server = HttpTestServers.start(work, "--no-demo", "--hot-memory", "8m", "--tls-listen", "127.0.0.1:0");
        String output = Await.until("the https URL in the start-up output", Duration.ofSeconds(10), server::output,
                o -> HTTPS_URL.matcher(o).find());
        Matcher m = HTTPS_URL.matcher(output);
        assertThat(m.find()).isTrue();
        https = m.group(1);
        assertThat(output).contains("hot tier: 8 MiB");
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        tls = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(HttpTestServers.trusting(
                server.dataDir().resolve("tls").resolve("selfsigned-cert.pem"))).build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (http != null) {
            http.close();
            tls.close();
        }
        if (server != null) {
            server.close();
        }
        HttpTestServers.deleteTree(work);
    }

    private static void put(String name, byte[] body) throws Exception {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(server.url(name)))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(r.statusCode()).as("PUT " + name).isIn(200, 201, 204);
    }

    private static HttpResponse<byte[]> get(HttpClient client, String base, String name, String range)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + name));
        if (range != null) {
            b.header("Range", range);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** The sum over cores of a counter family, e.g. atlas_hot_hits_total. */
    private static long metric(String family) throws Exception {
        String text = new String(get(http, server.adminBaseUrl(), "_atlas/metrics", null).body(), StandardCharsets.UTF_8);
        long sum = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith(family + "{") || line.startsWith(family + " ")) {
                sum += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void hitsAreTheStoredBytesWholeRangedAndMultipartOverHttpAndHttps() throws Exception {
        int[] sizes = {1024, 300 * 1024, CHUNK, (1 << 20) + 17};
        List<byte[]> bodies = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            bodies.add(random(sizes[i], i));
            put("exact/o" + i, bodies.get(i));
        }
        for (int round = 0; round < 2; round++) { // asked for twice: every chunk admitted
            for (int i = 0; i < sizes.length; i++) {
                assertThat(get(http, server.baseUrl(), "exact/o" + i, null).body()).isEqualTo(bodies.get(i));
            }
        }
        long hits = metric("atlas_hot_hits_total");
        long diskBytes = metric("atlas_disk_read_bytes_total");
        for (HttpClient client : List.of(http, tls)) {
            String base = client == http ? server.baseUrl() : https;
            for (int i = 0; i < sizes.length; i++) {
                byte[] whole = bodies.get(i);
                assertThat(get(client, base, "exact/o" + i, null).body()).as("o" + i).isEqualTo(whole);
                int from = Math.min(whole.length - 1, 1000);
                int to = Math.min(whole.length - 1, 200_000);
                HttpResponse<byte[]> part = get(client, base, "exact/o" + i, "bytes=" + from + "-" + to);
                assertThat(part.statusCode()).isEqualTo(206);
                assertThat(part.body()).isEqualTo(Arrays.copyOfRange(whole, from, to + 1));
            }
            byte[] big = bodies.get(3);
            HttpResponse<byte[]> multi = get(client, base, "exact/o3", "bytes=0-9,131070-131080,1048000-");
            String body = new String(multi.body(), StandardCharsets.ISO_8859_1);
            assertThat(body).contains("Content-Range: bytes 131070-131080/" + big.length + "\r\n\r\n"
                    + new String(big, 131070, 11, StandardCharsets.ISO_8859_1))
                    .contains("Content-Range: bytes 1048000-" + (big.length - 1) + "/" + big.length + "\r\n\r\n"
                            + new String(big, 1048000, big.length - 1048000, StandardCharsets.ISO_8859_1));
        }
        assertThat(metric("atlas_hot_hits_total")).as("served from memory").isGreaterThan(hits + 20);
        assertThat(metric("atlas_disk_read_bytes_total")).as("no flash read for a hit").isEqualTo(diskBytes);
    }

    @Test
    void aScanOfTheCatalogueDoesNotEvictTheHead() throws Exception {
        byte[] body = random(CHUNK, 99);
        for (int i = 0; i < 6; i++) {
            put("head/h" + i, body);
        }
        for (int i = 0; i < 120; i++) { // 15 MiB: nearly twice the tier
            put("tail/t" + i, body);
        }
        for (int k = 0; k < 4; k++) {
            for (int i = 0; i < 6; i++) {
                get(http, server.baseUrl(), "head/h" + i, null);
            }
        }
        for (int i = 0; i < 120; i++) {
            assertThat(get(http, server.baseUrl(), "tail/t" + i, null).body()).isEqualTo(body);
        }
        long diskBytes = metric("atlas_disk_read_bytes_total");
        long hits = metric("atlas_hot_hits_total");
        for (int i = 0; i < 6; i++) {
            assertThat(get(http, server.baseUrl(), "head/h" + i, null).body()).isEqualTo(body);
        }
        assertThat(metric("atlas_hot_hits_total") - hits).as("every head object still a hit").isEqualTo(6);
        assertThat(metric("atlas_disk_read_bytes_total")).isEqualTo(diskBytes);
    }

    /**
     * A writer overwrites a playlist; readers on HTTP and HTTPS (so on both cores) read it without pause. Each
     * reader notes the last acknowledged version before it sends a GET: the version it gets must not be older.
     */
    @Test
    void noReaderGetsAnOlderVersionThanTheLastAcknowledgedPut() throws Exception {
        String name = "live/ch1/index.m3u8";
        AtomicInteger acknowledged = new AtomicInteger(0);
        AtomicBoolean writing = new AtomicBoolean(true);
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        AtomicLong reads = new AtomicLong();
        put(name, playlist(0));
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            HttpClient client = r % 2 == 0 ? http : tls;
            String base = r % 2 == 0 ? server.baseUrl() : https;
            readers.add(Thread.ofPlatform().start(() -> {
                try {
                    while (writing.get()) {
                        int floor = acknowledged.get();
                        HttpResponse<byte[]> got = get(client, base, name, null);
                        int version = versionOf(got.body());
                        if (version < 0 || !Arrays.equals(got.body(), playlist(version))) {
                            problems.add("torn playlist: " + new String(got.body(), StandardCharsets.UTF_8));
                        } else if (version < floor) {
                            problems.add("got version " + version + " after " + floor + " was acknowledged");
                        }
                        reads.incrementAndGet();
                    }
                } catch (Exception e) {
                    problems.add(e.toString());
                }
            }));
        }
        long hitsBefore = metric("atlas_hot_hits_total");
        for (int v = 1; v <= 150; v++) {
            put(name, playlist(v));
            acknowledged.set(v);
            long target = reads.get() + 4;
            Await.until("readers to read version " + v, Duration.ofSeconds(10), reads::get,
                    n -> n >= target || !problems.isEmpty());
        }
        writing.set(false);
        for (Thread t : readers) {
            t.join(10_000);
        }
        assertThat(problems).isEmpty();
        assertThat(reads.get()).isGreaterThan(600);
        assertThat(metric("atlas_hot_hits_total") - hitsBefore).as("the live playlist was served from memory")
                .isGreaterThan(100);
    }

    private static byte[] playlist(int version) {
        StringBuilder sb = new StringBuilder("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:" + version + "\n");
        for (int s = 0; s < 12; s++) {
            sb.append("#EXTINF:2.000,\nseg").append(version + s).append(".ts\n");
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static int versionOf(byte[] body) {
        String s = new String(body, StandardCharsets.US_ASCII);
        int at = s.indexOf("SEQUENCE:");
        if (at < 0) {
            return -1;
        }
        int end = s.indexOf('\n', at);
        try {
            return Integer.parseInt(s.substring(at + 9, end));
        } catch (RuntimeException e) {
            return -1;
        }
    }
}
