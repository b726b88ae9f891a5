package atlas.cli;

import atlas.store.Device;
import atlas.store.ObjectRecord;
import atlas.store.VerifyResult;
import atlas.store.Volume;
import atlas.store.VolumeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code atlas verify}: re-reads every object from the data file (O_DIRECT, so the disk is really read, not
 * the page cache) and compares its CRC32C with the one recorded at write time ({@link Volume#verify}).
 * Offline only: a scrub must not compete with serving cores for the disk, and the volume is locked anyway.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Re-read every object and check its CRC32C (offline; stop the server first).")
final class VerifyCommand implements Callable<Integer> {
    @Mixin
    DataDirOption data;

    @Override
    public Integer call() throws IOException {
        Path dir = data.requireExisting();
        URI server = ServerLocator.holder(dir);
        if (server != null) {
            throw new IllegalStateException("the volume in " + data.dir + " is in use by the server at " + server
                    + "; stop it first (verify reads the volume offline)");
        }
        try (Volume volume = Volume.open(VolumeConfig.defaults(dir))) {
            // On a terminal the in-place line shows progress; in a log only bad objects get a line.
            Progress progress = Progress.onStderr("verified", volume.objectCount(), volume.liveBytes(), false);
            long[][] perDevice = new long[volume.deviceCount()][3]; // objects, bytes, bad
            List<String> bad = new ArrayList<>();
            VerifyResult result = volume.verify((ObjectRecord r, boolean ok, long done, long total) -> {
                int d = r.extent().device();
                perDevice[d][0]++;
                perDevice[d][1] += r.length();
                if (ok) {
                    progress.succeeded(r.name(), r.length());
                } else {
                    perDevice[d][2]++;
                    bad.add(r.name() + " (device " + d + ", " + volume.device(d).path() + ")");
                    progress.failed(r.name(), r.length(), "CRC32C mismatch, short read or read error");
                }
            });
            progress.abandon();
            PrintStream out = System.out;
            out.println("verified " + result.objects() + " objects, " + result.bytes() + " bytes: "
                    + result.badObjects().size() + " bad");
            for (Device d : volume.devices()) {
                long[] c = perDevice[d.index()];
                out.println("device " + d.index() + " (" + d.path() + "): " + c[0] + " objects, " + c[1] + " bytes, "
                        + c[2] + " bad");
            }
            for (String line : bad) {
                out.println("bad: " + line);
            }
            out.flush();
            return result.ok() ? 0 : FailureHandler.EXIT_FAILURE;
        }
    }
}
