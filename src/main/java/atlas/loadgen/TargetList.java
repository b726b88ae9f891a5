package atlas.loadgen;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The objects a run requests, each as its ready-to-send {@code GET} request bytes, all on one origin: every
 * connection may ask for any of them, which is what "N persistent connections requesting random objects" needs.
 * <pre>
 *   GET /demo/seg003.ts HTTP/1.1\r\n
 *   Host: 127.0.0.1:8080\r\n
 *   User-Agent: atlas-bench\r\n
 *   \r\n
 * </pre>
 * Built once before the run (the control path may allocate); workers only copy these bytes into a connection's
 * write buffer.
 */
public final class TargetList {
    /** A request line longer than this is refused by most servers anyway. */
    static final int MAX_REQUEST_BYTES = 8 * 1024;

    private final String host;
    private final int port;
    private final List<String> paths;
    private final byte[][] requests;
    private final int maxRequestBytes;

    private TargetList(String host, int port, List<String> paths) {
        this.host = host;
        this.port = port;
        this.paths = List.copyOf(paths);
        this.requests = new byte[paths.size()][];
        String hostHeader = (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        int max = 0;
        for (int i = 0; i < requests.length; i++) {
            requests[i] = ("GET " + paths.get(i) + " HTTP/1.1\r\nHost: " + hostHeader
                    + "\r\nUser-Agent: atlas-bench\r\n\r\n").getBytes(StandardCharsets.UTF_8);
            max = Math.max(max, requests[i].length);
        }
        this.maxRequestBytes = max;
    }

    /**
     * Targets from absolute {@code http://} URIs that share one scheme, host and port.
     *
     * @throws IllegalArgumentException with a one-line reason when a URI is not usable
     */
    public static TargetList of(List<URI> uris) {
        if (uris.isEmpty()) {
            throw new IllegalArgumentException("no targets to request");
        }
        URI first = uris.getFirst();
        String host = null;
        int port = -1;
        List<String> paths = new ArrayList<>(uris.size());
        for (URI uri : uris) {
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http")) {
                throw new IllegalArgumentException(uri + ": only http:// URLs can be benchmarked"
                        + (scheme.equals("https") ? " (no TLS in the load generator yet)" : ""));
            }
            if (uri.getHost() == null) {
                throw new IllegalArgumentException(uri + ": no host in URL");
            }
            int p = uri.getPort() < 0 ? 80 : uri.getPort();
            if (host == null) {
                host = uri.getHost();
                port = p;
            } else if (!host.equalsIgnoreCase(uri.getHost()) || port != p) {
                throw new IllegalArgumentException(uri + ": every target must be on the same server as " + first
                        + " (the connections are shared by all targets)");
            }
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            if (uri.getRawQuery() != null) {
                path += "?" + uri.getRawQuery();
            }
            if (path.length() > MAX_REQUEST_BYTES - 100) {
                throw new IllegalArgumentException(uri + ": URL too long (more than " + (MAX_REQUEST_BYTES - 100)
                        + " characters)");
            }
            paths.add(path);
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new TargetList(host, port, paths);
    }

    public int size() {
        return requests.length;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** {@code http://host:port/}, for messages. */
    public String origin() {
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/";
    }

    /** Request targets (path and query), in the order given. */
    public List<String> paths() {
        return paths;
    }

    InetSocketAddress address() {
        return new InetSocketAddress(host, port);
    }

    byte[] request(int index) {
        return requests[index];
    }

    int maxRequestBytes() {
        return maxRequestBytes;
    }
}
