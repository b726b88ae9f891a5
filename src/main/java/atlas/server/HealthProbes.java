package atlas.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the start-up report says about the machine: DAX on the volume's file system and the memlock limit. */
final class HealthProbes {
    private HealthProbes() {
    }

    /**
     * "present (mount M)" when the file system holding {@code dir} is mounted with {@code dax}, else "not present"
     * (we read through O_DIRECT either way; DAX would let a later version map the data file instead).
     */
    static String dax(Path dir) {
        try {
            List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo"));
            String real = dir.toRealPath().toString();
            String best = null;
            boolean dax = false;
            for (String line : mounts) {
                // id parent major:minor root mountpoint options ... - fstype source superoptions
                String[] f = line.split(" ");
                if (f.length < 6) {
                    continue;
                }
                String point = f[4];
                boolean under = real.equals(point) || real.startsWith(point.endsWith("/") ? point : point + "/");
                if (under && (best == null || point.length() >= best.length())) {
                    best = point;
                    dax = line.contains("dax");
                }
            }
            return dax ? "present (mount " + best + ")" : "not present";
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
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
