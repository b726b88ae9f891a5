package atlas.cli;

import atlas.store.Volume;
import atlas.store.VolumeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code atlas ls}: lists objects by name. Reads the volume directly when no server holds it; otherwise asks
 * that server ({@code GET /_atlas/list}), because the volume is locked while a server runs and only the
 * server knows about writes it has committed since start-up.
 */
@Command(name = "ls", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"List objects (size, modification time, name), sorted by name.",
                "Reads the volume offline, or asks the server that holds it."})
final class LsCommand implements Callable<Integer> {
    @Mixin
    DataDirOption data;

    @Option(names = "--server", paramLabel = "URL",
            description = "Ask this server (default: the server holding the --data volume; none = read offline).")
    String server;

    @Option(names = {"-l", "--long"}, description = "Also show content type and ETag.")
    boolean longFormat;

    @Parameters(paramLabel = "PREFIX", arity = "0..1", defaultValue = "",
            description = "Only names starting with this, e.g. demo/.")
    String prefix;

    @Override
    public Integer call() throws IOException, InterruptedException {
        URI remote = ServerLocator.ifRunning(server, data.dir());
        List<ListedObject> objects = remote != null ? new AtlasClient(remote).list(prefix) : offline();
        ListedObject.print(objects, longFormat, System.out);
        return 0;
    }

    private List<ListedObject> offline() throws IOException {
        try (Volume volume = Volume.open(VolumeConfig.defaults(data.requireExisting()))) {
            return volume.list(prefix, Integer.MAX_VALUE).stream().map(ListedObject::of).toList();
        }
    }
}
