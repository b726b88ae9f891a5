package atlas.cli;

import atlas.cli.SourceFiles.Source;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code atlas put}: uploads files to a running server with HTTP PUT, a few in parallel. The server
 * acknowledges each only once it is durable, so a 2xx here means the object survives a crash.
 */
@Command(name = "put", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Upload files to a running server (HTTP PUT; acknowledged once durable).",
                "A directory uploads every regular file below it, named by its path relative to the directory; "
                        + "a file is named by its file name (or --name)."})
final class PutCommand implements Callable<Integer> {
    private static final int MAX_PARALLEL = 64;

    @Spec
    CommandSpec spec;

    @Mixin
    DataDirOption data;

    @Mixin
    CredentialOptions credentials;

    @Option(names = "--server", paramLabel = "URL",
            description = "Server URL (default: the server holding the --data volume, else "
                    + ServerLocator.DEFAULT_URL + ").")
    String server;

    @Option(names = "--prefix", paramLabel = "P/", description = "Put every name under this folder, e.g. vod/title/.")
    String prefix;

    @Option(names = "--name", paramLabel = "NAME", description = "Object name for a single file argument.")
    String name;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "4",
            description = "Uploads in flight at once, 1-" + MAX_PARALLEL + " (default: ${DEFAULT-VALUE}).")
    int parallel;

    @Parameters(paramLabel = "FILE|DIR", arity = "1..*", description = "Files and directories to upload.")
    List<Path> paths;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (parallel < 1 || parallel > MAX_PARALLEL) {
            throw new ParameterException(spec.commandLine(), "invalid value for --parallel: '" + parallel
                    + "' (must be 1-" + MAX_PARALLEL + ")");
        }
        if (name != null && (paths.size() != 1 || Files.isDirectory(paths.getFirst()))) {
            throw new ParameterException(spec.commandLine(), "--name needs exactly one file argument");
        }
        SourceFiles sources = SourceFiles.collect(paths, prefix, name);
        AtlasClient client = new AtlasClient(ServerLocator.forUpload(server, data.dir()), credentials.authorization());
        Progress progress = Progress.onStderr("put", sources.count(), sources.totalBytes(), true);
        AtomicReference<IOException> fatal = new AtomicReference<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(parallel,
                Thread.ofPlatform().name("atlas-put-", 0).daemon().factory())) {
            for (Source source : sources.files()) {
                pool.execute(() -> upload(client, source, progress, fatal));
            }
        }
        if (fatal.get() != null) {
            progress.abandon();
            throw fatal.get();
        }
        progress.finish();
        return progress.failures() == 0 ? 0 : FailureHandler.EXIT_FAILURE;
    }

    private static void upload(AtlasClient client, Source source, Progress progress,
                               AtomicReference<IOException> fatal) {
        if (fatal.get() != null) {
            return;
        }
        String problem = NameCheck.problem(source.name());
        if (problem != null) {
            progress.failed(source.name(), source.sizeBytes(), problem);
            return;
        }
        try {
            AtlasClient.Reply reply = client.put(source.name(), source.path(), ContentTypes.of(source.name()));
            if (reply.ok()) {
                progress.succeeded(source.name(), source.sizeBytes());
            } else {
                progress.failed(source.name(), source.sizeBytes(), reply.describe());
            }
        } catch (AtlasClient.ServerUnreachableException e) {
            // Every other upload would fail the same way: stop and say it once.
            fatal.compareAndSet(null, e);
        } catch (IOException e) {
            progress.failed(source.name(), source.sizeBytes(), FailureHandler.message(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
