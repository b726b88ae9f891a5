package atlas.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The files a {@code put} or {@code import} sends, each with the object name it gets:
 * <ul>
 *   <li>a directory argument contributes every regular file below it, named by its path relative to that
 *       directory ({@code segments/} + {@code vod/a/seg1.ts} → {@code vod/a/seg1.ts}), so a tree on disk
 *       becomes the same tree of URLs;</li>
 *   <li>a file argument is named by its file name, or by {@code --name}.</li>
 * </ul>
 * A prefix ({@code --prefix vod/}) goes in front of every name. Names are not validated here: the store's
 * rules ({@code ObjectNames}) decide, per file, so one bad name does not stop the rest.
 */
record SourceFiles(List<Source> files, long totalBytes) {

    /** One file to send and the object name it is stored under. */
    record Source(String name, Path path, long sizeBytes) {
    }

    static SourceFiles collect(List<Path> args, String prefix, String explicitName) throws IOException {
        String p = normalizePrefix(prefix);
        List<Source> out = new ArrayList<>();
        for (Path arg : args) {
            if (Files.isDirectory(arg)) {
                addTree(arg, p, out);
            } else if (Files.isRegularFile(arg)) {
                String name = explicitName != null ? explicitName : arg.getFileName().toString();
                out.add(new Source(p + name, arg, Files.size(arg)));
            } else if (Files.exists(arg)) {
                throw new IOException("not a regular file or directory: " + arg);
            } else {
                throw new NoSuchFileException(arg.toString());
            }
        }
        long total = 0;
        for (Source s : out) {
            total += s.sizeBytes();
        }
        return new SourceFiles(List.copyOf(out), total);
    }

    private static void addTree(Path dir, String prefix, List<Source> out) throws IOException {
        List<Source> tree = new ArrayList<>();
        // Files.walk does not follow symbolic links to directories (no cycles); linked files are included.
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path file : (Iterable<Path>) walk::iterator) {
                if (Files.isRegularFile(file)) {
                    tree.add(new Source(prefix + relativeName(dir, file), file, Files.size(file)));
                }
            }
        }
        tree.sort(Comparator.comparing(Source::name));
        out.addAll(tree);
    }

    /** The path of {@code file} below {@code dir}, with '/' separators whatever the platform. */
    static String relativeName(Path dir, Path file) {
        Path rel = dir.relativize(file);
        StringBuilder sb = new StringBuilder();
        for (Path segment : rel) {
            if (!sb.isEmpty()) {
                sb.append('/');
            }
            sb.append(segment);
        }
        return sb.toString();
    }

    /** "vod" and "vod/" both mean the folder vod/; empty means no prefix. */
    static String normalizePrefix(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            return "";
        }
        return prefix.endsWith("/") ? prefix : prefix + "/";
    }

    int count() {
        return files.size();
    }
}
