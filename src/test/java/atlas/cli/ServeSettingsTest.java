package atlas.cli;

import atlas.server.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The default {@code --help} shows, the one {@code --print-config} prints and the one the server gets are one and the
 * same, for every setting; and the README's flag table says what {@code --help} says.
 */
class ServeSettingsTest {
    private static final Pattern HELP_DEFAULT = Pattern.compile("\\(default: (.+)\\)\\.$");

    /** Where each fixed default ends up in the configuration the server is given. */
    private static final Map<String, Function<ServerConfig, Object>> IN_SERVER_CONFIG = Map.ofEntries(
            Map.entry("listen", c -> new ListenAddress(c.listenHost(), c.listenPort())),
            Map.entry("engine", ServerConfig::engine),
            Map.entry("volume-size", c -> c.volume().maxBytes()),
            Map.entry("max-body", c -> c.limits().maxBodyBytes()),
            Map.entry("header-timeout", ServerConfig::headerTimeout),
            Map.entry("idle-timeout", ServerConfig::idleTimeout),
            Map.entry("send-timeout", ServerConfig::sendStallTimeout),
            Map.entry("drain-delay", ServerConfig::drainDelay),
            Map.entry("checkpoint-journal", c -> c.volume().checkpointJournalBytes()),
            Map.entry("handshake-timeout", c -> c.tls().handshakeTimeout()),
            Map.entry("tls-groups", c -> c.tls().groups()),
            Map.entry("tls-session-timeout", c -> c.tls().sessionTimeout()),
            Map.entry("admin-listen", c -> new ListenAddress(c.access().adminListenHost(), c.access().adminListenPort())),
            Map.entry("max-connections-per-client", c -> c.access().maxConnectionsPerClient()),
            Map.entry("max-uploads-per-credential", c -> c.access().maxUploadsPerCredential()));

    private static ServeCommand serve(String... args) {
        CommandLine.ParseResult parsed = AtlasCommand.commandLine().parseArgs(args);
        ServeCommand serve = (ServeCommand) parsed.subcommand().commandSpec().userObject();
        serve.environment = Map.of();
        return serve;
    }

    private static CommandSpec serveSpec() {
        return AtlasCommand.commandLine().getSubcommands().get("serve").getCommandSpec();
    }

    /** What the help says after "(default: ", or null when it names no default. */
    private static String helpDefault(OptionSpec option) {
        Matcher m = HELP_DEFAULT.matcher(String.join(" ", option.description()));
        return m.find() ? m.group(1) : null;
    }

    @Test
    void shouldGiveTheServerTheDefaultTheHelpShows(@TempDir Path dir) throws Exception {
        CommandSpec spec = serveSpec();
        // TLS on, so that the handshake timeout is in the configuration too; the rest is left to the defaults.
        ServerConfig c = serve("serve", "--data", dir.toString(), "--tls-listen", "127.0.0.1:0").config();
        for (Map.Entry<String, Function<ServerConfig, Object>> e : IN_SERVER_CONFIG.entrySet()) {
            OptionSpec option = spec.findOption("--" + e.getKey());
            String shown = helpDefault(option);
            assertThat(shown).as(e.getKey()).isNotNull();
            Object inConfig = e.getValue().apply(c);
            if (option.converters().length == 0) {
                assertThat(shown).as("--%s", e.getKey()).isEqualTo(inConfig.toString());
            } else {
                assertThat(option.converters()[0].convert(shown)).as("--%s: help says %s", e.getKey(), shown)
                        .isEqualTo(inConfig);
            }
        }
    }

    @Test
    void shouldReadTheUpstreamTokenFromItsFileAndSayWhatIsWrongWithOne(@TempDir Path dir) throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "s3cret-token\n# a comment nobody reads\n");
        ServerConfig c = serve("serve", "--data", dir.toString(), "--upstream", "http://127.0.0.1:9/",
                "--upstream-token-file", token.toString()).config();
        assertThat(c.edge().upstreamToken()).isEqualTo("s3cret-token");
        assertThat(c.edge().toString()).doesNotContain("s3cret");
        Files.writeString(token, "\n");
        assertThatThrownBy(() -> serve("serve", "--data", dir.toString(), "--upstream", "http://127.0.0.1:9/",
                "--upstream-token-file", token.toString()).config())
                .hasMessageContaining("upstream-token-file").hasMessageContaining("must be the token");
        assertThatThrownBy(() -> serve("serve", "--data", dir.toString(), "--upstream", "http://127.0.0.1:9/",
                "--upstream-token-file", dir.resolve("absent").toString()).config())
                .hasMessageContaining("upstream-token-file").hasMessageContaining("cannot read");
    }

    @Test
    void shouldSayWhatIsWrongWithAnUpstreamCaFile(@TempDir Path dir) throws Exception {
        Path pem = Files.writeString(dir.resolve("ca.pem"), "not a certificate\n");
        assertThatThrownBy(() -> serve("serve", "--data", dir.toString(), "--upstream", "https://o.example/",
                "--upstream-ca", pem.toString()).config())
                .hasMessageContaining("upstream-ca").hasMessageContaining(pem.toString());
        Files.writeString(pem, "");
        assertThatThrownBy(() -> serve("serve", "--data", dir.toString(), "--upstream", "https://o.example/",
                "--upstream-ca", pem.toString()).config())
                .hasMessageContaining("upstream-ca").hasMessageContaining("no certificate in " + pem);
    }

    @Test
    void shouldPrintTheDefaultTheHelpShowsForEverySettingWithOne(@TempDir Path dir) {
        // --tls-listen and --upstream: the settings printed only with them are printed too.
        ServeCommand serve = serve("serve", "--data", dir.toString(), "--tls-listen", "127.0.0.1:0",
                "--upstream", "http://127.0.0.1:9/");
        ServerConfig c = serve.config();
        assertThat(c.edge().timeout()).isEqualTo(java.time.Duration.ofSeconds(10));
        assertThat(c.edge().cache()).isEqualTo(atlas.fill.CachePolicy.defaults());
        StringWriter out = new StringWriter();
        serve.printConfig(c, new PrintWriter(out));
        Map<String, String> printed = new LinkedHashMap<>();
        for (String line : out.toString().split("\n")) {
            Matcher m = Pattern.compile("^(#? ?[a-z-]+) = (.*?) +# (.*)$").matcher(line);
            if (m.matches()) {
                printed.put(m.group(1), m.group(2));
            }
        }
        CommandSpec spec = serveSpec();
        int fixed = 0;
        for (ServeSetting<?> s : ServeSettings.ALL) {
            String shown = helpDefault(spec.findOption("--" + s.key()));
            if (s.fallback() instanceof ServeSetting.Default.Fixed<?> && shown != null) {
                assertThat(printed.get(s.key())).as(s.key()).isEqualTo(shown);
                fixed++;
            }
        }
        // The edge's six (upstream-timeout, fill-slice and the cache terms) are in the config only in edge mode
        // (checked above), not in IN_SERVER_CONFIG.
        assertThat(fixed).as("settings with a fixed default").isEqualTo(IN_SERVER_CONFIG.size() + 6);
        assertThat(printed).containsEntry("tls-listen", "127.0.0.1:0").containsEntry("# cert", "self-signed")
                .containsEntry("# retain", "none").containsEntry("no-demo", "false")
                .containsEntry("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
        assertThat(out.toString()).containsPattern("(?m)^idle-timeout = 75s +# default$")
                .containsPattern("(?m)^listen = 127\\.0\\.0\\.1:8080 +# default$")
                .containsPattern("(?m)^cores = \\d+ +# default$");
    }

    @Test
    void shouldRenderTheDefaultsInTheUsageHelp() {
        StringWriter out = new StringWriter();
        CommandLine cmd = AtlasCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        assertThat(cmd.execute("serve", "--help")).isZero();
        String help = out.toString().replaceAll("\\s+", " ");
        assertThat(help).contains("--idle-timeout=DURATION Close a keep-alive connection idle this long "
                        + "(default: 75s).")
                .contains("--listen=HOST:PORT Address to listen on; port 0 picks a free one; IPv6 as [::1]:8080 "
                        + "(default: 127.0.0.1:8080).")
                .contains("(default: a quarter of the memory, or of the container's limit, over the cores, within "
                        + "16m-256m).")
                .contains("--no-demo Do not seed the demo HLS stream into an empty volume. ")
                .contains("'ready up N%' by the healthy devices' share");
    }

    /** A description is a format string to picocli: an unescaped % prints a warning with the help instead. */
    @Test
    void shouldRenderEveryDescriptionWithoutAFormatWarning() {
        PrintStream stderr = System.err;
        ByteArrayOutputStream warnings = new ByteArrayOutputStream();
        System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
        try {
            CommandLine cmd = AtlasCommand.commandLine();
            cmd.setOut(new PrintWriter(new StringWriter(), true));
            assertThat(cmd.execute("serve", "--help")).isZero();
        } finally {
            System.setErr(stderr);
        }
        assertThat(warnings.toString(StandardCharsets.UTF_8)).doesNotContain("picocli WARN");
    }

    @Test
    void shouldAcceptEveryFixedDefaultAndListTheSettingsBeforeTheStandardOptions() {
        for (ServeSetting<?> s : ServeSettings.ALL) {
            assertThat(acceptsItsDefault(s)).as(s.key()).isTrue();
        }
        List<String> names = serveSpec().options().stream().map(OptionSpec::longestName).toList();
        List<String> expected = new ArrayList<>(List.of("--data", "--config", "--print-config"));
        ServeSettings.KEYS.forEach(k -> expected.add("--" + k));
        expected.addAll(List.of("--help", "--version", "--verbose"));
        assertThat(names).containsExactlyElementsOf(expected);
    }

    private static <T> boolean acceptsItsDefault(ServeSetting<T> s) {
        return !(s.fallback() instanceof ServeSetting.Default.Fixed<T> f) || s.accepts(f.value());
    }

    /**
     * The README's {@code atlas serve} table has a row per setting, in the order {@code --help} lists them, and
     * each fixed default is the one {@code --help} shows.
     */
    @Test
    void shouldKeepTheReadmeFlagTableInStepWithTheHelp() throws Exception {
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        int start = readme.indexOf("### `atlas serve`");
        assertThat(start).isNotNegative();
        List<String> rows = readme.substring(start).lines().dropWhile(l -> !l.startsWith("| Flag"))
                .takeWhile(l -> l.startsWith("|")).skip(2).toList();
        CommandSpec spec = serveSpec();
        int previous = -1;
        for (ServeSetting<?> s : ServeSettings.ALL) {
            int row = rowOf(rows, s.key());
            assertThat(row).as("README row for --%s", s.key()).isNotNegative().isGreaterThanOrEqualTo(previous);
            previous = row;
            String shown = helpDefault(spec.findOption("--" + s.key()));
            if (s.fallback() instanceof ServeSetting.Default.Fixed<?> && shown != null) {
                String defaultCell = rows.get(row).split(" \\| ")[1];
                assertThat(defaultCell).as("README default of --%s", s.key()).isEqualTo("`" + shown + "`");
            }
        }
    }

    private static int rowOf(List<String> rows, String key) {
        for (int i = 0; i < rows.size(); i++) {
            if (rows.get(i).startsWith("| `--" + key + " ") || rows.get(i).startsWith("| `--" + key + "`")
                    || rows.get(i).contains(", `--" + key + " ")) {
                return i;
            }
        }
        return -1;
    }
}
