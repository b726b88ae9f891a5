package atlas.store;

import static atlas.store.StoreTestSupport.B;
import static atlas.store.StoreTestSupport.bytes;
import static atlas.store.StoreTestSupport.get;
import static atlas.store.StoreTestSupport.put;
import static atlas.store.StoreTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import atlas.testing.Await;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeTest {
    @TempDir
    Path dir;

    @Test
    void shouldRoundTripAnObjectThroughJournalAndRead() throws Exception {
        try (Volume v = Volume.open(smallConfig(dir)); Journal j = v.journal(1)) {
            byte[] content = bytes(10_000, 1);
            ObjectRecord r = put(v, j, "vod/a/seg1.ts", content);
            assertThat(v.lookup("vod/a/seg1.ts")).isSameAs(r);
            assertThat(r.length()).isEqualTo(10_000);
            assertThat(r.extent().capacityBytes()).isEqualTo(3 * B);
            assertThat(r.contentType()).isEqualTo("video/mp2t");
            assertThat(get(v, r)).isEqualTo(content);
            assertThat(v.objectCount()).isEqualTo(1);
            assertThat(v.liveBytes()).isEqualTo(10_000);
        }
    }

    @Test
    void shouldLookUpWithAProbeKey() throws Exception {
        try (Volume v = Volume.open(smallConfig(dir)); Journal j = v.journal(1)) {
            ObjectRecord r = put(v, j, "live/x.m3u8", bytes(10, 2));
            byte[] request = "live/x.m3u8 HTTP/1.1".getBytes(StandardCharsets.US_ASCII);
            ObjectKey probe = ObjectKey.probe();
            assertThat(v.lookup(probe.wrap(request, 11))).isSameAs(r);
            assertThat(v.lookup(probe.wrap(request, 10))).isNull();
        }
    }

    @Test
    void shouldNotPublishBeforeCommit() throws Exception {
        try (Volume v = Volume.open(smallConfig(dir)); Journal j = v.journal(1)) {
            Extent e = v.allocate(100);
            j.stagePut(ObjectKey.of("a"), e, 100, "text/plain", 0, 0);
            j.stageDelete(ObjectKey.of("b"));
            assertThat(j.stagedCount()).isEqualTo(2);
            assertThat(v.lookup("a")).isNull();
            j.commit();
            assertThat(j.stagedCount()).isZero();
            assertThat(v.lookup("a")).isNotNull();
        }
    }

    @Test
    void shouldRetireOverwrittenRecordAndFreeItsExtentOnlyAfterUnpin() throws Exception {
        try (Volume v = Volume.open(smallConfig(dir)); Journal j = v.journal(1)) {
            ObjectRecord old = put(v, j, "a", bytes(5000, 1));
            assertThat(old.pin()).isTrue();
            long freeBefore = v.freeBytes();
            ObjectRecord newer = put(v, j, "a", bytes(100, 2));
            assertThat(v.lookup("a")).isSameAs(newer);
            assertThat(newer.sequence()).isGreaterThan(old.sequence());
            assertThat(old.isRetired()).isTrue();
            assertThat(old.pin()).isFalse();
            // the pinned reader still owns the old blocks: only the new object's block was taken
            assertThat(v.freeBytes()).isEqualTo(freeBefore - B);
            assertThat(get(v, old)).isEqualTo(bytes(5000, 1));
            old.unpin();
            assertThat(v.freeBytes()).isEqualTo(freeBefore - B + 2 * B);
        }
    }

    @Test
    void shouldDelete() throws Exception {
        try (Volume v = Volume.open(smallConfig(dir)); Journal j = v.journal(1)) {
            ObjectRecord r = put(v, j, "a", bytes(5000, 1));
            long free = v.freeBytes();
            j.stageDelete(ObjectKey.of("a"));
            j.commit();
            assertThat(v.lookup("a")).isNull();
            assertThat(r.isRetired()).isTrue();
            assertThat(v.freeBytes()).isEqualTo(free + 2 * B);
            assertThat(v.objectCount()).isZero();
            assertThat(v.liveBytes()).isZero();
        }
    }

    @Test
    void shouldListByPrefixSortedByName() throws Exception {
        try (Volume v = Volume.open(smallConfig(dir)); Journal j = v.journal(1)) {
            for (String n : List.of("vod/b/2", "vod/a/1", "live/z", "vod/a/0", "vod/é")) {
                put(v, j, n, bytes(10, 0));
            }
            assertThat(v.list("vod/", 10)).extracting(ObjectRecord::name)
                    .containsExactly("vod/a/0", "vod/a/1", "vod/b/2", "vod/é");
            assertThat(v.list("vod/", 2)).extracting(ObjectRecord::name).containsExactly("vod/a/0", "vod/a/1");
            assertThat(v.list("", 100)).hasSize(5);
        }
    }

    @Test
    void shouldRebuildIndexFromJournalsAfterACrash() throws Exception {
        ObjectRecord kept;
        Volume v = Volume.open(smallConfig(dir));
        try (Journal j1 = v.journal(1); Journal j2 = v.journal(2)) {
            put(v, j1, "a", bytes(5000, 1));
            put(v, j2, "b", bytes(300, 2));
            put(v, j2, "a", bytes(7000, 3));   // later write, other journal: must win on replay
            put(v, j1, "c", bytes(10, 4));
            j1.stageDelete(ObjectKey.of("c"));
            j1.commit();
            kept = v.lookup("a");
        }
        v.close(false); // as if the process died: no checkpoint
        assertThat(dir.resolve(Checkpoint.FILE_NAME)).doesNotExist();

        try (Volume again = Volume.open(smallConfig(dir))) {
            assertThat(again.objectCount()).isEqualTo(2);
            ObjectRecord a = again.lookup("a");
            assertThat(a.sequence()).isEqualTo(kept.sequence());
            assertThat(a.extent()).isEqualTo(kept.extent());
            assertThat(get(again, a)).isEqualTo(bytes(7000, 3));
            assertThat(get(again, again.lookup("b"))).isEqualTo(bytes(300, 2));
            assertThat(again.lookup("c")).isNull();
            // free space derived from the live set: data area minus a (2 blocks) and b (1 block)
            assertThat(again.freeBytes()).isEqualTo(again.sizeBytes() - B - 3 * B);
            // new sequence numbers continue after the replayed ones
            try (Journal j = again.journal(1)) {
                assertThat(put(again, j, "d", bytes(1, 0)).sequence()).isGreaterThan(kept.sequence());
            }
        }
    }

    @Test
    void shouldReopenFromACheckpointAndTruncateJournals() throws Exception {
        long seq;
        try (Volume v = Volume.open(smallConfig(dir)); Journal j = v.journal(3)) {
            put(v, j, "x/1", bytes(100, 1));
            seq = put(v, j, "x/2", bytes(9000, 2)).sequence();
        }
        assertThat(dir.resolve(Checkpoint.FILE_NAME)).exists();
        assertThat(Files.size(dir.resolve("journal-3.log"))).isEqualTo(JournalLayout.HEADER_SIZE);

        try (Volume v = Volume.open(smallConfig(dir)); Journal j = v.journal(3)) {
            assertThat(v.objectCount()).isEqualTo(2);
            assertThat(get(v, v.lookup("x/2"))).isEqualTo(bytes(9000, 2));
            assertThat(v.lookup("x/2").sequence()).isEqualTo(seq);
            // journal entries after the checkpoint replay on top of it
            put(v, j, "x/3", bytes(1, 3));
            j.stageDelete(ObjectKey.of("x/1"));
            j.commit();
            v.close(false);
        }
        try (Volume v = Volume.open(smallConfig(dir))) {
            assertThat(v.list("", 10)).extracting(ObjectRecord::name).containsExactly("x/2", "x/3");
        }
    }

    @Test
    void shouldRefuseASecondOpenWithTheLockMessage() throws Exception {
        try (Volume v = Volume.open(smallConfig(dir))) {
            assertThatThrownBy(() -> Volume.open(smallConfig(dir))).isInstanceOf(IOException.class)
                    .hasMessage("volume " + dir + " is in use by another Atlas process (pid "
                            + ProcessHandle.current().pid() + ")");
            assertThat(Volume.lockHolder(dir)).isNull();
            v.advertise("http://127.0.0.1:8080/");
            assertThat(Volume.lockHolder(dir)).isEqualTo("http://127.0.0.1:8080/");
        }
        assertThat(Volume.lockHolder(dir)).isNull();
        try (Volume v = Volume.open(smallConfig(dir))) {
            assertThat(v.objectCount()).isZero(); // released on close
        }
    }

    @Test
    void shouldRejectUnalignedIo() throws Exception {
        try (Volume v = Volume.open(smallConfig(dir)); Arena arena = Arena.ofConfined()) {
            MemorySegment aligned = arena.allocate(2 * B, B);
            assertThatThrownBy(() -> v.read(0, aligned.asSlice(8, B), B))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("alignment");
            assertThatThrownBy(() -> v.read(0, aligned.asSlice(0, 100), B))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("alignment");
            assertThatThrownBy(() -> v.writeDurable(0, aligned.asSlice(0, B), B + 512))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("alignment");
            assertThatThrownBy(() -> v.writeDurable(0, aligned.asSlice(0, B), 0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside the data area");
        }
    }

    @Test
    void shouldReturnShortReadOnlyAtEndOfFile() throws Exception {
        try (Volume v = Volume.open(smallConfig(dir)); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4 * B, B);
            assertThat(v.read(0, buf, v.sizeBytes() - 2 * B)).isEqualTo((int) (2 * B));
            assertThat(v.read(0, buf, v.sizeBytes())).isZero();
        }
    }

    @Test
    void shouldGrowTheDataFileAndFailAtMax() throws Exception {
        VolumeConfig config = new VolumeConfig(dir, 8 * B, 8 * B, 24 * B);
        try (Volume v = Volume.open(config)) {
            assertThat(Files.size(dir.resolve(DataFile.FILE_NAME))).isEqualTo(8 * B);
            Extent e = v.allocate(10 * B);
            assertThat(v.sizeBytes()).isEqualTo(16 * B);
            assertThat(Files.size(dir.resolve(DataFile.FILE_NAME))).isEqualTo(16 * B);
            v.allocate(8 * B);
            assertThat(v.sizeBytes()).isEqualTo(24 * B);
            assertThatThrownBy(() -> v.allocate(6 * B)).isInstanceOf(VolumeFullException.class)
                    .hasMessageContaining("is full");
            v.release(e);
            assertThat(v.allocate(6 * B).offsetBytes()).isEqualTo(B);
        }
    }

    @Test
    void shouldDropStagedEntriesAndReleaseExtentsOnClose() throws Exception {
        try (Volume v = Volume.open(smallConfig(dir))) {
            long free = v.freeBytes();
            Journal j = v.journal(1);
            j.stagePut(ObjectKey.of("a"), v.allocate(B), 1, "x", 0, 0);
            j.close();
            assertThat(v.freeBytes()).isEqualTo(free);
            assertThat(v.lookup("a")).isNull();
            try (Journal again = v.journal(1)) {
                assertThatThrownBy(() -> v.journal(1)).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("already open");
                assertThat(again.journalId()).isEqualTo(1);
            }
        }
    }

    @Test
    void shouldPutDurablyFromAStreamAndASegment() throws Exception {
        byte[] content = bytes((1 << 20) + 12_345, 9); // more than one 1 MiB chunk, unaligned tail
        try (Volume v = Volume.open(smallConfig(dir)); Arena arena = Arena.ofConfined()) {
            ObjectRecord r = v.putDurably("demo/big.ts", new ByteArrayInputStream(content), content.length,
                    "video/mp2t");
            assertThat(get(v, r)).isEqualTo(content);
            assertThat(r.crc32c()).isEqualTo(StoreTestSupport.crc(content));
            MemorySegment src = arena.allocateFrom(ValueLayout.JAVA_BYTE, bytes(777, 3));
            ObjectRecord s = v.putDurably("demo/small.txt", src, "text/plain");
            assertThat(get(v, s)).isEqualTo(bytes(777, 3));
            long free = v.freeBytes();
            assertThatThrownBy(() -> v.putDurably("demo/short", new ByteArrayInputStream(new byte[10]), 5000,
                    "x")).isInstanceOf(EOFException.class);
            assertThat(v.freeBytes()).isEqualTo(free);
            assertThatThrownBy(() -> v.putDurably("../x", new ByteArrayInputStream(new byte[1]), 1, "x"))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        try (Volume v = Volume.open(smallConfig(dir))) {
            assertThat(get(v, v.lookup("demo/big.ts"))).isEqualTo(content);
        }
    }

    @Test
    void shouldVerifyAndDetectACorruptedObject() throws Exception {
        try (Volume v = Volume.open(smallConfig(dir)); Journal j = v.journal(1); Arena arena = Arena.ofConfined()) {
            put(v, j, "good/1", bytes(5000, 1));
            ObjectRecord victim = put(v, j, "bad/2", bytes(9000, 2));
            put(v, j, "good/3", bytes(1, 3));
            List<String> seen = new ArrayList<>();
            VerifyResult clean = v.verify((r, ok, done, total) -> seen.add(r.name() + ":" + ok));
            assertThat(clean.ok()).isTrue();
            assertThat(clean.objects()).isEqualTo(3);
            assertThat(clean.bytes()).isEqualTo(14_001);
            assertThat(seen).hasSize(3).allMatch(s -> s.endsWith(":true"));

            MemorySegment garbage = arena.allocate(B, B);
            garbage.fill((byte) 0x5A);
            v.writeDurable(0, garbage, victim.offsetBytes() + B);
            VerifyResult dirty = v.verify(null);
            assertThat(dirty.ok()).isFalse();
            assertThat(dirty.badObjects()).containsExactly("bad/2");
            assertThat(dirty.objects()).isEqualTo(3);
        }
    }

    @Test
    void shouldKeepVolumeDataOutOfThePageCache() throws Exception {
        Path fincore = Path.of("/usr/bin/fincore");
        Assumptions.assumeTrue(Files.isExecutable(fincore));
        try (Volume v = Volume.open(smallConfig(dir)); Journal j = v.journal(1)) {
            for (int i = 0; i < 20; i++) {
                ObjectRecord r = put(v, j, "o/" + i, bytes(20_000, i));
                assertThat(get(v, r)).isEqualTo(bytes(20_000, i));
            }
            v.verify(null);
            v.allocate(300 * B); // growth
        }
        try (Volume v = Volume.open(smallConfig(dir))) {
            assertThat(get(v, v.lookup("o/3"))).isEqualTo(bytes(20_000, 3));
        }
        Process p = new ProcessBuilder(fincore.toString(), "--bytes", "--noheadings", "--output", "RES",
                dir.resolve(DataFile.FILE_NAME).toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        assertThat(p.waitFor()).isZero();
        assertThat(out).isEqualTo("0");
    }

    /** filefrag -v of the data file, or null where filefrag is not installed. */
    private static String extentMap(Path file) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder("filefrag", "-v", file.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            return null;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        return p.waitFor() == 0 ? out : null;
    }

    @Test
    void shouldCreateTheDataFileAsWrittenZerosNotUnwrittenExtents() throws Exception {
        try (Volume v = Volume.open(new VolumeConfig(dir, 256 * B, 64 * B, 4096 * B))) {
            assertThat(v.sizeBytes()).isEqualTo(256 * B);
        }
        String map = extentMap(dir.resolve("volume.dat"));
        Assumptions.assumeTrue(map != null, "filefrag (e2fsprogs) not available");
        // fallocate would show every extent as "unwritten": the first O_DSYNC write into each would then also
        // have to persist its conversion (a metadata write per object).
        assertThat(map).doesNotContain("unwritten");
    }

    @Test
    void shouldKeepAGrowStepOfWrittenFreeSpaceAheadOnceZeroAheadRuns() throws Exception {
        long step = 64 * B;
        try (Volume v = Volume.open(new VolumeConfig(dir, 64 * B, step, 300 * B))) {
            List<Extent> taken = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                taken.add(v.allocate(B));
            }
            assertThat(v.freeBytes()).isLessThan(step);
            v.startZeroAhead();
            Await.until("a grow step of free space zeroed ahead", Duration.ofSeconds(10),
                    () -> v.freeBytes() >= step);
            assertThat(v.sizeBytes()).isLessThanOrEqualTo(300 * B);
            // The maximum bounds it: take almost everything, the zero-ahead stops at 300 blocks.
            for (int i = 0; i < 200; i++) {
                taken.add(v.allocate(B));
            }
            Await.until("the data file grown to its maximum", Duration.ofSeconds(10), () -> v.sizeBytes() >= 300 * B);
            assertThat(v.sizeBytes()).isEqualTo(300 * B);
            assertThat(v.freeBytes()).isEqualTo(300 * B - B - taken.size() * B);
        }
        String map = extentMap(dir.resolve("volume.dat"));
        Assumptions.assumeTrue(map != null, "filefrag (e2fsprogs) not available");
        assertThat(map).doesNotContain("unwritten");
    }
}
