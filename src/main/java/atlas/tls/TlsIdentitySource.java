package atlas.tls;

import atlas.posix.Signals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The current {@link TlsIdentity}, swapped when the certificate or key files change, so a renewed certificate is
 * picked up without a restart (issue 5 §1).
 * <p>
 * Threads: event-loop threads call {@link #current()} at each accepted TLS connection — a volatile read, the only
 * cross-thread hand-off, and the identity is immutable. Reloads run on the watcher thread or the signal thread;
 * they are {@code synchronized} among themselves. A handshake in progress keeps the identity it started with.
 * <p>
 * A reload that fails (a half-written file, a key that does not match yet) keeps the old identity and logs one
 * line saying why; it is retried when the files change again, so writing the certificate and then the key (the
 * usual renewal order) ends with the new pair in use.
 */
public final class TlsIdentitySource implements AutoCloseable {
    private final Path certificateFile;
    private final Path keyFile;
    private final Consumer<String> log;
    private volatile TlsIdentity current;
    /** mtime, size and inode of both files at the last (attempted) load; guarded by this. */
    private String stamp;
    private Thread watcher;

    private TlsIdentitySource(TlsIdentity identity, Path certificateFile, Path keyFile, Consumer<String> log,
                              String stamp) {
        this.current = identity;
        this.certificateFile = certificateFile;
        this.keyFile = keyFile;
        this.log = log;
        this.stamp = stamp;
    }

    /**
     * Loads the pair now and remembers the files for {@link #reloadIfChanged()}.
     *
     * @param log receives one line per reload or failed reload (e.g. {@code System.err::println})
     * @throws IllegalArgumentException if the first load fails (see {@link TlsIdentity#fromPem})
     */
    public static TlsIdentitySource watching(Path certChainPem, Path keyPem, Consumer<String> log) {
        String stamp = stamp(certChainPem, keyPem);
        return new TlsIdentitySource(TlsIdentity.fromPem(certChainPem, keyPem), certChainPem, keyPem,
                Objects.requireNonNull(log), stamp);
    }

    /** A source that never changes (the self-signed demo identity); reloads do nothing. */
    public static TlsIdentitySource fixed(TlsIdentity identity) {
        return new TlsIdentitySource(Objects.requireNonNull(identity), null, null, line -> { }, null);
    }

    /** The identity for a connection accepted now. Any thread. */
    public TlsIdentity current() {
        return current;
    }

    /**
     * Reloads if either file's modification time, size or inode changed since the last attempt.
     *
     * @return true if a new identity is now current
     */
    public synchronized boolean reloadIfChanged() {
        if (certificateFile == null) {
            return false;
        }
        String now = stamp(certificateFile, keyFile);
        if (now.equals(stamp)) {
            return false;
        }
        return load(now);
    }

    /** Reloads unconditionally (SIGHUP: the operator says the files changed). */
    public synchronized boolean reload() {
        return certificateFile != null && load(stamp(certificateFile, keyFile));
    }

    private boolean load(String newStamp) {
        // The stamp is taken before reading, so a write that lands during the read shows up at the next check.
        stamp = newStamp;
        TlsIdentity old = current;
        try {
            TlsIdentity fresh = TlsIdentity.fromPem(certificateFile, keyFile);
            current = fresh;
            log.accept("atlas: TLS certificate reloaded: " + fresh.subject() + ", valid until " + fresh.notAfter()
                    + ", SHA-256 " + fresh.fingerprintSha256());
            return true;
        } catch (IllegalArgumentException e) {
            log.accept("atlas: TLS certificate reload failed, still serving SHA-256 " + old.fingerprintSha256()
                    + ": " + e.getMessage());
            return false;
        }
    }

    /**
     * Starts a daemon thread that calls {@link #reloadIfChanged()} every {@code interval}; {@link #close()} stops
     * it. Polling two {@code stat}s every couple of seconds costs nothing and, unlike inotify, also sees a
     * certbot-style symlink swap and files on network mounts.
     */
    public synchronized void startWatching(Duration interval) {
        if (certificateFile == null || watcher != null) {
            return;
        }
        long intervalMs = Math.max(1, interval.toMillis());
        watcher = Thread.ofPlatform().daemon().name("atlas-tls-reload").start(() -> {
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

    /**
     * Makes SIGHUP call {@link #reload()} ({@link Signals}: replaces the JVM's default SIGHUP action, which is to
     * exit). Returns false (nothing installed) for a fixed source, or when the JVM refuses the signal.
     */
    public boolean installHangupHandler() {
        if (certificateFile == null) {
            return false;
        }
        return Signals.install("HUP", "atlas TLS certificate reload", this::reload);
    }

    /** Stops the watcher thread, if any. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            t = watcher;
            watcher = null;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** What "changed" means: either file's mtime, size or inode (a certbot symlink swap changes the inode). */
    private static String stamp(Path certificateFile, Path keyFile) {
        return stamp(certificateFile) + '|' + stamp(keyFile);
    }

    private static String stamp(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return a.lastModifiedTime() + ":" + a.size() + ":" + a.fileKey(); // FileTime prints all its digits
        } catch (IOException e) {
            return "missing";
        }
    }
}
