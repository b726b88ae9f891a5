package atlas.it;

import atlas.testing.Await;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thousands of connections opening and closing — politely, abruptly with a reset, in the middle of a large
 * response, in the middle of a request head — must leave the server with the descriptors it started with, and
 * still serving. Catches fd leaks in either engine (the io_uring one closes in two phases).
 */
class ConnectionChurnIT {
    private static final int CONNECTIONS = 2000;
    private static final byte[] BIG = new byte[3 << 20];
    private static Path work;
    private static ServerProcess server;
    /**
     * Its connection, kept open from the PUT to the last GET, is part of the baseline; closed before the server, so
     * the stop-time leak check finds no client left.
     */
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        new Random(42).nextBytes(BIG);
        work = HttpTestServers.workDir(ConnectionChurnIT.class);
        server = HttpTestServers.start(work, "--no-demo");
        HttpResponse<Void> put = HTTP.send(HttpRequest.newBuilder(URI.create(server.url("churn/big.bin")))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(BIG)).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(put.statusCode()).isEqualTo(201);
    }

    @AfterAll
    static void stop() throws IOException {
        HTTP.close();
        if (server != null) {
            server.close();
        }
        HttpTestServers.deleteTree(work);
    }

    @Test
    void shouldReturnToItsDescriptorCountAfterConnectionChurn() throws Exception {
        long baseline = openDescriptors();
        for (int i = 0; i < CONNECTIONS; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
                s.setSoTimeout(5000);
                OutputStream out = s.getOutputStream();
                switch (i % 4) {
                    case 0 -> { // complete exchange, then close
                        out.write(request("GET", "/churn/big.bin", "Range: bytes=0-99\r\n"));
                        readAtLeast(s.getInputStream(), 100);
                    }
                    case 1 -> { // reset in the middle of a large response
                        out.write(request("GET", "/churn/big.bin", ""));
                        readAtLeast(s.getInputStream(), 4096);
                        s.setSoLinger(true, 0);
                    }
                    case 2 -> out.write("GET /churn/big.bin HTTP/1.1\r\nHo".getBytes(StandardCharsets.US_ASCII));
                    default -> s.setSoLinger(true, 0); // connect and reset at once
                }
            }
        }
        // The server closes the last of them a moment after the client did (the io_uring engine in two phases).
        Await.until("the server's open descriptors back to the " + baseline + " before " + CONNECTIONS
                + " connections", Duration.ofSeconds(10), ConnectionChurnIT::openDescriptors, n -> n <= baseline);

        HttpResponse<byte[]> get = HTTP.send(HttpRequest.newBuilder(URI.create(server.url("churn/big.bin"))).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(Arrays.equals(get.body(), BIG)).as("body after churn").isTrue();
    }

    private static byte[] request(String method, String path, String extra) {
        return (method + " " + path + " HTTP/1.1\r\nHost: t\r\n" + extra + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static void readAtLeast(InputStream in, int n) throws IOException {
        byte[] buf = new byte[8192];
        int total = 0;
        while (total < n) {
            int r = in.read(buf);
            if (r < 0) {
                throw new IOException("server closed after " + total + " bytes");
            }
            total += r;
        }
    }

    private static long openDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(server.pid()), "fd"))) {
            return fds.count();
        }
    }
}
