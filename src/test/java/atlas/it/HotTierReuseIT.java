package atlas.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hot tier's memory is reused while a slow client still receives bytes sent from it: a viewer who started on
 * version 1 of an object, then stopped reading, must get version 1 byte for byte after version 2 was written and
 * took version 1's memory in the tier (one core, a tier that holds one version). On io_uring those bytes went out
 * with sendfile, so the socket holds references to the tier's pages: this is what punching freed memory out of
 * the memory file is for.
 */
class HotTierReuseIT {
    private static final int SIZE = 1 << 20;
    private Path work;
    private ServerProcess server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        HttpTestServers.deleteTree(work);
    }

    @Test
    void aSlowViewerOfTheOldVersionGetsItExactlyAfterTheNewOneTookItsMemory() throws Exception {
        work = HttpTestServers.workDir(HotTierReuseIT.class);
        server = HttpTestServers.start(work, "--no-demo", "--cores", "1", "--hot-memory", "1m");
        byte[] v1 = random(1);
        byte[] v2 = random(2);
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            put(client, v1);
            for (int i = 0; i < 2; i++) {
                assertThat(get(client)).isEqualTo(v1); // the second access admits all 8 chunks
            }
            try (Socket slow = new Socket()) {
                slow.setReceiveBufferSize(4096);
                slow.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
                slow.setSoTimeout(20_000);
                slow.getOutputStream().write(("GET /seg/live.m4s HTTP/1.1\r\nHost: t\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                InputStream in = slow.getInputStream();
                ByteArrayOutputStream received = new ByteArrayOutputStream();
                byte[] buf = new byte[8192];
                while (received.size() < 64 * 1024) { // part of version 1, then the viewer stops reading
                    int n = in.read(buf);
                    assertThat(n).isPositive();
                    received.write(buf, 0, n);
                }
                long admittedBefore = metric(client, "atlas_hot_admissions_total");
                put(client, v2);
                for (int i = 0; i < 3; i++) {
                    assertThat(get(client)).isEqualTo(v2); // version 2 enters, in version 1's memory
                }
                assertThat(metric(client, "atlas_hot_admissions_total") - admittedBefore)
                        .as("version 2 admitted into the one-version tier").isGreaterThanOrEqualTo(7);
                for (int n; received.size() < headEnd(received.toByteArray()) + SIZE && (n = in.read(buf)) > 0; ) {
                    received.write(buf, 0, n);
                }
                byte[] all = received.toByteArray();
                int bodyStart = headEnd(all);
                assertThat(new String(all, 0, bodyStart, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");
                assertThat(Arrays.copyOfRange(all, bodyStart, all.length)).as("the slow viewer's version 1")
                        .isEqualTo(v1);
            }
        }
    }

    private static byte[] random(long seed) {
        byte[] b = new byte[SIZE];
        new Random(seed).nextBytes(b);
        return b;
    }

    private void put(HttpClient client, byte[] body) throws Exception {
        HttpResponse<Void> r = client.send(HttpRequest.newBuilder(URI.create(server.url("seg/live.m4s")))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(r.statusCode()).isIn(201, 204);
    }

    private byte[] get(HttpClient client) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(server.url("seg/live.m4s"))).build(),
                HttpResponse.BodyHandlers.ofByteArray()).body();
    }

    private long metric(HttpClient client, String family) throws Exception {
        String text = client.send(HttpRequest.newBuilder(URI.create(server.adminUrl("_atlas/metrics"))).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        long sum = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith(family + "{") || line.startsWith(family + " ")) {
                sum += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    /** Index of the first body byte (after CRLF CRLF), or MAX_VALUE while the head is incomplete. */
    private static int headEnd(byte[] b) {
        for (int i = 3; i < b.length; i++) {
            if (b[i - 3] == '\r' && b[i - 2] == '\n' && b[i - 1] == '\r' && b[i] == '\n') {
                return i + 1;
            }
        }
        return Integer.MAX_VALUE - SIZE;
    }
}
