package atlas.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code atlas bench --slo} and its companions on the command line: refused in one line before any connect. */
class BenchOptionsTest {
    private static final String URL = "http://127.0.0.1:9/x.ts"; // nothing is ever connected to: all fail first

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
        err.getBuffer().setLength(0);
        return lines[0];
    }

    @Test
    void shouldRefuseAnSloWithoutAUnitOrWithAPercentileOutOfRange() {
        assertThat(run("bench", "--slo", "500", URL)).isEqualTo(2);
        assertThat(onlyErrorLine()).isEqualTo("atlas bench: invalid value for --slo: '500' "
                + "(expected LATENCY[@PERCENTILE], e.g. 500us, 2ms or 1ms@99.9); see 'atlas bench --help'");
        assertThat(run("bench", "--slo", "1ms@100", URL)).isEqualTo(2);
        assertThat(onlyErrorLine()).contains("the percentile must be between 0 and 100");
    }

    @Test
    void shouldRefuseSearchOptionsThatDoNotGoTogether() {
        assertThat(run("bench", "--step-duration", "1s", URL)).isEqualTo(2);
        assertThat(onlyErrorLine()).isEqualTo("atlas bench: --step-duration only applies with --slo; "
                + "see 'atlas bench --help'");
        assertThat(run("bench", "--max-steps", "3", URL)).isEqualTo(2);
        assertThat(onlyErrorLine()).contains("--max-steps only applies with --slo");
        assertThat(run("bench", "--slo", "1ms", "-d", "10s", URL)).isEqualTo(2);
        assertThat(onlyErrorLine()).contains("--duration does not apply with --slo");
        assertThat(run("bench", "--slo", "1ms", "--step-duration", "50ms", URL)).isEqualTo(2);
        assertThat(onlyErrorLine()).contains("--step-duration: '50ms' (must be at least 100ms)");
        assertThat(run("bench", "--slo", "1ms", "--max-steps", "0", URL)).isEqualTo(2);
        assertThat(onlyErrorLine()).contains("--max-steps: '0' (must be 1-50)");
    }

    @Test
    void shouldDocumentTheSearchInTheHelp() {
        assertThat(run("bench", "--help")).isZero();
        assertThat(out.toString()).contains("--slo=LATENCY[@P]").contains("--step-duration=DURATION")
                .contains("Poisson arrivals");
    }

    @Test
    void shouldRefuseFollowWithTargetsOrAPaceOfItsOwn() {
        assertThat(run("bench", "--follow", "http://127.0.0.1:9/live.m3u8", URL)).isEqualTo(2);
        assertThat(onlyErrorLine()).contains("--follow takes no other targets, --rate or --slo");
        assertThat(run("bench", "--follow", "http://127.0.0.1:9/live.m3u8", "--threads", "2")).isEqualTo(2);
        assertThat(onlyErrorLine()).contains("--threads applies to a DASH --follow (an .mpd)");
        assertThat(run("bench", "--follow", "http://127.0.0.1:9/live.m3u8", "--rate", "10/s")).isEqualTo(2);
        assertThat(onlyErrorLine()).contains("--follow takes no other targets");
        assertThat(run("bench", "--follow", "live.m3u8")).isEqualTo(2);
        assertThat(onlyErrorLine()).contains("invalid value for --follow: 'live.m3u8' (expected an absolute URL");
    }
}
