package atlas.cli;

import atlas.loadgen.BenchReport;
import atlas.loadgen.FollowReport;
import atlas.loadgen.LiveFollow;
import atlas.loadgen.LoadGenerator;
import atlas.loadgen.Playlists;
import atlas.loadgen.ProgressLine;
import atlas.loadgen.RateSearch;
import atlas.loadgen.SearchResult;
import atlas.loadgen.Slo;
import atlas.loadgen.SloSearch;
import atlas.loadgen.TargetList;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code atlas bench}: a load generator for sizing a box. N persistent HTTP/1.1 connections each request a random
 * object from the targets as soon as the previous response is complete (like wrk), or on an open-loop schedule at a
 * target rate; a live line every second on stderr, a report on stdout at the end. With {@code --slo} it searches
 * for the highest rate meeting a latency objective instead, one line per step on stderr. See {@link LoadGenerator}
 * and {@link RateSearch}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Load a server with random GETs over persistent connections and report throughput and latency.",
                "Targets: URLs (a URL ending in .m3u8 is an HLS playlist and stands for its segments), --urls FILE "
                        + "or --playlist URL. Example: atlas bench http://127.0.0.1:8080/demo/index.m3u8"})
final class BenchCommand implements Callable<Integer> {
    private static final int MAX_CONNECTIONS = 100_000;
    private static final int MAX_THREADS = 256;
    private static final Duration MIN_DURATION = Duration.ofSeconds(1);
    /** A shorter step has too few responses for a p99.9 at the start rate (1000/s x 0.1 s = 100). */
    private static final Duration MIN_STEP_DURATION = Duration.ofMillis(100);
    /** The first step of a search without --rate: low enough for any server, a few doublings from most limits. */
    static final long DEFAULT_SEARCH_START_RATE = 1000;
    private static final int MAX_STEPS = 50;

    @Spec
    CommandSpec spec;

    @Option(names = {"-c", "--connections"}, paramLabel = "N", defaultValue = "100",
            description = "Open connections, 1-" + MAX_CONNECTIONS + " (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = {"-d", "--duration"}, paramLabel = "DURATION", defaultValue = "30s",
            converter = DurationConverter.class, description = "How long to run, e.g. 10s or 2m (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--warmup", paramLabel = "DURATION", defaultValue = "1s", converter = DurationConverter.class,
            description = "Load before the measured --duration, not counted: lets the JIT compile the client "
                    + "(default: ${DEFAULT-VALUE}; 0s measures from the first connect, as wrk does).")
    Duration warmup;

    @Option(names = {"-t", "--threads"}, paramLabel = "T", defaultValue = "1",
            description = "Selector threads sharing the connections, 1-" + MAX_THREADS + " (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--rate", paramLabel = "R/s", converter = RateConverter.class,
            description = "Target rate over all connections, e.g. 5000/s: Poisson arrivals (open loop), each queued "
                    + "for a free connection if all are busy, latency from its intended time (default: as fast as "
                    + "responses come back; with --slo, the first step's rate, default " + DEFAULT_SEARCH_START_RATE
                    + "/s).")
    Long rate;

    @Option(names = "--slo", paramLabel = "LATENCY[@P]", converter = SloConverter.class,
            description = "Search for the highest rate whose P-th percentile latency (default 99) stays within "
                    + "LATENCY, e.g. 500us or 1ms@99.9: steps at rising rates, doubling from --rate, then bisecting.")
    Slo slo;

    @Option(names = "--step-duration", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "With --slo: the measured part of each step, after its --warmup (default: 3s).")
    Duration stepDuration;

    @Option(names = "--max-steps", paramLabel = "N",
            description = "With --slo: at most this many steps, 1-" + MAX_STEPS + " (default: "
                    + SloSearch.DEFAULT_MAX_STEPS + ").")
    Integer maxSteps;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10s", converter = DurationConverter.class,
            description = "A response (or connect) slower than this counts as a timeout error (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--urls", paramLabel = "FILE",
            description = "Targets, one URL or path per line (paths are on --server); '#' starts a comment.")
    Path urlsFile;

    @Option(names = "--playlist", paramLabel = "URL",
            description = "An HLS playlist whose segments are the targets (a master playlist's first variant).")
    String playlist;

    @Option(names = "--follow", paramLabel = "URL",
            description = "Live viewers instead of random GETs: --connections viewers each follow this live "
                    + "stream as a player does and report segments, stalls and first-byte delays. An HLS playlist: "
                    + "join 3 segments behind the edge, fetch each new segment once, reload with _HLS_msn when the "
                    + "playlist allows blocking reload, else every target duration; delay from a segment's listing. "
                    + "A DASH MPD (.mpd, number-based SegmentTemplate): join at the segment being produced, fetch "
                    + "each as soon as the MPD allows (low latency: while it is produced), on --threads selector "
                    + "threads; delay from the moment a segment starts being produced.")
    String follow;

    @Option(names = "--server", paramLabel = "URL",
            description = "Server for paths in --urls (default: " + ServerLocator.DEFAULT_URL + ").")
    String server;

    @Option(names = "--json", description = "Print the report as JSON on stdout (the text report goes to stderr).")
    boolean json;

    @Parameters(paramLabel = "URL", arity = "0..*", description = "Target URLs.")
    List<String> urls = new ArrayList<>();

    @Override
    public Integer call() throws IOException, InterruptedException {
        validate();
        if (follow != null) {
            return follow();
        }
        TargetList targets = targets();
        LoadGenerator.probe(targets);
        if (slo != null) {
            return search(targets);
        }
        LoadGenerator generator = new LoadGenerator(new LoadGenerator.Settings(targets, connections, threads, warmup, duration,
                rate == null ? 0 : rate, timeout));
        PrintStream err = System.err;
        err.println("atlas bench: " + targets.origin() + ", " + targets.size()
                + (targets.size() == 1 ? " object, " : " objects, ") + connections + " connections, "
                + threads + (threads == 1 ? " thread, " : " threads, ")
                + String.format(Locale.ROOT, "%.0f s", duration.toMillis() / 1e3)
                + (warmup.isZero() ? "" : String.format(Locale.ROOT, " after %.1f s warm-up", warmup.toMillis() / 1e3))
                + (rate == null ? "" : ", " + rate + " req/s"));
        ProgressLine progress = new ProgressLine(err, Progress.stderrIsTerminal());
        BenchReport report;
        try {
            report = generator.run(progress);
        } finally {
            progress.finish();
        }
        print(report.text(), report.json());
        if (report.successes() == 0) {
            throw new IOException("no successful (2xx) response from " + targets.origin() + " in "
                    + String.format(Locale.ROOT, "%.1f s", report.durationSeconds()));
        }
        return 0;
    }

    /** The report on stdout: its text, or with --json its JSON (the text then goes to stderr). */
    private void print(String text, String jsonText) {
        if (json) {
            System.err.print(text);
            System.err.flush();
            System.out.println(jsonText);
        } else {
            System.out.print(text);
        }
        System.out.flush();
    }

    /** {@code --follow}: live viewers of one stream, a line a second on stderr, the report on stdout. */
    private int follow() throws IOException, InterruptedException {
        URI uri = parseUrl("--follow", follow);
        PrintStream err = System.err;
        err.println("atlas bench: following " + uri + " with " + connections + " viewers for " + seconds(duration));
        FollowReport report = new LiveFollow(new LiveFollow.Settings(uri, connections, duration, timeout, threads)).run(err);
        print(report.text(), report.json());
        if (report.segments() == 0) {
            throw new IOException("no segment delivered from " + uri + ": is it a live playlist that is being updated?");
        }
        return 0;
    }

    /** {@code --slo}: steps at rising rates, one line each on stderr, the search's report on stdout. */
    private int search(TargetList targets) throws IOException, InterruptedException {
        Duration step = stepDuration == null ? Duration.ofSeconds(3) : stepDuration;
        int steps = maxSteps == null ? SloSearch.DEFAULT_MAX_STEPS : maxSteps;
        long start = rate == null ? DEFAULT_SEARCH_START_RATE : rate;
        PrintStream err = System.err;
        err.println("atlas bench: " + targets.origin() + ", " + targets.size()
                + (targets.size() == 1 ? " object, " : " objects, ") + connections + " connections, "
                + threads + (threads == 1 ? " thread" : " threads") + "; highest rate with "
                + slo.describe(canShow(err)) + ", from " + start + " req/s: up to " + steps + " steps of "
                + seconds(warmup) + " warm-up + " + seconds(step) + ", at most " + seconds(
                        RateSearch.longest(steps, warmup, step)));
        err.flush();
        boolean terminal = Progress.stderrIsTerminal();
        // On a terminal each second of a step shows in place; in a log only the step lines, or 3 s steps would
        // bury them under per-second lines.
        ProgressLine live = terminal ? new ProgressLine(err, true) : null;
        LoadGenerator.Settings template = new LoadGenerator.Settings(targets, connections, threads, warmup, step, start,
                timeout);
        RateSearch search = new RateSearch(slo, start, steps,
                RateSearch.loadSteps(template, live == null ? sample -> { } : live));
        SearchResult result;
        try {
            result = search.run(s -> {
                if (live != null) {
                    live.finish();
                }
                err.println(s.line(slo, steps));
                err.flush();
            });
        } finally {
            if (live != null) {
                live.finish();
            }
        }
        if (json) {
            err.print(result.text(canShow(err)));
            err.flush();
            System.out.println(result.json());
        } else {
            System.out.print(result.text(canShow(System.out)));
        }
        System.out.flush();
        if (result.highestRate() == 0) {
            throw new IOException("no rate met " + slo.describe(false) + "; " + result.noRateReason());
        }
        return 0;
    }

    /** Whether {@code out} can print ≤ and µ; where it cannot (a C locale), they would come out as '?'. */
    private static boolean canShow(PrintStream out) {
        return out.charset().newEncoder().canEncode("≤µ");
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, d.toMillis() % 1000 == 0 ? "%.0f s" : "%.1f s", d.toMillis() / 1e3);
    }

    private void validate() {
        if (connections < 1 || connections > MAX_CONNECTIONS) {
            throw invalid("--connections", Integer.toString(connections), "must be 1-" + MAX_CONNECTIONS);
        }
        if (threads < 1 || threads > MAX_THREADS) {
            throw invalid("--threads", Integer.toString(threads), "must be 1-" + MAX_THREADS);
        }
        if (threads > connections) {
            throw new ParameterException(spec.commandLine(), "--threads (" + threads + ") exceeds --connections ("
                    + connections + "): each thread needs a connection");
        }
        if (duration.compareTo(MIN_DURATION) < 0) {
            throw invalid("--duration", duration.toMillis() + "ms", "must be at least 1s");
        }
        if (slo == null) {
            for (String option : new String[] {"--step-duration", "--max-steps"}) {
                if (given(option)) {
                    throw new ParameterException(spec.commandLine(), option + " only applies with --slo");
                }
            }
        } else {
            if (given("--duration")) {
                throw new ParameterException(spec.commandLine(),
                        "--duration does not apply with --slo: each step runs --warmup, then --step-duration");
            }
            if (stepDuration != null && stepDuration.compareTo(MIN_STEP_DURATION) < 0) {
                throw invalid("--step-duration", stepDuration.toMillis() + "ms", "must be at least 100ms");
            }
            if (maxSteps != null && (maxSteps < 1 || maxSteps > MAX_STEPS)) {
                throw invalid("--max-steps", Integer.toString(maxSteps), "must be 1-" + MAX_STEPS);
            }
        }
        if (timeout.isZero()) {
            throw invalid("--timeout", "0", "must be more than 0");
        }
        int sources = (urls.isEmpty() ? 0 : 1) + (urlsFile == null ? 0 : 1) + (playlist == null ? 0 : 1);
        if (follow != null) {
            if (sources > 0 || rate != null || slo != null) {
                throw new ParameterException(spec.commandLine(),
                        "--follow takes no other targets, --rate or --slo: its viewers pace themselves");
            }
            if (given("--threads") && !follow.endsWith(".mpd")) {
                throw new ParameterException(spec.commandLine(), "--threads applies to a DASH --follow (an .mpd): "
                        + "HLS viewers run on virtual threads");
            }
            return;
        }
        if (sources == 0) {
            throw new ParameterException(spec.commandLine(),
                    "missing targets: give URLs, --urls FILE or --playlist URL");
        }
        if (sources > 1) {
            throw new ParameterException(spec.commandLine(),
                    "give targets one way only: URLs, --urls FILE or --playlist URL");
        }
        if (server != null && urlsFile == null) {
            throw new ParameterException(spec.commandLine(), "--server only applies to paths in --urls FILE");
        }
    }

    private boolean given(String option) {
        return spec.commandLine().getParseResult() != null
                && spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    private ParameterException invalid(String option, String value, String why) {
        return new ParameterException(spec.commandLine(), "invalid value for " + option + ": '" + value + "' (" + why + ")");
    }

    /** Resolves the target source into one list; a bad URL is a usage error, an unreachable playlist a failure. */
    private TargetList targets() throws IOException, InterruptedException {
        List<URI> uris = new ArrayList<>();
        if (playlist != null) {
            uris.addAll(Playlists.segments(parseUrl("--playlist", playlist)));
        } else if (urlsFile != null) {
            URI base = parseUrl("--server", server == null ? ServerLocator.DEFAULT_URL
                    : server.endsWith("/") ? server : server + "/");
            int lineNumber = 0;
            for (String raw : Files.readAllLines(urlsFile, StandardCharsets.UTF_8)) {
                lineNumber++;
                String line = raw.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                try {
                    URI uri = new URI(line);
                    uris.add(uri.isAbsolute() ? uri : base.resolve(line.startsWith("/") ? line : "/" + line));
                } catch (URISyntaxException e) {
                    throw new IOException(urlsFile + ":" + lineNumber + ": not a URL or path: '" + line + "'");
                }
            }
            if (uris.isEmpty()) {
                throw new IOException(urlsFile + ": no URLs in the file");
            }
        } else {
            for (String url : urls) {
                URI uri = parseUrl("URL", url);
                if (Playlists.looksLikePlaylist(uri)) {
                    uris.addAll(Playlists.segments(uri));
                } else {
                    uris.add(uri);
                }
            }
        }
        try {
            return TargetList.of(uris);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private URI parseUrl(String label, String value) {
        try {
            URI uri = new URI(value);
            if (!uri.isAbsolute() || uri.getHost() == null) {
                throw invalid(label, value, "expected an absolute URL, e.g. http://127.0.0.1:8080/demo/index.m3u8");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw invalid(label, value, "not a URL: " + e.getReason());
        }
    }

    /** {@code 500us}, {@code 1ms@99.9}: see {@link Slo#parse}. */
    static final class SloConverter implements ITypeConverter<Slo> {
        @Override
        public Slo convert(String value) {
            try {
                return Slo.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@code 5000}, {@code 5000/s}: requests per second over all connections, at least 1. */
    static final class RateConverter implements ITypeConverter<Long> {
        static final String EXPECTED = "expected requests per second, e.g. 5000/s";

        @Override
        public Long convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            if (v.endsWith("/s")) {
                v = v.substring(0, v.length() - 2);
            }
            long n;
            try {
                n = Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw new TypeConversionException(EXPECTED);
            }
            if (n < 1) {
                throw new TypeConversionException(EXPECTED + "; at least 1");
            }
            return n;
        }
    }
}
