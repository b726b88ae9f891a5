package atlas.server;

import atlas.access.AccessControl;
import atlas.access.ClientTable;
import atlas.access.CredentialSource;
import atlas.access.UploadSlots;
import atlas.dataplane.CoreContext;
import atlas.hot.HotTier;
import atlas.live.PlaylistBoard;
import atlas.dataplane.CoreProtocol;
import atlas.dataplane.Engine;
import atlas.dataplane.EngineSettings;
import atlas.dataplane.IoBuffer;
import atlas.dataplane.NioEngine;
import atlas.dataplane.UringEngine;
import atlas.metrics.AccessLogWriter;
import atlas.posix.Signals;
import atlas.store.DaxSupport;
import atlas.fill.FillRegistry;
import atlas.fill.EdgeCache;
import atlas.store.Device;
import atlas.store.Volume;
import atlas.tls.TlsCore;
import atlas.tls.TlsIdentity;
import atlas.tls.TlsIdentitySource;
import atlas.tls.TlsSessionCache;
import atlas.uring.IoUringSupport;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The composition root: opens the volume, seeds the demo when asked, starts one event loop per core and stops
 * them in order (stop accepting, drain, close the volume so the next start is fast).
 */
public final class AtlasServer implements AutoCloseable {
    /** One I/O buffer: 256 KiB of data (where this device's O_DIRECT reads peak) plus the headroom. */
    static final int IO_BUFFER_BYTES = (256 << 10) + IoBuffer.HEADROOM;
    static final int MAX_CONNECTIONS_PER_CORE = 20_000;
    private static final long DRAIN_GRACE_NS = TimeUnit.SECONDS.toNanos(10);
    private static final Duration CERTIFICATE_CHECK_INTERVAL = Duration.ofSeconds(2);

    private final Volume volume;
    private final Engine engine;
    private final String baseUrl;
    private final Metrics metrics;
    private final AccessLogWriter accessLog;
    private final Duration drainDelay;
    private final RetentionSweeper retention;
    private final String tlsBaseUrl;
    private final TlsIdentitySource tlsIdentities;
    /** Closed after the cores stopped: only then is nobody sending from its memory. */
    private final HotTier hot;
    /** Closed after the cores stopped: its verifier thread answers into their inboxes. */
    private final AccessControl access;
    private final String adminBaseUrl;
    /** HAProxy's agent check, or null. */
    private final AgentCheck agent;
    /** An edge's cache of its upstream, or null. */
    private final EdgeCache edge;
    private final CountDownLatch terminated = new CountDownLatch(1);
    private boolean closed;

    private AtlasServer(Volume volume, Engine engine, String baseUrl, String tlsBaseUrl, Metrics metrics,
                        AccessLogWriter accessLog, Duration drainDelay, RetentionSweeper retention,
                        TlsIdentitySource tlsIdentities, HotTier hot, AccessControl access, String adminBaseUrl,
                        AgentCheck agent, EdgeCache edge) {
        this.agent = agent;
        this.edge = edge;
        this.hot = hot;
        this.access = access;
        this.adminBaseUrl = adminBaseUrl;
        this.tlsBaseUrl = tlsBaseUrl;
        this.tlsIdentities = tlsIdentities;
        this.volume = volume;
        this.engine = engine;
        this.baseUrl = baseUrl;
        this.metrics = metrics;
        this.accessLog = accessLog;
        this.drainDelay = drainDelay;
        this.retention = retention;
    }

    /**
     * Opens the volume and starts serving; returns once every core listens. Throws IOException with a precise
     * one-line message when start-up fails (port in use, volume locked, engine unavailable ...).
     */
    public static AtlasServer start(ServerConfig config) throws IOException {
        return start(config, System.out);
    }

    public static AtlasServer start(ServerConfig config, PrintStream log) throws IOException {
        return start(config, List.of(), log);
    }

    /** As {@link #start(ServerConfig, PrintStream)}, also expiring old objects by {@code retain} (may be empty). */
    public static AtlasServer start(ServerConfig config, List<RetentionRule> retain, PrintStream log)
            throws IOException {
        InetSocketAddress listen = resolve(config.listenHost(), config.listenPort());
        InetSocketAddress tlsListen = config.tls() == null ? null
                : resolve(config.tls().listenHost(), config.tls().listenPort());
        ServerConfig.Access rules = config.access();
        InetSocketAddress adminListen = rules.hasAdminListener()
                ? resolve(rules.adminListenHost(), rules.adminListenPort()) : null;
        // Listener 0 speaks HTTP; then HTTPS (HttpCore.TLS_LISTENER) when configured; then the admin surface.
        List<InetSocketAddress> listeners = new ArrayList<>(List.of(listen));
        if (tlsListen != null) {
            listeners.add(tlsListen);
        }
        int adminIndex = -1;
        if (adminListen != null) {
            if (listeners.contains(adminListen) && adminListen.getPort() != 0) {
                throw new IOException("--admin-listen " + rules.adminListenHost() + ":" + rules.adminListenPort()
                        + " is the address of another listener; the admin surface needs its own port");
            }
            adminIndex = listeners.size();
            listeners.add(adminListen);
        }
        boolean uring = chooseUring(config.engine(), listeners, log);
        refuseSharedPort(listen);
        if (adminListen != null) {
            refuseSharedPort(adminListen);
        }
        if (tlsListen != null) {
            if (tlsListen.equals(listen) && listen.getPort() != 0) {
                throw new IOException("--tls-listen " + config.tls().listenHost() + ":" + config.tls().listenPort()
                        + " is the same address as --listen; HTTP and HTTPS need their own ports");
            }
            refuseSharedPort(tlsListen);
        }
        Volume volume = Volume.open(config.volume());
        HotTier hot = null;
        AccessLogWriter accessLog = null;
        TlsIdentitySource identities = null;
        AccessControl access = null;
        // Set once the cores run: a failure after that must stop them before the volume they use is closed.
        Engine engine = null;
        AgentCheck agent = null;
        EdgeCache edge = null;
        try {
            if (config.edge() != null) {
                edge = EdgeCache.open(config.edge().upstreams(), config.edge().timeout(), config.edge().cache(),
                        config.edge().upstreamToken(), config.edge().upstreamTls(), config.edge().slices(),
                        config.volume().directory(), volume);
            }
            FillRegistry fills = edge == null ? null : edge.fills();
            if (config.tls() != null) {
                identities = openIdentities(config.tls(), volume);
            }
            if (config.seedDemo()) {
                DemoCatalog.seedIfEmpty(volume, log);
            }
            if (config.accessLog() != null) {
                accessLog = new AccessLogWriter(config.accessLog());
            }
            if (config.hot() != null) {
                hot = HotTier.create(config.hot().bytes(), config.cores(), config.hot().livePrefixes());
            }
            access = openAccess(rules, log);
            AccessControl accessControl = access;
            HotTier hotTier = hot;
            Metrics metrics = new Metrics(uring ? "io_uring" : "nio", identities == null ? "off" : "TLSv1.3,TLSv1.2",
                    volume, accessLog, hot);
            metrics.registerAccess(access);
            if (edge != null) {
                metrics.registerFills(fills);
                metrics.registerEviction(edge.evictor());
            }
            int maxBuffers = (int) Math.max(4, config.bufferBytesPerCore() / IO_BUFFER_BYTES);
            EngineSettings settings = new EngineSettings(listeners, config.cores(), IO_BUFFER_BYTES, maxBuffers,
                    MAX_CONNECTIONS_PER_CORE, sendZeroCopyPolicy());
            try {
                int adminListener = adminIndex;
                TlsIdentitySource tlsIdentities = identities;
                Duration handshakeTimeout = config.tls() == null ? null : config.tls().handshakeTimeout();
                PlaylistBoard playlists = new PlaylistBoard();
                int[] groups = config.tls() == null ? null : config.tls().groupCodes();
                // One for all cores: a client's next connection may land on any of them.
                TlsSessionCache tlsSessions = tlsIdentities == null || config.tls().sessionTimeout().isZero() ? null
                        : new TlsSessionCache(TlsSessionCache.DEFAULT_CAPACITY,
                        config.tls().sessionTimeout().toMillis(), System::currentTimeMillis);
                Function<CoreContext, CoreProtocol> protocols = ctx -> {
                    TlsCore tls = tlsIdentities == null ? null
                            : new TlsCore(tlsIdentities, handshakeTimeout, groups, tlsSessions);
                    return new HttpCore(config, volume, ctx, metrics.newCore(ctx, tls), tls,
                            hotTier == null ? null : hotTier.shard(ctx.coreIndex()), accessControl, adminListener,
                            playlists, fills);
                };
                if (uring) {
                    UringEngine u = UringEngine.start(settings, protocols);
                    if (!u.note().isEmpty()) {
                        log.println("atlas: " + u.note());
                    }
                    engine = u;
                } else {
                    engine = NioEngine.start(settings, protocols);
                }
            } catch (BindException e) {
                throw new IOException("cannot listen on " + hostPort(config) + ": " + e.getMessage());
            }
            String host = listen.getAddress().isAnyLocalAddress() ? "127.0.0.1" : listen.getAddress().getHostAddress();
            if (host.contains(":")) {
                host = "[" + host + "]";
            }
            String baseUrl = "http://" + host + ":" + engine.port() + "/";
            String tlsBaseUrl = null;
            if (tlsListen != null) {
                String tlsHost = tlsListen.getAddress().isAnyLocalAddress() ? "localhost"
                        : tlsListen.getAddress().isLoopbackAddress() ? "localhost" : tlsListen.getAddress().getHostAddress();
                if (tlsHost.contains(":")) {
                    tlsHost = "[" + tlsHost + "]";
                }
                tlsBaseUrl = "https://" + tlsHost + ":" + engine.port(HttpCore.TLS_LISTENER) + "/";
            }
            String adminBaseUrl = adminIndex < 0 ? baseUrl
                    : "http://" + urlHost(adminListen, "127.0.0.1") + ":" + engine.port(adminIndex) + "/";
            // Commands given only --data (atlas ls, put, rm) find the server here: the admin surface serves all.
            volume.advertise(adminBaseUrl);
            log.printf("atlas: volume %s: %d objects, %d MiB used of %d MiB%n", volume.directory(),
                    volume.objectCount(), volume.liveBytes() >> 20, volume.sizeBytes() >> 20);
            if (volume.deviceCount() > 1 || !volume.device(0).path().startsWith(volume.directory())) {
                for (Device d : volume.devices()) {
                    log.printf("atlas: device %d: %s, %d MiB, %d MiB free%n", d.index(), d.path(),
                            d.capacityBytes() >> 20, d.freeBytes() >> 20);
                }
            }
            log.printf("atlas: engine %s, %d cores, O_DIRECT reads of up to %d KiB (%d-byte alignment), "
                            + "up to %d MiB of I/O buffers per core, allocated as the load needs them%n",
                    engine.name(), config.cores(), (IO_BUFFER_BYTES - IoBuffer.HEADROOM) >> 10, Volume.BLOCK_SIZE,
                    ((long) maxBuffers * IO_BUFFER_BYTES) >> 20);
            log.println("atlas: DAX: " + DaxSupport.detect(volume.directory()).summary());
            log.println(hot == null ? "atlas: hot tier: off (--hot-memory SIZE keeps popular objects in memory)"
                    : "atlas: hot tier: " + (hot.capacityBytes() >> 20) + " MiB over " + hot.shards()
                    + (hot.shards() == 1 ? " core" : " cores") + ", objects admitted on their second access"
                    + (hot.livePrefixes().isEmpty() ? "" : "; live prefixes " + hot.livePrefixes()));
            log.printf("atlas: memlock: %s%n", HealthProbes.memlock());
            if (identities != null) {
                TlsIdentity id = identities.current();
                log.println("atlas: TLS 1.3/1.2 (AES-GCM sealed in place, ALPN http/1.1): " + id.summary());
                if (config.tls().selfSigned()) {
                    log.println("atlas: TLS certificate is self-signed for localhost; clients trust it with "
                            + "curl --cacert " + id.certificateFile() + " (or check the fingerprint above)");
                }
                if (!config.tls().selfSigned()) {
                    identities.startWatching(CERTIFICATE_CHECK_INTERVAL);
                    boolean hangup = identities.installHangupHandler();
                    log.println("atlas: TLS certificate reloaded " + (hangup ? "on SIGHUP or " : "")
                            + "when the files change (checked every " + CERTIFICATE_CHECK_INTERVAL.toSeconds() + " s)");
                }
            } else {
                log.println("atlas: TLS: off (--tls-listen HOST:PORT serves HTTPS)");
            }
            if (accessLog != null) {
                AccessLogWriter writer = accessLog;
                boolean signal = Signals.install("USR1", "atlas access-log rotation", writer::requestReopen);
                writer.start();
                log.println("atlas: access log " + writer.path() + " (reopened "
                        + (signal ? "on SIGUSR1 or " : "") + "when moved)");
            } else {
                log.println("atlas: access log off");
            }
            logAccess(config, rules, access, listen, tlsListen, log);
            if (volume.lookup("demo/index.m3u8") != null) {
                log.println("atlas: demo stream: " + baseUrl + "demo/index.m3u8");
            }
            RetentionSweeper retention = null;
            if (!retain.isEmpty()) {
                retention = new RetentionSweeper(volume, retain, log, System::currentTimeMillis);
                log.println("atlas: retention: " + retain + " (playlists kept), swept every "
                        + retention.intervalMs() + " ms");
            }
            if (edge != null) {
                edge.storeThrough(URI.create(baseUrl));
            }
            if (config.agent() != null) {
                Metrics m = metrics;
                agent = AgentCheck.start(config.agent().listenHost(), config.agent().listenPort(), m::draining,
                        volume);
                log.println("atlas: HAProxy agent check on " + config.agent().listenHost() + ":" + agent.port()
                        + " (agent-check agent-port " + agent.port() + "): answers " + agent.state());
            }
            log.println("atlas: listening on " + baseUrl + (tlsBaseUrl != null ? " and " + tlsBaseUrl : ""));
            // After the public URL, so that scripts taking the first URL of the output get the public one.
            log.println("atlas: admin " + adminBaseUrl + (adminIndex < 0 ? " (no separate admin listener)" : "")
                    + ": metrics " + adminBaseUrl + "_atlas/metrics, dashboard " + adminBaseUrl + "_atlas/"
                    + "; health " + baseUrl + "_atlas/health");
            if (edge != null) {
                // After the listening lines: scripts take the first URL of the output as the server's.
                log.println("atlas: edge: what is not here is fetched from " + config.edge().upstreams()
                        + " (in that order"
                        + (config.edge().upstreamToken() == null ? "" : ", with the --upstream-token-file token")
                        + "), once per object however many ask, and stored; "
                        + edge.restoredCopies() + " copies kept from the last run");
                if (config.edge().upstreamToken() != null && config.access().protect().isEmpty()) {
                    log.println("atlas: WARNING: --upstream-token-file without --protect: this edge serves anyone "
                            + "what its token may read upstream; protect those prefixes here too (--protect, "
                            + "--token-keys)");
                }
            }
            log.flush();
            if (retention != null) {
                retention.start();
            }
            return new AtlasServer(volume, engine, baseUrl, tlsBaseUrl, metrics, accessLog, config.drainDelay(),
                    retention, identities, hot, access, adminBaseUrl, agent, edge);
        } catch (IOException | RuntimeException e) {
            if (agent != null) {
                agent.close();
            }
            if (engine != null) {
                try {
                    engine.shutdown(0); // the cores stop (and let go of their buffers) before the volume closes
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            if (edge != null) {
                closeQuietly(edge);
            }
            if (accessLog != null) {
                accessLog.close();
            }
            if (identities != null) {
                identities.close();
            }
            if (hot != null) {
                hot.close(); // after the cores stopped (above): nobody sends from its memory any more
            }
            if (access != null) {
                access.close();
            }
            volume.close();
            throw e;
        }
    }

    /**
     * AUTO takes io_uring when the kernel offers what we need and says in one line why not otherwise; URING insists
     * and fails with that reason; NIO never probes.
     */
    private static boolean chooseUring(ServerConfig.EngineKind kind, List<InetSocketAddress> listeners,
                                       PrintStream log) throws IOException {
        if (kind == ServerConfig.EngineKind.NIO) {
            return false;
        }
        String why;
        if (!listeners.stream().allMatch(l -> l.getAddress() instanceof Inet4Address)) {
            why = "the io_uring engine listens on IPv4 addresses only so far";
        } else {
            IoUringSupport support = IoUringSupport.detect();
            why = support.usable() ? null : support.summary();
        }
        if (why == null) {
            return true;
        }
        if (kind == ServerConfig.EngineKind.URING) {
            throw new IOException("--engine uring: " + why);
        }
        log.println("atlas: io_uring not usable (" + why + "); using the NIO engine");
        return false;
    }

    /**
     * Our listeners use SO_REUSEPORT (one per core), which would also let a second server bind the same port and
     * silently take half the connections. A plain bind first fails if anyone listens there already.
     * <p>
     * The probe is a client socket, bound and never listening: a listening probe would accept the connections that
     * arrive during its moment of life and reset them when it closes, and a restarted server would look up for that
     * moment and then refuse connections until the volume has recovered. A bind without listen still fails with
     * EADDRINUSE against a listener; SO_REUSEADDR (on by default for a ServerSocketChannel, not for this) lets it
     * pass the TIME_WAIT connections of a predecessor, as the listeners themselves will.
     */
    private static void refuseSharedPort(InetSocketAddress listen) throws IOException {
        if (listen.getPort() == 0) {
            return;
        }
        try (SocketChannel probe = SocketChannel.open()) {
            probe.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            probe.bind(listen);
        } catch (BindException e) {
            throw new IOException("cannot listen on " + listen.getAddress().getHostAddress() + ":" + listen.getPort()
                    + ": address already in use (another server is running there?)");
        }
    }

    /**
     * SEND_ZC policy from the environment ({@code ATLAS_SEND_ZC=auto|always|never}, default auto): a tuning knob
     * for measuring zero-copy against copying sends, not something an operator normally sets.
     */
    private static EngineSettings.ZeroCopy sendZeroCopyPolicy() throws IOException {
        String v = System.getenv("ATLAS_SEND_ZC");
        if (v == null || v.isBlank()) {
            return EngineSettings.ZeroCopy.AUTO;
        }
        try {
            return EngineSettings.ZeroCopy.valueOf(v.strip().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IOException("ATLAS_SEND_ZC='" + v + "': expected auto, always or never");
        }
    }

    private static InetSocketAddress resolve(String host, int port) throws IOException {
        try {
            String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
            return new InetSocketAddress(InetAddress.getByName(bare), port);
        } catch (UnknownHostException e) {
            throw new IOException("cannot resolve listen host '" + host + "'");
        }
    }

    /** The certificate of the HTTPS listener: the operator's PEM pair, watched for changes, or the demo's own. */
    private static TlsIdentitySource openIdentities(ServerConfig.Tls tls, Volume volume) throws IOException {
        try {
            return tls.selfSigned() ? TlsIdentitySource.fixed(TlsIdentity.selfSigned(volume.directory()))
                    : TlsIdentitySource.watching(tls.certificateChain(), tls.privateKey(), System.err::println);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw new IOException("TLS: " + e.getMessage());
        }
    }

    private static String hostPort(ServerConfig config) {
        return config.listenHost() + ":" + config.listenPort();
    }

    public int port() {
        return engine.port();
    }

    public String baseUrl() {
        return baseUrl;
    }

    /** The HTTPS listener's port; -1 without one. */
    public int tlsPort() {
        return tlsBaseUrl == null ? -1 : engine.port(HttpCore.TLS_LISTENER);
    }

    /** {@code https://host:port/}, or null without an HTTPS listener. */
    public String tlsBaseUrl() {
        return tlsBaseUrl;
    }

    public Volume volume() {
        return volume;
    }

    public void awaitTermination() throws InterruptedException {
        terminated.await();
    }

    /** Credentials (watched and reloaded on SIGHUP), the per-client table and the upload slots. */
    private static AccessControl openAccess(ServerConfig.Access rules, PrintStream log) throws IOException {
        CredentialSource credentials;
        if (rules.authFile() == null) {
            credentials = CredentialSource.none();
        } else {
            try {
                credentials = CredentialSource.watching(rules.authFile(), line -> {
                    log.println(line);
                    log.flush();
                });
            } catch (IllegalArgumentException e) {
                throw new IOException("--auth-file: " + e.getMessage());
            }
            credentials.startWatching(AccessControl.FILE_CHECK_INTERVAL);
            credentials.installHangupHandler();
        }
        AccessControl access = new AccessControl(credentials,
                new ClientTable(rules.maxConnectionsPerClient(), rules.rateLimit(), rules.rateBurst()),
                new UploadSlots(rules.maxUploadsPerCredential()), rules.publicListing());
        access.startSweeping();
        return access;
    }

    private static void logAccess(ServerConfig config, ServerConfig.Access rules, AccessControl access,
                                  InetSocketAddress listen, InetSocketAddress tlsListen, PrintStream log) {
        CredentialSource c = access.credentials();
        boolean exposed = !listen.getAddress().isLoopbackAddress()
                || (tlsListen != null && !tlsListen.getAddress().isLoopbackAddress());
        if (c.file() == null) {
            log.println("atlas: writes (PUT, POST, DELETE): loopback peers only; --auth-file FILE lets encoders "
                    + "write with credentials");
            if (exposed) {
                log.println("atlas: WARNING: listening beyond loopback without --auth-file: anyone may read, "
                        + "nobody but this host may write");
            }
        } else {
            log.println("atlas: writes need credentials from " + c.summary() + ", reloaded on SIGHUP or when the "
                    + "file changes");
        }
        log.println("atlas: limits per client address: " + (rules.maxConnectionsPerClient() == 0 ? "no connection limit"
                : rules.maxConnectionsPerClient() + " connections") + ", " + (rules.rateLimit() == 0 ? "no rate limit"
                : rules.rateLimit() + " requests/s (burst " + rules.rateBurst() + ")") + "; "
                + (rules.maxUploadsPerCredential() == 0 ? "no upload limit" : rules.maxUploadsPerCredential()
                + " uploads in flight per credential") + "; loopback exempt");
    }

    private static String urlHost(InetSocketAddress address, String anyLocal) {
        String host = address.getAddress().isAnyLocalAddress() ? anyLocal : address.getAddress().getHostAddress();
        return host.contains(":") ? "[" + host + "]" : host;
    }

    /** The admin surface's base URL (the public one when there is no separate admin listener). */
    public String adminBaseUrl() {
        return adminBaseUrl;
    }

    /** Stops accepting, lets in-flight responses finish for a grace period, closes the volume. Idempotent. */
    @Override
    public void close() {
        stop();
    }

    /** As {@link #close()}; returns true when this call did the stopping, false when it was already done. */
    public boolean stop() {
        synchronized (this) {
            if (closed) {
                return false;
            }
            closed = true;
        }
        try {
            // Health turns 503 first; with a drain delay everything else is still served meanwhile, so a load
            // balancer polling health takes us out before the listeners close.
            metrics.draining(true);
            if (drainDelay.isPositive()) {
                Thread.sleep(drainDelay);
            }
            engine.shutdown(DRAIN_GRACE_NS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (agent != null) {
                agent.close(); // after the listeners: HAProxy is told "drain" until the node is gone
            }
            if (edge != null) {
                closeQuietly(edge); // fills in flight are cut off: their uploads stored nothing
            }
            if (accessLog != null) {
                accessLog.close(); // after the cores stopped: the last lines are drained
            }
            if (tlsIdentities != null) {
                tlsIdentities.close();
            }
            if (retention != null) {
                try {
                    retention.close(); // joins its thread, then closes its journal, before the volume
                } catch (IOException e) {
                    System.err.println("atlas: stopping retention failed: " + e.getMessage());
                }
            }
            if (hot != null) {
                hot.close();
            }
            access.close();
            try {
                volume.close();
            } catch (IOException e) {
                System.err.println("atlas: closing the volume failed: " + e.getMessage());
            }
            terminated.countDown();
        }
        return true;
    }

    private static void closeQuietly(EdgeCache edge) {
        try {
            edge.close();
        } catch (IOException e) {
            System.err.println("atlas: closing the edge cache's ledger failed: " + e.getMessage());
        }
    }
}
