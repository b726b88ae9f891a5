package atlas.it;

import atlas.testing.Await;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Read while ingest under a live rule: a GET of a segment whose PUT is still arriving is answered at once and
 * streams the bytes as the encoder sends them (chunked when the PUT is chunked), to readers that came first and to
 * late joiners alike; a reader sees each part of the body before the encoder sends the next. A failed upload ends
 * its readers abnormally and leaves the previous version; a declared length serves ranges; playlists are not read
 * while arriving. Real clients: exact-byte sockets for the encoder and readers, and curl streaming.
 */
class ReadWhileIngestIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static Path work;
    private static ServerProcess server;
    private static HttpCurl curl;

    @BeforeAll
    static void start() throws Exception {
        work = HttpTestServers.workDir(ReadWhileIngestIT.class);
        server = HttpTestServers.start(work, "--no-demo", "--hot-memory", "32m", "--hot-prefix", "live/");
        curl = new HttpCurl(work);
    }

    @AfterAll
    static void stop() throws IOException {
        if (server != null) {
            server.close();
        }
        HttpTestServers.deleteTree(work);
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static RawConnection chunkedPut(String name) throws IOException {
        RawConnection encoder = new RawConnection(server.port());
        encoder.send("PUT /" + name + " HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
        return encoder;
    }

    private static void sendChunk(RawConnection encoder, byte[] data) throws IOException {
        encoder.send((Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        encoder.send(data);
        encoder.send("\r\n");
    }

    private static RawConnection.Response getHead(RawConnection reader, String name, String extra)
            throws IOException {
        reader.send("GET /" + name + " HTTP/1.1\r\nHost: t\r\n" + extra + "\r\n");
        return reader.read(true);
    }

    /** Reads chunks until {@code n} bytes came; fails if the server ends the body first. */
    private static byte[] readChunkedBytes(RawConnection reader, int n) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (got.size() < n) {
            byte[] chunk = reader.readChunk();
            assertThat(chunk).as("body ended after " + got.size() + " of " + n + " bytes").isNotNull();
            got.write(chunk);
        }
        return got.toByteArray();
    }

    @Test
    void aChunkedSegmentStreamsToEveryReaderAsItArrives() throws Exception {
        String name = "live/ch1/seg1.m4s";
        byte[] part1 = random(20_000, 1);
        byte[] part2 = random(300_000, 2);
        byte[] part3 = random(5_000, 3);
        byte[] whole = concat(part1, part2, part3);
        Path curlOut = work.resolve("curl-seg1");
        try (RawConnection encoder = chunkedPut(name); RawConnection first = new RawConnection(server.port());
             RawConnection late = new RawConnection(server.port())) {
            sendChunk(encoder, part1);
            // The PUT's head and first chunk are on their way; once the server took them, a GET is answered.
            Await.until("a GET answered from the arriving upload", WAIT, () -> {
                try (RawConnection probe = new RawConnection(server.port())) {
                    return getHead(probe, name, "").status() == 200;
                }
            });
            RawConnection.Response head = getHead(first, name, "");
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Transfer-Encoding")).isEqualTo("chunked");
            assertThat(head.header("Content-Length")).isNull();
            assertThat(head.header("ETag")).as("no validator before it is stored").isNull();
            assertThat(readChunkedBytes(first, part1.length)).as("the first part, before the rest is sent")
                    .isEqualTo(part1);

            Process streaming = new ProcessBuilder("curl", "-sS", "-N", "--max-time", "60", "-o",
                    curlOut.toString(), server.url(name)).redirectErrorStream(true).start();
            Await.until("curl has the first part while the upload is still open", WAIT,
                    () -> Files.exists(curlOut) && Files.size(curlOut) >= part1.length);

            sendChunk(encoder, part2);
            assertThat(readChunkedBytes(first, part2.length)).isEqualTo(part2);
            assertThat(getHead(late, name, "").status()).isEqualTo(200);
            assertThat(readChunkedBytes(late, part1.length + part2.length))
                    .as("a late joiner gets what is there at once").isEqualTo(Arrays.copyOf(whole,
                            part1.length + part2.length));

            sendChunk(encoder, part3);
            encoder.send("0\r\n\r\n");
            assertThat(encoder.read().status()).as("acknowledged once durable").isEqualTo(201);
            assertThat(readChunkedBytes(first, part3.length)).isEqualTo(part3);
            assertThat(first.readChunk()).as("the last chunk ends a complete body").isNull();
            assertThat(readChunkedBytes(late, part3.length)).isEqualTo(part3);
            assertThat(late.readChunk()).isNull();
            assertThat(streaming.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(streaming.exitValue()).as(new String(streaming.getInputStream().readAllBytes())).isZero();
            assertThat(Files.readAllBytes(curlOut)).isEqualTo(whole);
        }
        HttpCurl.Response stored = curl.run(server.url(name));
        assertThat(stored.status()).isEqualTo(200);
        assertThat(stored.header("ETag")).as("the committed version now").isNotNull();
        assertThat(stored.body()).isEqualTo(whole);
        double reads = OperatorIT.sum(metrics(), "atlas_growing_reads_total", "");
        assertThat(reads).as("GETs streamed while arriving").isGreaterThanOrEqualTo(3);
    }

    @Test
    void aFailedUploadEndsItsReadersAbnormallyAndKeepsThePreviousVersion() throws Exception {
        String name = "live/ch2/seg5.m4s";
        byte[] v1 = random(50_000, 5);
        Path file = work.resolve("v1");
        Files.write(file, v1);
        assertThat(curl.run("-T", file.toString(), server.url(name)).status()).isEqualTo(201);

        byte[] v2 = random(100_000, 6);
        try (RawConnection encoder = new RawConnection(server.port());
             RawConnection reader = new RawConnection(server.port());
             RawConnection ranged = new RawConnection(server.port())) {
            encoder.send("PUT /" + name + " HTTP/1.1\r\nHost: t\r\nContent-Length: " + v2.length + "\r\n\r\n");
            encoder.send(Arrays.copyOf(v2, 30_000));
            Await.until("the GET answered from the new upload", WAIT, () -> {
                try (RawConnection probe = new RawConnection(server.port())) {
                    return "100000".equals(getHead(probe, name, "").header("Content-Length"));
                }
            });
            RawConnection.Response head = getHead(reader, name, "");
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Length")).as("the declared length").isEqualTo("100000");
            assertThat(reader.readBytes(30_000)).as("the new version's bytes so far").isEqualTo(
                    Arrays.copyOf(v2, 30_000));

            RawConnection.Response range = getHead(ranged, name, "Range: bytes=1000-1999\r\n");
            assertThat(range.status()).isEqualTo(206);
            assertThat(range.header("Content-Range")).isEqualTo("bytes 1000-1999/100000");
            assertThat(ranged.readBytes(1000)).isEqualTo(Arrays.copyOfRange(v2, 1000, 2000));

            encoder.abort(); // the encoder vanishes mid-body
            byte[] rest = reader.readToEof(WAIT);
            assertThat(rest).as("the response ends short of its length: the connection closes").isEmpty();
        }
        HttpCurl.Response after = curl.run(server.url(name));
        assertThat(after.status()).isEqualTo(200);
        assertThat(after.body()).as("the previous version survives").isEqualTo(v1);
        double failed = OperatorIT.sum(metrics(), "atlas_growing_reads_failed_total", "");
        assertThat(failed).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aPlaylistIsNotReadWhileItArrives() throws Exception {
        String name = "live/ch3/index.m3u8";
        try (RawConnection encoder = chunkedPut(name)) {
            sendChunk(encoder, "#EXTM3U\n#EXT-X-TARGETDURATION:2\n".getBytes(StandardCharsets.US_ASCII));
            // The segment upload beside it is readable, which shows the upload of the playlist arrived too.
            try (RawConnection segment = chunkedPut("live/ch3/seg0.m4s")) {
                sendChunk(segment, random(1000, 7));
                Await.until("the segment beside it is readable", WAIT,
                        () -> curl.run("-I", server.url("live/ch3/seg0.m4s")).status() == 200);
                assertThat(curl.run(server.url(name)).status()).as("a playlist only once committed")
                        .isEqualTo(404);
                segment.send("0\r\n\r\n");
                assertThat(segment.read().status()).isEqualTo(201);
            }
            encoder.send("0\r\n\r\n");
            assertThat(encoder.read().status()).isEqualTo(201);
        }
        assertThat(curl.run(server.url(name)).status()).isEqualTo(200);
    }

    /**
     * An overwritten live playlist is never served stale once its PUT was acknowledged: each version is read back on
     * fresh connections (so on every core) right after its 2xx, while a reader of a segment still arriving streams.
     */
    @Test
    void anAcknowledgedPlaylistIsNeverServedStale() throws Exception {
        String name = "live/ch4/index.m3u8";
        try (RawConnection encoder = chunkedPut("live/ch4/seg9.m4s")) {
            sendChunk(encoder, random(4000, 9)); // a segment arriving meanwhile, as in a live stream
            for (int version = 1; version <= 40; version++) {
                String body = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:" + version + "\n";
                try (RawConnection put = new RawConnection(server.port())) {
                    put.send("PUT /" + name + " HTTP/1.1\r\nHost: t\r\nContent-Length: " + body.length() + "\r\n\r\n"
                            + body);
                    assertThat(put.read().status()).isBetween(201, 204);
                }
                for (int reader = 0; reader < 2; reader++) {
                    try (RawConnection get = new RawConnection(server.port())) {
                        get.send("GET /" + name + " HTTP/1.1\r\nHost: t\r\n\r\n");
                        assertThat(new String(get.read().body(), StandardCharsets.US_ASCII))
                                .as("version " + version + " after its acknowledgement").isEqualTo(body);
                    }
                }
            }
            encoder.send("0\r\n\r\n");
            assertThat(encoder.read().status()).isEqualTo(201);
        }
    }

    /**
     * A crash during a streaming PUT leaves no torn object: kill -9 while a new version arrives (and is being read);
     * after restart the previous version is served whole and {@code atlas verify} finds the volume consistent.
     */
    @Test
    void aCrashDuringAStreamingPutKeepsThePreviousVersion() throws Exception {
        Path crashWork = HttpTestServers.workDir(ReadWhileIngestIT.class);
        String name = "live/ch5/seg1.m4s";
        byte[] v1 = random(200_000, 11);
        try (ServerProcess crashing = HttpTestServers.start(crashWork, "--no-demo", "--hot-memory", "32m",
                "--hot-prefix", "live/")) {
            HttpCurl local = new HttpCurl(crashWork);
            Path file = crashWork.resolve("v1");
            Files.write(file, v1);
            assertThat(local.run("-T", file.toString(), crashing.url(name)).status()).isEqualTo(201);
            RawConnection encoder = new RawConnection(crashing.port());
            RawConnection reader = new RawConnection(crashing.port());
            try {
                encoder.send("PUT /" + name + " HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
                byte[] v2 = random(300_000, 12);
                sendChunk(encoder, Arrays.copyOf(v2, 150_000));
                Await.until("the new version readable while it arrives", WAIT, () -> {
                    try (RawConnection probe = new RawConnection(crashing.port())) {
                        return "chunked".equals(getHead(probe, name, "").header("Transfer-Encoding"));
                    }
                });
                assertThat(getHead(reader, name, "").status()).isEqualTo(200);
                assertThat(readChunkedBytes(reader, 150_000)).isEqualTo(Arrays.copyOf(v2, 150_000));
                crashing.kill9();
            } finally {
                encoder.abort();
                reader.abort();
            }
            crashing.restart();
            HttpCurl.Response after = local.run(crashing.url(name));
            assertThat(after.status()).isEqualTo(200);
            assertThat(after.body()).as("the version acknowledged before the crash, whole").isEqualTo(v1);
            crashing.terminate();
            Process verify = new ProcessBuilder(ServerProcess.atlasCommand(List.of("verify", "--data",
                    crashWork.resolve("data").toString()))).redirectErrorStream(true).start();
            String report = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(verify.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(verify.exitValue()).as(report).isZero();
        } finally {
            HttpTestServers.deleteTree(crashWork);
        }
    }

    private static String metrics() throws Exception {
        return curl.run(server.adminUrl("_atlas/metrics")).bodyText();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            all.writeBytes(p);
        }
        return all.toByteArray();
    }
}
