package atlas.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The {@code lock} file: an exclusive {@code fcntl} lock ({@link FileChannel#tryLock}) held while the volume is
 * open, so two processes never write one volume. The file's text says who holds it, for error messages and so
 * CLI tools can find a running server:
 * <pre>
 *  pid 12345
 *  url http://127.0.0.1:8080/      (optional, see {@link Volume#advertise})
 * </pre>
 * The kernel drops the lock when the process dies, so a stale file is harmless.
 */
final class VolumeLock implements AutoCloseable {
    static final String FILE_NAME = "lock";

    private final Path directory;
    private final FileChannel channel;
    private final FileLock lock;

    private VolumeLock(Path directory, FileChannel channel, FileLock lock) {
        this.directory = directory;
        this.channel = channel;
        this.lock = lock;
    }

    static VolumeLock acquire(Path directory) throws IOException {
        Path file = directory.resolve(FILE_NAME);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this same JVM (a second open of the same directory)
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            ch.close();
            String pid = field(readLines(file), "pid");
            throw new IOException("volume " + directory + " is in use by another Atlas process (pid "
                    + (pid == null ? "unknown" : pid) + ")");
        }
        VolumeLock held = new VolumeLock(directory, ch, lock);
        held.writeContent(null);
        return held;
    }

    /** Rewrites the lock file's text: our pid, and {@code url} when not null. */
    synchronized void writeContent(String url) throws IOException {
        String text = "pid " + ProcessHandle.current().pid() + "\n" + (url == null ? "" : "url " + url + "\n");
        channel.truncate(0);
        channel.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), 0);
        channel.force(false);
    }

    /**
     * The URL advertised by the process holding {@code directory}'s lock, or null when there is none or the
     * recorded process is gone. Reads only: it never takes the lock, so it cannot disturb a starting server.
     */
    static String holderUrl(Path directory) {
        List<String> lines;
        try {
            lines = readLines(directory.resolve(FILE_NAME));
        } catch (IOException e) {
            return null;
        }
        String pid = field(lines, "pid");
        String url = field(lines, "url");
        if (pid == null || url == null) {
            return null;
        }
        try {
            return ProcessHandle.of(Long.parseLong(pid)).map(p -> p.isAlive() ? url : null).orElse(null);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static List<String> readLines(Path file) throws IOException {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        }
    }

    private static String field(List<String> lines, String name) {
        String prefix = name + " ";
        for (String line : lines) {
            if (line.startsWith(prefix)) {
                return line.substring(prefix.length()).trim();
            }
        }
        return null;
    }

    Path directory() {
        return directory;
    }

    /** Clears the text (so no stale URL is advertised) and releases the lock. */
    @Override
    public synchronized void close() throws IOException {
        try {
            channel.truncate(0);
            lock.release();
        } finally {
            channel.close();
        }
    }
}
