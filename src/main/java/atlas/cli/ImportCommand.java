package atlas.cli;

import atlas.cli.SourceFiles.Source;
import atlas.store.Volume;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code atlas import}: bulk-loads files straight into a volume with no server running — the fast way to
 * build a catalogue. Each object is written durably (data, then journal entry) before the next one, so an
 * interrupted import leaves every object it reported intact.
 */
@Command(name = "import", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Load directories into the volume offline (no server may hold it; use 'atlas put' then).",
                "Every regular file below DIR is stored under its path relative to DIR."})
final class ImportCommand implements Callable<Integer> {
    @Mixin
    DataDirOption data;

    @Mixin
    VolumeSizeOption size;

    @Option(names = "--prefix", paramLabel = "P/", description = "Put every name under this folder, e.g. vod/title/.")
    String prefix;

    @Parameters(paramLabel = "DIR", arity = "1..*", description = "Directories (or files) to import.")
    List<Path> paths;

    @Override
    public Integer call() throws IOException {
        Path dir = data.dir();
        URI server = ServerLocator.holder(dir);
        if (server != null) {
            throw new IllegalStateException("the volume in " + data.dir + " is in use by the server at " + server
                    + "; stop it, or upload with 'atlas put'");
        }
        SourceFiles sources = SourceFiles.collect(paths, prefix, null);
        Progress progress = Progress.onStderr("imported", sources.count(), sources.totalBytes(), true);
        try (Volume volume = Volume.open(size.config(dir))) {
            for (Source source : sources.files()) {
                store(volume, source, progress);
            }
        }
        progress.finish();
        return progress.failures() == 0 ? 0 : FailureHandler.EXIT_FAILURE;
    }

    private static void store(Volume volume, Source source, Progress progress) {
        String problem = NameCheck.problem(source.name());
        if (problem != null) {
            progress.failed(source.name(), source.sizeBytes(), problem);
            return;
        }
        try (InputStream in = Files.newInputStream(source.path())) {
            volume.putDurably(source.name(), in, source.sizeBytes(), ContentTypes.of(source.name()));
            progress.succeeded(source.name(), source.sizeBytes());
        } catch (IOException e) {
            progress.failed(source.name(), source.sizeBytes(), FailureHandler.message(e));
        }
    }
}
