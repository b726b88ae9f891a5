package atlas.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** Every mistake on the command line: exactly one stderr line, exit code 2, nothing started. */
class CommandLineErrorsTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cmd = AtlasCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }

    private String onlyErrorLine() {
        String[] lines = err.toString().split("\n");
        assertThat(lines).hasSize(1);
        return lines[0];
    }

    @Test
    void shouldReportInvalidListenValueInOneLine() {
        assertThat(run("serve", "--listen", "abc")).isEqualTo(2);
        assertThat(onlyErrorLine()).isEqualTo("atlas serve: invalid value for --listen: 'abc' "
                + "(expected HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080); see 'atlas serve --help'");
    }

    @Test
    void shouldReportUnknownOptionsAndCommands() {
        assertThat(run("serve", "--bogus")).isEqualTo(2);
        assertThat(onlyErrorLine()).isEqualTo("atlas serve: unknown option: '--bogus'; see 'atlas serve --help'");
        err.getBuffer().setLength(0);
        assertThat(run("frob")).isEqualTo(2);
        assertThat(onlyErrorLine()).isEqualTo("atlas: unknown command: 'frob'; see 'atlas --help'");
        err.getBuffer().setLength(0);
        assertThat(run()).isEqualTo(2);
        assertThat(onlyErrorLine()).startsWith("atlas: missing command");
    }

    @Test
    void shouldRefuseOutOfRangeValuesBeforeStartingAnything() {
        assertThat(run("serve", "--cores", "0")).isEqualTo(2);
        assertThat(onlyErrorLine()).startsWith("atlas serve: invalid value for --cores: '0' (must be 1-");
        err.getBuffer().setLength(0);
        assertThat(run("serve", "--cores", "many")).isEqualTo(2);
        assertThat(onlyErrorLine()).contains("--cores: 'many' (expected a whole number)");
        err.getBuffer().setLength(0);
        assertThat(run("serve", "--volume-size", "64")).isEqualTo(2);
        assertThat(onlyErrorLine()).contains("--volume-size: '64' (must be at least 1m)");
        err.getBuffer().setLength(0);
        assertThat(run("serve", "--idle-timeout", "0ms")).isEqualTo(2);
        assertThat(onlyErrorLine()).contains("--idle-timeout: '0ms' (must be greater than zero)");
        err.getBuffer().setLength(0);
        assertThat(run("serve", "--engine", "epoll")).isEqualTo(2);
        assertThat(onlyErrorLine()).contains("--engine: 'epoll' (expected auto, uring or nio)");
    }

    @Test
    void shouldReportMissingParameters() {
        assertThat(run("rm")).isEqualTo(2);
        assertThat(onlyErrorLine()).isEqualTo("atlas rm: missing required parameter: 'NAME'; see 'atlas rm --help'");
        err.getBuffer().setLength(0);
        assertThat(run("put", "--name", "a", "x", "y")).isEqualTo(2);
        assertThat(onlyErrorLine()).isEqualTo("atlas put: --name needs exactly one file argument; see 'atlas put --help'");
    }

    @Test
    void shouldPrintHelpForEveryCommand() {
        for (String command : new String[] {"serve", "put", "import", "ls", "rm", "verify"}) {
            out.getBuffer().setLength(0);
            assertThat(run(command, "--help")).as(command).isZero();
            assertThat(out.toString()).as(command).startsWith("Usage: atlas " + command);
        }
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void shouldReportRunTimeFailuresInOneLineWithExitCodeOne() {
        assertThat(run("ls", "--data", "/nonexistent/atlas-data")).isEqualTo(1);
        assertThat(onlyErrorLine()).isEqualTo("atlas ls: no volume at /nonexistent/atlas-data (use --data DIR)");
    }
}
