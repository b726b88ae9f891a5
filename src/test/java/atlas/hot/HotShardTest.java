package atlas.hot;

import atlas.store.ObjectRecord;
import atlas.store.TestRecords;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tier's logic on one thread: two shards stand for two cores, records for the index's, bytes for flash. */
class HotShardTest {
    private static final int CHUNK = HotTier.CHUNK_BYTES;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment flash = arena.allocate(4L * CHUNK);
    private HotTier tier;

    HotShardTest() {
        for (long i = 0; i < flash.byteSize(); i++) {
            flash.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 31 + 7));
        }
    }

    @AfterEach
    void close() {
        if (tier != null) {
            tier.close();
        }
        arena.close();
    }

    private HotTier tier(long bytes) {
        tier = HotTier.create(bytes, 2, List.of());
        return tier;
    }

    /** What the transmitter does for one chunk: pin on a hit, else "read" it and offer it when admissible. */
    private static HotChunk serve(HotShard shard, ObjectRecord r, int index, MemorySegment flash) {
        HotChunk hit = shard.pin(r, index, true);
        if (hit != null) {
            shard.unpin(hit);
            return hit;
        }
        if (shard.admissible(r, index)) {
            shard.offer(r, index, flash, 0);
        }
        return null;
    }

    @Test
    void aChunkSeenOnceStaysOutAndTheSecondAccessAdmitsIt() {
        HotShard core0 = tier(8L * CHUNK).shard(0);
        ObjectRecord r = TestRecords.record("live/seg1.m4s", 0, 1000, "video/mp4");
        assertNull(serve(core0, r, 0, flash));
        assertEquals(0, core0.chunksHeld(), "one access is a scan or the tail");
        assertNull(serve(core0, r, 0, flash));
        assertEquals(1, core0.chunksHeld());
        HotChunk hit = serve(core0, r, 0, flash);
        assertNotNull(hit);
        assertEquals(1000, hit.length());
        assertEquals(-1, hit.bytes().mismatch(flash.asSlice(0, 1000)), "byte-exact copy of what flash held");
    }

    @Test
    void oneCopyServesEveryCore() {
        HotTier t = tier(8L * CHUNK);
        ObjectRecord r = TestRecords.record("v/a.ts", 0, 3L * CHUNK - 100, "video/mp2t");
        serve(t.shard(0), r, 2, flash);
        serve(t.shard(0), r, 2, flash);
        HotChunk onCore1 = t.shard(1).pin(r, 2, true);
        assertNotNull(onCore1, "core 1 hits what core 0 admitted");
        assertEquals(CHUNK - 100, onCore1.length(), "the last chunk is the object's tail");
        t.shard(1).unpin(onCore1);
        assertEquals(0, t.shard(1).chunksHeld(), "and holds no copy of its own");
        assertEquals(CHUNK - 100, t.bytesHeld());
    }

    @Test
    void aReplacedRecordIsNeverServedAndGoesFirst() {
        HotShard core0 = tier(2L * CHUNK).shard(0);
        ObjectRecord v1 = TestRecords.record("live/index.m3u8", 0, 500, "application/vnd.apple.mpegurl");
        serve(core0, v1, 0, flash);
        serve(core0, v1, 0, flash);
        assertNotNull(serve(core0, v1, 0, flash));
        ObjectRecord v2 = TestRecords.record("live/index.m3u8", CHUNK, 600, "application/vnd.apple.mpegurl");
        TestRecords.retire(v1); // what the index does when the PUT of v2 commits
        HotChunk h = core0.pin(v2, 0, true);
        assertNull(h, "the new version is not in the tier: the old bytes are unreachable through it");
        core0.offer(v2, 0, flash, CHUNK);
        assertEquals(2, core0.chunksHeld());
        // Fill the shard with popular chunks: the dead version is the first to go, whatever its past hits.
        ObjectRecord big = TestRecords.record("v/big.ts", 0, 2L * CHUNK, "video/mp2t");
        for (int i = 0; i < 3; i++) {
            serve(core0, big, 0, flash);
        }
        assertNull(HotObject.lookup(v1, 0), "the retired record's chunk was evicted to make room");
        assertNotNull(HotObject.lookup(v2, 0), "the live one kept");
    }

    @Test
    void memoryUnderAPinComesBackOnlyAfterTheUnpin() {
        HotTier t = tier(2L * CHUNK);
        HotShard core0 = t.shard(0);
        ObjectRecord a = TestRecords.record("a", 0, CHUNK, "video/mp4");
        ObjectRecord b = TestRecords.record("b", CHUNK, CHUNK, "video/mp4");
        serve(core0, a, 0, flash);
        serve(core0, a, 0, flash);
        HotChunk sending = t.shard(1).pin(a, 0, true); // core 1 starts a send from it
        assertNotNull(sending);
        TestRecords.retire(a);
        for (int i = 0; i < 3; i++) {
            serve(core0, b, 0, flash);
        }
        assertNull(HotObject.lookup(a, 0), "a was evicted for b");
        assertNull(HotObject.lookup(b, 0), "but b cannot have a's memory while core 1 still sends from it");
        assertEquals(1, core0.retiringChunks());
        assertEquals(0, core0.freeBytes());
        core0.onTurnEnd();
        assertEquals(1, core0.retiringChunks());
        assertFalse(sending.pin(1), "an evicted chunk cannot be pinned again");
        t.shard(1).unpin(sending);
        core0.onTurnEnd();
        assertEquals(0, core0.retiringChunks());
        assertEquals(CHUNK, core0.freeBytes());
        serve(core0, b, 0, flash);
        assertNotNull(HotObject.lookup(b, 0), "with the pin gone, b takes the memory");
    }

    @Test
    void aScanOfTheWholeCatalogueDoesNotEvictTheHead() {
        HotShard core0 = tier(16L * CHUNK).shard(0); // 8 chunks per shard
        ObjectRecord[] head = new ObjectRecord[8];
        for (int i = 0; i < head.length; i++) {
            head[i] = TestRecords.record("head/" + i, 0, CHUNK, "video/mp4");
            for (int k = 0; k < 5; k++) {
                serve(core0, head[i], 0, flash);
            }
        }
        for (ObjectRecord r : head) {
            assertNotNull(HotObject.lookup(r, 0));
        }
        for (int i = 0; i < 5000; i++) { // the cold tail, once each; a few twice
            ObjectRecord tail = TestRecords.record("tail/" + i, 0, CHUNK, "video/mp4");
            serve(core0, tail, 0, flash);
            if (i % 10 == 0) {
                serve(core0, tail, 0, flash);
            }
        }
        int kept = 0;
        for (ObjectRecord r : head) {
            kept += HotObject.lookup(r, 0) != null ? 1 : 0;
        }
        assertEquals(head.length, kept, "every head chunk survived the scan");
    }

    @Test
    void bytesHeldNeverExceedTheBoundUnderAdversarialAccess() {
        HotTier t = tier(8L * CHUNK);
        Random random = new Random(11);
        ObjectRecord[] objects = new ObjectRecord[400];
        for (int i = 0; i < objects.length; i++) {
            objects[i] = TestRecords.record("o/" + i, 0, 1 + random.nextInt(3 * CHUNK), "video/mp4");
        }
        for (int step = 0; step < 50_000; step++) {
            ObjectRecord r = objects[random.nextInt(1 + step % objects.length)];
            int index = random.nextInt(HotTier.chunkCount(r.length()));
            HotShard shard = t.shard(step & 1);
            HotChunk hit = shard.pin(r, index, true);
            if (hit != null) {
                assertSame(r, hit.record());
                assertEquals(HotTier.chunkLength(r.length(), index), hit.length());
                shard.unpin(hit);
            } else if (shard.admissible(r, index)) {
                shard.offer(r, index, flash, 0);
            }
            for (int c = 0; c < 2; c++) {
                HotShard s = t.shard(c);
                assertTrue(s.bytesHeld() <= s.capacityBytes());
                assertTrue(s.bytesHeld() + s.freeBytes() <= s.capacityBytes());
            }
        }
        assertTrue(t.bytesHeld() > 0);
    }

    @Test
    void popularityIsCountedOverEveryCore() {
        HotTier t = tier(8L * CHUNK);
        ObjectRecord r = TestRecords.record("live/seg9.m4s", 0, 1000, "video/mp4");
        assertNull(serve(t.shard(0), r, 0, flash)); // one client's first request lands on core 0
        assertNull(serve(t.shard(1), r, 0, flash)); // its next, on a new connection, on core 1: admitted there
        assertNotNull(serve(t.shard(0), r, 0, flash), "asked for twice in all: a hit on either core");
        assertEquals(1, t.shard(1).chunksHeld());
    }

    @Test
    void onAUniformCatalogueReplacementsCostAtMostATenthOfTheFlashReads() {
        HotShard core0 = tier(16L * CHUNK).shard(0); // 8 chunks
        ObjectRecord[] catalogue = new ObjectRecord[200];
        for (int i = 0; i < catalogue.length; i++) {
            catalogue[i] = TestRecords.record("u/" + i, 0, CHUNK, "video/mp4");
        }
        Random random = new Random(3);
        long readBytes = 0;
        for (int step = 0; step < 20_000; step++) {
            if (serve(core0, catalogue[random.nextInt(catalogue.length)], 0, flash) == null) {
                readBytes += CHUNK;
            }
        }
        long replacedBytes = (core0.admissions() - 8) * CHUNK; // the first 8 filled free memory
        assertTrue(replacedBytes <= readBytes / HotShard.REPLACE_CREDIT_DIVISOR + HotShard.MAX_REPLACE_CREDIT,
                "replaced " + replacedBytes + " bytes for " + readBytes + " read from flash");
        assertEquals(8, core0.chunksHeld(), "the tier stays full");
    }

    @Test
    void aLiveUploadTakesTheRoomOfChunksThatWereAllHitRecently() {
        HotShard core0 = tier(16L * CHUNK).shard(0); // 8 chunks
        for (int i = 0; i < 8; i++) {
            ObjectRecord r = TestRecords.record("v/" + i, 0, CHUNK, "video/mp4");
            serve(core0, r, 0, flash);
            serve(core0, r, 0, flash);
            assertNotNull(serve(core0, r, 0, flash), "resident and hit since the hand last passed");
        }
        assertEquals(8, core0.chunksHeld());
        // An edge's fill, streamed to its waiters from the tier: giving up would end every waiter's response, so
        // the hand goes round, however recently everything was hit, rather than give up after a few looks.
        ObjectRecord upload = TestRecords.record("b/burst.ts", 8L * CHUNK, 3L * CHUNK, "video/mp4");
        LiveCapture capture = core0.newLiveCapture();
        capture.begin(atlas.store.ObjectKey.of("b/burst.ts"), "b/burst.ts", 3L * CHUNK, "video/mp4", true, true);
        for (int i = 0; i < 3; i++) {
            capture.capture((long) i * CHUNK, flash, (long) i * CHUNK, CHUNK);
        }
        capture.publish(upload);
        for (int i = 0; i < 3; i++) {
            assertNotNull(HotObject.lookup(upload, i), "chunk " + i + " of the upload captured");
        }
        assertEquals(8, core0.chunksHeld(), "three resident chunks made way");
    }

    @Test
    void zeroTurnsTheTierOff() {
        assertNull(HotTier.create(0, 2, List.of()));
    }
}
