package atlas.it;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * How many bytes of a file are resident in the page cache: util-linux {@code fincore --bytes} when it is on
 * the PATH, else {@code mincore(2)} over FFM on a fresh read-only shared mapping (mapping does not fault pages
 * in; only the kernel's resident bits are read). Both count page-cache pages of the file, whoever put them
 * there.
 */
@SuppressWarnings("restricted") // mincore(2) through FFM; the test JVM runs with --enable-native-access
final class PageCacheProbe {
    private static final long PAGE = 4096;

    private PageCacheProbe() {
    }

    static boolean fincoreAvailable() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "fincore"))) {
                return true;
            }
        }
        return false;
    }

    /** "fincore" or "mincore": what {@link #residentBytes} uses. */
    static String method() {
        return fincoreAvailable() ? "fincore" : "mincore";
    }

    static long residentBytes(Path file) throws IOException, InterruptedException {
        return fincoreAvailable() ? fincore(file) : mincore(file);
    }

    static long fincore(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of("fincore", "--bytes", "--noheadings", "--output", "RES",
                file.toString())).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("fincore did not finish");
        }
        String text = new String(out, StandardCharsets.UTF_8).strip();
        if (p.exitValue() != 0) {
            throw new IOException("fincore exited " + p.exitValue() + ": " + text);
        }
        return Long.parseLong(text);
    }

    static long mincore(Path file) throws IOException {
        MethodHandle mincore = Linker.nativeLinker().downcallHandle(
                Linker.nativeLinker().defaultLookup().find("mincore").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                        ValueLayout.ADDRESS));
        try (Arena arena = Arena.ofConfined();
             FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) {
                return 0;
            }
            MemorySegment map = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long pages = (size + PAGE - 1) / PAGE;
            MemorySegment vec = arena.allocate(pages);
            int rc = (int) mincore.invokeExact(map, size, vec);
            if (rc != 0) {
                throw new IOException("mincore failed");
            }
            long resident = 0;
            for (long i = 0; i < pages; i++) {
                if ((vec.get(ValueLayout.JAVA_BYTE, i) & 1) != 0) {
                    resident += PAGE; // whole pages, as fincore counts them
                }
            }
            return resident;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException(t);
        }
    }
}
