package atlas.cli;

import atlas.server.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Flags > environment > config file > defaults, and one precise line for every mistake. */
class ConfigSourcesTest {
    private static ServeCommand parse(Map<String, String> env, String... args) {
        CommandLine root = AtlasCommand.commandLine();
        String[] all = new String[args.length + 1];
        all[0] = "serve";
        System.arraycopy(args, 0, all, 1, args.length);
        CommandLine.ParseResult parsed = root.parseArgs(all);
        ServeCommand serve = (ServeCommand) parsed.subcommand().commandSpec().userObject();
        serve.environment = env;
        return serve;
    }

    @Test
    void shouldApplyFlagsOverEnvironmentOverFileOverDefaults(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("atlas.conf"), """
                # comment
                idle-timeout = 2m
                send-timeout = 9s
                listen = 127.0.0.1:7000

                no-demo = true
                access-log = off
                """);
        ServeCommand serve = parse(Map.of("ATLAS_SEND_TIMEOUT", "8s", "ATLAS_LISTEN", "127.0.0.1:7001"),
                "--data", dir.toString(), "--listen", "127.0.0.1:7002");
        ServerConfig c = serve.config();
        assertThat(c.listenPort()).as("flag wins").isEqualTo(7002);
        assertThat(c.sendStallTimeout()).as("environment beats file").isEqualTo(Duration.ofSeconds(8));
        assertThat(c.idleTimeout()).as("file beats default").isEqualTo(Duration.ofMinutes(2));
        assertThat(c.seedDemo()).isFalse();
        assertThat(c.accessLog()).isNull();
        assertThat(c.headerTimeout()).isEqualTo(ServerConfig.DEFAULT_HEADER_TIMEOUT);

        StringWriter out = new StringWriter();
        serve.printConfig(c, new PrintWriter(out));
        assertThat(out.toString())
                .containsPattern("listen = 127\\.0\\.0\\.1:7002 +# flag")
                .containsPattern("send-timeout = 8s +# environment ATLAS_SEND_TIMEOUT")
                .containsPattern("idle-timeout = 2m +# file .*atlas\\.conf:2")
                .containsPattern("header-timeout = 10s +# default")
                .containsPattern("access-log = off +# file .*atlas\\.conf:7");
    }

    @Test
    void shouldTakeTheBufferCapAndTheHttpsListenerFromAnySource(@TempDir Path dir) throws Exception {
        ServeCommand serve = parse(Map.of("ATLAS_BUFFER_MEMORY", "128m", "ATLAS_TLS_LISTEN", "127.0.0.1:8443"),
                "--data", dir.toString());
        ServerConfig c = serve.config();
        assertThat(c.bufferBytesPerCore()).isEqualTo(128L << 20);
        assertThat(c.tls().listenPort()).isEqualTo(8443);
        assertThat(c.tls().selfSigned()).as("no --cert/--key: the demo's self-signed certificate").isTrue();
        assertThat(c.tls().handshakeTimeout()).isEqualTo(ServerConfig.DEFAULT_HANDSHAKE_TIMEOUT);
        StringWriter out = new StringWriter();
        serve.printConfig(c, new PrintWriter(out));
        assertThat(out.toString()).containsPattern("buffer-memory = 128m +# environment ATLAS_BUFFER_MEMORY")
                .containsPattern("tls-listen = 127\\.0\\.0\\.1:8443 +# environment ATLAS_TLS_LISTEN");

        assertThat(parse(Map.of(), "--data", dir.toString()).config().tls()).as("HTTPS is off by default").isNull();
        ServeCommand byDefault = parse(Map.of(), "--data", dir.toString(), "--cores", "1");
        StringWriter defaults = new StringWriter();
        byDefault.printConfig(byDefault.config(), new PrintWriter(defaults));
        assertThat(defaults.toString()).as("the default cap says where it comes from")
                .containsPattern("buffer-memory = \\d+m +# default: a quarter of .* of memory over 1 core, within 16m-256m");
        Path cert = Files.writeString(dir.resolve("cert.pem"), "x");
        assertThatThrownBy(() -> parse(Map.of(), "--data", dir.toString(), "--cert", cert.toString()).config())
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("invalid value for --cert").hasMessageContaining("needs --tls-listen");
        assertThatThrownBy(() -> parse(Map.of(), "--data", dir.toString(), "--tls-listen", "127.0.0.1:0",
                "--cert", cert.toString()).config())
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("go together");
        assertThatThrownBy(() -> parse(Map.of(), "--data", dir.toString(), "--tls-listen", "127.0.0.1:0",
                "--tls-groups", "x25519,x448").config())
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("x25519, p256, p384");
        assertThat(parse(Map.of("ATLAS_TLS_GROUPS", "p384,x25519"), "--data", dir.toString(), "--tls-listen",
                "127.0.0.1:0").config().tls().groupCodes()).containsExactly(24, 29);
        assertThatThrownBy(() -> parse(Map.of(), "--data", dir.toString(), "--buffer-memory", "4k").config())
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("between 1m and 64g");
    }

    @Test
    void shouldTakeHstsOnlyWithTheHttpsListener(@TempDir Path dir) throws Exception {
        assertThat(parse(Map.of(), "--data", dir.toString(), "--tls-listen", "127.0.0.1:0").config().tls().hsts())
                .as("off by default").isNull();
        ServeCommand serve = parse(Map.of("ATLAS_HSTS", "365d"), "--data", dir.toString(), "--tls-listen",
                "127.0.0.1:0");
        ServerConfig c = serve.config();
        assertThat(c.tls().hsts()).isEqualTo(java.time.Duration.ofDays(365));
        StringWriter out = new StringWriter();
        serve.printConfig(c, new PrintWriter(out));
        assertThat(out.toString()).containsPattern("(?m)^hsts = 365d +# environment ATLAS_HSTS$");
        assertThat(parse(Map.of(), "--data", dir.toString(), "--tls-listen", "127.0.0.1:0", "--hsts", "0s")
                .config().tls().hsts()).as("max-age=0 tells browsers to forget the policy").isZero();
        assertThatThrownBy(() -> parse(Map.of(), "--data", dir.toString(), "--hsts", "365d").config())
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("invalid value for --hsts").hasMessageContaining("needs --tls-listen");
        assertThatThrownBy(() -> parse(Map.of(), "--data", dir.toString(), "--tls-listen", "127.0.0.1:0",
                "--hsts", "1500ms").config())
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("whole seconds");
    }

    @Test
    void shouldDefaultTheAccessLogIntoTheDataDirectory(@TempDir Path dir) {
        ServerConfig c = parse(Map.of(), "--data", dir.toString()).config();
        assertThat(c.accessLog()).isEqualTo(dir.resolve("access.log"));
        assertThat(c.drainDelay()).isZero();
    }

    @Test
    void shouldNameTheFileAndLineOfEveryMistake(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("atlas.conf");
        assertMistake(dir, conf, "idle-timeout = 2m\nlisten = nowhere\n",
                conf + ":2: invalid value for listen: 'nowhere' (expected HOST:PORT");
        assertMistake(dir, conf, "just words\n", conf + ":1: expected 'key = value', got 'just words'");
        assertMistake(dir, conf, "colour = blue\n", conf + ":1: unknown setting 'colour' (known: listen, cores");
        assertMistake(dir, conf, "cores = 1\ncores = 1\n", conf + ":2: 'cores' already set on line 1");
        assertMistake(dir, conf, "data = /x\n", conf + ":1: 'data' cannot be set in the config file");
        assertMistake(dir, conf, "cores = lots\n", conf + ":1: invalid value for cores: 'lots' (expected a whole number)");
        assertMistake(dir, conf, "cores = 100000\n", conf + ":1: invalid value for cores: '100000' (must be 1-");
        assertMistake(dir, conf, "idle-timeout = 0s\n", conf + ":1: invalid value for idle-timeout: '0s' (must be greater than zero)");
        assertMistake(dir, conf, "no-demo = perhaps\n", conf + ":1: invalid value for no-demo: 'perhaps' (expected true or false)");
    }

    @Test
    void shouldNameTheEnvironmentVariableOfAMistake(@TempDir Path dir) {
        assertThatThrownBy(() -> parse(Map.of("ATLAS_ENGINE", "warp"), "--data", dir.toString()).config())
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageStartingWith("ATLAS_ENGINE: invalid value for engine: 'warp'");
    }

    @Test
    void shouldRefuseAMissingExplicitConfigFile(@TempDir Path dir) {
        assertThatThrownBy(() -> parse(Map.of(), "--config", dir.resolve("nope.conf").toString()).config())
                .hasMessage("cannot read config file " + dir.resolve("nope.conf") + ": no such file");
    }

    private static void assertMistake(Path dir, Path conf, String text, String expectedStart) throws Exception {
        Files.writeString(conf, text);
        assertThatThrownBy(() -> parse(Map.of(), "--data", dir.toString()).config())
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageStartingWith(expectedStart);
    }
}
