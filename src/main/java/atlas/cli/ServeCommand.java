package atlas.cli;

import atlas.http.HttpLimits;
import atlas.server.AtlasServer;
import atlas.server.ServerConfig;
import atlas.server.ServerConfig.EngineKind;
import atlas.store.VolumeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code atlas serve}: validates the flags once, builds a {@link ServerConfig} and runs {@link AtlasServer}
 * until SIGTERM/SIGINT. The server prints its own start-up lines (URL, cores, engine); this class adds none.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serve the volume over HTTP/1.1: GET/HEAD (ranges, validators, CORS), durable PUT, DELETE.",
                "An empty volume is seeded with a demo HLS stream under demo/ (unless --no-demo).",
                "SIGTERM or Ctrl-C stops gracefully."})
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption data;

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

    @Override
    public Integer call() throws IOException, InterruptedException {
        AtlasServer server = AtlasServer.start(config());
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

    ServerConfig config() {
        int available = Runtime.getRuntime().availableProcessors();
        int n = cores == null ? available : cores;
        if (n < 1 || n > available) {
            throw invalid("--cores", "must be 1-" + available + ", the available processors");
        }
        HttpLimits limits = HttpLimits.DEFAULTS;
        if (maxBody != null) {
            limits = new HttpLimits(limits.maxRequestLineBytes(), limits.maxHeadBytes(), limits.maxHeaderCount(),
                    maxBody);
        }
        Duration header = positive("--header-timeout", headerTimeout, ServerConfig.DEFAULT_HEADER_TIMEOUT);
        Duration idle = positive("--idle-timeout", idleTimeout, ServerConfig.DEFAULT_IDLE_TIMEOUT);
        Duration send = positive("--send-timeout", sendTimeout, ServerConfig.DEFAULT_SEND_STALL_TIMEOUT);
        VolumeConfig volume = size.config(data.dir());
        return new ServerConfig(volume, listen.host(), listen.port(), n, engine, limits, header, idle,
                send, ServerConfig.DEFAULT_BUFFER_BYTES_PER_CORE, !noDemo);
    }

    private Duration positive(String option, Duration value, Duration fallback) {
        if (value == null) {
            return fallback;
        }
        if (value.isZero()) {
            throw invalid(option, "must be greater than zero");
        }
        return value;
    }

    /** Same wording as a refused conversion, quoting what the user typed (not the parsed number). */
    private ParameterException invalid(String option, String why) {
        List<String> typed = spec.findOption(option).originalStringValues();
        String value = typed.isEmpty() ? "" : typed.getLast();
        return new ParameterException(spec.commandLine(),
                "invalid value for " + option + ": '" + value + "' (" + why + ")");
    }
}
