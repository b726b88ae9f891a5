package atlas.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import java.util.concurrent.Callable;

/**
 * {@code atlas}: the entry point. Each subcommand is its own small class; this one wires picocli's error
 * handling so every mistake is one line with exit code 2 ({@link UsageErrorHandler}) and every run-time
 * failure one line with exit code 1 ({@link FailureHandler}).
 */
@Command(name = "atlas",
        mixinStandardHelpOptions = true,
        versionProvider = AtlasCommand.Version.class,
        description = "Video-segment server that reads from flash with O_DIRECT straight into socket buffers.",
        subcommands = {ServeCommand.class, PutCommand.class, ImportCommand.class, LsCommand.class,
                RmCommand.class, VerifyCommand.class, FormatCommand.class, BenchCommand.class, SignCommand.class, CommandLine.HelpCommand.class})
public final class AtlasCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    // INHERIT: accepted after any subcommand ("atlas serve --verbose"), stored here once.
    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Print stack traces of failures.")
    boolean verbose;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests run it in-process with their own writers. */
    public static CommandLine commandLine() {
        return new CommandLine(new AtlasCommand())
                .setParameterExceptionHandler(new UsageErrorHandler())
                .setExecutionExceptionHandler(new FailureHandler())
                .setAbbreviatedOptionsAllowed(false);
    }

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing command (serve, put, import, ls, rm, verify, bench, sign)");
    }

    /** True when {@code --verbose} was given anywhere on the command line. */
    static boolean verbose(CommandLine cmd) {
        CommandLine root = cmd;
        while (root.getParent() != null) {
            root = root.getParent();
        }
        return root.getCommand() instanceof AtlasCommand atlas && atlas.verbose;
    }

    /** Version from the pom.properties Maven puts into every jar; "dev" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = AtlasCommand.class.getResourceAsStream("/META-INF/maven/io.atlas/atlas/pom.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"atlas " + p.getProperty("version", "dev") + " (Java " + Runtime.version() + ")"};
        }
    }
}
