package atlas.access;

import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs bcrypt off the cores. A bcrypt check costs milliseconds by design (cost 5, htpasswd's default, is about 2 ms
 * here; cost 10 about 60 ms): run on a core it would stall every connection of that core, and a stranger sending
 * wrong passwords would stall them at will. So a core hands the check to this verifier's thread and gets the answer
 * back through its {@link atlas.dataplane.CoreInbox} — the one way into a core.
 * <p>
 * Bounded: at most {@link #QUEUE} checks wait; beyond that {@link #verify} refuses at once (the request gets 503)
 * rather than queueing without limit behind a flood. Each core caches what was verified ({@link WriteAuthorizer}),
 * so an encoder's persistent connection pays one check per credential, not one per segment.
 */
public final class PasswordVerifier implements AutoCloseable {
    static final int QUEUE = 256;
    private final ThreadPoolExecutor pool;

    public PasswordVerifier(int threads) {
        this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE),
                Thread.ofPlatform().daemon().name("atlas-auth-", 0).factory());
    }

    /**
     * Checks {@code password} against {@code bcryptHash} on the verifier's thread, then runs {@code answer} with the
     * result on {@code core} (the requesting core's inbox).
     *
     * @return false when the queue is full: nothing will be answered
     */
    public boolean verify(String bcryptHash, char[] password, Executor core, Consumer<Boolean> answer) {
        try {
            pool.execute(() -> {
                boolean ok;
                try {
                    ok = OpenBSDBCrypt.checkPassword(bcryptHash, password);
                } catch (RuntimeException e) {
                    ok = false; // a hash BouncyCastle cannot read: the credential does not verify
                }
                java.util.Arrays.fill(password, '\0');
                boolean result = ok;
                core.execute(() -> answer.accept(result));
            });
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
