package atlas.cli;

import atlas.http.HttpLimits;
import atlas.server.AtlasServer;
import atlas.server.RetentionRule;
import atlas.server.ServerConfig;
import atlas.server.ServerConfig.EngineKind;
import atlas.store.VolumeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code atlas serve}: resolves the settings once (flags, then {@code ATLAS_*} environment variables, then the
 * config file, then defaults: {@link ConfigSources}), validates them, builds a {@link ServerConfig} and runs
 * {@link AtlasServer} until SIGTERM/SIGINT. The server prints its own start-up lines; {@code --print-config} prints
 * the effective settings and where each came from instead of serving.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serve the volume over HTTP/1.1: GET/HEAD (ranges, validators, CORS), durable PUT, DELETE.",
                "An empty volume is seeded with a demo HLS stream under demo/ (unless --no-demo).",
                "Settings come from flags, else ATLAS_<FLAG> environment variables, else the config file, else defaults.",
                "SIGTERM or Ctrl-C stops gracefully."})
final class ServeCommand implements Callable<Integer> {
    /** Settings that may come from the environment or the config file, in --print-config order. */
    static final List<String> SETTINGS = List.of("listen", "cores", "engine", "volume-size", "no-demo", "max-body",
            "header-timeout", "idle-timeout", "send-timeout", "access-log", "drain-delay", "retain", "tls-listen",
            "cert", "key", "handshake-timeout", "buffer-memory", "checkpoint-journal");
    /** Settings resolved before the file is read (they say where it is). */
    static final List<String> BOOTSTRAP = List.of("data", "config");

    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption data;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Config file of 'key = value' lines (default: DATA/atlas.conf when it exists).")
    Path configFile;

    @Option(names = "--print-config", description = "Print the effective configuration and where each value "
            + "came from, then exit.")
    boolean printConfig;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:8080",
            converter = ListenAddress.Converter.class,
            description = "Address to listen on; port 0 picks a free one; IPv6 as [::1]:8080 (default: ${DEFAULT-VALUE}).")
    ListenAddress listen;

    @Option(names = "--cores", paramLabel = "N",
            description = "Event loops, one pinned thread each (default: all available processors).")
    Integer cores;

    @Option(names = "--engine", paramLabel = "auto|uring|nio", defaultValue = "auto",
            converter = EngineConverter.class,
            description = "Dataplane: io_uring, Java NIO, or auto (io_uring when usable) (default: ${DEFAULT-VALUE}).")
    EngineKind engine;

    @Mixin
    VolumeSizeOption size;

    @Option(names = "--no-demo", description = "Do not seed the demo HLS stream into an empty volume.")
    boolean noDemo;

    @Option(names = "--max-body", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Largest request body (PUT) accepted; larger gets 413 (default: 4g).")
    Long maxBody;

    @Option(names = "--header-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "A request head must be complete this long after its first byte, else 408 (default: 10s).")
    Duration headerTimeout;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Close a keep-alive connection idle this long (default: 75s).")
    Duration idleTimeout;

    @Option(names = "--send-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Drop a client that accepts no response bytes for this long (default: 30s).")
    Duration sendTimeout;

    @Option(names = "--access-log", paramLabel = "FILE|off",
            description = "Access log (combined format plus bytes, range, duration, engine, TLS); reopened on "
                    + "SIGUSR1 or when moved; 'off' disables it (default: DATA/access.log).")
    String accessLog;

    @Option(names = "--drain-delay", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "On SIGTERM, answer health checks with 503 for this long while still serving, then "
                    + "stop accepting and drain (default: 0s).")
    Duration drainDelay;

    @Option(names = "--retain", paramLabel = "PREFIX=DURATION", split = ",",
            description = "Delete objects under PREFIX whose mtime is older than DURATION, playlists (.m3u8, .mpd) "
                    + "excepted, e.g. live/=10m; repeatable (config file: comma-separated) (default: keep all).")
    List<String> retain;

    @Option(names = "--tls-listen", paramLabel = "HOST:PORT", converter = ListenAddress.Converter.class,
            description = "Also serve HTTPS (TLS 1.3 and 1.2, ALPN http/1.1) on this address; without --cert and "
                    + "--key a self-signed certificate for localhost is made and kept in the data directory "
                    + "(default: no HTTPS).")
    ListenAddress tlsListen;

    @Option(names = "--cert", paramLabel = "FILE",
            description = "PEM certificate chain for HTTPS, leaf first; reloaded on SIGHUP or when the file changes.")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE",
            description = "PEM private key of the --cert leaf (PKCS#8, EC or RSA; not encrypted).")
    Path key;

    @Option(names = "--buffer-memory", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Cap of the aligned I/O buffers (256 KiB each) per core: at most this much object data is "
                    + "in memory per core, whatever the clients do; more connections wait for a buffer or get 503. "
                    + "Buffers are allocated as the load needs them (default: a quarter of the memory, or of the "
                    + "container's limit, over the cores, within 16m-256m).")
    Long bufferMemory;

    @Option(names = "--checkpoint-journal", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Checkpoint the index while serving once the journal files exceed this (and twice the last "
                    + "checkpoint), then delete the journal files it covers: bounds their disk space and the "
                    + "replay at restart (default: 256m).")
    Long checkpointJournal;

    @Option(names = "--handshake-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Drop a TLS handshake not finished in this long (default: 10s).")
    Duration handshakeTimeout;

    /** The process environment; tests put their own. */
    Map<String, String> environment = System.getenv();
    private ConfigSources sources;

    @Override
    public Integer call() throws IOException, InterruptedException {
        ServerConfig config = config();
        if (printConfig) {
            printConfig(config, spec.commandLine().getOut());
            return 0;
        }
        AtlasServer server = AtlasServer.start(config, retentionRules(), System.out);
        // Graceful stop on SIGTERM/SIGINT: the JVM runs this hook; close() stops accepting, lets responses finish
        // and closes the volume. A drain that completed is a success, so the process then exits 0 (what service
        // managers check) instead of the JVM's 143; halt is safe here because this is the only hook.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (server.stop()) {
                Runtime.getRuntime().halt(0);
            }
        }, "atlas-shutdown"));
        server.awaitTermination();
        return 0;
    }

    /** Resolves every source once, validates, and builds the server's configuration. */
    ServerConfig config() {
        resolveSources();
        int available = Runtime.getRuntime().availableProcessors();
        int n = cores == null ? available : cores;
        if (n < 1 || n > available) {
            throw sources.invalid("cores", "must be 1-" + available + ", the available processors");
        }
        HttpLimits limits = HttpLimits.DEFAULTS;
        if (maxBody != null) {
            limits = new HttpLimits(limits.maxRequestLineBytes(), limits.maxHeadBytes(), limits.maxHeaderCount(),
                    maxBody);
        }
        Duration header = positive("header-timeout", headerTimeout, ServerConfig.DEFAULT_HEADER_TIMEOUT);
        Duration idle = positive("idle-timeout", idleTimeout, ServerConfig.DEFAULT_IDLE_TIMEOUT);
        Duration send = positive("send-timeout", sendTimeout, ServerConfig.DEFAULT_SEND_STALL_TIMEOUT);
        Duration drain = drainDelay == null ? Duration.ZERO : drainDelay;
        if (size.maxBytes != null && size.maxBytes < (1L << 20)) {
            throw sources.invalid("volume-size", "must be at least 1m");
        }
        VolumeConfig volume = size.config(data.dir());
        if (checkpointJournal != null) {
            if (checkpointJournal < (64L << 10) || checkpointJournal > (1L << 40)) {
                throw sources.invalid("checkpoint-journal", "must be between 64k and 1t");
            }
            volume = volume.withCheckpointJournalBytes(checkpointJournal);
        }
        Path log = accessLogPath();
        retentionRules(); // validated here so --print-config and start-up refuse a bad rule alike
        return new ServerConfig(volume, listen.host(), listen.port(), n, engine, limits, header, idle,
                send, bufferMemory(n), !noDemo, log, drain, tls());
    }

    private long bufferMemory(int cores) {
        if (bufferMemory == null) {
            return ServerConfig.defaultBufferBytesPerCore(physicalMemory(), cores);
        }
        if (bufferMemory < (1L << 20) || bufferMemory > (64L << 30)) {
            throw sources.invalid("buffer-memory", "must be between 1m and 64g");
        }
        return bufferMemory;
    }

    /** Memory this process may use: the container's limit when there is one, else the machine's RAM. */
    private static long physicalMemory() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
    }

    /** The HTTPS listener, or null; --cert and --key only make sense with it, and only together. */
    private ServerConfig.Tls tls() {
        Duration handshake = positive("handshake-timeout", handshakeTimeout, ServerConfig.DEFAULT_HANDSHAKE_TIMEOUT);
        if (tlsListen == null) {
            if (cert != null || key != null) {
                throw sources.invalid(cert != null ? "cert" : "key", "needs --tls-listen HOST:PORT to serve HTTPS");
            }
            return null;
        }
        if ((cert == null) != (key == null)) {
            throw sources.invalid(cert == null ? "key" : "cert", "--cert and --key go together");
        }
        for (String k : List.of("cert", "key")) {
            Path p = k.equals("cert") ? cert : key;
            if (p != null && !Files.isReadable(p)) {
                throw sources.invalid(k, "no readable file there");
            }
        }
        return new ServerConfig.Tls(tlsListen.host(), tlsListen.port(),
                cert == null ? null : cert.toAbsolutePath(), key == null ? null : key.toAbsolutePath(), handshake);
    }

    /** The {@code --retain} rules, validated ({@link #config()} must have resolved the sources). */
    List<RetentionRule> retentionRules() {
        resolveSources();
        List<RetentionRule> rules = new ArrayList<>();
        for (String spec : retain == null ? List.<String>of() : retain) {
            try {
                rules.add(RetentionRule.parse(spec.strip(), DurationConverter::parse));
            } catch (IllegalArgumentException | TypeConversionException e) {
                throw sources.invalid("retain", e.getMessage());
            }
        }
        return rules;
    }

    private void resolveSources() {
        if (sources != null) {
            return;
        }
        sources = new ConfigSources(spec);
        sources.apply(BOOTSTRAP, environment, null, Map.of());
        Path file = configFile;
        if (file == null) {
            Path fallback = data.dir().resolve(ConfigSources.FILE_NAME);
            file = Files.isRegularFile(fallback) ? fallback : null;
        }
        Map<String, ConfigSources.Setting> settings = file == null ? Map.of()
                : ConfigSources.readFile(spec.commandLine(), file, SETTINGS, BOOTSTRAP);
        configFile = file;
        sources.apply(SETTINGS, environment, file, settings);
    }

    private Path accessLogPath() {
        if (accessLog == null) {
            return data.dir().resolve("access.log");
        }
        if (accessLog.isBlank()) {
            throw sources.invalid("access-log", "expected a file or 'off'");
        }
        return accessLog.strip().equalsIgnoreCase("off") ? null : Path.of(accessLog.strip()).toAbsolutePath();
    }

    private Duration positive(String key, Duration value, Duration fallback) {
        if (value == null) {
            return fallback;
        }
        if (value.isZero()) {
            throw sources.invalid(key, "must be greater than zero");
        }
        return value;
    }

    /**
     * One line per setting, {@code key = value  # origin}, in the config file's syntax, so the output is itself a
     * valid config file.
     */
    void printConfig(ServerConfig c, PrintWriter out) {
        out.println("# atlas serve: effective configuration (precedence: flag > environment > file > default)");
        out.println("# config file: " + (configFile == null ? "none" : configFile));
        line(out, "data", c.volume().directory().toString(), sources.origin("data"));
        line(out, "listen", (c.listenHost().indexOf(':') >= 0 ? "[" + c.listenHost() + "]" : c.listenHost())
                + ":" + c.listenPort(), sources.origin("listen"));
        line(out, "cores", Integer.toString(c.cores()), sources.origin("cores"));
        line(out, "engine", c.engine().name().toLowerCase(Locale.ROOT), sources.origin("engine"));
        line(out, "volume-size", SizeConverter.format(c.volume().maxBytes()), sources.origin("volume-size"));
        line(out, "no-demo", Boolean.toString(!c.seedDemo()), sources.origin("no-demo"));
        line(out, "max-body", SizeConverter.format(c.limits().maxBodyBytes()), sources.origin("max-body"));
        line(out, "header-timeout", DurationConverter.format(c.headerTimeout()), sources.origin("header-timeout"));
        line(out, "idle-timeout", DurationConverter.format(c.idleTimeout()), sources.origin("idle-timeout"));
        line(out, "send-timeout", DurationConverter.format(c.sendStallTimeout()), sources.origin("send-timeout"));
        line(out, "access-log", c.accessLog() == null ? "off" : c.accessLog().toString(),
                sources.origin("access-log"));
        line(out, "drain-delay", DurationConverter.format(c.drainDelay()), sources.origin("drain-delay"));
        ConfigSources.Origin bufferOrigin = sources.origin("buffer-memory");
        if (bufferMemory == null) {
            bufferOrigin = new ConfigSources.Origin(bufferOrigin.where() + ": a quarter of "
                    + HumanUnits.bytes(physicalMemory()) + " of memory over " + c.cores()
                    + (c.cores() == 1 ? " core" : " cores") + ", within "
                    + SizeConverter.format(ServerConfig.MIN_DEFAULT_BUFFER_BYTES_PER_CORE)
                    + "-" + SizeConverter.format(ServerConfig.MAX_DEFAULT_BUFFER_BYTES_PER_CORE), null);
        }
        line(out, "buffer-memory", SizeConverter.format(c.bufferBytesPerCore()), bufferOrigin);
        line(out, "checkpoint-journal", SizeConverter.format(c.volume().checkpointJournalBytes()), sources.origin("checkpoint-journal"));
        ServerConfig.Tls tls = c.tls();
        if (tls == null) {
            line(out, "# tls-listen", "off", sources.origin("tls-listen"));
        } else {
            line(out, "tls-listen", (tls.listenHost().indexOf(':') >= 0 ? "[" + tls.listenHost() + "]"
                    : tls.listenHost()) + ":" + tls.listenPort(), sources.origin("tls-listen"));
            line(out, tls.selfSigned() ? "# cert" : "cert", tls.selfSigned() ? "self-signed"
                    : tls.certificateChain().toString(), sources.origin("cert"));
            line(out, tls.selfSigned() ? "# key" : "key", tls.selfSigned() ? "self-signed"
                    : tls.privateKey().toString(), sources.origin("key"));
            line(out, "handshake-timeout", DurationConverter.format(tls.handshakeTimeout()), sources.origin("handshake-timeout"));
        }
        List<RetentionRule> rules = retentionRules();
        // No rules is written as a comment: an empty value would not be a valid config line.
        line(out, rules.isEmpty() ? "# retain" : "retain", rules.isEmpty() ? "none" : String.join(", ",
                rules.stream().map(RetentionRule::toString).toList()), sources.origin("retain"));
        out.flush();
    }

    private static void line(PrintWriter out, String key, String value, ConfigSources.Origin origin) {
        String kv = key + " = " + value;
        out.println(kv + " ".repeat(Math.max(1, 40 - kv.length())) + "# " + origin.where());
    }
}
