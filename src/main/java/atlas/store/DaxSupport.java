package atlas.store;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import jdk.nio.mapmode.ExtendedMapMode;

/**
 * Whether the volume's directory is on persistent memory mapped directly (DAX), found out at start-up in two
 * independent ways (issue 6, point 3):
 * <ol>
 *   <li>the mount holding the directory in {@code /proc/self/mountinfo} and its {@code dax} super options
 *       ({@code dax} and {@code dax=always}: every file is DAX; {@code dax=inode}: per file; {@code dax=never}
 *       or absent: no);</li>
 *   <li>the real test: {@code FileChannel.map} of a small probe file with JEP 352's
 *       {@link ExtendedMapMode#READ_WRITE_SYNC}, i.e. {@code mmap(MAP_SHARED_VALIDATE|MAP_SYNC)}, which the kernel
 *       refuses ({@code EOPNOTSUPP}) unless the file's pages are the persistent memory itself.</li>
 * </ol>
 * Only the probe decides {@link #mapSync()}; the mount is reported so an operator sees why. Where MAP_SYNC works,
 * the volume's journals append through a MAP_SYNC mapping — stores, then cache-line write-back of the range
 * ({@link JournalMapping}); otherwise they use O_DIRECT|O_DSYNC block writes. The start-up report says which.
 * <p>
 * mountinfo line (proc(5)); optional fields end at the lone {@code -}:
 * <pre>
 *  36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext4 /dev/vda rw,dax=always
 *  |  |  |    |     |     |          |        | |    |        +- super options (dax lives here)
 *  |  |  |    |     |     |          |        | |    +- source
 *  |  |  |    |     |     |          |        | +- file system type
 *  |  |  |    |     |     |          +--------+- optional fields, then the separator
 *  |  |  |    |     |     +- per-mount options
 *  |  |  |    |     +- mount point (octal escapes: \040 is a space)
 *  id parent major:minor root
 * </pre>
 *
 * @param mount        the mount holding the directory, or null if mountinfo could not be read or matched
 * @param mapSync      true when the MAP_SYNC probe mapping succeeded
 * @param probeProblem why the probe failed (the exception's message), or null when it succeeded
 */
public record DaxSupport(Mount mount, boolean mapSync, String probeProblem) {
    /** Name of the probe file, created in the volume directory and deleted again. */
    static final String PROBE_FILE_NAME = ".dax-probe";
    /** One page: the smallest mapping, and enough for the kernel to decide. */
    private static final int PROBE_BYTES = 4096;

    /** What the mount says about DAX. */
    public enum MountDax {
        /** No dax option, or {@code dax=never}. */
        NONE,
        /** {@code dax} or {@code dax=always}: every regular file is DAX. */
        ALWAYS,
        /** {@code dax=inode}: DAX per file (the {@code FS_XFLAG_DAX} attribute). */
        PER_INODE
    }

    /**
     * One mountinfo line, decoded.
     *
     * @param mountPoint where it is mounted (escapes decoded)
     * @param fsType     file system type, like ext4, xfs, tmpfs
     * @param source     mount source, like /dev/vda
     * @param dax        what the options say about DAX
     */
    public record Mount(String mountPoint, String fsType, String source, MountDax dax) {
    }

    /** Reads /proc/self/mountinfo and probes MAP_SYNC in {@code directory} (which must exist and be writable). */
    public static DaxSupport detect(Path directory) {
        Mount mount;
        try {
            String real = directory.toRealPath().toString();
            mount = mountOf(Files.readString(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8), real);
        } catch (IOException | RuntimeException e) {
            mount = null;
        }
        String problem = probeMapSync(directory);
        return new DaxSupport(mount, problem == null, problem);
    }

    /**
     * The mount holding {@code realPath} (an absolute path without symlinks): the longest mount point that is
     * the path or one of its parents, the last such line winning (a later mount over the same point hides the
     * earlier one). Null when no line matches.
     */
    public static Mount mountOf(String mountinfo, String realPath) {
        Mount best = null;
        for (String line : mountinfo.split("\n")) {
            Mount m = parseLine(line);
            if (m == null || !contains(m.mountPoint(), realPath)) {
                continue;
            }
            if (best == null || m.mountPoint().length() >= best.mountPoint().length()) {
                best = m;
            }
        }
        return best;
    }

    /** One mountinfo line, or null if it is malformed. */
    static Mount parseLine(String line) {
        String[] f = line.strip().split(" ");
        int dash = -1;
        for (int i = 6; i < f.length; i++) {
            if (f[i].equals("-")) {
                dash = i;
                break;
            }
        }
        if (dash < 0 || dash + 3 > f.length) {
            return null;
        }
        String superOptions = dash + 3 < f.length ? f[dash + 3] : "";
        return new Mount(unescape(f[4]), f[dash + 1], unescape(f[dash + 2]), daxOf(superOptions));
    }

    /** DAX from comma-separated options; the last dax option wins, as in the kernel's option parsing. */
    static MountDax daxOf(String options) {
        MountDax dax = MountDax.NONE;
        for (String o : options.split(",")) {
            switch (o) {
                case "dax", "dax=always" -> dax = MountDax.ALWAYS;
                case "dax=inode" -> dax = MountDax.PER_INODE;
                case "dax=never" -> dax = MountDax.NONE;
                default -> {
                    // not about DAX
                }
            }
        }
        return dax;
    }

    private static boolean contains(String mountPoint, String path) {
        if (mountPoint.equals("/")) {
            return path.startsWith("/");
        }
        return path.equals(mountPoint) || path.startsWith(mountPoint + "/");
    }

    /** Decodes mountinfo's octal escapes ({@code \040} space, {@code \011} tab, {@code \012} newline, {@code \134}). */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1)) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }

    /**
     * Maps one page of a probe file in {@code directory} with {@code READ_WRITE_SYNC}; returns null when that
     * worked, else why not. The probe file is removed either way.
     */
    static String probeMapSync(Path directory) {
        Path probe = directory.resolve(PROBE_FILE_NAME);
        try (FileChannel ch = FileChannel.open(probe, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            MappedByteBuffer page = ch.map(ExtendedMapMode.READ_WRITE_SYNC, 0, PROBE_BYTES);
            // Touch and write back one line, as the journal would, so a mapping that cannot persist fails here.
            page.put(0, (byte) 1);
            page.force(0, 64);
            return null;
        } catch (IOException | UnsupportedOperationException e) {
            String message = e.getMessage();
            return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
        } finally {
            try {
                Files.deleteIfExists(probe);
            } catch (IOException e) {
                // a stray probe file is harmless: the next start truncates and deletes it
            }
        }
    }

    /**
     * One line for the start-up report, e.g.
     * {@code no (ext4 on /dev/vda, MAP_SYNC refused) — journal uses O_DSYNC writes}.
     */
    public String summary() {
        List<String> why = new ArrayList<>();
        if (mount != null) {
            why.add(mount.fsType() + " on " + mount.source());
            if (mount.dax() == MountDax.ALWAYS) {
                why.add("mounted dax");
            } else if (mount.dax() == MountDax.PER_INODE) {
                why.add("mounted dax=inode");
            }
        } else {
            why.add("mount unknown");
        }
        why.add(mapSync ? "MAP_SYNC works" : "MAP_SYNC refused");
        String detail = "(" + String.join(", ", why) + ")";
        return mapSync
                ? "yes " + detail + " — journal appends through a MAP_SYNC mapping (cache-line write-back)"
                : "no " + detail + " — journal uses O_DSYNC writes";
    }
}
