package atlas.it;

import atlas.testing.Await;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * One address holding many connections that stop reading cannot take the I/O buffers from everyone else: with
 * four buffers in all, forty stalled GETs from this host's non-loopback address hold them and queue for more; a
 * viewer arriving after them gets the next buffer that comes free (the flood waits behind it), so its GET is
 * answered in full at once instead of after the stalled ones' send timeout; every buffer is back once the flood is
 * gone.
 */
class BufferFairnessIT {
    private static final int FLOOD = 40;

    @Test
    void shouldServeAViewerBeforeAFloodOfStalledConnectionsFromOneAddress() throws Exception {
        InetAddress outside = HttpTestServers.nonLoopbackAddress();
        assumeTrue(outside != null, "this host has no non-loopback IPv4 address to connect from");
        Path work = HttpTestServers.workDir(BufferFairnessIT.class);
        try (ServerProcess server = ServerProcess.start(work.resolve("data"), "--listen", "0.0.0.0:0", "--engine",
                HttpTestServers.engine(), "--cores", "1", "--buffer-memory", "1m", "--hot-memory", "0",
                "--max-connections-per-client", "200")) {
            HttpCurl curl = new HttpCurl(work);
            byte[] big = new byte[8 << 20];
            new Random(3).nextBytes(big);
            Path file = work.resolve("big.bin");
            Files.write(file, big);
            assertThat(curl.run("-T", file.toString(), server.url("f/big.bin")).status()).isEqualTo(201);

            List<Socket> flood = new ArrayList<>();
            try {
                for (int i = 0; i < FLOOD; i++) {
                    Socket s = new Socket();
                    s.setReceiveBufferSize(4096);
                    s.connect(new InetSocketAddress(outside, server.port()), 5000);
                    s.getOutputStream().write("GET /f/big.bin HTTP/1.1\r\nHost: t\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    flood.add(s);
                }
                String held = server.awaitMetrics("the flood holding every buffer and queueing for more",
                        e -> OperatorIT.sum(e, "atlas_io_buffers_in_use", "") >= 4
                                && OperatorIT.sum(e, "atlas_io_buffers_waiting", "") >= FLOOD - 4,
                        Duration.ofSeconds(20));
                double queued = OperatorIT.sum(held, "atlas_io_buffers_waiting", "");
                CompletableFuture<HttpCurl.Response> viewer = new CompletableFuture<>();
                Thread.ofVirtual().start(() -> {
                    try {
                        viewer.complete(curl.run(server.url("f/big.bin")));
                    } catch (Exception e) {
                        viewer.completeExceptionally(e);
                    }
                });
                server.awaitMetrics("the viewer queued after the flood",
                        e -> OperatorIT.sum(e, "atlas_io_buffers_waiting", "") >= queued + 1, Duration.ofSeconds(20));
                // A connection that holds buffers is one that has received response bytes (the others wait for a
                // buffer to send anything): closing it (a reset) frees them. Handed out in arrival order they would
                // go to the flood's next connection, and the viewer would wait for the stalled ones' send timeout
                // (30 s); yielded, the viewer gets one at once.
                Socket holder = Await.until("a connection of the flood receiving its response", Duration.ofSeconds(10),
                        () -> flood.stream().filter(BufferFairnessIT::hasReceived).findFirst(),
                        java.util.Optional::isPresent).orElseThrow();
                holder.setSoLinger(true, 0);
                holder.close();
                HttpCurl.Response answer = viewer.get(20, TimeUnit.SECONDS);
                assertThat(answer.status()).as(answer.statusLine()).isEqualTo(200);
                assertThat(answer.body()).isEqualTo(big);
            } finally {
                for (Socket s : flood) {
                    s.close();
                }
            }
            server.awaitMetrics("every buffer back once the flood is gone",
                    e -> OperatorIT.sum(e, "atlas_io_buffers_in_use", "") == 0
                            && OperatorIT.sum(e, "atlas_io_buffers_waiting", "") == 0, Duration.ofSeconds(30));
        } finally {
            HttpTestServers.deleteTree(work);
        }
    }

    private static boolean hasReceived(Socket s) {
        try {
            return s.getInputStream().available() > 0;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
