package atlas.access;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Per-client-address limits, shared by all cores: open connections ({@code --max-connections-per-client}) and a
 * request rate ({@code --rate-limit N/s} with a burst), so that one address cannot take the connections, buffers or
 * CPU the others need.
 * <p>
 * Why shared and not per core: a client's connections are spread over the cores by the kernel (SO_REUSEPORT hashes
 * each 4-tuple), so a per-core count would let it hold cores × the limit. The shared writes are one map update per
 * accepted or closed connection (not per byte) and one CAS per request on the client's own entry — contended only
 * when one client's requests hit several cores at once, which is the abuser we are limiting.
 * <p>
 * The rate is a GCRA token bucket in one long per client: its "theoretical arrival time" advances by the interval
 * per request, and a request is refused while that time runs more than the burst ahead of now. Entries whose
 * client has no connection and whose bucket is full again are swept by {@link #sweep}, so the table holds the
 * clients of the last moments, not every address ever seen. IPv6 clients are keyed by their /64, the block one
 * subscriber gets.
 */
public final class ClientTable {
    /** One client address. */
    public static final class Client {
        final String address;
        final AtomicInteger connections = new AtomicInteger();
        /** GCRA theoretical arrival time, ns of the loop clock; 0: the bucket is full. */
        final AtomicLong arrival = new AtomicLong();
        public final boolean loopback;

        Client(String address) {
            this.address = address;
            this.loopback = isLoopback(address);
        }

        public String address() {
            return address;
        }

        /** Connections this client holds now, on every core. */
        public int connections() {
            return connections.get();
        }
    }

    private final ConcurrentHashMap<String, Client> clients = new ConcurrentHashMap<>();
    private final int maxConnections;
    private final long intervalNs;
    private final long burstNs;
    public final LongAdder connectionsRefused = new LongAdder();
    public final LongAdder requestsLimited = new LongAdder();

    /**
     * @param maxConnections per client; 0: no limit
     * @param ratePerSecond  requests per second per client; 0: no limit
     * @param burst          requests a client may make at once above the rate
     */
    public ClientTable(int maxConnections, double ratePerSecond, int burst) {
        this.maxConnections = maxConnections;
        this.intervalNs = ratePerSecond <= 0 ? 0 : Math.max(1, (long) (1e9 / ratePerSecond));
        this.burstNs = intervalNs * Math.max(0, burst);
    }

    /**
     * A connection from {@code address} ({@link #clientKey} of the peer) was accepted: its client, now holding one
     * more connection, or null when the client is at its limit (close the connection). Any core.
     */
    public Client open(String address) {
        Client[] opened = new Client[1];
        clients.compute(address, (k, c) -> {
            Client client = c != null ? c : new Client(k);
            if (maxConnections > 0 && client.connections.get() >= maxConnections && !client.loopback) {
                return client;
            }
            client.connections.incrementAndGet();
            opened[0] = client;
            return client;
        });
        if (opened[0] == null) {
            connectionsRefused.increment();
        }
        return opened[0];
    }

    /** The connection of {@code client} closed. */
    public void close(Client client) {
        client.connections.decrementAndGet();
    }

    /**
     * One request of {@code client} at {@code nowNs}: 0 when it may proceed, else the nanoseconds until it could
     * (for Retry-After). Loopback clients are not limited (the operator's own tools and health checks).
     */
    public long admitRequest(Client client, long nowNs) {
        if (intervalNs == 0 || client.loopback) {
            return 0;
        }
        while (true) {
            long tat = client.arrival.get();
            long start = Math.max(tat, nowNs);
            if (start - nowNs > burstNs) {
                requestsLimited.increment();
                return start - nowNs - burstNs;
            }
            if (client.arrival.compareAndSet(tat, start + intervalNs)) {
                return 0;
            }
        }
    }

    /** Forgets clients with no connection whose bucket has refilled. From a timer thread. */
    public void sweep(long nowNs) {
        for (String key : clients.keySet()) {
            clients.computeIfPresent(key, (k, c) -> c.connections.get() == 0 && c.arrival.get() <= nowNs ? null : c);
        }
    }

    /** True when clients must be tracked at all: a connection limit or a rate limit is set. */
    public boolean counts() {
        return maxConnections > 0 || intervalNs > 0;
    }

    public int size() {
        return clients.size();
    }

    public int maxConnections() {
        return maxConnections;
    }

    public boolean limitsRate() {
        return intervalNs > 0;
    }

    /** The address of {@code peer} ("203.0.113.9:53412", "[2001:db8::1]:443") without its port or brackets. */
    public static String hostOf(String peer) {
        if (peer == null || peer.isEmpty()) {
            return "";
        }
        if (peer.startsWith("[")) {
            int end = peer.indexOf(']');
            return end < 0 ? peer.substring(1) : peer.substring(1, end);
        }
        int colon = peer.lastIndexOf(':');
        return colon < 0 ? peer : peer.substring(0, colon);
    }

    /** The address of {@code peer} without its port; IPv6 cut to its /64. */
    public static String clientKey(String peer) {
        if (peer == null || peer.isEmpty()) {
            return "-";
        }
        if (peer.startsWith("[")) {
            int end = peer.indexOf(']');
            String v6 = end < 0 ? peer.substring(1) : peer.substring(1, end);
            return v6Prefix64(v6);
        }
        int colon = peer.lastIndexOf(':');
        return colon < 0 ? peer : peer.substring(0, colon);
    }

    /** "2001:db8:1:2:3:4:5:6" -> "2001:db8:1:2::/64"; loopback and v4-mapped addresses stay whole. */
    private static String v6Prefix64(String v6) {
        if (v6.equals("::1") || v6.equals("0:0:0:0:0:0:0:1") || v6.startsWith("::ffff:")) {
            return v6;
        }
        try {
            byte[] a = java.net.InetAddress.getByName(v6).getAddress();
            if (a.length != 16) {
                return v6;
            }
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < 8; i += 2) {
                s.append(Integer.toHexString(((a[i] & 0xff) << 8) | (a[i + 1] & 0xff))).append(':');
            }
            return s.append(":/64").toString();
        } catch (java.net.UnknownHostException e) {
            return v6; // a literal, never resolved by name
        }
    }

    /** True for 127.0.0.0/8, ::1 and their v4-mapped forms. */
    public static boolean isLoopback(String address) {
        return address.startsWith("127.") || address.equals("::1") || address.equals("0:0:0:0:0:0:0:1")
                || address.startsWith("::ffff:127.") || address.equals("localhost");
    }
}
