package atlas.hot;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BuddyArenaTest {
    @Test
    void ordersCoverSizes() {
        assertEquals(0, BuddyArena.orderFor(1));
        assertEquals(0, BuddyArena.orderFor(1024));
        assertEquals(1, BuddyArena.orderFor(1025));
        assertEquals(7, BuddyArena.orderFor(128 * 1024));
        assertEquals(6, BuddyArena.orderFor(44 * 1024 + 1));
    }

    @Test
    void smallBlocksFreedMergeBackIntoLargeOnes() {
        BuddyArena arena = new BuddyArena(2L * BuddyArena.MAX_BLOCK);
        List<Long> small = new ArrayList<>();
        long at;
        while ((at = arena.allocate(0)) >= 0) {
            small.add(at);
        }
        assertEquals(256, small.size(), "two 128 KiB blocks hold 256 blocks of 1 KiB");
        assertEquals(0, arena.freeBytes());
        assertFalse(arena.canAllocate(7));
        for (long a : small) {
            arena.free(a, 0);
        }
        assertEquals(0, arena.allocate(7) % BuddyArena.MAX_BLOCK);
        assertTrue(arena.allocate(7) >= 0, "both large blocks came back whole");
        assertEquals(-1, arena.allocate(0));
    }

    @Test
    void blocksNeverOverlapUnderRandomChurn() {
        BuddyArena arena = new BuddyArena(16L * BuddyArena.MAX_BLOCK);
        Random random = new Random(7);
        List<long[]> held = new ArrayList<>();
        for (int step = 0; step < 20_000; step++) {
            if (held.isEmpty() || random.nextInt(3) != 0) {
                int order = random.nextInt(BuddyArena.ORDERS);
                long at = arena.allocate(order);
                if (at >= 0) {
                    assertEquals(0, at % BuddyArena.blockBytes(order), "blocks are aligned to their size");
                    held.add(new long[] {at, order});
                }
            } else {
                long[] b = held.remove(random.nextInt(held.size()));
                arena.free(b[0], (int) b[1]);
            }
            if (step % 1000 == 0) {
                Set<Long> units = new HashSet<>();
                long bytes = 0;
                for (long[] b : held) {
                    for (long u = b[0]; u < b[0] + BuddyArena.blockBytes((int) b[1]); u += BuddyArena.MIN_BLOCK) {
                        assertTrue(units.add(u), "a 1 KiB unit handed out twice");
                    }
                    bytes += BuddyArena.blockBytes((int) b[1]);
                }
                assertEquals(arena.capacityBytes() - bytes, arena.freeBytes());
            }
        }
        for (long[] b : held) {
            arena.free(b[0], (int) b[1]);
        }
        for (int i = 0; i < 16; i++) {
            assertTrue(arena.allocate(7) >= 0, "everything merged back");
        }
    }
}
