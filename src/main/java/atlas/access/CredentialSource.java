package atlas.access;

import atlas.posix.Signals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The current {@link Credentials}, replaced when the auth file changes or on SIGHUP — so an encoder's key is added
 * or revoked without a restart.
 * <p>
 * Threads: cores read {@link #current()} per write request (one volatile read; the snapshot is immutable). Reloads
 * run on the watcher or the signal thread, {@code synchronized} among themselves. A reload that fails (a half-written
 * file, a typo) keeps the previous credentials and logs one line saying where the problem is; it is retried when the
 * file changes again. A revoked credential stops working at the next request that presents it: the cores' caches
 * of verified credentials belong to one snapshot ({@link #generation()}).
 */
public final class CredentialSource implements AutoCloseable {
    private final Path file;
    private final Consumer<String> log;
    private volatile Credentials current;
    private volatile long generation;
    private String stamp;
    private Thread watcher;

    private CredentialSource(Path file, Credentials initial, Consumer<String> log, String stamp) {
        this.file = file;
        this.current = initial;
        this.log = log;
        this.stamp = stamp;
    }

    /**
     * Loads {@code file} now.
     *
     * @throws IllegalArgumentException with a line naming the file and line when it does not parse
     * @throws IOException when it cannot be read
     */
    public static CredentialSource watching(Path file, Consumer<String> log) throws IOException {
        String stamp = stamp(file);
        return new CredentialSource(file, CredentialFile.load(file), log, stamp);
    }

    /** No auth file: {@link Credentials#NONE} forever (writes from loopback peers only). */
    public static CredentialSource none() {
        return new CredentialSource(null, Credentials.NONE, line -> { }, null);
    }

    /** A fixed set (tests). */
    public static CredentialSource fixed(Credentials credentials) {
        return new CredentialSource(null, credentials, line -> { }, null);
    }

    /** Any thread. */
    public Credentials current() {
        return current;
    }

    /** Changes with every successful reload; a core drops what it verified against an older generation. */
    public long generation() {
        return generation;
    }

    public Path file() {
        return file;
    }

    public synchronized boolean reloadIfChanged() {
        if (file == null) {
            return false;
        }
        String now = stamp(file);
        return !now.equals(stamp) && load(now);
    }

    /** SIGHUP: the operator says the file changed. */
    public synchronized boolean reload() {
        return file != null && load(stamp(file));
    }

    private boolean load(String newStamp) {
        stamp = newStamp; // taken before reading: a write during the read shows up at the next check
        try {
            Credentials fresh = CredentialFile.load(file);
            current = fresh;
            generation++;
            log.accept("atlas: auth file reloaded: " + summary(fresh));
            return true;
        } catch (IOException | IllegalArgumentException e) {
            log.accept("atlas: auth file reload failed, keeping the previous credentials: " + e.getMessage());
            return false;
        }
    }

    static String summary(Credentials c) {
        return c.userCount() + (c.userCount() == 1 ? " user, " : " users, ") + c.tokenCount()
                + (c.tokenCount() == 1 ? " token" : " tokens");
    }

    public String summary() {
        return file == null ? "none" : file + " (" + summary(current) + ")";
    }

    /** Polls the file's mtime, size and inode every {@code interval} on a daemon thread, as the certificate is. */
    public synchronized void startWatching(Duration interval) {
        if (file == null || watcher != null) {
            return;
        }
        long intervalMs = Math.max(1, interval.toMillis());
        watcher = Thread.ofPlatform().daemon().name("atlas-auth-reload").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(intervalMs);
                } catch (InterruptedException e) {
                    return;
                }
                reloadIfChanged();
            }
        });
    }

    public boolean installHangupHandler() {
        return file != null && Signals.install("HUP", "atlas auth file reload", this::reload);
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            t = watcher;
            watcher = null;
        }
        if (t != null) {
            t.interrupt();
        }
    }

    private static String stamp(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return a.lastModifiedTime() + ":" + a.size() + ":" + a.fileKey();
        } catch (IOException e) {
            return "missing";
        }
    }
}
