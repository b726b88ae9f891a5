package atlas.it;

import atlas.testing.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The port accepts only when the server can answer (issue 13, point 1): a client that connects in a loop across
 * restarts — each one a {@code kill -9} with uploads in flight, then a start on the same port, so the volume has
 * a journal to recover — sees connections refused while a server starts and, from its first accepted connection
 * on, an HTTP answer to every one. A connection accepted and then reset, or a refusal after an accepted one, means
 * something listened before the server was ready: the port-sharing probe used to listen for a moment, and a
 * connect landing in that moment was reset when the probe closed, then refused until the volume had recovered.
 * <pre>
 *  probes:  refused refused ... refused  answered answered ... answered  (ignored)  refused ...
 *           ^ the killed server's port is free                          ^ kill -9   ^ next window
 *  per window: nothing but "refused" before the first "answered", nothing but "answered" from it on
 * </pre>
 * The prober connects every {@link #PROBE_INTERVAL} while connections are accepted. While they are refused it tries
 * again after {@link #REFUSED_PAUSE}: a refused connect over loopback costs tens of microseconds, and the moment a
 * wrong listener would be open is a fraction of a millisecond, which probes every few milliseconds would rarely hit.
 */
class ListenWhenReadyIT {
    private static final String ENGINE = System.getProperty("atlas.engine", "nio");
    private static final int RESTARTS = 6;
    private static final Duration PROBE_INTERVAL = Duration.ofMillis(3);
    private static final Duration REFUSED_PAUSE = Duration.ofNanos(50_000);
    private static final int ANSWERS_PER_SERVER = 20;
    private static final int UPLOADS_PER_SERVER = 12;
    private static final int UPLOAD_BYTES = 256 << 10;
    private static final int UPLOADS_IN_FLIGHT = 3;

    @TempDir
    Path tmp;

    enum Outcome { ANSWERED, REFUSED, RESET }

    /** One probe: when it began and ended (System.nanoTime) and how it went. */
    record Attempt(long startNs, long endNs, Outcome outcome, String detail) {
    }

    /** The time one server instance owned the port: from its predecessor's port being free to its own kill. */
    record Window(int instance, long fromNs, long untilNs) {
        boolean contains(Attempt a) {
            return a.startNs() >= fromNs && a.endNs() < untilNs;
        }
    }

    @Test
    void shouldAnswerEveryConnectionAcceptedAcrossKill9Restarts() {
        assertTimeoutPreemptively(Duration.ofSeconds(120), this::restartUnderConnectLoop);
    }

    private void restartUnderConnectLoop() throws Exception {
        int port = freePortOutsideEphemeralRange();
        ConcurrentLinkedQueue<Attempt> attempts = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        List<Window> windows = new ArrayList<>();
        Thread prober = Thread.ofPlatform().name("connect-loop").start(() -> probeUntil(port, stop, attempts));
        long fromNs = System.nanoTime();
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"), "--listen", "127.0.0.1:" + port,
                "--no-demo", "--engine", ENGINE, "--access-log", "off")) {
            for (int instance = 0; instance < RESTARTS; instance++) {
                awaitAnswers(attempts, fromNs);
                List<RawConnection> inFlight = upload(server, instance);
                long killNs = System.nanoTime();
                server.kill9();
                windows.add(new Window(instance, fromNs, killNs));
                // The exit being seen is not enough: an io_uring's requests (a multishot accept holds its listener)
                // are torn down by the kernel after the process is gone, and a connect landing meanwhile is accepted
                // by the dead server's listener and reset. Only once the port is free again is the next server's.
                Await.until("the killed server's listeners to close", Duration.ofSeconds(10), () -> portFree(port));
                fromNs = System.nanoTime();
                for (RawConnection c : inFlight) {
                    c.close();
                }
                server.restart();
            }
            // The last instance is not killed: probe it for a moment, then stop before the leak check of close().
            awaitAnswers(attempts, fromNs);
            stop.set(true);
            prober.join();
            windows.add(new Window(RESTARTS, fromNs, Long.MAX_VALUE));
        } finally {
            stop.set(true);
            prober.join();
        }

        List<String> violations = new ArrayList<>();
        for (Window w : windows) {
            List<Attempt> mine = attempts.stream().filter(w::contains).toList();
            int first = 0;
            while (first < mine.size() && mine.get(first).outcome() != Outcome.ANSWERED) {
                first++;
            }
            assertThat(first).as("instance " + w.instance() + ": no probe answered (" + mine.size() + " probes)")
                    .isLessThan(mine.size());
            for (Attempt a : mine.subList(first, mine.size())) {
                if (a.outcome() != Outcome.ANSWERED) {
                    violations.add("instance " + w.instance() + ", " + (a.startNs() - mine.get(first).startNs()) / 1000
                            + " us after its first answer: " + a.outcome() + " (" + a.detail() + ")");
                }
            }
            long refusedBefore = mine.subList(0, first).stream().filter(a -> a.outcome() == Outcome.REFUSED).count();
            for (Attempt a : mine.subList(0, first)) {
                if (a.outcome() == Outcome.RESET) {
                    violations.add("instance " + w.instance() + ", " + (a.startNs() - w.fromNs()) / 1000
                            + " us after its predecessor was gone, before its first answer (at "
                            + (mine.get(first).startNs() - w.fromNs()) / 1000 + " us): " + a.detail());
                }
            }
            System.out.printf("listen-when-ready: instance %d: %d refused, then %d answered of %d probes%n",
                    w.instance(), refusedBefore, mine.size() - first, mine.size());
            if (w.instance() > 0) {
                // Otherwise the prober was not probing while the server started, and this test proved nothing.
                assertThat(refusedBefore).as("instance " + w.instance() + ": probes refused while it started")
                        .isPositive();
            }
        }
        assertThat(violations).as("connections accepted but not answered, or refused after one was (engine "
                + ENGINE + ")").isEmpty();
    }

    /**
     * Some complete PUTs (the next recovery replays their journal entries), then uploads left half sent, so the kill
     * cuts them off in flight. Returns the connections of those.
     */
    private static List<RawConnection> upload(ServerProcess server, int instance) throws IOException {
        byte[] body = new byte[UPLOAD_BYTES];
        Arrays.fill(body, (byte) ('a' + instance));
        try (RawConnection c = new RawConnection(server.port())) {
            for (int i = 0; i < UPLOADS_PER_SERVER; i++) {
                c.send("PUT /ready/i" + instance + "-" + i + ".bin HTTP/1.1\r\nHost: x\r\nContent-Length: "
                        + body.length + "\r\n\r\n").send(body);
                assertThat(c.read().status()).as("PUT " + i + " to instance " + instance).isIn(201, 204);
            }
        }
        List<RawConnection> inFlight = new ArrayList<>();
        for (int i = 0; i < UPLOADS_IN_FLIGHT; i++) {
            RawConnection c = new RawConnection(server.port());
            inFlight.add(c);
            c.send("PUT /ready/cut-" + instance + "-" + i + ".bin HTTP/1.1\r\nHost: x\r\nContent-Length: "
                    + 4 * body.length + "\r\n\r\n").send(body);
        }
        return inFlight;
    }

    /** Connects, asks for health and reads the status line; again and again until {@code stop}. */
    private static void probeUntil(int port, AtomicBoolean stop, ConcurrentLinkedQueue<Attempt> attempts) {
        byte[] request = "GET /_atlas/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1);
        while (!stop.get()) {
            long startNs = System.nanoTime();
            Outcome outcome;
            String detail;
            try (Socket s = new Socket()) {
                s.setSoTimeout(5_000);
                try {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                } catch (ConnectException e) {
                    attempts.add(new Attempt(startNs, System.nanoTime(), Outcome.REFUSED, e.getMessage()));
                    LockSupport.parkNanos(REFUSED_PAUSE.toNanos());
                    continue;
                }
                OutputStream out = s.getOutputStream();
                out.write(request);
                out.flush();
                String status = statusLine(s.getInputStream());
                outcome = status.startsWith("HTTP/1.1 ") ? Outcome.ANSWERED : Outcome.RESET;
                detail = status.isEmpty() ? "closed without an answer" : status;
            } catch (IOException e) {
                outcome = Outcome.RESET;
                detail = "accepted, then " + e;
            }
            attempts.add(new Attempt(startNs, System.nanoTime(), outcome, detail));
            LockSupport.parkNanos(PROBE_INTERVAL.toNanos());
        }
    }

    /** The first line of the response, or what came before the connection closed. */
    private static String statusLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\r') {
            line.append((char) b);
        }
        return line.toString();
    }

    /** Lets the prober see the server answer for a while: a refusal among answers has room to show. */
    private static void awaitAnswers(ConcurrentLinkedQueue<Attempt> attempts, long sinceNs) throws Exception {
        Await.until(ANSWERS_PER_SERVER + " probes answered by the server started last", Duration.ofSeconds(30),
                () -> attempts.stream().filter(a -> a.startNs() >= sinceNs && a.outcome() == Outcome.ANSWERED)
                        .count() >= ANSWERS_PER_SERVER);
    }

    /** Whether nothing listens on {@code port}: a bind without listen fails with EADDRINUSE against a listener. */
    private static boolean portFree(int port) throws IOException {
        try (SocketChannel probe = SocketChannel.open()) {
            probe.setOption(StandardSocketOptions.SO_REUSEADDR, true); // past the killed server's TIME_WAITs
            probe.bind(new InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (BindException e) {
            return false;
        }
    }

    /**
     * A free port below the ephemeral range: a client socket is never given it as its own local port, so a probe
     * cannot connect to itself (TCP simultaneous open) while no server holds the port.
     */
    private static int freePortOutsideEphemeralRange() throws IOException {
        // Read as a stream: Files.readString trusts the size /proc reports and may return only the first byte.
        String range;
        try (BufferedReader r = Files.newBufferedReader(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
            range = r.readLine();
        }
        int low = Integer.parseInt(range.trim().split("\\s+")[0]);
        for (int port = low - 1; port > low - 2000 && port > 1024; port--) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress("127.0.0.1", port));
                return port;
            } catch (IOException taken) {
                // try the next one
            }
        }
        throw new IOException("no free port in the 2000 below the ephemeral range (from " + low + ")");
    }
}
