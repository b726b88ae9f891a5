package atlas.metrics;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The one thread that writes the access log: every {@value #POLL_MS} ms it drains each core's
 * {@link AccessLogRing} into the file with plain appends, so no core ever waits for the disk.
 * <p>
 * Rotation: {@link #requestReopen()} (wired to SIGUSR1) makes the next turn close and reopen the path; and once
 * a second the writer checks whether the path still names the file it has open (same device and inode) and
 * reopens when it was moved or deleted — so {@code mv access.log access.log.1} alone is enough, with or without
 * the signal. Lines drained before the reopen go to the old file, later ones to the new.
 */
public final class AccessLogWriter implements AutoCloseable {
    static final long POLL_MS = 100;
    private static final long CHECK_NS = TimeUnit.SECONDS.toNanos(1);
    /** Each core's ring: 1 MiB holds several thousand lines, a few hundred ms of a busy core. */
    public static final int RING_BYTES = 1 << 20;

    private final Path path;
    private final List<AccessLogRing> rings = new CopyOnWriteArrayList<>();
    private final ByteBuffer chunk = ByteBuffer.allocateDirect(RING_BYTES);
    private final Thread thread;
    private volatile boolean reopenRequested;
    private volatile boolean stopping;
    private FileChannel channel;
    private Object fileKey;
    private long lastCheckNs;
    private volatile long bytesWritten;
    private volatile String lastError;

    /** Opens (creating) {@code path} for appending now, so a bad path fails start-up with one line. */
    public AccessLogWriter(Path path) throws IOException {
        this.path = path;
        try {
            open();
        } catch (IOException e) {
            throw new IOException("cannot open the access log " + path + ": " + describe(e));
        }
        this.thread = Thread.ofPlatform().daemon().name("atlas-access-log").unstarted(this::run);
    }

    public Path path() {
        return path;
    }

    /** A ring for one more core (any thread, at start-up). */
    public AccessLogRing newRing() {
        AccessLogRing ring = new AccessLogRing(RING_BYTES);
        rings.add(ring);
        return ring;
    }

    public void start() {
        thread.start();
    }

    /** Reopen the path on the next turn (safe from a signal handler: sets a flag). */
    public void requestReopen() {
        reopenRequested = true;
        LockSupport.unpark(thread);
    }

    /** Lines dropped by all cores because their ring was full. */
    public long dropped() {
        long n = 0;
        for (AccessLogRing r : rings) {
            n += r.dropped();
        }
        return n;
    }

    public long bytesWritten() {
        return bytesWritten;
    }

    /** The last write or reopen failure, or null. */
    public String lastError() {
        return lastError;
    }

    private void run() {
        while (!stopping) {
            turn();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(POLL_MS));
        }
    }

    private void turn() {
        long now = System.nanoTime();
        if (reopenRequested || now - lastCheckNs >= CHECK_NS) {
            lastCheckNs = now;
            boolean asked = reopenRequested;
            reopenRequested = false;
            if (asked || moved()) {
                reopen();
            }
        }
        for (AccessLogRing ring : rings) {
            chunk.clear();
            if (ring.drainTo(chunk) > 0) {
                chunk.flip();
                write();
            }
        }
    }

    private void write() {
        try {
            if (channel == null) {
                open();
            }
            while (chunk.hasRemaining()) {
                bytesWritten += channel.write(chunk);
            }
        } catch (IOException e) {
            // Logged once per distinct failure; the lines are lost, the server goes on.
            String why = describe(e);
            if (!why.equals(lastError)) {
                System.err.println("atlas: access log " + path + ": " + why);
            }
            lastError = why;
            closeQuietly();
        }
    }

    /** True when the path no longer names the open file: moved, deleted or replaced. */
    private boolean moved() {
        try {
            Object key = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            return key == null || !key.equals(fileKey);
        } catch (IOException e) {
            return true;
        }
    }

    private void reopen() {
        closeQuietly();
        try {
            open();
            lastError = null;
        } catch (IOException e) {
            lastError = describe(e);
            System.err.println("atlas: cannot reopen the access log " + path + ": " + lastError);
        }
    }

    private void open() throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        fileKey = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    private void closeQuietly() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // Nothing left to save in a channel we are dropping.
            }
            channel = null;
        }
    }

    private static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such directory";
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    /** Stops the thread after a last drain (call once the cores have stopped producing). */
    @Override
    public void close() {
        stopping = true;
        LockSupport.unpark(thread);
        if (thread.isAlive()) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        turn();
        closeQuietly();
    }
}
