package atlas.cli;

import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

/**
 * A command that fails at run time (port in use, volume locked, server unreachable) prints one line
 * {@code atlas <cmd>: <message>} and exits 1. Stack traces only with {@code --verbose}: the messages the
 * server and the store throw are written to be read by operators, a trace is for developers.
 */
final class FailureHandler implements CommandLine.IExecutionExceptionHandler {
    static final int EXIT_FAILURE = 1;

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
        PrintWriter err = cmd.getErr();
        err.println(cmd.getCommandSpec().qualifiedName() + ": " + message(ex));
        if (AtlasCommand.verbose(cmd)) {
            ex.printStackTrace(err);
        }
        err.flush();
        return EXIT_FAILURE;
    }

    static String message(Throwable ex) {
        Throwable t = ex instanceof UncheckedIOException u ? u.getCause() : ex;
        String msg = t.getMessage();
        if (t instanceof NoSuchFileException) {
            return "no such file or directory: " + msg;
        }
        if (t instanceof AccessDeniedException) {
            return "permission denied: " + msg;
        }
        if (t instanceof UnsupportedOperationException) {
            return "not implemented yet" + (msg == null ? "" : " (" + msg + ")");
        }
        if (t instanceof IOException || t instanceof IllegalArgumentException || t instanceof IllegalStateException) {
            if (msg != null && !msg.isBlank()) {
                return firstLine(msg);
            }
        }
        // Unexpected: name the exception so the line is still useful without --verbose.
        return t.getClass().getSimpleName() + (msg == null ? "" : ": " + firstLine(msg)) + " (--verbose for details)";
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
