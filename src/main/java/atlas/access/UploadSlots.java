package atlas.access;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Concurrent uploads per credential ({@code --max-uploads-per-credential}), shared by all cores: a leaked or
 * runaway encoder key cannot take every core's I/O buffers with parallel PUTs. One atomic update when an upload
 * begins and one when it ends.
 */
public final class UploadSlots {
    private final ConcurrentHashMap<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final int max;
    public final LongAdder refused = new LongAdder();

    /** @param max uploads in flight per credential; 0: no limit */
    public UploadSlots(int max) {
        this.max = max;
    }

    /** Takes a slot for {@code credential}; false (counted) when it already has {@code max} uploads in flight. */
    public boolean tryBegin(Credential credential) {
        if (max <= 0) {
            return true;
        }
        AtomicInteger n = inFlight.computeIfAbsent(credential.name(), k -> new AtomicInteger());
        while (true) {
            int now = n.get();
            if (now >= max) {
                refused.increment();
                return false;
            }
            if (n.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    /** Gives back the slot of an upload that ended (stored, failed or abandoned). */
    public void end(Credential credential) {
        if (max > 0) {
            inFlight.get(credential.name()).decrementAndGet();
        }
    }

    public int max() {
        return max;
    }
}
