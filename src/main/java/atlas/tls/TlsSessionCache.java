package atlas.tls;

import org.bouncycastle.tls.TlsSession;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * TLS 1.2 sessions by session ID (RFC 5246 §7.3's abbreviated handshake), shared by every core: a client that
 * comes back with the ID of a session it had here — on any core, since the kernel spreads a client's connections
 * over the listeners — resumes it without a key exchange or a signature, the two public-key operations that make
 * up most of a full handshake's server CPU.
 * <p>
 * Bounded twice: an entry lives {@link #lifetimeMillis} (the client's own cache may hold it longer; then it gets a
 * full handshake), and past {@link #capacity} entries the oldest go first. A session is only resumed under the
 * identity (certificate and key) it was made with: after a certificate reload, clients get a full handshake and
 * the new certificate. BouncyCastle keeps a session's master secret in it and invalidates a session that ended in
 * a fatal alert; an invalid one is never handed out.
 * <p>
 * TLS 1.3 resumption (PSK from NewSessionTicket) is not here: BouncyCastle's server side (1.84) only looks up
 * external PSKs, whose binders use a different label than a resumption PSK's, so a ticket could not be accepted.
 * <p>
 * Threads: the cores' handshakes, on any core; this is the connection's set-up, not its data path, and costs one
 * hash-map operation per handshake.
 */
public final class TlsSessionCache {
    /** A session is a few hundred bytes: 20 000 of them are a few MiB. */
    public static final int DEFAULT_CAPACITY = 20_000;

    private record Id(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Id other && Arrays.equals(bytes, other.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }

    private record Entry(TlsSession session, TlsIdentity identity, long expiresAtMillis) {
    }

    private final ConcurrentHashMap<Id, Entry> sessions = new ConcurrentHashMap<>();
    /**
     * Insertion order: exactly the map's keys, oldest first (one lifetime for all, so also the order they expire
     * in, but for an ID stored again, which keeps its place).
     */
    private final ConcurrentLinkedQueue<Id> order = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final int capacity;
    private final long lifetimeMillis;
    private final LongSupplier clockMillis;

    public TlsSessionCache(int capacity, long lifetimeMillis, LongSupplier clockMillis) {
        if (capacity <= 0 || lifetimeMillis <= 0) {
            throw new IllegalArgumentException("capacity and lifetime must be positive");
        }
        this.capacity = capacity;
        this.lifetimeMillis = lifetimeMillis;
        this.clockMillis = clockMillis;
    }

    /** A full TLS 1.2 handshake under {@code identity} made {@code session}: keep it for resumption. */
    void put(TlsSession session, TlsIdentity identity) {
        byte[] id = session.getSessionID();
        if (id == null || id.length == 0 || !session.isResumable()) {
            return;
        }
        Id key = new Id(id.clone());
        long now = clockMillis.getAsLong();
        if (sessions.put(key, new Entry(session, identity, now + lifetimeMillis)) == null) {
            order.add(key);
            size.incrementAndGet();
        }
        dropOldest(now);
    }

    /** The session a client offers by {@code id}, if it is here, alive, resumable and of {@code identity}. */
    TlsSession get(byte[] id, TlsIdentity identity) {
        if (id == null || id.length == 0) {
            return null;
        }
        Entry e = sessions.get(new Id(id));
        if (e == null || e.expiresAtMillis <= clockMillis.getAsLong() || !e.session.isResumable()
                || e.identity != identity) {
            return null; // an expired one stays until a put pushes it out: the map and the order agree
        }
        return e.session;
    }

    /** Sessions held (expired ones until the next put after their expiry). */
    public int size() {
        return size.get();
    }

    /** Over capacity, the oldest go; and whatever expired at the old end. */
    private void dropOldest(long now) {
        Id oldest;
        while ((oldest = order.peek()) != null) {
            Entry e = sessions.get(oldest);
            if (size.get() <= capacity && e != null && e.expiresAtMillis > now) {
                return;
            }
            if (order.remove(oldest) && sessions.remove(oldest) != null) {
                size.decrementAndGet();
            }
        }
    }
}
