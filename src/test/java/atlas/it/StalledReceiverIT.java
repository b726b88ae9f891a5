package atlas.it;

import atlas.testing.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clients that ask for a large object and never read it must not pin the server's memory (issue 4): after the
 * send timeout their connections are dropped and every I/O buffer is back in the pool, as {@code /metrics} shows.
 * On the io_uring engine this also runs with zero-copy sends forced, where the kernel holds our pages until the
 * socket lets them go — closing must abort the connection rather than wait for a reader that never comes.
 */
class StalledReceiverIT {
    private static final int STALLED = 5;
    private static final Pattern ACTIVE = Pattern.compile("(?m)^atlas_connections_active\\{core=\"\\d+\"} (\\d+)");
    private static final Pattern IN_USE = Pattern.compile("(?m)^atlas_io_buffers_in_use\\{core=\"\\d+\"} (\\d+)");
    /** Hot-tier chunks being sent: a stalled response on a hot object holds a pin instead of a buffer. */
    private static final Pattern HOT_PINS = Pattern.compile("(?m)^atlas_hot_pins\\{core=\"\\d+\"} (\\S+)");
    private static final Pattern TIMEOUTS =
            Pattern.compile("(?m)^atlas_errors_total\\{core=\"\\d+\",kind=\"timeout\"} (\\S+)");
    private Path work;
    private ServerProcess server;

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
        HttpTestServers.deleteTree(work);
    }

    @Test
    void shouldDropReceiversThatStopReadingAndGetTheirBuffersBack() throws Exception {
        check(Map.of());
    }

    @Test
    void shouldDropStalledReceiversAlsoWithZeroCopySends() throws Exception {
        check(Map.of("ATLAS_SEND_ZC", "always"));
    }

    private void check(Map<String, String> environment) throws Exception {
        work = HttpTestServers.workDir(StalledReceiverIT.class);
        server = ServerProcess.startWithEnvironment(work.resolve("data"), environment, "--engine",
                HttpTestServers.engine(), "--no-demo", "--send-timeout", "2s");
        byte[] big = new byte[16 << 20];
        new Random(7).nextBytes(big);
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            assertThat(client.send(HttpRequest.newBuilder(URI.create(server.url("stall/big.bin")))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(big)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(201);
            // Scraped through this client on the admin listener: its connection there, and the one kept from the PUT
            // on the public listener, are the two the scrapes count besides the stalled ones.
            long timeoutsBefore = sum(TIMEOUTS, metrics(client));

            List<Socket> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < STALLED; i++) {
                    Socket s = new Socket();
                    s.setReceiveBufferSize(4096);
                    s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
                    s.getOutputStream().write("GET /stall/big.bin HTTP/1.1\r\nHost: t\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    stalled.add(s);
                }
                // Every response begun: each holds a buffer (or, once the object is hot, a pin on the chunk it
                // sends) until its socket drains, which it never does.
                Await.until(STALLED + " responses stuck on receivers that stopped reading", Duration.ofSeconds(10),
                        () -> metrics(client),
                        m -> sum(ACTIVE, m) > STALLED && sum(IN_USE, m) + sum(HOT_PINS, m) >= STALLED);

                // The send timeout fires for each and closes it; the buffers come back. Only this client's two
                // connections are left.
                Await.until("the send timeout to drop the stalled receivers and free their buffers",
                        Duration.ofSeconds(15), () -> metrics(client),
                        m -> sum(TIMEOUTS, m) - timeoutsBefore >= STALLED && sum(ACTIVE, m) <= 2 && sum(IN_USE, m) == 0
                                && sum(HOT_PINS, m) == 0);
                for (Socket s : stalled) {
                    assertThat(readToEnd(s)).as("a dropped receiver gets part of the body, then the end")
                            .isLessThan(big.length);
                }
            } finally {
                for (Socket s : stalled) {
                    s.close();
                }
            }
            HttpResponse<byte[]> get = client.send(HttpRequest.newBuilder(URI.create(server.url("stall/big.bin")))
                    .build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(get.statusCode()).isEqualTo(200);
            assertThat(get.body()).isEqualTo(big);
        }
    }

    private String metrics(HttpClient client) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(server.adminUrl("metrics"))).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static long sum(Pattern p, String metrics) {
        long total = 0;
        Matcher m = p.matcher(metrics);
        while (m.find()) {
            total += (long) Double.parseDouble(m.group(1));
        }
        return total;
    }

    private static long readToEnd(Socket s) throws IOException {
        s.setSoTimeout(5000);
        InputStream in = s.getInputStream();
        byte[] buf = new byte[1 << 16];
        long total = 0;
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
            }
        } catch (IOException reset) {
            // A reset (the zero-copy abort) ends the stream too.
        }
        return total;
    }
}
