package atlas.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the start-up report says about the machine beyond the engine: the memlock limit. */
final class HealthProbes {
    private HealthProbes() {
    }

    /** RLIMIT_MEMLOCK (soft) from /proc/self/limits: "unlimited", "8 MiB", or "unknown". */
    static String memlock() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max locked memory")) {
                    String soft = line.substring("Max locked memory".length()).strip().split("\\s+")[0];
                    if (soft.equals("unlimited")) {
                        return soft;
                    }
                    long bytes = Long.parseLong(soft);
                    return bytes >= (1L << 20) ? (bytes >> 20) + " MiB" : (bytes >> 10) + " KiB";
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return "unknown";
    }
}
