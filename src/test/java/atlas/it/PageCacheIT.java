package atlas.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 2, point 4: object bytes are written and read with O_DIRECT, so serving leaves none of the volume's
 * pages in the page cache. 40 objects of 300 KiB are PUT over HTTP and read back several times with full,
 * single-range (aligned, unaligned, suffix, open-ended) and multi-range GETs; the resident size of
 * {@code volume.dat} is 0 before and after. The bound is exactly 0, not "small": the data file is only ever
 * opened with O_DIRECT, so any resident page means some path read or wrote it through the page cache
 * (a superblock read at open would be one page, and is not done buffered today).
 * <p>
 * Control: the same probe must see pages after one plain buffered read of the file, so a probe that always
 * says 0 cannot make the test pass.
 */
class PageCacheIT {
    private static final String ENGINE = System.getProperty("atlas.engine", "nio");
    private static final int OBJECTS = 40;
    private static final int SIZE = 300 * 1024;
    private static final int READ_PASSES = 3;

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldServeObjectsWithoutPuttingVolumePagesInThePageCache() throws Exception {
        Path data = tmp.resolve("volume");
        Path volumeFile = data.resolve("volume.dat");
        Random random = new Random(20261123);
        List<byte[]> objects = new ArrayList<>();
        long requests = 0, bytesChecked = 0;

        // The client is closed first (reverse order): the server's stop-time leak check needs no client left.
        try (ServerProcess server = ServerProcess.start(data, "--no-demo", "--engine", ENGINE);
             HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                     .connectTimeout(Duration.ofSeconds(5)).build()) {
            for (int i = 0; i < OBJECTS; i++) {
                byte[] b = new byte[SIZE];
                random.nextBytes(b);
                objects.add(b);
                HttpResponse<String> put = client.send(HttpRequest.newBuilder(URI.create(server.url(name(i))))
                                .timeout(Duration.ofSeconds(20)).PUT(HttpRequest.BodyPublishers.ofByteArray(b)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(put.statusCode()).as("PUT " + name(i) + ": " + put.body()).isEqualTo(201);
            }
            long afterPut = PageCacheProbe.residentBytes(volumeFile);

            for (int pass = 0; pass < READ_PASSES; pass++) {
                for (int i = 0; i < OBJECTS; i++) {
                    byte[] expected = objects.get(i);
                    String url = server.url(name(i));
                    // Full object.
                    HttpResponse<byte[]> full = get(client, url, null);
                    assertThat(full.statusCode()).isEqualTo(200);
                    assertThat(full.body()).as("GET " + name(i)).isEqualTo(expected);
                    bytesChecked += full.body().length;
                    // Single ranges: unaligned, block-aligned, suffix, open-ended.
                    int a = random.nextInt(SIZE), b = a + random.nextInt(SIZE - a);
                    int aligned = 4096 * random.nextInt(SIZE / 4096);
                    int suffix = 1 + random.nextInt(SIZE);
                    int from = random.nextInt(SIZE);
                    for (String[] range : new String[][]{
                            {"bytes=" + a + "-" + b, a + "", (b + 1) + ""},
                            {"bytes=" + aligned + "-" + (aligned + 4095), aligned + "", (aligned + 4096) + ""},
                            {"bytes=-" + suffix, (SIZE - suffix) + "", SIZE + ""},
                            {"bytes=" + from + "-", from + "", SIZE + ""}}) {
                        int start = Integer.parseInt(range[1]), end = Integer.parseInt(range[2]);
                        HttpResponse<byte[]> part = get(client, url, range[0]);
                        assertThat(part.statusCode()).as(range[0]).isEqualTo(206);
                        assertThat(part.headers().firstValue("Content-Range")).as(range[0])
                                .hasValue("bytes " + start + "-" + (end - 1) + "/" + SIZE);
                        assertThat(part.body()).as("GET " + name(i) + " " + range[0])
                                .isEqualTo(Arrays.copyOfRange(expected, start, end));
                        bytesChecked += part.body().length;
                    }
                    // Multiple ranges: multipart/byteranges holding each part's bytes.
                    int m1 = random.nextInt(SIZE / 2 - 2000), m2 = SIZE / 2 + random.nextInt(SIZE / 2 - 2000);
                    HttpResponse<byte[]> multi = get(client, url,
                            "bytes=" + m1 + "-" + (m1 + 999) + "," + m2 + "-" + (m2 + 1999));
                    assertThat(multi.statusCode()).isEqualTo(206);
                    assertThat(multi.headers().firstValue("Content-Type").orElse(""))
                            .startsWith("multipart/byteranges");
                    assertThat(indexOf(multi.body(), Arrays.copyOfRange(expected, m1, m1 + 1000))).isNotNegative();
                    assertThat(indexOf(multi.body(), Arrays.copyOfRange(expected, m2, m2 + 2000))).isNotNegative();
                    bytesChecked += 3000;
                    requests += 6;
                }
            }
            long afterGet = PageCacheProbe.residentBytes(volumeFile);
            System.out.printf("page cache (%s): volume.dat %d MiB; resident after %d PUTs: %d B; after %d GETs "
                            + "(%d MiB of object bytes checked): %d B%n", PageCacheProbe.method(),
                    Files.size(volumeFile) >> 20, OBJECTS, afterPut, requests, bytesChecked >> 20, afterGet);
            assertThat(afterPut).as("resident bytes of volume.dat after the PUTs").isZero();
            assertThat(afterGet).as("resident bytes of volume.dat after serving").isZero();

            // Control: one ordinary buffered read must show up in the same probe.
            long read = 0;
            try (InputStream in = Files.newInputStream(volumeFile)) {
                byte[] buf = new byte[1 << 20];
                for (int n; (n = in.read(buf)) > 0; ) {
                    read += n;
                }
            }
            long afterBufferedRead = PageCacheProbe.residentBytes(volumeFile);
            long viaMincore = PageCacheProbe.mincore(volumeFile);
            System.out.printf("page cache control: after a buffered read of %d MiB: %s %d MiB, mincore %d MiB%n",
                    read >> 20, PageCacheProbe.method(), afterBufferedRead >> 20, viaMincore >> 20);
            assertThat(afterBufferedRead).as("the probe must see a buffered read (control)").isPositive();
            assertThat(viaMincore).as("the mincore fallback must see a buffered read (control)").isPositive();
        }
    }

    private static String name(int i) {
        return String.format("pagecache/title/seg%03d.ts", i);
    }

    private static HttpResponse<byte[]> get(HttpClient client, String url, String range) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).GET();
        if (range != null) {
            b.header("Range", range);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
