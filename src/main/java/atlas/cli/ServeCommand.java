package atlas.cli;

import atlas.access.SecureLinkMd5;
import atlas.access.SigningKeys;
import atlas.access.UrlSigning;
import atlas.fill.CachePolicy;
import atlas.fill.SliceLayout;
import atlas.hot.HotTier;
import atlas.http.HttpLimits;
import atlas.server.AtlasServer;
import atlas.server.RetentionRule;
import atlas.server.ServerConfig;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import static atlas.cli.ServeSettings.ACCESS_LOG;
import static atlas.cli.ServeSettings.AGENT_LISTEN;
import static atlas.cli.ServeSettings.BUFFER_MEMORY;
import static atlas.cli.ServeSettings.CERT;
import static atlas.cli.ServeSettings.CHECKPOINT_JOURNAL;
import static atlas.cli.ServeSettings.CORES;
import static atlas.cli.ServeSettings.DEVICE;
import static atlas.cli.ServeSettings.DRAIN_DELAY;
import static atlas.cli.ServeSettings.ENGINE;
import static atlas.cli.ServeSettings.HANDSHAKE_TIMEOUT;
import static atlas.cli.ServeSettings.TLS_SESSION_TIMEOUT;
import static atlas.cli.ServeSettings.HEADER_TIMEOUT;
import static atlas.cli.ServeSettings.HSTS;
import static atlas.cli.ServeSettings.ADMIN_LISTEN;
import static atlas.cli.ServeSettings.AUTH_FILE;
import static atlas.cli.ServeSettings.HOT_MEMORY;
import static atlas.cli.ServeSettings.MAX_CONNECTIONS_PER_CLIENT;
import static atlas.cli.ServeSettings.MAX_UPLOADS_PER_CREDENTIAL;
import static atlas.cli.ServeSettings.PROTECT;
import static atlas.cli.ServeSettings.PUBLIC_LISTING;
import static atlas.cli.ServeSettings.SECURE_LINK_MD5;
import static atlas.cli.ServeSettings.TOKEN_KEYS;
import static atlas.cli.ServeSettings.RATE_BURST;
import static atlas.cli.ServeSettings.RATE_LIMIT;
import static atlas.cli.ServeSettings.HOT_PREFIX;
import static atlas.cli.ServeSettings.CACHE_TTL;
import static atlas.cli.ServeSettings.MANIFEST_TTL;
import static atlas.cli.ServeSettings.NEGATIVE_TTL;
import static atlas.cli.ServeSettings.STALE_IF_ERROR;
import static atlas.cli.ServeSettings.IDLE_TIMEOUT;
import static atlas.cli.ServeSettings.PRIVATE_KEY;
import static atlas.cli.ServeSettings.LISTEN;
import static atlas.cli.ServeSettings.MAX_BODY;
import static atlas.cli.ServeSettings.NO_DEMO;
import static atlas.cli.ServeSettings.RETAIN;
import static atlas.cli.ServeSettings.SEND_TIMEOUT;
import static atlas.cli.ServeSettings.TLS_GROUPS;
import static atlas.cli.ServeSettings.TLS_LISTEN;
import static atlas.cli.ServeSettings.FILL_SLICE;
import static atlas.cli.ServeSettings.UPSTREAM;
import static atlas.cli.ServeSettings.UPSTREAM_TIMEOUT;
import static atlas.cli.ServeSettings.UPSTREAM_CA;
import static atlas.cli.ServeSettings.UPSTREAM_TOKEN_FILE;
import static atlas.cli.ServeSettings.VOLUME_SIZE;

/**
 * {@code atlas serve}: resolves the settings once (flags, then {@code ATLAS_*} environment variables, then the
 * config file, then defaults: {@link ConfigSources}), validates them, builds a {@link ServerConfig} and runs
 * {@link AtlasServer} until SIGTERM/SIGINT. The server prints its own start-up lines; {@code --print-config} prints
 * the effective settings and where each came from instead of serving. The settings themselves, with their help and
 * defaults, are declared in {@link ServeSettings}, which adds them to this command as options.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        modelTransformer = ServeSettings.Options.class,
        description = {"Serve the volume over HTTP/1.1: GET/HEAD (ranges, validators, CORS), durable PUT, DELETE.",
                "An empty volume is seeded with a demo HLS stream under demo/ (unless --no-demo).",
                "Settings come from flags, else ATLAS_<FLAG> environment variables, else the config file, else defaults.",
                "SIGTERM or Ctrl-C stops gracefully."})
final class ServeCommand implements Callable<Integer> {
    /** Settings resolved before the file is read (they say where it is). */
    static final List<String> BOOTSTRAP = List.of("data", "config");

    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption data;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Config file of 'key = value' lines (default: DATA/" + ConfigSources.FILE_NAME
                    + " when it exists).")
    Path configFile;

    @Option(names = "--print-config", description = "Print the effective configuration and where each value "
            + "came from, then exit.")
    boolean printConfig;

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
        int cores = CORES.orDerived(spec, () -> available);
        if (cores < 1 || cores > available) {
            throw sources.invalid(CORES.key(), "must be 1-" + available + ", the available processors");
        }
        for (ServeSetting<?> s : ServeSettings.ALL) {
            s.check(spec, sources);
        }
        HttpLimits d = HttpLimits.DEFAULTS;
        HttpLimits limits = new HttpLimits(d.maxRequestLineBytes(), d.maxHeadBytes(), d.maxHeaderCount(),
                get(MAX_BODY));
        VolumeConfig volume = VolumeSizeOption.config(data.dir(), get(VOLUME_SIZE))
                .withCheckpointJournalBytes(get(CHECKPOINT_JOURNAL))
                .withDevices(get(DEVICE) == null ? List.of() : get(DEVICE).stream().map(String::strip).map(Path::of).toList());
        String log = ACCESS_LOG.orDerived(spec,
                () -> data.dir().resolve(ServeSettings.AccessLogConverter.FILE_NAME).toString());
        retentionRules(); // validated here so --print-config and start-up refuse a bad rule alike
        ListenAddress listen = get(LISTEN);
        return new ServerConfig(volume, listen.host(), listen.port(), cores, get(ENGINE), limits,
                get(HEADER_TIMEOUT), get(IDLE_TIMEOUT), get(SEND_TIMEOUT), bufferMemory(cores), !get(NO_DEMO),
                log.equals(ServeSettings.AccessLogConverter.OFF) ? null : Path.of(log), get(DRAIN_DELAY), tls(),
                hot(cores), access(listen), get(AGENT_LISTEN) == null ? null
                : new ServerConfig.Agent(get(AGENT_LISTEN).host(), get(AGENT_LISTEN).port()), edge());
    }

    /** Edge mode: the upstreams, each a base URL (a trailing slash added), or null without --upstream. */
    private ServerConfig.Edge edge() {
        List<String> given = get(UPSTREAM);
        if (given == null || given.isEmpty()) {
            return null;
        }
        List<java.net.URI> upstreams = new java.util.ArrayList<>();
        for (String text : given) {
            String t = text.strip();
            java.net.URI u;
            try {
                u = new java.net.URI(t.endsWith("/") ? t : t + "/");
            } catch (java.net.URISyntaxException e) {
                throw sources.invalid(UPSTREAM.key(), "not a URL: " + t);
            }
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null
                    || u.getQuery() != null || u.getFragment() != null) {
                throw sources.invalid(UPSTREAM.key(), "needs an http:// or https:// base URL without query, not " + t);
            }
            upstreams.add(u);
        }
        List<String> live = get(HOT_PREFIX) == null ? List.of() : get(HOT_PREFIX).stream().map(String::strip).toList();
        return new ServerConfig.Edge(upstreams, get(UPSTREAM_TIMEOUT), new CachePolicy(get(CACHE_TTL),
                get(MANIFEST_TTL), get(NEGATIVE_TTL), get(STALE_IF_ERROR), live), upstreamToken(), upstreamTrust(),
                new SliceLayout(get(FILL_SLICE)));
    }

    /** The TLS context of --upstream-ca, or null: the JDK's own roots. */
    private javax.net.ssl.SSLContext upstreamTrust() {
        Path pem = get(UPSTREAM_CA);
        if (pem == null) {
            return null;
        }
        try {
            return atlas.fill.UpstreamTrust.of(pem);
        } catch (IllegalArgumentException e) {
            throw sources.invalid(UPSTREAM_CA.key(), e.getMessage());
        }
    }

    /** The bearer token of --upstream-token-file (its first line), or null without one. */
    private String upstreamToken() {
        Path file = get(UPSTREAM_TOKEN_FILE);
        if (file == null) {
            return null;
        }
        String token;
        try {
            token = Files.readAllLines(file, java.nio.charset.StandardCharsets.UTF_8).stream().findFirst()
                    .orElse("").strip();
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            throw sources.invalid(UPSTREAM_TOKEN_FILE.key(), "cannot read " + file + ": " + e.getMessage());
        }
        if (token.isEmpty() || token.chars().anyMatch(ch -> ch <= ' ' || ch > '~')) {
            throw sources.invalid(UPSTREAM_TOKEN_FILE.key(), "the first line of " + file
                    + " must be the token: printable ASCII without spaces");
        }
        return token;
    }

    /** Who may write, the admin listener, per-client limits. */
    private ServerConfig.Access access(ListenAddress listen) {
        Path authFile = get(AUTH_FILE);
        if (authFile != null && !Files.isReadable(authFile)) {
            throw sources.invalid(AUTH_FILE.key(), "no readable file there");
        }
        ListenAddress admin = get(ADMIN_LISTEN);
        if (admin.equals(listen) && admin.port() != 0) {
            throw sources.invalid(ADMIN_LISTEN.key(), "is the same address as --listen; the admin surface needs "
                    + "its own port");
        }
        int rate = get(RATE_LIMIT) == null ? 0 : get(RATE_LIMIT);
        int burst = RATE_BURST.orDerived(spec, () -> rate);
        List<String> protect = get(PROTECT) == null ? List.of() : get(PROTECT).stream().map(String::strip)
                .map(p -> p.startsWith("/") ? p.substring(1) : p).toList();
        return new ServerConfig.Access(authFile == null ? null : authFile.toAbsolutePath(), admin.host(),
                admin.port(), get(PUBLIC_LISTING), get(MAX_CONNECTIONS_PER_CLIENT), rate, burst,
                get(MAX_UPLOADS_PER_CREDENTIAL), protect, signing(protect));
    }

    /** Keys and formats of signed URLs; refused when given without --protect, or --protect without them. */
    private UrlSigning signing(List<String> protect) {
        Path keyFile = get(TOKEN_KEYS);
        String template = get(SECURE_LINK_MD5);
        if (protect.isEmpty()) {
            if (keyFile != null || template != null) {
                throw sources.invalid((keyFile != null ? TOKEN_KEYS : SECURE_LINK_MD5).key(),
                        "needs --protect PREFIX (what the signed URLs are for)");
            }
            return null;
        }
        if (keyFile == null && template == null) {
            throw sources.invalid(PROTECT.key(), "needs --token-keys FILE or --secure-link-md5 TEMPLATE to check "
                    + "signed URLs with");
        }
        SigningKeys keys = SigningKeys.none();
        if (keyFile != null) {
            List<String> lines;
            try {
                lines = Files.readAllLines(keyFile, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw sources.invalid(TOKEN_KEYS.key(), "cannot read it: " + FailureHandler.message(e));
            }
            try {
                keys = SigningKeys.fromLines(lines);
            } catch (IllegalArgumentException e) {
                throw sources.invalid(TOKEN_KEYS.key(), e.getMessage());
            }
        }
        SecureLinkMd5 secureLink = null;
        if (template != null) {
            try {
                secureLink = SecureLinkMd5.parse(template);
            } catch (IllegalArgumentException e) {
                throw sources.invalid(SECURE_LINK_MD5.key(), e.getMessage());
            }
        }
        return new UrlSigning(keys, secureLink);
    }

    /** The hot tier, or null when --hot-memory is 0; a live prefix without a tier to put it in is refused. */
    private ServerConfig.Hot hot(int cores) {
        long memory = physicalMemory();
        if (get(HOT_MEMORY) == null) {
            sources.derived(HOT_MEMORY.key(), "an eighth of " + HumanUnits.bytes(memory) + " of memory");
        }
        long bytes = HOT_MEMORY.orDerived(spec, () -> HotTier.defaultBytes(memory));
        List<String> prefixes = get(HOT_PREFIX) == null ? List.of()
                : get(HOT_PREFIX).stream().map(String::strip).toList();
        for (String p : prefixes) {
            if (p.isEmpty() || p.startsWith("/")) {
                throw sources.invalid(HOT_PREFIX.key(), "'" + p + "' must be an object name prefix such as live/");
            }
        }
        if (bytes == 0) {
            if (!prefixes.isEmpty()) {
                throw sources.invalid(HOT_PREFIX.key(), "needs the hot tier, which --hot-memory 0 turns off");
            }
            return null;
        }
        if (bytes / cores < HotTier.CHUNK_BYTES) {
            throw sources.invalid(HOT_MEMORY.key(), "must be 0 (off) or at least " + SizeConverter.format(
                    (long) HotTier.CHUNK_BYTES * cores) + ": one 128 KiB chunk per core (" + cores + " cores)");
        }
        return new ServerConfig.Hot(bytes, prefixes);
    }

    private <T> T get(ServeSetting<T> setting) {
        return setting.value(spec);
    }

    private long bufferMemory(int cores) {
        if (get(BUFFER_MEMORY) != null) {
            return get(BUFFER_MEMORY);
        }
        long memory = physicalMemory();
        sources.derived(BUFFER_MEMORY.key(), "a quarter of " + HumanUnits.bytes(memory) + " of memory over " + cores
                + (cores == 1 ? " core" : " cores") + ", within "
                + SizeConverter.format(ServerConfig.MIN_DEFAULT_BUFFER_BYTES_PER_CORE) + "-"
                + SizeConverter.format(ServerConfig.MAX_DEFAULT_BUFFER_BYTES_PER_CORE));
        return BUFFER_MEMORY.orDerived(spec, () -> ServerConfig.defaultBufferBytesPerCore(memory, cores));
    }

    /** Memory this process may use: the container's limit when there is one, else the machine's RAM. */
    private static long physicalMemory() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
    }

    /** The HTTPS listener, or null; --cert and --key only make sense with it, and only together. */
    private ServerConfig.Tls tls() {
        ListenAddress tlsListen = get(TLS_LISTEN);
        Path cert = get(CERT);
        Path key = get(PRIVATE_KEY);
        if (tlsListen == null) {
            if (cert != null || key != null) {
                throw sources.invalid((cert != null ? CERT : PRIVATE_KEY).key(),
                        "needs --tls-listen HOST:PORT to serve HTTPS");
            }
            if (get(HSTS) != null) {
                throw sources.invalid(HSTS.key(), "needs --tls-listen HOST:PORT: it is sent over HTTPS only");
            }
            return null;
        }
        if ((cert == null) != (key == null)) {
            throw sources.invalid((cert == null ? PRIVATE_KEY : CERT).key(), "--cert and --key go together");
        }
        for (ServeSetting<Path> file : List.of(CERT, PRIVATE_KEY)) {
            Path p = get(file);
            if (p != null && !Files.isReadable(p)) {
                throw sources.invalid(file.key(), "no readable file there");
            }
        }
        return new ServerConfig.Tls(tlsListen.host(), tlsListen.port(),
                cert == null ? null : cert.toAbsolutePath(), key == null ? null : key.toAbsolutePath(),
                get(HANDSHAKE_TIMEOUT), get(HSTS), get(TLS_GROUPS), get(TLS_SESSION_TIMEOUT));
    }

    /** The {@code --retain} rules, validated ({@link #config()} must have resolved the sources). */
    List<RetentionRule> retentionRules() {
        resolveSources();
        try {
            return ServeSettings.retentionRules(get(RETAIN));
        } catch (IllegalArgumentException | TypeConversionException e) {
            throw sources.invalid(RETAIN.key(), e.getMessage());
        }
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
                : ConfigSources.readFile(spec.commandLine(), file, ServeSettings.KEYS, BOOTSTRAP);
        configFile = file;
        sources.apply(ServeSettings.KEYS, environment, file, settings);
    }

    /**
     * One line per setting, {@code key = value  # origin}, in the config file's syntax, so the output is itself a
     * valid config file; a setting that is off is a comment line ({@code # tls-listen = off}). Values are read back
     * from the options {@link #config()} resolved (derived defaults included), so they are what {@code c} holds.
     */
    void printConfig(ServerConfig c, PrintWriter out) {
        out.println("# atlas serve: effective configuration (precedence: flag > environment > file > default)");
        out.println("# config file: " + (configFile == null ? "none" : configFile));
        line(out, "data", c.volume().directory().toString(), sources.origin("data"));
        for (ServeSetting<?> s : ServeSettings.ALL) {
            if (s.printed(spec)) {
                String value = s.formatted(spec);
                line(out, value == null ? "# " + s.key() : s.key(), value == null ? s.offText() : value,
                        sources.origin(s.key()));
            }
        }
        out.flush();
    }

    private static void line(PrintWriter out, String key, String value, ConfigSources.Origin origin) {
        String kv = key + " = " + value;
        out.println(kv + " ".repeat(Math.max(1, 40 - kv.length())) + "# " + origin.where());
    }
}
