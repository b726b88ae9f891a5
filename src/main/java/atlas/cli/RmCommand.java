package atlas.cli;

import atlas.store.Journal;
import atlas.store.ObjectKey;
import atlas.store.Volume;
import atlas.store.VolumeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code atlas rm}: deletes objects — through the server that holds the volume (HTTP DELETE), or offline
 * with one journal commit for all names. Silent on success; each failure is one line {@code name: reason}.
 */
@Command(name = "rm", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Delete objects, through the server holding the volume or offline.")
final class RmCommand implements Callable<Integer> {
    private static final int HTTP_NOT_FOUND = 404;

    @Mixin
    DataDirOption data;

    @Mixin
    CredentialOptions credentials;

    @Option(names = "--server", paramLabel = "URL",
            description = "Delete through this server (default: the server holding the --data volume; none = offline).")
    String server;

    @Parameters(paramLabel = "NAME", arity = "1..*", description = "Object names, e.g. demo/index.m3u8.")
    List<String> names;

    @Override
    public Integer call() throws IOException, InterruptedException {
        // A name given twice is deleted once, not reported missing the second time.
        List<String> unique = new ArrayList<>(new LinkedHashSet<>(names));
        URI remote = ServerLocator.ifRunning(server, data.dir());
        int failures = remote != null ? viaServer(new AtlasClient(remote, credentials.authorization()), unique)
                : offline(unique);
        return failures == 0 ? 0 : FailureHandler.EXIT_FAILURE;
    }

    private static int viaServer(AtlasClient client, List<String> names) throws IOException, InterruptedException {
        PrintStream err = System.err;
        int failures = 0;
        for (String name : names) {
            String problem = NameCheck.problem(name);
            if (problem != null) {
                err.println(name + ": " + problem);
                failures++;
                continue;
            }
            AtlasClient.Reply reply = client.delete(name);
            if (!reply.ok()) {
                err.println(name + ": " + (reply.status() == HTTP_NOT_FOUND ? "no such object" : reply.describe()));
                failures++;
            }
        }
        return failures;
    }

    private int offline(List<String> names) throws IOException {
        PrintStream err = System.err;
        int failures = 0;
        try (Volume volume = Volume.open(VolumeConfig.defaults(data.requireExisting()));
             Journal journal = volume.journal(0)) {
            for (String name : names) {
                String problem = NameCheck.problem(name);
                if (problem == null && volume.lookup(name) == null) {
                    problem = "no such object";
                }
                if (problem != null) {
                    err.println(name + ": " + problem);
                    failures++;
                } else {
                    journal.stageDelete(ObjectKey.of(name));
                }
            }
            if (journal.stagedCount() > 0) {
                journal.commit();
            }
        }
        return failures;
    }
}
