package atlas.cli;

import atlas.server.ServerConfig;
import atlas.store.VolumeConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class ServeConfigTest {
    private static ServerConfig configOf(String... args) {
        CommandLine root = AtlasCommand.commandLine();
        CommandLine.ParseResult parsed = root.parseArgs(args);
        ServeCommand serve = (ServeCommand) parsed.subcommand().commandSpec().userObject();
        return serve.config();
    }

    @Test
    void shouldDefaultToLoopbackAllCoresAndServerConstants() {
        ServerConfig c = configOf("serve");
        assertThat(c.listenHost()).isEqualTo("127.0.0.1");
        assertThat(c.listenPort()).isEqualTo(8080);
        assertThat(c.cores()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(c.engine()).isEqualTo(ServerConfig.EngineKind.AUTO);
        assertThat(c.headerTimeout()).isEqualTo(ServerConfig.DEFAULT_HEADER_TIMEOUT);
        assertThat(c.idleTimeout()).isEqualTo(ServerConfig.DEFAULT_IDLE_TIMEOUT);
        assertThat(c.sendStallTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.bufferBytesPerCore()).isBetween(ServerConfig.MIN_DEFAULT_BUFFER_BYTES_PER_CORE,
                ServerConfig.MAX_DEFAULT_BUFFER_BYTES_PER_CORE);
        assertThat(c.seedDemo()).isTrue();
        assertThat(c.volume()).isEqualTo(VolumeConfig.defaults(Path.of("atlas-data").toAbsolutePath()));
    }

    @Test
    void shouldCarryEveryFlagIntoTheConfig() {
        ServerConfig c = configOf("serve", "--data", "/tmp/v", "--listen", "[::1]:0", "--cores", "1",
                "--engine", "NIO", "--volume-size", "128m", "--no-demo", "--max-body", "1m",
                "--header-timeout", "500ms", "--idle-timeout", "2m");
        assertThat(c.volume()).isEqualTo(new VolumeConfig(Path.of("/tmp/v"), 128L << 20, 128L << 20, 128L << 20));
        assertThat(c.listenHost()).isEqualTo("::1");
        assertThat(c.listenPort()).isZero();
        assertThat(c.cores()).isEqualTo(1);
        assertThat(c.engine()).isEqualTo(ServerConfig.EngineKind.NIO);
        assertThat(c.seedDemo()).isFalse();
        assertThat(c.limits().maxBodyBytes()).isEqualTo(1L << 20);
        assertThat(c.headerTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.idleTimeout()).isEqualTo(Duration.ofMinutes(2));
    }
}
