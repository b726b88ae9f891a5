package atlas.it;

import atlas.testing.Await;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A real {@code atlas serve} in a child JVM, for integration tests:
 * <pre>
 *   try (ServerProcess server = ServerProcess.start(dataDir, "--no-demo")) {
 *       HttpRequest.newBuilder(URI.create(server.url("demo/index.m3u8")))...
 *       server.kill9();            // crash it
 *       server.restart();          // same data directory, new port: call baseUrl() again
 *   }
 * </pre>
 * It runs {@code <java.home>/bin/java --enable-native-access=ALL-UNNAMED -jar ${atlas.jar} serve --data DIR
 * --listen 127.0.0.1:0 [extra args]} and waits (at most {@link #STARTUP_TIMEOUT}) for the first line on stdout
 * or stderr that contains a {@code http://HOST:PORT/} URL: the server prints its base URL once every core
 * listens. Both pipes are drained continuously by two daemon threads into {@link #output()} and into a log
 * file under {@code target/it-logs/}, so a chatty server can never block on a full pipe and a failed test
 * leaves the server's side of the story on disk.
 * <p>
 * Not thread-safe apart from {@link #output()}: one test drives one instance.
 */
public final class ServerProcess implements AutoCloseable {
    public static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    /**
     * How long {@link #close()} waits for the test's connections to close: a closed client's FIN reaches the server
     * at once, an idle one left open is dropped only by the idle timeout (75 s by default): too long to wait for.
     */
    private static final Duration CLIENTS_CLOSE_TIMEOUT = Duration.ofSeconds(10);
    /** TCP states as /proc/net/tcp numbers them (include/net/tcp_states.h), from 1. */
    private static final String[] TCP_STATES = {"?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
            "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING"};
    private static final int TCP_LISTEN = 10;
    /** The base URL the server announces, e.g. "http://127.0.0.1:40123/"; IPv4, localhost or [IPv6]. */
    private static final Pattern BASE_URL =
            Pattern.compile("(http://(?:\\d{1,3}(?:\\.\\d{1,3}){3}|localhost|\\[[0-9a-fA-F:.]+]):(\\d{1,5})/)");
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final Path dataDir;
    private final List<String> extraArgs;
    private final Path logFile;
    private final StringBuffer output = new StringBuffer();

    private Process process;
    private List<Thread> drains = List.of();
    private String baseUrl;
    /** The admin listener's base URL, printed right after the public one. */
    private volatile CompletableFuture<String> adminAnnounced = new CompletableFuture<>();
    private static final String ADMIN_LINE = "atlas: admin ";
    private int port;

    /** Extra environment variables of the server process (e.g. ATLAS_SEND_ZC). */
    private Map<String, String> environment = Map.of();
    /** What the command runs through, e.g. {@code ip netns exec NS} (which execs it: the pid stays the server's). */
    private List<String> through = List.of();

    private ServerProcess(Path dataDir, List<String> extraArgs, Path logFile) {
        this.dataDir = dataDir;
        this.extraArgs = List.copyOf(extraArgs);
        this.logFile = logFile;
    }

    /** Starts a server on {@code dataDir} (created by the server if absent) on a free loopback port. */
    public static ServerProcess start(Path dataDir, String... extraArgs) throws IOException {
        ServerProcess server = unstarted(dataDir, extraArgs);
        server.launch();
        return server;
    }

    /** A server whose output goes to a log of its own under {@code target/it-logs}; not started yet. */
    private static ServerProcess unstarted(Path dataDir, String... extraArgs) throws IOException {
        Path logDir = repoDir().resolve("target").resolve("it-logs");
        Files.createDirectories(logDir);
        Path log = logDir.resolve("server-" + ProcessHandle.current().pid() + "-" + INSTANCES.incrementAndGet() + ".log");
        return new ServerProcess(dataDir, List.of(extraArgs), log);
    }

    /** As {@link #start(Path, String...)}, with extra environment variables for the server. */
    public static ServerProcess startWithEnvironment(Path dataDir, Map<String, String> environment,
                                                     String... extraArgs) throws IOException {
        ServerProcess server = unstarted(dataDir, extraArgs);
        server.environment = Map.copyOf(environment);
        server.launch();
        return server;
    }

    /**
     * As {@link #start(Path, String...)}, run through {@code through} — {@link FleetNetwork#inside}'s
     * {@code ip netns exec NS} — so the server lives in another network namespace. The arguments must then name
     * {@code --listen} and {@code --admin-listen} on an address of that namespace.
     */
    public static ServerProcess startThrough(List<String> through, Path dataDir, String... extraArgs)
            throws IOException {
        ServerProcess server = unstarted(dataDir, extraArgs);
        server.through = List.copyOf(through);
        server.launch();
        return server;
    }

    /** The shaded jar under test: failsafe passes its path as system property {@code atlas.jar}. */
    public static Path jar() {
        String jar = System.getProperty("atlas.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("system property atlas.jar (" + jar + ") is not the shaded jar; "
                    + "run integration tests with 'mvn verify' (or ./atlas test)");
        }
        return Path.of(jar);
    }

    /** The JDK running the tests (JDK 25), so the child needs no launcher script. */
    public static Path javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /** {@code java --enable-native-access=ALL-UNNAMED -jar atlas.jar} + {@code args}: for CLI tests too. */
    public static List<String> atlasCommand(List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(javaBinary().toString(), "--enable-native-access=ALL-UNNAMED",
                "-jar", jar().toString()));
        cmd.addAll(args);
        return cmd;
    }

    private static Path repoDir() {
        return Path.of(System.getProperty("atlas.repo", ".")).toAbsolutePath();
    }

    private void launch() throws IOException {
        List<String> args = new ArrayList<>(List.of("serve"));
        // Extra args may override the defaults; picocli refuses a single-valued option given twice.
        if (!extraArgs.contains("--data") && extraArgs.stream().noneMatch(a -> a.startsWith("--data="))) {
            args.addAll(List.of("--data", dataDir.toString()));
        }
        if (!extraArgs.contains("--listen") && extraArgs.stream().noneMatch(a -> a.startsWith("--listen="))) {
            args.addAll(List.of("--listen", "127.0.0.1:0"));
        }
        if (!extraArgs.contains("--admin-listen") && extraArgs.stream().noneMatch(a -> a.startsWith("--admin-listen="))) {
            args.addAll(List.of("--admin-listen", "127.0.0.1:0")); // servers of parallel tests never collide
        }
        args.addAll(extraArgs);
        List<String> cmd = new ArrayList<>(through);
        cmd.addAll(atlasCommand(args));
        appendLog("=== " + String.join(" ", cmd) + "\n");

        ProcessBuilder builder = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().putAll(environment);
        Process started = builder.start();
        process = started;
        CompletableFuture<String> announced = new CompletableFuture<>();
        adminAnnounced = new CompletableFuture<>();
        drains = List.of(drain(process.getInputStream(), "out", announced),
                drain(process.getErrorStream(), "err", announced));
        // If the process dies first, stop waiting at once instead of after the full timeout.
        started.onExit().thenRun(() -> announced.completeExceptionally(
                new IllegalStateException("server exited with code " + started.exitValue() + " before listening")));
        try {
            baseUrl = announced.get(STARTUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            killQuietly();
            throw new IllegalStateException("server printed no http://HOST:PORT/ line within " + STARTUP_TIMEOUT.toSeconds()
                    + " s; output:\n" + output, e);
        } catch (ExecutionException e) {
            awaitDrains();
            throw new IllegalStateException(e.getCause().getMessage() + "; output:\n" + output, e.getCause());
        } catch (InterruptedException e) {
            killQuietly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the server", e);
        }
        Matcher m = BASE_URL.matcher(baseUrl);
        if (!m.matches()) {
            throw new IllegalStateException("unexpected base URL " + baseUrl);
        }
        port = Integer.parseInt(m.group(2));
    }

    private Thread drain(InputStream stream, String name, CompletableFuture<String> announced) {
        return Thread.ofPlatform().daemon().name("server-" + name + "-" + process.pid()).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.append(line).append('\n');
                    appendLog(line + "\n");
                    if (!announced.isDone()) {
                        Matcher m = BASE_URL.matcher(line);
                        if (m.find()) {
                            announced.complete(m.group(1));
                        }
                    } else if (line.startsWith(ADMIN_LINE)) {
                        Matcher m = BASE_URL.matcher(line);
                        if (m.find()) {
                            adminAnnounced.complete(m.group(1));
                        }
                    }
                }
            } catch (IOException e) {
                // The stream closes when the process dies; nothing more to drain.
            }
        });
    }

    private synchronized void appendLog(String text) {
        try (Writer w = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            w.write(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Base URL with a trailing slash, e.g. {@code http://127.0.0.1:40123/}. Changes on {@link #restart()}. */
    public String baseUrl() {
        return baseUrl;
    }

    /** {@link #baseUrl()} + {@code path} (no encoding: pass an already encoded path). */
    public String url(String path) {
        return baseUrl + (path.startsWith("/") ? path.substring(1) : path);
    }

    public int port() {
        return port;
    }

    /**
     * Base URL of the admin surface (metrics, stats, dashboard, listings), e.g. {@code http://127.0.0.1:40124/}:
     * the line after the public URL's; waits for it.
     */
    public String adminBaseUrl() {
        try {
            return adminAnnounced.get(STARTUP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the admin URL", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the server printed no '" + ADMIN_LINE + "URL' line; output:\n" + output, e);
        }
    }

    /** {@link #adminBaseUrl()} + {@code path}. */
    public String adminUrl(String path) {
        return adminBaseUrl() + (path.startsWith("/") ? path.substring(1) : path);
    }

    public long pid() {
        return process.pid();
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path logFile() {
        return logFile;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Everything the server printed so far (stdout and stderr, in arrival order), across restarts. */
    public String output() {
        return output.toString();
    }

    /** SIGKILL, as in a crash or power cut for the process: no shutdown hook, no flush. Waits until it is gone. */
    public void kill9() {
        process.destroyForcibly();
        waitForExit();
        appendLog("=== killed with SIGKILL\n");
    }

    /** SIGTERM (graceful stop) and wait; returns the exit code (143 is the JVM's usual code after SIGTERM). */
    public int terminate() {
        process.destroy();
        int code = waitForExit();
        appendLog("=== terminated, exit code " + code + "\n");
        return code;
    }

    /** Starts the server again on the same data directory and arguments (after kill9/terminate, or stops it first). */
    public ServerProcess restart() throws IOException {
        if (process.isAlive()) {
            terminate();
        }
        launch();
        return this;
    }

    /** Waits for the process to exit by itself; returns the exit code. */
    public int awaitExit(Duration timeout) throws InterruptedException, TimeoutException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new TimeoutException("server still running after " + timeout + "; output:\n" + output);
        }
        awaitDrains();
        return process.exitValue();
    }

    private int waitForExit() {
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor();
                throw new IllegalStateException("server ignored SIGTERM for " + STOP_TIMEOUT.toSeconds()
                        + " s and was killed; output:\n" + output);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        awaitDrains();
        return process.exitValue();
    }

    /** After exit, the drains finish the last buffered lines; wait so output() is complete. */
    private void awaitDrains() {
        for (Thread t : drains) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void killQuietly() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        awaitDrains();
    }

    /**
     * Graceful stop if still running (SIGKILL if that hangs). Throws only the leak check's failure (see
     * {@link #lentBuffersOnceIdle}), after the server is gone; in try-with-resources a test's own failure comes
     * first and this one is added to it as suppressed, so it cannot hide one.
     */
    @Override
    public void close() {
        if (process == null || !process.isAlive()) {
            return;
        }
        String leak = lentBuffersOnceIdle();
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        awaitDrains();
        if (leak != null) {
            throw new AssertionError(leak);
        }
    }

    /**
     * Scrapes {@code /metrics} (plain HTTP) until {@code done} holds for the exposition and returns that one; fails
     * with {@code what} and the last exposition once {@code timeout} has passed.
     */
    public String awaitMetrics(String what, Predicate<String> done, Duration timeout) throws Exception {
        HttpRequest scrape = HttpRequest.newBuilder(URI.create(adminUrl("_atlas/metrics"))).timeout(Duration.ofSeconds(2))
                .build();
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            return Await.until(what + " (server log " + logFile + ")", timeout,
                    () -> new Exposition(client.send(scrape, HttpResponse.BodyHandlers.ofString()).body()),
                    e -> done.test(e.text())).text();
        }
    }

    /** A scrape as a failure message shows it: without the help lines and histogram buckets that drown the rest. */
    private record Exposition(String text) {
        @Override
        public String toString() {
            return text.lines().filter(l -> !l.startsWith("#") && !l.contains("_bucket{"))
                    .collect(Collectors.joining("\n"));
        }
    }

    /** Metrics have settled once every I/O buffer is back in the pool. */
    public static boolean noBufferLent(String exposition) {
        return OperatorIT.sum(exposition, "atlas_io_buffers_in_use", "") == 0
                && OperatorIT.sum(exposition, "atlas_hot_pins", "") == 0;
    }

    /**
     * Every test's traffic must leave the I/O buffer pool whole: once no client connection is open, no buffer may
     * still be lent out (a buffer kept past its exchange is lost to the pool for good). Waits for the server to hold
     * no connection, then for the buffers to come back; returns why not, or null. A test that leaves a connection
     * open (an HttpClient's pool, a browser, a scraper still running) fails here too: otherwise the check could not
     * tell a lent-out buffer from a rightly used one, and would quietly check nothing.
     */
    private String lentBuffersOnceIdle() {
        try {
            Await.until("the server to hold no connection before the leak check (close HttpClients, stop scrapers "
                    + "and browsers before the server; server log " + logFile + ")", CLIENTS_CLOSE_TIMEOUT,
                    this::connectionsHeld, Map::isEmpty);
            awaitMetrics("every I/O buffer back in the pool once no client is connected", ServerProcess::noBufferLent,
                    Duration.ofSeconds(5));
            return null;
        } catch (AssertionError e) {
            return e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted during the leak check";
        } catch (Exception e) {
            return "leak check failed: " + e + " (server log " + logFile + ")";
        }
    }

    /**
     * The TCP connections the server process holds a descriptor of, counted by state, as the kernel sees them: its
     * socket descriptors ({@code /proc/PID/fd} links {@code socket:[inode]}) found in {@code /proc/PID/net/tcp} and
     * {@code tcp6}, listeners left out. Not the server's {@code atlas_connections_active}: that gauge also counts
     * TLS connections closed before their handshake finished (they never reach HTTP's close), so it only grows.
     * A connection the client closed and the server did not shows up too, as CLOSE_WAIT.
     */
    private Map<String, Integer> connectionsHeld() throws IOException {
        Path proc = Path.of("/proc", Long.toString(process.pid()));
        Set<String> sockets = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        sockets.add(target.substring("socket:[".length(), target.length() - 1));
                    }
                } catch (IOException closedMeanwhile) {
                    // The descriptor went away between listing and reading it.
                }
            }
        }
        Map<String, Integer> held = new TreeMap<>();
        for (String table : List.of("tcp", "tcp6")) {
            // "sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ..."
            for (String line : Files.readAllLines(proc.resolve("net").resolve(table))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[3].matches("[0-9A-F]{2}") && sockets.contains(f[9])) {
                    int state = Integer.parseInt(f[3], 16);
                    if (state != TCP_LISTEN) {
                        held.merge(state < TCP_STATES.length ? TCP_STATES[state] : f[3], 1, Integer::sum);
                    }
                }
            }
        }
        return held;
    }
}
