package atlas.it;

import atlas.testing.Await;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A server listening beyond loopback without an auth file, with per-client limits, reached from this host's own
 * non-loopback address (a peer that is not loopback to the server) and from loopback: writes only from loopback,
 * a client's connections beyond its limit closed at accept, its requests beyond the rate answered 429 — while a
 * loopback client keeps being served, and nothing is left lent when the abuser is gone.
 */
class ClientLimitsIT {
    private static final int MAX_CONNECTIONS = 20;
    private static Path work;
    private static ServerProcess server;
    private static InetAddress outside;
    private static HttpCurl curl;

    @BeforeAll
    static void start() throws Exception {
        outside = HttpTestServers.nonLoopbackAddress();
        assumeTrue(outside != null, "this host has no non-loopback IPv4 address to connect from");
        work = HttpTestServers.workDir(ClientLimitsIT.class);
        server = ServerProcess.start(work.resolve("data"), "--listen", "0.0.0.0:0", "--engine",
                HttpTestServers.engine(), "--max-connections-per-client", String.valueOf(MAX_CONNECTIONS),
                "--rate-limit", "50", "--rate-burst", "20");
        curl = new HttpCurl(work);
    }

    @AfterAll
    static void stop() throws IOException {
        if (server != null) {
            server.close();
        }
        HttpTestServers.deleteTree(work);
    }

    private static String outsideUrl(String path) {
        return "http://" + outside.getHostAddress() + ":" + server.port() + "/" + path;
    }

    @Test
    void shouldSayAtStartThatItListensBeyondLoopbackWithoutAnAuthFile() {
        assertThat(server.output()).contains("WARNING: listening beyond loopback without --auth-file");
    }

    @Test
    void shouldAcceptWritesFromLoopbackPeersOnly() throws Exception {
        HttpCurl.Response remote = curl.run("-X", "PUT", "--data-binary", "x", outsideUrl("o/remote"));
        assertThat(remote.status()).as(remote.toString()).isEqualTo(403);
        assertThat(remote.bodyText()).contains("loopback peers only");
        assertThat(curl.run(server.url("o/remote")).status()).isEqualTo(404);
        assertThat(curl.run("-X", "PUT", "--data-binary", "x", server.url("o/local")).status()).isEqualTo(201);
        assertThat(curl.run(outsideUrl("o/local")).status()).as("reads are for everyone").isEqualTo(200);
    }

    @Test
    void shouldCloseAClientsConnectionsBeyondItsLimitAndKeepServingOthers() throws Exception {
        List<Socket> sockets = new ArrayList<>();
        try {
            int resetAtConnect = 0;
            for (int i = 0; i < 10 * MAX_CONNECTIONS; i++) {
                Socket s = new Socket();
                try {
                    s.connect(new InetSocketAddress(outside, server.port()), 5000);
                } catch (SocketException reset) {
                    resetAtConnect++; // refused so fast that the reset came before connect returned
                    s.close();
                    continue;
                }
                s.setSoTimeout(5000);
                sockets.add(s);
            }
            assertThat(sockets.size() + resetAtConnect).isEqualTo(10 * MAX_CONNECTIONS);
            int served = 0;
            for (Socket s : sockets) {
                if (answersHealth(s)) {
                    served++;
                }
            }
            assertThat(served).as("connections of the abuser that were served").isEqualTo(MAX_CONNECTIONS);
            assertThat(curl.run(server.url("_atlas/health")).status()).as("a loopback client meanwhile").isEqualTo(200);
            server.awaitMetrics("the refused connections counted", e -> OperatorIT.sum(e,
                    "atlas_access_refused_total", "connections") >= 9 * MAX_CONNECTIONS, Duration.ofSeconds(10));
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        Await.until("the abuser's connections are given back", Duration.ofSeconds(10),
                () -> curl.run("--interface", outside.getHostAddress(), outsideUrl("_atlas/health")).status(),
                status -> status == 200);
    }

    /** One GET of health on {@code s}; false when the server closed it instead (EOF or reset). */
    private static boolean answersHealth(Socket s) {
        try {
            OutputStream out = s.getOutputStream();
            out.write("GET /_atlas/health HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[12];
            int n = in.readNBytes(buf, 0, buf.length);
            return n == buf.length && new String(buf, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 ");
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void shouldAnswer429AboveTheRateWithRetryAfter() throws Exception {
        // 100 requests pipelined on one connection: the burst goes through, most of the rest in this instant not.
        try (RawConnection c = new RawConnection(outside, server.port(), 0)) {
            StringBuilder pipeline = new StringBuilder();
            for (int i = 0; i < 100; i++) {
                pipeline.append("GET /demo/index.m3u8 HTTP/1.1\r\nHost: t\r\n\r\n");
            }
            c.send(pipeline.toString());
            int ok = 0, limited = 0;
            for (int i = 0; i < 100; i++) {
                RawConnection.Response r = c.read();
                if (r.status() == 200) {
                    ok++;
                } else if (r.status() == 429) {
                    limited++;
                    assertThat(r.header("Retry-After")).isEqualTo("1");
                }
            }
            assertThat(ok + limited).isEqualTo(100);
            // At most the burst (20 + 1) and what 50/s refilled meanwhile; other tests share this client's bucket.
            assertThat(ok).as("served").isBetween(1, 60);
            assertThat(limited).as("refused").isGreaterThanOrEqualTo(40);
        }
        assertThat(curl.run(server.url("demo/index.m3u8")).status()).as("loopback is exempt").isEqualTo(200);
    }
}
