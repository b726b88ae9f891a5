package atlas.access;

import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * What access control shares across the cores: the current credentials, the bcrypt verifier's thread, the
 * per-client table and the per-credential upload slots. Built once by the server; each core derives its own
 * {@link WriteAuthorizer} from it. Everything in here is either immutable or written at most once per connection
 * or upload (see {@link ClientTable}), never per byte.
 */
public final class AccessControl implements AutoCloseable {
    /** How often the auth file's mtime is looked at, as the certificate's. */
    public static final Duration FILE_CHECK_INTERVAL = Duration.ofSeconds(2);

    private final CredentialSource credentials;
    private final PasswordVerifier verifier;
    private final ClientTable clients;
    private final UploadSlots uploads;
    private final boolean publicListing;
    private static final long SWEEP_INTERVAL_MS = 10_000;
    private Thread sweeper;

    public AccessControl(CredentialSource credentials, ClientTable clients, UploadSlots uploads,
                         boolean publicListing) {
        this.credentials = credentials;
        this.verifier = new PasswordVerifier(1);
        this.clients = clients;
        this.uploads = uploads;
        this.publicListing = publicListing;
    }

    /** The write decisions of one core, answering through {@code coreInbox}. */
    public WriteAuthorizer newWriteAuthorizer(Executor coreInbox) {
        return new WriteAuthorizer(credentials, verifier, coreInbox);
    }

    /** Forgets idle clients every few seconds on a daemon thread (only when clients are tracked at all). */
    public synchronized void startSweeping() {
        if (!clients.counts() || sweeper != null) {
            return;
        }
        sweeper = Thread.ofPlatform().daemon().name("atlas-client-sweep").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(SWEEP_INTERVAL_MS);
                } catch (InterruptedException e) {
                    return;
                }
                clients.sweep(System.nanoTime());
            }
        });
    }

    public CredentialSource credentials() {
        return credentials;
    }

    public ClientTable clients() {
        return clients;
    }

    public UploadSlots uploads() {
        return uploads;
    }

    public boolean publicListing() {
        return publicListing;
    }

    @Override
    public void close() {
        credentials.close();
        verifier.close();
        Thread t;
        synchronized (this) {
            t = sweeper;
            sweeper = null;
        }
        if (t != null) {
            t.interrupt();
        }
    }
}
