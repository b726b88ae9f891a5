package atlas.uring;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Counts this process's open descriptors and mappings by kind, to check that nothing leaks. */
final class FdCensus {
    private FdCensus() {
    }

    /** Open fds whose /proc/self/fd link target starts with {@code prefix} ("socket:", "anon_inode:[io_uring]"). */
    static long fds(String prefix) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(p -> {
                try {
                    return Files.readSymbolicLink(p).toString().startsWith(prefix);
                } catch (IOException e) {
                    return false; // closed while listing (the directory stream's own fd, for one)
                }
            }).count();
        }
    }

    static long ringFds() throws IOException {
        return fds("anon_inode:[io_uring]");
    }

    static long sockets() throws IOException {
        return fds("socket:");
    }

    /** Mappings of io_uring rings in /proc/self/maps. */
    static long ringMappings() throws IOException {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.filter(l -> l.contains("io_uring")).count();
        }
    }
}
