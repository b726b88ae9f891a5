package atlas.hot;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Reclamation of memory every core may send from while one core owns it: <em>per-core pins</em> and a retired
 * flag. A core that is about to send from the memory increments its own pin slot, then checks that the memory is
 * not retired; the owner retires it (a volatile write) and reuses the memory only once it reads every core's slot
 * as zero. Both sides use sequentially consistent accesses, so either the reader sees the retirement and backs off,
 * or the owner sees the pin and waits (Dekker's argument). Each core writes only its own slot, padded to a cache
 * line, so a pin on one core never writes a line another core writes: no lock and no shared write.
 * <pre>
 *   perCore:  [core 0: pins, counter, pad x6] [core 1: pins, counter, pad x6] ...   (8 longs = 64 bytes per core)
 *   reader:   pins[c] += 1 (volatile);  retired? -> pins[c] -= 1, back off;  else use, then pins[c] -= 1
 *   owner:    retired = true (volatile);  every pins[c] == 0 ? free now : look again later
 * </pre>
 * Each core's slot also has one counter of its own (the tier counts hits there), read summed by the owner.
 * Epoch-based reclamation was the alternative; it fits memory read within one loop turn, but a send (zero-copy or
 * not) holds the bytes across turns, so a send would need its own pin anyway.
 */
public final class CorePins {
    private static final int SLOT_LONGS = 8;
    private static final int PINS = 0;
    private static final int COUNTER = 1;
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] perCore;
    private volatile boolean retired;

    public CorePins(int cores) {
        this.perCore = new long[(cores + 1) * SLOT_LONGS]; // one spare slot: the array header's line is not core 0's
    }

    /** Pins for {@code core}: true when the memory may be used until {@link #unpin}; false when it was retired. */
    public boolean pin(int core) {
        int slot = (core + 1) * SLOT_LONGS + PINS;
        SLOTS.setVolatile(perCore, slot, (long) SLOTS.getVolatile(perCore, slot) + 1);
        if (retired) {
            SLOTS.setVolatile(perCore, slot, (long) SLOTS.getVolatile(perCore, slot) - 1);
            return false;
        }
        return true;
    }

    /** Ends a pin of {@code core}'s. */
    public void unpin(int core) {
        int slot = (core + 1) * SLOT_LONGS + PINS;
        // Release: every read of the memory by this core happens before the owner can see zero and reuse it.
        SLOTS.setVolatile(perCore, slot, (long) SLOTS.getVolatile(perCore, slot) - 1);
    }

    /** Owner (or whoever ends the memory's life): no more pins from here; readers that pin from now on back off. */
    public void retire() {
        retired = true;
    }

    public boolean isRetired() {
        return retired;
    }

    /** True when no core holds a pin (after {@link #retire}, once true it stays true). */
    public boolean unpinnedEverywhere() {
        for (int slot = SLOT_LONGS; slot < perCore.length; slot += SLOT_LONGS) {
            if ((long) SLOTS.getVolatile(perCore, slot + PINS) != 0) {
                return false;
            }
        }
        return true;
    }

    /** Adds one to {@code core}'s own counter (opaque: only "grew or not" is read across cores). */
    void count(int core) {
        int slot = (core + 1) * SLOT_LONGS + COUNTER;
        SLOTS.setOpaque(perCore, slot, (long) SLOTS.getOpaque(perCore, slot) + 1);
    }

    /** Every core's counter, summed (racy by design). */
    long counted() {
        long sum = 0;
        for (int slot = SLOT_LONGS; slot < perCore.length; slot += SLOT_LONGS) {
            sum += (long) SLOTS.getOpaque(perCore, slot + COUNTER);
        }
        return sum;
    }
}
