package atlas.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.PrintWriter;

/**
 * Turns every command-line mistake into exactly one stderr line and exit code 2:
 * <pre>
 *   atlas serve: invalid value for --listen: 'abc' (expected HOST:PORT, e.g. 127.0.0.1:8080); see 'atlas serve --help'
 * </pre>
 * One line because scripts and supervisors log stderr line by line, and picocli's default (message plus the
 * whole usage text) buries the one fact the user needs.
 */
final class UsageErrorHandler implements CommandLine.IParameterExceptionHandler {
    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        String name = cmd.getCommandSpec().qualifiedName();
        PrintWriter err = cmd.getErr();
        err.println(name + ": " + describe(ex) + "; see '" + name + " --help'");
        err.flush();
        return CommandLine.ExitCode.USAGE;
    }

    /** The one-line reason, built from the argument and the converter's message when a value was refused. */
    static String describe(ParameterException ex) {
        ArgSpec arg = ex.getArgSpec();
        if (ex.getCause() instanceof TypeConversionException conversion && arg != null) {
            return "invalid value for " + label(arg) + ": '" + ex.getValue() + "' (" + expected(arg, conversion) + ")";
        }
        if (ex instanceof UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()) {
            String first = unmatched.getUnmatched().getFirst();
            boolean takesCommands = !ex.getCommandLine().getSubcommands().isEmpty();
            return (first.startsWith("-") ? "unknown option" : takesCommands ? "unknown command" : "unexpected argument")
                    + ": '" + first + "'";
        }
        return firstLine(lowerFirst(ex.getMessage()));
    }

    private static String label(ArgSpec arg) {
        return arg instanceof OptionSpec option ? option.longestName() : arg.paramLabel();
    }

    /** Picocli's own messages for built-in types ("'x' is not an int") are replaced by what is expected. */
    private static String expected(ArgSpec arg, TypeConversionException conversion) {
        Class<?> type = arg.type();
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            if (arg.converters().length == 0) {
                return "expected a whole number";
            }
        }
        return firstLine(conversion.getMessage());
    }

    private static String lowerFirst(String s) {
        if (s == null || s.isEmpty()) {
            return "invalid command line";
        }
        // Keep acronyms ("URL ...") intact; only a capitalised ordinary word is lowered.
        if (s.length() > 1 && Character.isUpperCase(s.charAt(0)) && Character.isLowerCase(s.charAt(1))) {
            return Character.toLowerCase(s.charAt(0)) + s.substring(1);
        }
        return s;
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
