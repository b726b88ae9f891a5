package atlas.evict;

/**
 * A FIFO of objects in an array ring, with the bytes it holds kept current. Giving an object another pass is a
 * {@link #poll} and an {@link #add}: two slot writes, no node, no link.
 *
 * <pre>
 *   slots:  [ . . . t x x x x h . . ]      t = tail (oldest, next out), h = head (next in), indexes mod capacity
 *   tail and head count up forever; a slot's index is the counter masked by the capacity, a power of two
 * </pre>
 * The ring doubles when an add finds it full, keeping the order: a store may allocate, a hit never reaches here.
 */
final class EvictableQueue {
    private static final int INITIAL_CAPACITY = 64;

    private Evictable[] slots = new Evictable[INITIAL_CAPACITY];
    private long tail;
    private long head;
    private long bytes;

    void add(Evictable e) {
        if (head - tail == slots.length) {
            grow();
        }
        slots[(int) head & (slots.length - 1)] = e;
        head++;
        bytes += e.bytes();
    }

    /** @return the oldest object, removed, or null when empty */
    Evictable poll() {
        if (tail == head) {
            return null;
        }
        int i = (int) tail & (slots.length - 1);
        Evictable e = slots[i];
        slots[i] = null;
        tail++;
        bytes -= e.bytes();
        return e;
    }

    boolean isEmpty() {
        return tail == head;
    }

    int size() {
        return (int) (head - tail);
    }

    long bytes() {
        return bytes;
    }

    private void grow() {
        int n = slots.length;
        Evictable[] bigger = new Evictable[n * 2];
        int from = (int) tail & (n - 1);
        System.arraycopy(slots, from, bigger, 0, n - from);
        System.arraycopy(slots, 0, bigger, n - from, from);
        slots = bigger;
        head -= tail;
        tail = 0;
    }
}
