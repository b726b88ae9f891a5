package atlas.server;

import atlas.http.HttpLimits;
import atlas.store.VolumeConfig;
import atlas.tls.TlsGroups;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything {@link AtlasServer} needs to run, validated by whoever builds it (the CLI).
 *
 * @param volume           where and how big the volume is
 * @param listenHost       address to bind (loopback by default: serving beyond the host must be asked for)
 * @param listenPort       TCP port; 0 picks a free one (tests)
 * @param cores            event loops to run, each pinned to one CPU
 * @param engine           which dataplane drives sockets and disk
 * @param limits           request size limits
 * @param headerTimeout    a request head must arrive within this after its first byte
 * @param idleTimeout      a keep-alive connection with no request in flight is closed after this
 * @param sendStallTimeout a response whose socket accepts no byte for this long is abandoned
 * @param bufferBytesPerCore cap of aligned I/O buffer memory per core
 * @param seedDemo         put a demo HLS stream into an empty volume
 * @param accessLog        file the access log is appended to; null: no access log
 * @param drainDelay       on SIGTERM, how long health answers 503 while everything else is still served, so load
 *                         balancers stop sending before the listeners close
 * @param tls              the HTTPS listener; null: plain HTTP only
 * @param hot              the hot tier; null: off
 * @param access           who may write, the admin listener, per-client limits
 */
public record ServerConfig(VolumeConfig volume, String listenHost, int listenPort, int cores, EngineKind engine,
                           HttpLimits limits, Duration headerTimeout, Duration idleTimeout,
                           Duration sendStallTimeout, long bufferBytesPerCore, boolean seedDemo, Path accessLog,
                           Duration drainDelay, Tls tls, Hot hot, Access access, Agent agent, Edge edge) {

    public ServerConfig {
        if (access == null) {
            access = Access.DEFAULTS;
        }
    }

    /** Without a load-balancer agent. */
    public ServerConfig(VolumeConfig volume, String listenHost, int listenPort, int cores, EngineKind engine,
                        HttpLimits limits, Duration headerTimeout, Duration idleTimeout, Duration sendStallTimeout,
                        long bufferBytesPerCore, boolean seedDemo, Path accessLog, Duration drainDelay, Tls tls,
                        Hot hot, Access access) {
        this(volume, listenHost, listenPort, cores, engine, limits, headerTimeout, idleTimeout, sendStallTimeout,
                bufferBytesPerCore, seedDemo, accessLog, drainDelay, tls, hot, access, null, null);
    }

    /**
     * Edge mode: what this node does not hold it fetches from {@code upstreams} (base URLs, tried in order) and
     * stores. {@code timeout}: to connect to an upstream and for its response head; {@code cache}: the terms of
     * what the upstream does not say.
     *
     * @param upstreamToken a bearer token for the upstreams, or null
     * @param upstreamTls   the TLS context for https:// upstreams ({@code --upstream-ca}), or null: the JDK's
     * @param slices        how objects larger than a slice are fetched and stored ({@code --fill-slice})
     */
    public record Edge(List<java.net.URI> upstreams, Duration timeout, atlas.fill.CachePolicy cache,
                       String upstreamToken, javax.net.ssl.SSLContext upstreamTls, atlas.fill.SliceLayout slices) {
        public Edge {
            upstreams = List.copyOf(upstreams);
        }

        /** Without the token: a config printed in a log or an error must not carry the secret. */
        @Override
        public String toString() {
            return "Edge[upstreams=" + upstreams + ", timeout=" + timeout + ", cache=" + cache + ", upstreamToken="
                    + (upstreamToken == null ? "none" : "(set)") + ", upstreamTls=" + (upstreamTls == null ? "default" : "--upstream-ca")
                    + ", slices=" + slices + "]";
        }
    }

    /**
     * HAProxy's agent check ({@code agent-check agent-port}): a TCP listener that answers each connection with
     * one line saying how this node is (see {@link AgentCheck}).
     */
    public record Agent(String listenHost, int listenPort) {
    }

    /** Without HTTPS. */
    public ServerConfig(VolumeConfig volume, String listenHost, int listenPort, int cores, EngineKind engine,
                        HttpLimits limits, Duration headerTimeout, Duration idleTimeout, Duration sendStallTimeout,
                        long bufferBytesPerCore, boolean seedDemo, Path accessLog, Duration drainDelay) {
        this(volume, listenHost, listenPort, cores, engine, limits, headerTimeout, idleTimeout, sendStallTimeout,
                bufferBytesPerCore, seedDemo, accessLog, drainDelay, null, null, null);
    }

    /** Without an access log and without a drain delay. */
    public ServerConfig(VolumeConfig volume, String listenHost, int listenPort, int cores, EngineKind engine,
                        HttpLimits limits, Duration headerTimeout, Duration idleTimeout, Duration sendStallTimeout,
                        long bufferBytesPerCore, boolean seedDemo) {
        this(volume, listenHost, listenPort, cores, engine, limits, headerTimeout, idleTimeout, sendStallTimeout,
                bufferBytesPerCore, seedDemo, null, Duration.ZERO, null, null, null);
    }

    /** This configuration with the HTTPS listener {@code tls} (null: none). */
    public ServerConfig withTls(Tls tls) {
        return new ServerConfig(volume, listenHost, listenPort, cores, engine, limits, headerTimeout, idleTimeout,
                sendStallTimeout, bufferBytesPerCore, seedDemo, accessLog, drainDelay, tls, hot, access, agent, edge);
    }

    /** This configuration with the hot tier {@code hot} (null: off). */
    public ServerConfig withHot(Hot hot) {
        return new ServerConfig(volume, listenHost, listenPort, cores, engine, limits, headerTimeout, idleTimeout,
                sendStallTimeout, bufferBytesPerCore, seedDemo, accessLog, drainDelay, tls, hot, access, agent, edge);
    }

    /** This configuration with the access rules {@code access} (null: {@link Access#DEFAULTS}). */
    public ServerConfig withAccess(Access access) {
        return new ServerConfig(volume, listenHost, listenPort, cores, engine, limits, headerTimeout, idleTimeout,
                sendStallTimeout, bufferBytesPerCore, seedDemo, accessLog, drainDelay, tls, hot, access, agent, edge);
    }

    /**
     * Who may do what, and how much one client may take.
     *
     * @param authFile                credentials for writes; null: writes from loopback peers only
     * @param adminListenHost         address of the admin listener (metrics, dashboard, listings and all the
     *                                public listener serves); null: no separate admin listener, the public
     *                                listeners serve the admin surface too (in-process servers, tests)
     * @param adminListenPort         its port; 0 picks a free one
     * @param publicListing           directory listings on the public listeners too
     * @param maxConnectionsPerClient per client address; 0: no limit
     * @param rateLimit               requests per second per client address; 0: no limit
     * @param rateBurst               requests above the rate a client may make at once
     * @param maxUploadsPerCredential uploads in flight per credential; 0: no limit
     * @param protect                 GETs of names under these prefixes need a signed URL
     * @param signing                 the keys and formats of signed URLs; null when nothing is protected
     */
    public record Access(Path authFile, String adminListenHost, int adminListenPort, boolean publicListing,
                         int maxConnectionsPerClient, int rateLimit, int rateBurst, int maxUploadsPerCredential,
                         List<String> protect, atlas.access.UrlSigning signing) {
        public Access {
            protect = List.copyOf(protect);
            if (!protect.isEmpty() && signing == null) {
                throw new IllegalArgumentException("--protect needs signing keys (--token-keys) or --secure-link-md5");
            }
        }

        public static final int DEFAULT_MAX_CONNECTIONS_PER_CLIENT = 1000;
        public static final int DEFAULT_MAX_UPLOADS_PER_CREDENTIAL = 64;
        /** What a configuration built without access rules gets: one listener for everything (tests). */
        public static final Access DEFAULTS = new Access(null, null, 0, true, DEFAULT_MAX_CONNECTIONS_PER_CLIENT,
                0, 0, DEFAULT_MAX_UPLOADS_PER_CREDENTIAL, List.of(), null);

        public boolean hasAdminListener() {
            return adminListenHost != null;
        }
    }

    /**
     * The hot tier: popular objects served from memory.
     *
     * @param bytes        memory for all cores together (split evenly); 0 turns the tier off
     * @param livePrefixes names under these prefixes are live: their uploads enter the tier as they commit
     */
    public record Hot(long bytes, List<String> livePrefixes) {
        public Hot {
            livePrefixes = List.copyOf(livePrefixes);
        }
    }

    /**
     * The HTTPS listener.
     *
     * @param listenHost       address to bind
     * @param listenPort       TCP port; 0 picks a free one
     * @param certificateChain PEM file, leaf first; null together with {@code privateKey}: a self-signed
     *                         certificate for localhost, made on first start and kept in the volume directory
     * @param privateKey       PEM file of the leaf's key
     * @param handshakeTimeout a handshake not finished within this is dropped
     * @param hsts             the max-age of the Strict-Transport-Security field sent on every HTTPS response, in
     *                         whole seconds; null: none (RFC 6797: never sent over plain HTTP)
     * @param groups           key exchange groups for TLS 1.3 and 1.2, comma-separated, preferred first
     *                         ({@link TlsGroups#parse})
     * @param sessionTimeout   how long a TLS 1.2 session may be resumed ({@code atlas.tls.TlsSessionCache});
     *                         zero: no resumption
     */
    public record Tls(String listenHost, int listenPort, Path certificateChain, Path privateKey,
                      Duration handshakeTimeout, Duration hsts, String groups, Duration sessionTimeout) {
        public Tls {
            if ((certificateChain == null) != (privateKey == null)) {
                throw new IllegalArgumentException("--cert and --key go together");
            }
            if (hsts != null && (hsts.isNegative() || hsts.toMillis() % 1000 != 0)) {
                throw new IllegalArgumentException("HSTS max-age must be whole seconds, not negative: " + hsts);
            }
            TlsGroups.parse(groups);
            if (sessionTimeout.isNegative()) {
                throw new IllegalArgumentException("the TLS session timeout must not be negative: " + sessionTimeout);
            }
        }

        /** Without HSTS, the default groups and session timeout. */
        public Tls(String listenHost, int listenPort, Path certificateChain, Path privateKey,
                   Duration handshakeTimeout) {
            this(listenHost, listenPort, certificateChain, privateKey, handshakeTimeout, null, TlsGroups.DEFAULT,
                    DEFAULT_TLS_SESSION_TIMEOUT);
        }

        /** {@link #groups} as IANA codes. */
        public int[] groupCodes() {
            return TlsGroups.parse(groups);
        }

        public boolean selfSigned() {
            return certificateChain == null;
        }
    }

    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    /** nginx's ssl_session_timeout is 5 min by default; RFC 5246 suggests at most 24 h. */
    public static final Duration DEFAULT_TLS_SESSION_TIMEOUT = Duration.ofMinutes(10);

    /** Which dataplane to run. */
    public enum EngineKind { AUTO, URING, NIO }

    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(75);
    public static final Duration DEFAULT_SEND_STALL_TIMEOUT = Duration.ofSeconds(30);
    /** Bounds of the default I/O buffer cap per core (see {@link #defaultBufferBytesPerCore}). */
    public static final long MIN_DEFAULT_BUFFER_BYTES_PER_CORE = 16L << 20;
    public static final long MAX_DEFAULT_BUFFER_BYTES_PER_CORE = 256L << 20;

    /**
     * The default cap of I/O buffer memory per core: a quarter of {@code memoryBytes} (the memory this process may
     * use, the container's limit when it has one) shared by the cores, within 16–256 MiB, in whole MiB.
     * <p>
     * Why that much: the cap bounds a core's outstanding disk reads (cap / 256 KiB), and flash delivers more the
     * more bytes are outstanding; with zero-copy sends it must also hold every byte not yet acknowledged, the
     * bandwidth-delay product, which at 10–40 ms RTT is tens of MiB per core. Why it costs nothing idle: buffers
     * come into being only when the load needs them.
     */
    public static long defaultBufferBytesPerCore(long memoryBytes, int cores) {
        long share = memoryBytes / 4 / Math.max(1, cores);
        long clamped = Math.clamp(share, MIN_DEFAULT_BUFFER_BYTES_PER_CORE, MAX_DEFAULT_BUFFER_BYTES_PER_CORE);
        return clamped & -(1L << 20);
    }
}
