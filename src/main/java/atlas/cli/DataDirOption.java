package atlas.cli;

import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

/** {@code --data DIR}, shared by every command that touches a volume. */
final class DataDirOption {
    @Option(names = "--data", paramLabel = "DIR", defaultValue = "./atlas-data",
            description = "Volume directory (default: ${DEFAULT-VALUE}).")
    Path dir;

    Path dir() {
        return dir.toAbsolutePath().normalize();
    }

    /** For commands that only read or edit a volume: refuse to create one by accident. */
    Path requireExisting() {
        Path d = dir();
        if (!Files.isDirectory(d)) {
            throw new IllegalArgumentException("no volume at " + dir + " (use --data DIR)");
        }
        return d;
    }
}
