package atlas.hot;

import java.util.Arrays;

/**
 * One core's hot-tier memory, carved into power-of-two blocks from {@link #MIN_BLOCK} to {@link #MAX_BLOCK} by a
 * buddy allocator: a 1 KiB playlist takes 1 KiB, a 128 KiB chunk of a segment takes 128 KiB, and freeing a block
 * merges it with its free buddy, so memory freed by small objects becomes room for large chunks again.
 * <p>
 * Offsets only: the bytes live in the tier's mapping; this class hands out and takes back offsets into it. Free
 * blocks of each order form a doubly linked list threaded through arrays indexed by minimum-block number, so
 * allocating, freeing and merging are O(orders) with nothing allocated. Thread: the owning core only.
 */
final class BuddyArena {
    static final int MIN_SHIFT = 10;
    static final int MIN_BLOCK = 1 << MIN_SHIFT;
    static final int ORDERS = 8;
    static final int MAX_BLOCK = MIN_BLOCK << (ORDERS - 1);
    private static final int NONE = -1;

    private final int units;
    private final int[] head = new int[ORDERS];
    private final int[] next;
    private final int[] prev;
    /** The order of the free block starting at this unit, or -1 when no free block starts here. */
    private final byte[] freeOrder;
    private long freeBytes;

    /** An arena of {@code bytes} (rounded down to whole {@link #MAX_BLOCK}s). */
    BuddyArena(long bytes) {
        long maxBlocks = bytes / MAX_BLOCK;
        if (maxBlocks * (MAX_BLOCK / MIN_BLOCK) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("hot tier shard of " + bytes + " bytes is too large");
        }
        this.units = (int) (maxBlocks * (MAX_BLOCK / MIN_BLOCK));
        this.next = new int[units];
        this.prev = new int[units];
        this.freeOrder = new byte[units];
        Arrays.fill(head, NONE);
        Arrays.fill(freeOrder, (byte) NONE);
        int step = MAX_BLOCK / MIN_BLOCK;
        for (int u = units - step; u >= 0; u -= step) {
            push(u, ORDERS - 1);
        }
        freeBytes = (long) units * MIN_BLOCK;
    }

    /** The smallest order whose block holds {@code bytes} (at most {@link #MAX_BLOCK}). */
    static int orderFor(int bytes) {
        if (bytes <= MIN_BLOCK) {
            return 0;
        }
        int order = 32 - Integer.numberOfLeadingZeros(bytes - 1) - MIN_SHIFT;
        if (order >= ORDERS) {
            throw new IllegalArgumentException(bytes + " bytes is above the largest block");
        }
        return order;
    }

    static int blockBytes(int order) {
        return MIN_BLOCK << order;
    }

    /** Offset of a free block of {@code order}, now taken, or -1 when no block that large is free. */
    long allocate(int order) {
        int o = order;
        while (o < ORDERS && head[o] == NONE) {
            o++;
        }
        if (o == ORDERS) {
            return -1;
        }
        int u = head[o];
        unlink(u, o);
        while (o > order) { // split: keep the low half, free the high half
            o--;
            push(u + (1 << o), o);
        }
        freeBytes -= blockBytes(order);
        return (long) u << MIN_SHIFT;
    }

    /** Gives back the block of {@code order} at {@code offset}, merging it with free buddies. */
    void free(long offset, int order) {
        int u = (int) (offset >>> MIN_SHIFT);
        freeBytes += blockBytes(order);
        int o = order;
        while (o < ORDERS - 1) {
            int buddy = u ^ (1 << o);
            if (buddy >= units || freeOrder[buddy] != o) {
                break;
            }
            unlink(buddy, o);
            u = Math.min(u, buddy);
            o++;
        }
        push(u, o);
    }

    long freeBytes() {
        return freeBytes;
    }

    long capacityBytes() {
        return (long) units * MIN_BLOCK;
    }

    /** True when a block of {@code order} could be allocated now. */
    boolean canAllocate(int order) {
        for (int o = order; o < ORDERS; o++) {
            if (head[o] != NONE) {
                return true;
            }
        }
        return false;
    }

    private void push(int u, int o) {
        int h = head[o];
        next[u] = h;
        prev[u] = NONE;
        if (h != NONE) {
            prev[h] = u;
        }
        head[o] = u;
        freeOrder[u] = (byte) o;
    }

    private void unlink(int u, int o) {
        int n = next[u];
        int p = prev[u];
        if (p != NONE) {
            next[p] = n;
        } else {
            head[o] = n;
        }
        if (n != NONE) {
            prev[n] = p;
        }
        freeOrder[u] = (byte) NONE;
    }
}
