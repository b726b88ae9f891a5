package atlas.it;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One client TCP connection to 127.0.0.1 that writes exact bytes and reads HTTP/1.1 responses strictly, every
 * read bounded by SO_TIMEOUT ({@link #READ_TIMEOUT} unless changed), so a server that stays silent fails the
 * test instead of hanging it.
 */
final class RawConnection implements AutoCloseable {
    static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
    private static final int MAX_HEAD_BYTES = 64 * 1024;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    /** A response as read off the wire; header names case-insensitive, every value kept. */
    record Response(String statusLine, int status, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            List<String> values = headers.get(name);
            return values == null ? null : String.join(", ", values);
        }

        boolean closes() {
            String connection = header("Connection");
            return connection != null && connection.toLowerCase().contains("close");
        }

        @Override
        public String toString() {
            return statusLine + " " + headers + " body " + body.length + " bytes"
                    + (body.length <= 200 ? ": " + new String(body, StandardCharsets.ISO_8859_1) : "");
        }
    }

    RawConnection(int port) throws IOException {
        this(port, 0);
    }

    /** {@code receiveBufferBytes} > 0 shrinks SO_RCVBUF before connecting (to stall a sender sooner). */
    RawConnection(int port, int receiveBufferBytes) throws IOException {
        this(java.net.InetAddress.getLoopbackAddress(), port, receiveBufferBytes);
    }

    /** To {@code host}, from the same address (so a non-loopback host makes a non-loopback peer). */
    RawConnection(java.net.InetAddress host, int port, int receiveBufferBytes) throws IOException {
        socket = new Socket();
        if (receiveBufferBytes > 0) {
            socket.setReceiveBufferSize(receiveBufferBytes);
        }
        socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
        socket.bind(new InetSocketAddress(host, 0));
        socket.connect(new InetSocketAddress(host, port), (int) READ_TIMEOUT.toMillis());
        in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        out = socket.getOutputStream();
    }

    void readTimeout(Duration timeout) throws SocketException {
        socket.setSoTimeout((int) timeout.toMillis());
    }

    RawConnection send(String ascii) throws IOException {
        return send(ascii.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawConnection send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Reads one response to a request that is not HEAD. */
    Response read() throws IOException {
        return read(false);
    }

    /** Reads one response; a response to HEAD, 1xx, 204 and 304 has no body whatever its headers say. */
    Response read(boolean toHead) throws IOException {
        String head = readHead();
        String[] lines = head.split("\r\n");
        String statusLine = lines[0];
        if (!statusLine.matches("HTTP/1\\.[01] \\d{3} .*")) {
            throw new AssertionError("not a status line: '" + statusLine + "' in " + head);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) {
                throw new AssertionError("bad header line '" + lines[i] + "' in " + head);
            }
            headers.computeIfAbsent(lines[i].substring(0, colon), k -> new ArrayList<>())
                    .add(lines[i].substring(colon + 1).trim());
        }
        Response bodiless = new Response(statusLine, status, headers, new byte[0]);
        if (toHead || status / 100 == 1 || status == 204 || status == 304) {
            return bodiless;
        }
        String te = bodiless.header("Transfer-Encoding");
        if (te != null && te.toLowerCase().endsWith("chunked")) {
            return new Response(statusLine, status, headers, readChunked());
        }
        String length = bodiless.header("Content-Length");
        if (length != null) {
            return new Response(statusLine, status, headers, readExactly(Integer.parseInt(length)));
        }
        return new Response(statusLine, status, headers, readToEof(READ_TIMEOUT));
    }

    private byte[] readExactly(int n) throws IOException {
        byte[] body = in.readNBytes(n);
        if (body.length != n) {
            throw new AssertionError("connection closed after " + body.length + " of " + n + " body bytes");
        }
        return body;
    }

    /** Reads the status line and headers up to the empty line (excluded). EOF first is an AssertionError. */
    private String readHead() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0; // how much of CR LF CR LF has been seen
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("connection closed after " + head.size() + " bytes of a response head: '"
                        + head.toString(StandardCharsets.ISO_8859_1) + "'");
            }
            head.write(b);
            state = switch (state) {
                case 0, 2 -> b == '\r' ? state + 1 : 0;
                case 1, 3 -> b == '\n' ? state + 1 : (b == '\r' ? 1 : 0);
                default -> throw new IllegalStateException();
            };
            if (head.size() > MAX_HEAD_BYTES) {
                throw new AssertionError("response head longer than " + MAX_HEAD_BYTES);
            }
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        return text.substring(0, text.length() - 4);
    }

    private byte[] readChunked() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] chunk;
        while ((chunk = readChunk()) != null) {
            body.write(chunk);
        }
        return body.toByteArray();
    }

    /**
     * Reads one chunk of a chunked body whose head was read ({@link #read(boolean)} with true): its data, or null
     * at the last chunk (trailer read too). Bounded by the read timeout, so a chunk that never comes fails.
     */
    byte[] readChunk() throws IOException {
        String sizeLine = readLine();
        int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
        if (size == 0) {
            while (!readLine().isEmpty()) {
                // trailer fields: ignored
            }
            return null;
        }
        byte[] data = readExactly(size);
        if (!readLine().isEmpty()) {
            throw new AssertionError("chunk data not followed by CRLF");
        }
        return data;
    }

    /** Reads exactly {@code n} bytes of a body whose head was read (bounded by the read timeout). */
    byte[] readBytes(int n) throws IOException {
        return readExactly(n);
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new AssertionError("EOF inside chunked body");
            }
            line.write(b);
        }
        String s = line.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /**
     * Reads until the server closes the connection and returns what came; a reset counts as a close. Fails when
     * the connection is still open after {@code within}.
     */
    byte[] readToEof(Duration within) throws IOException {
        long deadlineNs = System.nanoTime() + within.toNanos();
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        byte[] buffer = new byte[64 * 1024];
        while (true) {
            long leftMs = (deadlineNs - System.nanoTime()) / 1_000_000;
            if (leftMs <= 0) {
                throw new AssertionError("connection still open after " + within.toMillis() + " ms (read "
                        + rest.size() + " more bytes)");
            }
            socket.setSoTimeout((int) Math.max(1, leftMs));
            int n;
            try {
                n = in.read(buffer);
            } catch (SocketTimeoutException e) {
                continue; // the deadline check above fails the test
            } catch (SocketException e) {
                return rest.toByteArray(); // connection reset: closed
            }
            if (n < 0) {
                return rest.toByteArray();
            }
            rest.write(buffer, 0, n);
        }
    }

    /** Closes with RST instead of FIN (SO_LINGER 0), as a client that vanishes would. */
    void abort() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
