package atlas.cli;

import atlas.http.HttpLimits;
import atlas.server.RetentionRule;
import atlas.server.ServerConfig;
import atlas.server.ServerConfig.EngineKind;
import atlas.store.VolumeConfig;
import atlas.tls.TlsGroups;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.TypeConversionException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static atlas.cli.ServeSetting.derived;
import static atlas.cli.ServeSetting.fixed;
import static atlas.cli.ServeSetting.off;

/**
 * The settings of {@code atlas serve}, each declared once. {@link #ALL}'s order is that of {@code --help},
 * {@code --print-config} and the config file's list of known keys. Every one may come from a flag, an
 * {@code ATLAS_*} variable or the config file ({@link ConfigSources}); {@code --data} and {@code --config} are not
 * here because they say where the file is.
 */
final class ServeSettings {
    /** DURATION never parses negative, so this refuses zero. */
    private static final ServeSetting.Check<Duration> POSITIVE =
            new ServeSetting.Check<>(d -> !d.isZero(), "must be greater than zero");

    // Loopback: serving beyond the host must be asked for (and then writes need an --auth-file).
    static final ServeSetting<ListenAddress> LISTEN = ServeSetting.address("listen",
            fixed(new ListenAddress("127.0.0.1", 8080)),
            "Address to listen on; port 0 picks a free one; IPv6 as [::1]:8080");
    static final ServeSetting<Integer> CORES = ServeSetting.of("cores", "N", Integer.class, null,
            n -> Integer.toString(n), derived("all available processors"),
            "Event loops, one pinned thread each");
    static final ServeSetting<EngineKind> ENGINE = ServeSetting.of("engine", "auto|uring|nio", EngineKind.class,
            new EngineConverter(), e -> e.name().toLowerCase(Locale.ROOT), fixed(EngineKind.AUTO),
            "Dataplane: io_uring, Java NIO, or auto (io_uring when usable)");
    static final ServeSetting<Long> VOLUME_SIZE = ServeSetting.size("volume-size",
            fixed(VolumeConfig.DEFAULT_MAX_BYTES),
            "Largest size the volume's data file may grow to, like 64g")
            .check(atLeast(VolumeSizeOption.MIN_BYTES));
    static final ServeSetting<List<String>> DEVICE = ServeSetting.list("device", "PATH",
            paths -> String.join(", ", paths), off("DATA/volume.dat, or the devices the data directory lists", "none"),
            "Keep objects on this block device (e.g. /dev/nvme1n1) or preallocated file instead of DATA/volume.dat; "
                    + "repeatable, each object whole on one device; a device holding zeros joins the volume, one "
                    + "holding a file system or another volume is refused (atlas format --device erases it)");
    static final ServeSetting<Boolean> NO_DEMO = ServeSetting.flag("no-demo",
            "Do not seed the demo HLS stream into an empty volume");
    static final ServeSetting<Long> MAX_BODY = ServeSetting.size("max-body",
            fixed(HttpLimits.DEFAULTS.maxBodyBytes()),
            "Largest request body (PUT) accepted; larger gets 413");
    static final ServeSetting<Duration> HEADER_TIMEOUT = ServeSetting.duration("header-timeout",
            fixed(ServerConfig.DEFAULT_HEADER_TIMEOUT),
            "A request head must be complete this long after its first byte, else 408")
            .check(POSITIVE);
    static final ServeSetting<Duration> IDLE_TIMEOUT = ServeSetting.duration("idle-timeout",
            fixed(ServerConfig.DEFAULT_IDLE_TIMEOUT),
            "Close a keep-alive connection idle this long")
            .check(POSITIVE);
    static final ServeSetting<Duration> SEND_TIMEOUT = ServeSetting.duration("send-timeout",
            fixed(ServerConfig.DEFAULT_SEND_STALL_TIMEOUT),
            "Drop a client that accepts no response bytes for this long")
            .check(POSITIVE);
    static final ServeSetting<String> ACCESS_LOG = ServeSetting.of("access-log", "FILE|off", String.class,
            new AccessLogConverter(), s -> s, derived("DATA/" + AccessLogConverter.FILE_NAME),
            "Access log (combined format plus bytes, range, duration, engine, TLS); reopened on SIGUSR1 or when "
                    + "moved; 'off' disables it");
    static final ServeSetting<Duration> DRAIN_DELAY = ServeSetting.duration("drain-delay",
            fixed(Duration.ZERO),
            "On SIGTERM, answer health checks with 503 for this long while still serving, then stop accepting "
                    + "and drain");
    static final ServeSetting<Long> BUFFER_MEMORY = ServeSetting.size("buffer-memory",
            derived("a quarter of the memory, or of the container's limit, over the cores, within "
                    + SizeConverter.format(ServerConfig.MIN_DEFAULT_BUFFER_BYTES_PER_CORE) + "-"
                    + SizeConverter.format(ServerConfig.MAX_DEFAULT_BUFFER_BYTES_PER_CORE)),
            "Cap of the aligned I/O buffers (256 KiB each) per core: at most this much object data is in memory "
                    + "per core, whatever the clients do; more connections wait for a buffer or get 503. Buffers are "
                    + "allocated as the load needs them")
            .check(between(1L << 20, 64L << 30));
    static final ServeSetting<Long> CHECKPOINT_JOURNAL = ServeSetting.size("checkpoint-journal",
            fixed(VolumeConfig.DEFAULT_CHECKPOINT_JOURNAL_BYTES),
            "Checkpoint the index while serving once the journal files exceed this (and twice the last "
                    + "checkpoint), then delete the journal files it covers: bounds their disk space and the replay "
                    + "at restart")
            .check(between(64L << 10, 1L << 40));
    static final ServeSetting<ListenAddress> TLS_LISTEN = ServeSetting.address("tls-listen",
            off("no HTTPS", "off"),
            "Also serve HTTPS (TLS 1.3 and 1.2, ALPN http/1.1) on this address; without --cert and --key a "
                    + "self-signed certificate for localhost is made and kept in the data directory");
    static final ServeSetting<Path> CERT = ServeSetting.file("cert", off(null, "self-signed"),
            "PEM certificate chain for HTTPS, leaf first; reloaded on SIGHUP or when the file changes")
            .onlyWith(TLS_LISTEN);
    static final ServeSetting<Path> PRIVATE_KEY = ServeSetting.file("key", off(null, "self-signed"),
            "PEM private key of the --cert leaf (PKCS#8, EC or RSA; not encrypted)")
            .onlyWith(TLS_LISTEN);
    static final ServeSetting<Duration> HANDSHAKE_TIMEOUT = ServeSetting.duration("handshake-timeout",
            fixed(ServerConfig.DEFAULT_HANDSHAKE_TIMEOUT),
            "Drop a TLS handshake not finished in this long")
            .check(POSITIVE)
            .onlyWith(TLS_LISTEN);
    // max-age=0 is allowed on purpose: it is how a site tells browsers to forget an HSTS policy (RFC 6797 §6.1.1).
    static final ServeSetting<Duration> HSTS = ServeSetting.duration("hsts", off("off", "off"),
            "Send Strict-Transport-Security: max-age=SECONDS on every HTTPS response, never over plain HTTP "
                    + "(RFC 6797 §7.2), e.g. 365d; browsers then use only HTTPS for this host that long")
            .check(new ServeSetting.Check<>(d -> d.toMillis() % 1000 == 0, "must be whole seconds"))
            .onlyWith(TLS_LISTEN);
    static final ServeSetting<Duration> TLS_SESSION_TIMEOUT = ServeSetting.duration("tls-session-timeout",
            fixed(ServerConfig.DEFAULT_TLS_SESSION_TIMEOUT),
            "How long a TLS 1.2 client may resume its session (an abbreviated handshake: no key exchange, no "
                    + "signature); sessions are shared by all cores, " + atlas.tls.TlsSessionCache.DEFAULT_CAPACITY
                    + " at most; 0s turns resumption off")
            .check(new ServeSetting.Check<>(d -> !d.isNegative(), "must not be negative"))
            .onlyWith(TLS_LISTEN);
    static final ServeSetting<String> TLS_GROUPS = ServeSetting.of("tls-groups", "GROUP[,GROUP...]", String.class,
            null, g -> g, fixed(TlsGroups.DEFAULT),
            "Key exchange groups for TLS 1.3 and 1.2, preferred first: x25519, p256, p384")
            .check(new ServeSetting.Check<>(TlsGroups::isValid, "must list groups from x25519, p256, p384, "
                    + "each once, comma-separated"))
            .onlyWith(TLS_LISTEN);
    static final ServeSetting<List<String>> RETAIN = ServeSetting.list("retain", "PREFIX=DURATION",
            specs -> String.join(", ", retentionRules(specs).stream().map(RetentionRule::toString).toList()),
            off("keep all", "none"),
            "Delete objects under PREFIX whose mtime is older than DURATION, playlists (.m3u8, .mpd) excepted, "
                    + "e.g. live/=10m; repeatable (config file: comma-separated)");

    static final ServeSetting<Long> HOT_MEMORY = ServeSetting.size("hot-memory",
            derived("an eighth of the memory, or of the container's limit"),
            "Memory for the hot tier: objects (whole, or 128 KiB chunks of large ones) that were asked for more "
                    + "than once are kept and sent from RAM; a scan or the cold tail never enters. Split over the "
                    + "cores; 0 turns it off")
            .check(new ServeSetting.Check<>(n -> n >= 0 && n <= 1L << 40, "must be between 0 and 1T"));
    static final ServeSetting<List<String>> HOT_PREFIX = ServeSetting.list("hot-prefix", "PREFIX",
            specs -> String.join(", ", specs), off("none", "none"),
            "Live rule: objects under PREFIX (e.g. live/) enter the hot tier when their upload commits, so a "
                    + "fresh segment is served from memory from its first viewer; repeatable (config file: "
                    + "comma-separated)");

    static final ServeSetting<Path> AUTH_FILE = ServeSetting.file("auth-file",
            off("none: writes only from loopback peers", "none"),
            "Credentials for PUT, POST and DELETE: htpasswd -B lines (HTTP Basic), NAME:{SHA256}HEX bearer tokens "
                    + "and 'scope:NAME METHODS PREFIXES' lines; reloaded on SIGHUP or when the file changes");
    static final ServeSetting<ListenAddress> ADMIN_LISTEN = ServeSetting.address("admin-listen",
            fixed(new ListenAddress("127.0.0.1", 9180)),
            "Address of the admin surface: metrics, stats, dashboard, listings and everything the public "
                    + "listener serves; the public listener serves content and health only");
    static final ServeSetting<ListenAddress> AGENT_LISTEN = ServeSetting.address("agent-listen",
            off("off", "off"),
            "Answer HAProxy's agent check here (agent-check agent-port PORT): 'ready up N%' by the healthy devices' "
                    + "share, 'drain' from SIGTERM on, 'down' when no device is left");
    static final ServeSetting<List<String>> UPSTREAM = ServeSetting.list("upstream", "URL",
            urls -> String.join(", ", urls), off("none: not an edge", "none"),
            "Edge mode: fetch what is not here from this origin (http:// or https:// base URL), once per object "
                    + "however many ask, streaming it to them while it is stored; repeatable, tried in order");
    static final ServeSetting<Duration> UPSTREAM_TIMEOUT = ServeSetting.duration("upstream-timeout",
            fixed(Duration.ofSeconds(10)),
            "Edge mode: to connect to an upstream and for its response head; a miss waits at most twice this")
            .check(POSITIVE)
            .onlyWith(UPSTREAM);
    static final ServeSetting<Path> UPSTREAM_TOKEN_FILE = ServeSetting.file("upstream-token-file",
            off(null, "none"),
            "Edge mode: a bearer token (the file's first line) sent with every upstream request: the credential "
                    + "an origin's --auth-file grants GET of the names it --protects")
            .onlyWith(UPSTREAM);
    static final ServeSetting<Path> UPSTREAM_CA = ServeSetting.file("upstream-ca", off(null, "the JDK's roots"),
            "Edge mode: trust exactly the certificates in this PEM file (a private CA, an origin's own certificate) "
                    + "for https:// upstreams")
            .onlyWith(UPSTREAM);
    static final ServeSetting<Long> FILL_SLICE = ServeSetting.size("fill-slice",
            fixed(atlas.fill.SliceLayout.DEFAULT_SLICE_BYTES),
            "Edge mode: objects larger than this are fetched and stored in slices of this size (ranged upstream "
                    + "requests, each slice kept and evicted on its own), so a range far into one waits only for "
                    + "its slice; 0: always whole")
            .check(new ServeSetting.Check<>(atlas.fill.SliceLayout::valid, "must be 0 or a whole number of KiB "
                    + "from " + SizeConverter.format(atlas.fill.SliceLayout.MIN_SLICE_BYTES) + " to "
                    + SizeConverter.format(atlas.fill.SliceLayout.MAX_SLICE_BYTES)))
            .onlyWith(UPSTREAM);
    static final ServeSetting<Duration> CACHE_TTL = ServeSetting.duration("cache-ttl",
            fixed(Duration.ofMinutes(10)),
            "Edge mode: how long a copy is fresh when the upstream's response has no Cache-Control max-age, "
                    + "s-maxage or Expires")
            .onlyWith(UPSTREAM);
    static final ServeSetting<Duration> MANIFEST_TTL = ServeSetting.duration("manifest-ttl",
            fixed(Duration.ofSeconds(1)),
            "Edge mode: the same for .m3u8 playlists and .mpd manifests, which change as a live stream goes on")
            .onlyWith(UPSTREAM);
    static final ServeSetting<Duration> NEGATIVE_TTL = ServeSetting.duration("negative-ttl",
            fixed(Duration.ofSeconds(10)),
            "Edge mode: how long an upstream 404 is answered without asking again (at most 1s under a "
                    + "--hot-prefix; the 404's own max-age wins)")
            .onlyWith(UPSTREAM);
    static final ServeSetting<Duration> STALE_IF_ERROR = ServeSetting.duration("stale-if-error",
            fixed(Duration.ofHours(1)),
            "Edge mode: how long past its freshness a copy is still served, marked stale, when the upstream "
                    + "fails (the upstream's stale-if-error or must-revalidate wins)")
            .onlyWith(UPSTREAM);
    static final ServeSetting<Boolean> PUBLIC_LISTING = ServeSetting.flag("public-listing",
            "Serve directory listings (GET /prefix/) on the public listener too, not only on the admin one");
    static final ServeSetting<Integer> MAX_CONNECTIONS_PER_CLIENT = ServeSetting.of("max-connections-per-client",
            "N", Integer.class, null, n -> Integer.toString(n), fixed(ServerConfig.Access.DEFAULT_MAX_CONNECTIONS_PER_CLIENT),
            "Open connections one client address may hold (IPv6: one /64); more are closed at accept; loopback "
                    + "peers are exempt; 0: no limit")
            .check(new ServeSetting.Check<>(n -> n >= 0, "must be 0 (no limit) or more"));
    static final ServeSetting<Integer> RATE_LIMIT = ServeSetting.of("rate-limit", "N", Integer.class, null,
            n -> Integer.toString(n), off("no limit", "0"),
            "Requests per second one client address may make (a token bucket refilled at N/s); above it 429 with "
                    + "Retry-After; loopback peers are exempt")
            .check(new ServeSetting.Check<>(n -> n >= 0 && n <= 10_000_000, "must be between 0 (off) and 10000000"));
    static final ServeSetting<Integer> RATE_BURST = ServeSetting.of("rate-burst", "N", Integer.class, null,
            n -> Integer.toString(n), derived("the --rate-limit, one second's worth"),
            "Requests a client may make at once above --rate-limit")
            .check(new ServeSetting.Check<>(n -> n >= 0, "must be 0 or more"))
            .onlyWith(RATE_LIMIT);
    static final ServeSetting<Integer> MAX_UPLOADS_PER_CREDENTIAL = ServeSetting.of("max-uploads-per-credential",
            "N", Integer.class, null, n -> Integer.toString(n),
            fixed(ServerConfig.Access.DEFAULT_MAX_UPLOADS_PER_CREDENTIAL),
            "Uploads one credential may have in flight at once; more get 429; 0: no limit")
            .check(new ServeSetting.Check<>(n -> n >= 0, "must be 0 (no limit) or more"));

    static final ServeSetting<List<String>> PROTECT = ServeSetting.list("protect", "PREFIX",
            specs -> String.join(", ", specs), off("nothing", "none"),
            "GETs of names under PREFIX need a signed URL (EdgeAuth token in the path, query, cookie or hdnts "
                    + "header, or a secure_link_md5 link): missing or bad 403, expired 410; repeatable (config "
                    + "file: comma-separated)");
    static final ServeSetting<Path> TOKEN_KEYS = ServeSetting.file("token-keys", off(null, "none"),
            "File of EdgeAuth HMAC-SHA256 keys, one hex key per line: the first signs (atlas sign), all verify, so "
                    + "keys rotate without a gap")
            .onlyWith(PROTECT);
    static final ServeSetting<String> SECURE_LINK_MD5 = ServeSetting.of("secure-link-md5", "TEMPLATE", String.class,
            null, t -> "(set)", off("none", "none"),
            "nginx secure_link_md5 expression, e.g. '$secure_link_expires$uri$remote_addr secret', checked "
                    + "against ?md5=…&expires=… for migrated links")
            .onlyWith(PROTECT);

    static final List<ServeSetting<?>> ALL = List.of(LISTEN, CORES, ENGINE, VOLUME_SIZE, DEVICE, NO_DEMO, MAX_BODY,
            HEADER_TIMEOUT, IDLE_TIMEOUT, SEND_TIMEOUT, ACCESS_LOG, DRAIN_DELAY, BUFFER_MEMORY, HOT_MEMORY,
            HOT_PREFIX, CHECKPOINT_JOURNAL, TLS_LISTEN, CERT, PRIVATE_KEY, HANDSHAKE_TIMEOUT, HSTS, TLS_GROUPS,
            TLS_SESSION_TIMEOUT,
            RETAIN, AUTH_FILE,
            ADMIN_LISTEN, AGENT_LISTEN, UPSTREAM, UPSTREAM_TIMEOUT, UPSTREAM_TOKEN_FILE, UPSTREAM_CA, FILL_SLICE, CACHE_TTL, MANIFEST_TTL, NEGATIVE_TTL,
            STALE_IF_ERROR, PUBLIC_LISTING, MAX_CONNECTIONS_PER_CLIENT, RATE_LIMIT, RATE_BURST,
            MAX_UPLOADS_PER_CREDENTIAL, PROTECT, TOKEN_KEYS, SECURE_LINK_MD5);
    /** The config file's keys, the long flag names without {@code --}. */
    static final List<String> KEYS = ALL.stream().map(ServeSetting::key).toList();

    private ServeSettings() {
    }

    /**
     * {@code --retain} values as rules, in order; throws {@link IllegalArgumentException} or
     * {@link TypeConversionException} with the reason for the first malformed one.
     */
    static List<RetentionRule> retentionRules(List<String> specs) {
        List<RetentionRule> rules = new ArrayList<>();
        for (String spec : specs == null ? List.<String>of() : specs) {
            rules.add(RetentionRule.parse(spec.strip(), DurationConverter::parse));
        }
        return rules;
    }

    // The bounds are written as SIZE values are, so the refusal reads like what the user typed.
    private static ServeSetting.Check<Long> atLeast(long min) {
        return new ServeSetting.Check<>(n -> n >= min, "must be at least " + SizeConverter.format(min));
    }

    private static ServeSetting.Check<Long> between(long min, long max) {
        return new ServeSetting.Check<>(n -> n >= min && n <= max,
                "must be between " + SizeConverter.format(min) + " and " + SizeConverter.format(max));
    }

    /**
     * Adds {@link #ALL} to the command as options, after the command's own and before {@code -h}, {@code -V} and
     * {@code --verbose}: picocli lists options in the order they were added, and those three are added before any
     * transformer runs.
     */
    static final class Options implements IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            List<OptionSpec> last = spec.options().stream()
                    .filter(o -> o.usageHelp() || o.versionHelp() || o.inherited()).toList();
            last.forEach(spec::remove);
            ALL.forEach(s -> spec.addOption(s.option()));
            last.forEach(spec::addOption);
            return spec;
        }
    }

    /**
     * {@code FILE|off}, converted to {@code off} or the file's absolute path, the file the server opens whatever its
     * working directory.
     */
    static final class AccessLogConverter implements ITypeConverter<String> {
        static final String FILE_NAME = "access.log";
        static final String OFF = "off";

        @Override
        public String convert(String value) {
            String v = value.strip();
            if (v.isEmpty()) {
                throw new TypeConversionException("expected a file or 'off'");
            }
            return v.equalsIgnoreCase(OFF) ? OFF : Path.of(v).toAbsolutePath().toString();
        }
    }
}
