package atlas.it;

import atlas.testing.Await;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * HTTPS with real clients (issue 5): curl over TLS 1.3 and 1.2, openssl s_client, ffmpeg playing the demo stream,
 * wrk, and the JDK's TLS stack for pipelining and KeyUpdate. Object bodies are sealed in place in the flash
 * buffers, so every body is compared byte for byte with what was stored, at sizes around the 16 KiB record and
 * the 256 KiB read boundaries. Bad input on the TLS port must cost one connection, never the core.
 */
class TlsIT {
    private static final int[] SIZES = {1, 4095, 16384, 16385, 262_144, 300 * 1024 + 17, 2 * 1024 * 1024 + 1};
    private static final Pattern HTTPS_URL = Pattern.compile("(https://localhost:(\\d+)/)");

    private static Path workDir;
    private static ServerProcess server;
    private static HttpCurl curl;
    private static String https;
    private static int tlsPort;
    private static Path cert;
    private static final List<byte[]> BODIES = new ArrayList<>();

    @BeforeAll
    static void startServer() throws Exception {
        workDir = HttpTestServers.workDir(TlsIT.class);
        server = HttpTestServers.start(workDir, "--tls-listen", "127.0.0.1:0", "--handshake-timeout", "2s",
                "--hsts", "365d");
        curl = new HttpCurl(workDir);
        // The server is up once it printed its first http:// URL; the https one is on the last start-up line.
        String output = Await.until("the https URL in the start-up output", Duration.ofSeconds(10), server::output,
                o -> HTTPS_URL.matcher(o).find());
        Matcher m = HTTPS_URL.matcher(output);
        assertThat(m.find()).isTrue();
        https = m.group(1);
        tlsPort = Integer.parseInt(m.group(2));
        cert = server.dataDir().resolve("tls").resolve("selfsigned-cert.pem");
        assertThat(cert).as("self-signed certificate kept in the data directory").exists();
        Random random = new Random(5);
        for (int size : SIZES) {
            byte[] body = new byte[size];
            random.nextBytes(body);
            BODIES.add(body);
            Path file = workDir.resolve("body-" + size);
            Files.write(file, body);
            HttpCurl.Response put = curl.run("-T", file.toString(), server.url("tls/o" + size));
            assertThat(put.status()).as(put.toString()).isEqualTo(201);
        }
    }

    @AfterAll
    static void stopServer() throws IOException {
        if (server != null) {
            server.close();
        }
        HttpTestServers.deleteTree(workDir);
    }

    private static HttpCurl.Response curlTls(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--cacert", cert.toString()));
        all.addAll(List.of(args));
        return curl.run(all.toArray(String[]::new));
    }

    @ParameterizedTest
    @ValueSource(strings = {"--tlsv1.3", "--tls-max"})
    void shouldServeEveryObjectByteForByteOverTls13AndTls12(String version) throws Exception {
        for (int i = 0; i < SIZES.length; i++) {
            String url = https + "tls/o" + SIZES[i];
            HttpCurl.Response r = version.equals("--tlsv1.3") ? curlTls("--tlsv1.3", "-v", url)
                    : curlTls("--tlsv1.2", "--tls-max", "1.2", "-v", url);
            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.body()).as("GET %s over %s", url, version).isEqualTo(BODIES.get(i));
            assertThat(r.stderr()).contains(version.equals("--tlsv1.3") ? "TLSv1.3" : "TLSv1.2")
                    .contains("ALPN: server accepted http/1.1");
        }
    }

    @Test
    void shouldServeSingleAndMultipleRangesOverTls() throws Exception {
        byte[] body = BODIES.get(SIZES.length - 1);
        HttpCurl.Response single = curlTls("-r", "100-300000", https + "tls/o" + body.length);
        assertThat(single.status()).as(single.toString()).isEqualTo(206);
        assertThat(single.body()).isEqualTo(Arrays.copyOfRange(body, 100, 300_001));
        HttpCurl.Response tail = curlTls("-r", "-5", https + "tls/o" + body.length);
        assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(body, body.length - 5, body.length));
        HttpCurl.Response multi = curlTls("-r", "0-9,262140-262150,2000000-2000100", https + "tls/o" + body.length);
        assertThat(multi.status()).as(multi.toString()).isEqualTo(206);
        assertThat(multi.header("Content-Type")).startsWith("multipart/byteranges");
        String text = multi.bodyText();
        for (int[] range : new int[][] {{0, 9}, {262140, 262150}, {2000000, 2000100}}) {
            String part = new String(Arrays.copyOfRange(body, range[0], range[1] + 1), StandardCharsets.ISO_8859_1);
            assertThat(text).contains("Content-Range: bytes " + range[0] + "-" + range[1] + "/" + body.length)
                    .contains(part);
        }
    }

    @Test
    void shouldLogTheTlsVersionOfEachExchange() throws Exception {
        curlTls("--tls-max", "1.2", https + "tls/o1?log12");
        curlTls("--tlsv1.3", https + "tls/o1?log13");
        curl.run(server.url("tls/o1?logplain"));
        Path log = server.dataDir().resolve("access.log");
        // The writer thread appends every 100 ms.
        String text = Await.until("the three exchanges in " + log, Duration.ofSeconds(10),
                () -> Files.exists(log) ? Files.readString(log) : "",
                t -> t.contains("log12") && t.contains("log13") && t.contains("logplain"));
        assertThat(text.lines().filter(l -> l.contains("?log12 ")).findFirst()).get().asString()
                .endsWith(" TLSv1.2 ok -");
        assertThat(text.lines().filter(l -> l.contains("?log13 ")).findFirst()).get().asString()
                .endsWith(" TLSv1.3 ok -");
        assertThat(text.lines().filter(l -> l.contains("?logplain ")).findFirst()).get().asString()
                .endsWith(" - ok -");
    }

    @Test
    void shouldAcceptUploadsOverTls() throws Exception {
        byte[] body = new byte[700_001];
        new Random(9).nextBytes(body);
        Path file = workDir.resolve("upload");
        Files.write(file, body);
        // Client records arrive back to back: the ciphertext buffer holds one whole record and moves partial ones.
        HttpCurl.Response put = curlTls("-T", file.toString(), https + "tls/uploaded");
        assertThat(put.status()).as(put.toString()).isEqualTo(201);
        HttpCurl.Response get = curl.run(server.url("tls/uploaded"));
        assertThat(get.body()).as("uploaded over TLS 1.3, read over plain HTTP").isEqualTo(body);
        HttpCurl.Response put12 = curlTls("--tls-max", "1.2", "-T", file.toString(), https + "tls/uploaded12");
        assertThat(put12.status()).as(put12.toString()).isEqualTo(201);
        assertThat(curl.run(server.url("tls/uploaded12")).body()).as("uploaded over TLS 1.2").isEqualTo(body);
    }

    /**
     * A GET with a body the server will not read is answered and the connection closed lingering, over TLS too: our
     * close_notify and a FIN right after the answer while the client is still sending (RFC 9112 §9.6, RFC 8446
     * §6.1), so the client reads the 404 and then the end, well before the 2 s bound that ends a lingering close.
     */
    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void shouldHalfCloseWithCloseNotifyAfterAnsweringAClientStillSending(String version) throws Exception {
        try (SSLSocket s = jdkClient(version)) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write("GET /tls/none HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000000\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] junk = new byte[64 * 1024];
            for (int i = 0; i < 16; i++) { // 1 MiB the server will never use, sent before reading anything
                out.write(junk);
            }
            out.flush();
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.1 404 ").containsIgnoringCase("Connection: close");
            Matcher length = Pattern.compile("(?i)content-length: (\\d+)").matcher(head);
            assertThat(length.find()).as(head).isTrue();
            int bodyLength = Integer.parseInt(length.group(1));
            assertThat(in.readNBytes(bodyLength)).hasSize(bodyLength);
            long start = System.nanoTime();
            assertThat(in.read()).as("end of stream: close_notify").isEqualTo(-1);
            assertThat((System.nanoTime() - start) / 1_000_000).as("ms to the end, lingering ends at 2000")
                    .isLessThan(1500);
        }
    }

    /** Three pipelined requests in one write, then a KeyUpdate the client asks us to answer, then one more. */
    @Test
    void shouldAnswerPipelinedRequestsAndKeyUpdatesFromTheJdkClient() throws Exception {
        try (SSLSocket s = jdkClient("TLSv1.3")) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            StringBuilder requests = new StringBuilder();
            for (int size : new int[] {4095, 16385, 300 * 1024 + 17}) {
                requests.append("GET /tls/o").append(size).append(" HTTP/1.1\r\nHost: localhost\r\n\r\n");
            }
            out.write(requests.toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readResponseBody(in)).isEqualTo(BODIES.get(1));
            assertThat(readResponseBody(in)).isEqualTo(BODIES.get(3));
            assertThat(readResponseBody(in)).isEqualTo(BODIES.get(5));
            // On an established TLS 1.3 connection the JDK sends KeyUpdate(update_requested) here; we must answer
            // with our own before more data, or the JDK fails to read the next response.
            s.startHandshake();
            out.write("GET /tls/o16384 HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readResponseBody(in)).isEqualTo(BODIES.get(2));
        }
        assertThat(metric("atlas_tls_events_total", "key_update")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void shouldNegotiateWithOpensslSClient() throws Exception {
        assumeTrue(HttpTestServers.onPath("openssl"), "openssl is not installed");
        Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + tlsPort, "-servername",
                "localhost", "-alpn", "http/1.1", "-CAfile", cert.toString(), "-verify_return_error")
                .redirectErrorStream(true).start();
        p.getOutputStream().write("GET /tls/o4095 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        p.getOutputStream().flush();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(output).contains("TLSv1.3").contains("ALPN protocol: http/1.1")
                .contains("Verify return code: 0 (ok)").contains("HTTP/1.1 200 OK");
    }

    /**
     * TLS 1.2 session resumption by ID as openssl s_client does it: the first connection saves its session, the
     * second offers it and gets the abbreviated handshake (no key exchange, no signature), and its request is
     * served over the resumed session's keys.
     */
    @Test
    void shouldResumeATls12SessionForOpensslSClient() throws Exception {
        assumeTrue(HttpTestServers.onPath("openssl"), "openssl is not installed");
        Path session = Files.createTempFile("atlas-tls12", ".session");
        try {
            long resumedBefore = metric("atlas_tls_handshakes_total", "tls12_resumed");
            assertThat(sClientTls12("-sess_out", session)).contains("New, TLSv1.2").contains("HTTP/1.1 200 OK");
            assertThat(sClientTls12("-sess_in", session)).contains("Reused, TLSv1.2").contains("HTTP/1.1 200 OK")
                    .contains(new String(BODIES.get(0), StandardCharsets.ISO_8859_1));
            assertThat(metric("atlas_tls_handshakes_total", "tls12_resumed")).isEqualTo(resumedBefore + 1);
        } finally {
            Files.deleteIfExists(session);
        }
    }

    private String sClientTls12(String sessionFlag, Path session) throws Exception {
        Process p = new ProcessBuilder("openssl", "s_client", "-tls1_2", sessionFlag, session.toString(), "-connect",
                "127.0.0.1:" + tlsPort, "-servername", "localhost", "-CAfile", cert.toString(), "-ign_eof")
                .redirectErrorStream(true).start();
        p.getOutputStream().write("GET /tls/o1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        p.getOutputStream().close();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    /**
     * max_fragment_length 512 (RFC 6066): every record we send must fit, or openssl fails the read with
     * record_overflow; 16385 bytes are 33 records of the body, sealed out of place and packed per send.
     */
    @ParameterizedTest
    @ValueSource(strings = {"-tls1_3", "-tls1_2"})
    void shouldHonourMaxFragmentLengthFromOpensslSClient(String version) throws Exception {
        assumeTrue(HttpTestServers.onPath("openssl"), "openssl is not installed");
        Process p = new ProcessBuilder("openssl", "s_client", version, "-maxfraglen", "512", "-connect",
                "127.0.0.1:" + tlsPort, "-servername", "localhost", "-CAfile", cert.toString(), "-ign_eof")
                .redirectErrorStream(true).start();
        p.getOutputStream().write("GET /tls/o16385 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        p.getOutputStream().close();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(output).contains("HTTP/1.1 200 OK").doesNotContain("data length too long") // a 16 KiB record
                .contains(new String(BODIES.get(3), StandardCharsets.ISO_8859_1));
    }

    @Test
    void shouldPlayTheDemoStreamOverHttpsWithFfmpeg() throws Exception {
        assumeTrue(HttpTestServers.onPath("ffmpeg"), "ffmpeg is not installed");
        Process p = new ProcessBuilder("ffmpeg", "-nostdin", "-v", "error", "-i", https + "demo/index.m3u8",
                "-f", "null", "-").redirectErrorStream(true).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).as("ffmpeg errors").isEmpty();
    }

    @Test
    void shouldServeWrkOverHttps() throws Exception {
        assumeTrue(HttpTestServers.onPath("wrk"), "wrk is not installed");
        Process p = new ProcessBuilder("wrk", "-t", "1", "-c", "8", "-d", "2s", https + "tls/o16385")
                .redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).as(output).doesNotContain("Non-2xx").doesNotContain("Socket errors");
        Matcher requests = Pattern.compile("(\\d+) requests in").matcher(output);
        assertThat(requests.find()).as(output).isTrue();
        assertThat(Long.parseLong(requests.group(1))).as("requests over https in 2 s").isGreaterThan(10);
    }

    /** {@code --hsts 365d}: on every HTTPS response, errors too; never over plain HTTP (RFC 6797 §7.2). */
    @Test
    void shouldSendStrictTransportSecurityOverHttpsOnly() throws Exception {
        for (String target : List.of("tls/o1", "tls/none", "_atlas/health")) {
            HttpCurl.Response secure = curlTls(https + target);
            assertThat(secure.status()).as(secure.toString()).isIn(200, 404);
            assertThat(secure.header("Strict-Transport-Security")).as(target).isEqualTo("max-age=31536000");
            HttpCurl.Response plain = curl.run(server.url(target));
            assertThat(plain.status()).as(plain.toString()).isEqualTo(secure.status());
            assertThat(plain.header("Strict-Transport-Security")).as("plain HTTP " + target).isNull();
        }
        HttpCurl.Response badHost = curlTls("-H", "Host: t:80x", https + "tls/o1");
        assertThat(badHost.status()).as(badHost.toString()).isEqualTo(400);
        assertThat(badHost.header("Strict-Transport-Security")).isEqualTo("max-age=31536000");
    }

    @Test
    void shouldAnswerPlaintextHttpOnTheTlsPortWithA400() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), tlsPort)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 400 Bad Request").contains("use https://");
        }
        assertServing();
    }

    @Test
    void shouldCloseOnGarbageInsteadOfAClientHello() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), tlsPort)) {
            s.setSoTimeout(10_000);
            byte[] garbage = new byte[3000];
            new Random(3).nextBytes(garbage);
            garbage[0] = 0x16; // looks like a handshake record, then nonsense
            garbage[1] = 0x03;
            garbage[2] = 0x03;
            garbage[3] = 0x01;
            garbage[4] = 0x00;
            s.getOutputStream().write(garbage);
            // The handshake library answers with a fatal alert (record type 21) or just closes; never data.
            byte[] answer = s.getInputStream().readAllBytes();
            assertThat(answer.length == 0 || answer[0] == 21).as("answer starts with %s", answer.length == 0
                    ? "nothing" : Integer.toString(answer[0])).isTrue();
        }
        assertServing();
    }

    @Test
    void shouldDropAHandshakeThatNeverFinishes() throws Exception {
        long before = metric("atlas_tls_handshakes_total", "timeout");
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), tlsPort)) {
            s.setSoTimeout(15_000);
            s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00}); // a ClientHello header, no body
            long start = System.nanoTime();
            assertThat(s.getInputStream().read()).isEqualTo(-1);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(ms).as("closed after the 2 s handshake timeout").isBetween(1000L, 12_000L);
        }
        assertThat(metric("atlas_tls_handshakes_total", "timeout")).isGreaterThan(before);
        assertServing();
    }

    @Test
    void shouldCloseOnATruncatedOrForgedRecordAfterTheHandshake() throws Exception {
        try (SSLSocket s = jdkClient("TLSv1.3")) {
            s.getOutputStream().write("GET /tls/o1 HTTP/1.1\r\nHost: localhost\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(readResponseBody(s.getInputStream())).isEqualTo(BODIES.get(0));
        }
        // A forged application-data record (bad tag) on a fresh connection: handshake with the JDK, then write
        // raw bytes underneath it.
        long before = metric("atlas_tls_events_total", "record_error");
        try (Socket raw = new Socket(InetAddress.getLoopbackAddress(), tlsPort);
             SSLSocket s = (SSLSocket) trustingContext().getSocketFactory().createSocket(raw, "localhost", tlsPort,
                     false)) {
            s.setSoTimeout(10_000);
            s.startHandshake();
            byte[] forged = new byte[5 + 40];
            forged[0] = 23;
            forged[1] = 3;
            forged[2] = 3;
            forged[4] = 40;
            raw.getOutputStream().write(forged);
            raw.getOutputStream().flush();
            try {
                int r = s.getInputStream().read();
                assertThat(r).as("no data for a forged record").isEqualTo(-1);
            } catch (IOException expected) {
                // The fatal alert surfaces as an SSLException in the JDK: that is the right outcome too.
            }
        }
        assertThat(metric("atlas_tls_events_total", "record_error")).isGreaterThan(before);
        assertServing();
    }

    /** The TLS port and the plain port still serve after whatever the test did. */
    private static void assertServing() throws Exception {
        HttpCurl.Response plain = curl.run(server.url("tls/o4095"));
        assertThat(plain.body()).isEqualTo(BODIES.get(1));
        HttpCurl.Response secure = curlTls(https + "tls/o4095");
        assertThat(secure.body()).isEqualTo(BODIES.get(1));
    }

    private static long metric(String name, String label) throws Exception {
        HttpCurl.Response r = curl.run(server.adminUrl("metrics"));
        long sum = 0;
        for (String line : r.bodyText().lines().toList()) {
            if (line.startsWith(name + "{") && line.contains("\"" + label + "\"")) {
                sum += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    private static SSLContext trustingContext() throws Exception {
        return HttpTestServers.trusting(cert);
    }

    private static SSLSocket jdkClient(String protocol) throws Exception {
        SSLSocket s = (SSLSocket) trustingContext().getSocketFactory().createSocket("localhost", tlsPort);
        s.setSoTimeout(20_000);
        SSLParameters p = s.getSSLParameters();
        p.setProtocols(new String[] {protocol});
        p.setApplicationProtocols(new String[] {"http/1.1"});
        s.setSSLParameters(p);
        s.startHandshake();
        assertThat(s.getApplicationProtocol()).isEqualTo("http/1.1");
        return s;
    }

    /** Reads one response head (up to and with its blank line). */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed inside a response head: " + head);
            }
            head.write(b);
            matched = (b == '\r' || b == '\n') && "\r\n\r\n".charAt(matched) == b ? matched + 1
                    : b == '\r' ? 1 : 0;
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** Reads one 200 response with a Content-Length body and returns the body. */
    private static byte[] readResponseBody(InputStream in) throws IOException {
        String text = readHead(in);
        assertThat(text).startsWith("HTTP/1.1 200");
        Matcher m = Pattern.compile("(?i)content-length: (\\d+)").matcher(text);
        assertThat(m.find()).as(text).isTrue();
        return in.readNBytes(Integer.parseInt(m.group(1)));
    }
}
