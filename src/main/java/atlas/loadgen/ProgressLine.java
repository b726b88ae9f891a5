package atlas.loadgen;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The live line, once a second: {@code bench 12s  8812 req/s  15.40 Gbit/s  p50 1.02 ms  p99 4.87 ms  errors 0}, plus
 * {@code backlog N} with a target rate while N arrivals are due and not sent yet.
 * On a terminal it rewrites itself in place ({@code \r} + erase-to-end) and is erased before the report; anywhere
 * else (CI logs, pipes) each second gets its own line, because a log full of carriage returns is unreadable.
 */
public final class ProgressLine implements LoadGenerator.IntervalListener {
    private static final String ERASE_TO_END = "\033[K";

    private final PrintStream out;
    private final boolean terminal;
    private boolean lineDrawn;

    public ProgressLine(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    @Override
    public void onInterval(LoadGenerator.IntervalSample s) {
        String line = format(s);
        if (terminal) {
            out.print("\r" + line + ERASE_TO_END);
            lineDrawn = true;
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** Erases the in-place line, if any, so the report starts on a clean line. */
    public void finish() {
        if (lineDrawn) {
            out.print("\r" + ERASE_TO_END);
            out.flush();
            lineDrawn = false;
        }
    }

    static String format(LoadGenerator.IntervalSample s) {
        return String.format(Locale.ROOT, "%s %3ds  %8.0f req/s  %7.3f Gbit/s  p50 %s  p99 %s  errors %d%s",
                s.warmup() ? "warmup" : "bench ", Math.round(s.elapsedNs() / 1e9), s.requestsPerSecond(), s.gigabitsPerSecond(),
                BenchReport.micros(s.p50Us()), BenchReport.micros(s.p99Us()), s.errorsTotal(),
                s.backlog() > 0 ? "  backlog " + s.backlog() : "");
    }
}
