package atlas.cli;

import atlas.store.Volume;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code atlas format --device PATH...}: erases what a device holds (a file system, a partition table, another
 * Atlas volume) so that {@code atlas serve --device PATH} takes it. Serving never erases anything by itself: a
 * device that is not blank is refused at start-up with a line pointing here.
 */
@Command(name = "format", mixinStandardHelpOptions = true,
        description = "Erase devices (their first and last MiB: file-system signatures, partition tables, an old "
                + "volume's superblock) so that serve --device takes them. Refuses mounted devices and devices of "
                + "the volume in --data.")
final class FormatCommand implements Callable<Integer> {
    @Mixin
    DataDirOption data;

    @Option(names = "--device", paramLabel = "PATH", required = true,
            description = "Block device or preallocated file to erase; repeatable.")
    List<Path> devices;

    @Override
    public Integer call() throws IOException {
        Path dir = Files.isDirectory(data.dir()) ? data.dir() : null;
        for (Path device : devices) {
            String held = Volume.formatDevice(device, dir);
            System.out.println("erased " + device + " (it held " + held + "); atlas serve --device " + device
                    + " adds it to a volume");
        }
        return 0;
    }
}
