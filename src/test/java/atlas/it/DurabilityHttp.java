package atlas.it;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * A deliberately small HTTP/1.1 client over one raw, persistent socket, for the durability test: it sends
 * the PUT body in pieces (so a {@code kill -9} can land mid-body), with {@code Content-Length} or with
 * {@code Transfer-Encoding: chunked} in random chunk sizes, and reports the status only once the whole
 * response head arrived. Any I/O failure is thrown; the caller then treats the request as unacknowledged.
 * Not thread-safe: one writer thread owns one instance.
 */
final class DurabilityHttp implements AutoCloseable {
    record Response(int status, Map<String, String> headers, byte[] body) {
    }

    private static final int SO_TIMEOUT_MS = 20_000;
    private static final int MAX_HEAD = 64 * 1024;

    private final int port;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    DurabilityHttp(int port) {
        this.port = port;
    }

    private void connect() throws IOException {
        if (socket != null) {
            return;
        }
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.setSoTimeout(SO_TIMEOUT_MS);
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket = s;
        in = new BufferedInputStream(s.getInputStream(), 64 * 1024);
        out = s.getOutputStream();
    }

    /**
     * PUT {@code body} to {@code path}. With {@code chunked}, the body goes as chunks of random sizes drawn from
     * {@code random} (1 B to 300 KiB); otherwise with {@code Content-Length}, written in 64 KiB pieces.
     */
    Response put(String path, byte[] body, boolean chunked, RandomGenerator random) throws IOException {
        connect();
        try {
            StringBuilder head = new StringBuilder()
                    .append("PUT ").append(path).append(" HTTP/1.1\r\n")
                    .append("Host: 127.0.0.1:").append(port).append("\r\n")
                    .append("Content-Type: application/octet-stream\r\n");
            if (chunked) {
                head.append("Transfer-Encoding: chunked\r\n\r\n");
            } else {
                head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
            }
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            if (chunked) {
                int off = 0;
                while (off < body.length) {
                    int n = Math.min(body.length - off, 1 + random.nextInt(300 * 1024));
                    out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(body, off, n);
                    out.write(CRLF);
                    off += n;
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            } else {
                for (int off = 0; off < body.length; off += 64 * 1024) {
                    out.write(body, off, Math.min(64 * 1024, body.length - off));
                }
            }
            out.flush();
            return readResponse(false);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    Response get(String path) throws IOException {
        connect();
        try {
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return readResponse(false);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private static final byte[] CRLF = {'\r', '\n'};

    private Response readResponse(boolean head) throws IOException {
        String statusLine = readLine();
        if (!statusLine.startsWith("HTTP/1.1 ") || statusLine.length() < 12) {
            throw new IOException("bad status line: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        Map<String, String> headers = new LinkedHashMap<>();
        int headBytes = 0;
        for (String line; !(line = readLine()).isEmpty(); ) {
            headBytes += line.length();
            if (headBytes > MAX_HEAD) {
                throw new IOException("response head too large");
            }
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        byte[] body;
        if (head || status == 204 || status == 304 || status / 100 == 1) {
            body = new byte[0];
        } else if (headers.containsKey("content-length")) {
            body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
            if (body.length != Integer.parseInt(headers.get("content-length"))) {
                throw new EOFException("short body");
            }
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (int n; (n = Integer.parseInt(readLine().split(";")[0].trim(), 16)) > 0; ) {
                b.write(in.readNBytes(n));
                readLine();
            }
            while (!readLine().isEmpty()) {
                // trailers
            }
            body = b.toByteArray();
        } else {
            body = in.readAllBytes();
            close();
        }
        if ("close".equalsIgnoreCase(headers.get("connection"))) {
            close();
        }
        return new Response(status, headers, body);
    }

    private String readLine() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c; ; ) {
            c = in.read();
            if (c < 0) {
                throw new EOFException("connection closed" + (sb.isEmpty() ? "" : " after '" + sb + "'"));
            }
            if (c == '\n') {
                int len = sb.length();
                return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
            }
            sb.append((char) c);
            if (sb.length() > MAX_HEAD) {
                throw new IOException("line too long");
            }
        }
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            socket = null;
        }
    }
}
