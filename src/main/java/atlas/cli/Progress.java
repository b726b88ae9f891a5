package atlas.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * Progress of a batch (put, import, verify) on stderr.
 * <p>
 * On a terminal: one line rewritten in place ({@code \r} + erase-to-end), at most every 100 ms so a batch of
 * thousands of small files does not spend its time drawing. Anywhere else (CI logs, pipes): one line per file,
 * because a log full of carriage returns is unreadable. Failures always get their own line. Thread-safe: the
 * parallel uploads of {@code put} report from several threads.
 */
final class Progress {
    private static final long REDRAW_INTERVAL_NS = 100_000_000L;
    private static final String ERASE_TO_END = "\033[K";

    private final PrintStream out;
    private final boolean terminal;
    private final boolean linePerFile;
    private final String verb;
    private final int totalFiles;
    private final long totalBytes;
    private final LongSupplier clockNs;
    private final long startNs;

    private int doneFiles;
    private long doneBytes;
    private long okBytes;
    private int failures;
    private long lastDrawNs;
    private boolean lineDrawn;

    Progress(PrintStream out, boolean terminal, boolean linePerFile, String verb, int totalFiles, long totalBytes,
             LongSupplier clockNs) {
        this.out = out;
        this.terminal = terminal;
        this.linePerFile = linePerFile;
        this.verb = verb;
        this.totalFiles = totalFiles;
        this.totalBytes = totalBytes;
        this.clockNs = clockNs;
        this.startNs = clockNs.getAsLong();
        this.lastDrawNs = startNs - REDRAW_INTERVAL_NS;
    }

    /** Progress on stderr, in place when stderr is a terminal. */
    static Progress onStderr(String verb, int totalFiles, long totalBytes, boolean linePerFile) {
        return new Progress(System.err, stderrIsTerminal(), linePerFile, verb, totalFiles, totalBytes, System::nanoTime);
    }

    /**
     * Whether fd 2 is a terminal. {@code System.console()} answers for stdin/stdout, not stderr, so ask Linux
     * what fd 2 is ({@code /dev/pts/N} or {@code /dev/ttyN}); anything unexpected counts as "not a terminal".
     */
    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    synchronized void succeeded(String name, long bytes) {
        doneFiles++;
        doneBytes += bytes;
        okBytes += bytes;
        if (terminal) {
            redraw(doneFiles == totalFiles);
        } else if (linePerFile) {
            out.println(verb + " " + name + " (" + HumanUnits.bytes(bytes) + ")");
        }
    }

    /** A failed item: its own line ({@code name: reason}), then the progress line again. */
    synchronized void failed(String name, long bytes, String reason) {
        doneFiles++;
        doneBytes += bytes;
        failures++;
        clearLine();
        out.println(name + ": " + reason);
        if (terminal) {
            redraw(true);
        }
    }

    synchronized int failures() {
        return failures;
    }

    /** Replaces the progress line by the summary, e.g. {@code put 12 files, 3.4 MiB in 1.2 s (2.8 MB/s)}. */
    synchronized String finish() {
        long elapsed = clockNs.getAsLong() - startNs;
        String summary = verb + " " + (doneFiles - failures) + (doneFiles - failures == 1 ? " file, " : " files, ")
                + HumanUnits.bytes(okBytes) + " in " + HumanUnits.seconds(elapsed)
                + " (" + HumanUnits.rate(okBytes, elapsed) + ")"
                + (failures > 0 ? "; " + failures + " failed" : "");
        clearLine();
        out.println(summary);
        out.flush();
        return summary;
    }

    /** Clears the progress line without a summary (the run is aborted and its caller reports why). */
    synchronized void abandon() {
        clearLine();
        out.flush();
    }

    private void redraw(boolean force) {
        long now = clockNs.getAsLong();
        if (!force && now - lastDrawNs < REDRAW_INTERVAL_NS) {
            return;
        }
        lastDrawNs = now;
        long elapsed = now - startNs;
        StringBuilder line = new StringBuilder("\r").append(verb).append(' ')
                .append(doneFiles).append('/').append(totalFiles).append(" files, ")
                .append(HumanUnits.bytes(doneBytes)).append('/').append(HumanUnits.bytes(totalBytes)).append(", ")
                .append(HumanUnits.rate(doneBytes, elapsed));
        if (doneBytes > 0 && doneBytes < totalBytes) {
            long etaSeconds = (long) ((double) (totalBytes - doneBytes) * elapsed / doneBytes / 1e9);
            line.append(", ETA ").append(HumanUnits.clock(etaSeconds));
        }
        out.print(line.append(ERASE_TO_END));
        out.flush();
        lineDrawn = true;
    }

    private void clearLine() {
        if (lineDrawn) {
            out.print("\r" + ERASE_TO_END);
            lineDrawn = false;
        }
    }
}
