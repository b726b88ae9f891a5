package atlas.loadgen;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A raw HTTP/1.1 responder on loopback for the load generator's tests: one thread per connection, every request
 * head answered with a 200 and a 5-byte body, keep-alive. Until {@link #open()} is called, no response goes out
 * (requests are read and held), so a test can make the client's connections busy for as long as it wants without
 * sleeping; servers built {@link #answering()} start open.
 */
final class TinyHttpServer implements AutoCloseable {
    private static final byte[] RESPONSE = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
            .getBytes(StandardCharsets.US_ASCII);

    private final ServerSocket listener;
    private final CountDownLatch gate;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicLong requests = new AtomicLong();

    private TinyHttpServer(boolean open) throws IOException {
        this.listener = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        this.gate = new CountDownLatch(open ? 0 : 1);
        Thread.ofPlatform().daemon().name("tiny-http-accept").start(this::accept);
    }

    static TinyHttpServer answering() throws IOException {
        return new TinyHttpServer(true);
    }

    /** Reads requests but answers none until {@link #open()}. */
    static TinyHttpServer holding() throws IOException {
        return new TinyHttpServer(false);
    }

    void open() {
        gate.countDown();
    }

    /** Request heads read so far. */
    long requests() {
        return requests.get();
    }

    TargetList targets() {
        return TargetList.of(List.of(java.net.URI.create("http://127.0.0.1:" + listener.getLocalPort() + "/x")));
    }

    private void accept() {
        try {
            while (true) {
                Socket s = listener.accept();
                s.setTcpNoDelay(true);
                sockets.add(s);
                Thread.ofPlatform().daemon().name("tiny-http-conn").start(() -> serve(s));
            }
        } catch (IOException e) {
            // closed: the test is over
        }
    }

    private void serve(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            int last4 = 0; // the last four bytes read: a request head ends with \r\n\r\n
            int b;
            while ((b = in.read()) >= 0) {
                last4 = (last4 << 8) | b;
                if (last4 == 0x0D0A0D0A) {
                    last4 = 0;
                    requests.incrementAndGet();
                    gate.await();
                    out.write(RESPONSE);
                    out.flush();
                }
            }
        } catch (IOException e) {
            // the client closed the connection
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws IOException {
        gate.countDown();
        listener.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
