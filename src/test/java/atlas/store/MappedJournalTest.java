package atlas.store;

import static atlas.store.StoreTestSupport.B;
import static atlas.store.StoreTestSupport.bytes;
import static atlas.store.StoreTestSupport.crc;
import static atlas.store.StoreTestSupport.get;
import static atlas.store.StoreTestSupport.put;
import static atlas.store.StoreTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal's persistent-memory path ({@link JournalMapping}). MAP_SYNC is refused on this machine, so the same
 * code runs with a plain READ_WRITE mapping (msync instead of cache-line write-back): the journal it writes must be
 * byte for byte the one the block path writes, and recovery must read it back; and where MAP_SYNC is refused the
 * block path must be the one chosen and reported.
 */
class MappedJournalTest {
    @TempDir
    Path dir;

    /** The same operations, deterministic apart from the volume id (which entries do not carry). */
    private static long writeSample(Volume v, Journal j) throws Exception {
        put(v, j, "live/a/seg1.ts", bytes(5000, 1));
        put(v, j, "live/a/index.m3u8", bytes(300, 2));
        // A PUT staged with its body in flight, the way the server commits.
        Journal.PendingPut p = new Journal.PendingPut();
        byte[] body = bytes(9000, 3);
        Extent e = v.allocate(body.length);
        j.stagePutBodyInFlight(p, ObjectKey.of("live/a/seg2.ts"), e, body.length, "video/mp2t", crc(body), 1234L);
        MemorySegment group = j.beginFlush();
        assertThat(group).isNotNull();
        if (j.isMapped()) {
            assertThat(j.writeThroughMapping()).isTrue();
        } else {
            assertThat(atlas.posix.Libc.pwrite(j.fd(), group, group.byteSize(), j.flushOffset()))
                    .isEqualTo(group.byteSize());
            j.journalWritten(true);
        }
        j.completeFlush();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(e.capacityBytes(), B);
            MemorySegment.copy(body, 0, buf, ValueLayout.JAVA_BYTE, 0, body.length);
            v.writeDurable(0, buf, e.offsetBytes());
        }
        assertThat(j.bodyWritten(p, true)).isTrue();
        put(v, j, "live/a/seg3.ts", bytes(70_000, 4)); // carries the CONFIRM of seg2
        return j.sizeBytes();
    }

    private static byte[] entries(Path journal, long end) throws Exception {
        byte[] all = Files.readAllBytes(journal);
        assertThat(all.length).isGreaterThanOrEqualTo((int) end);
        return Arrays.copyOfRange(all, JournalLayout.HEADER_SIZE, (int) end);
    }

    @Test
    void shouldWriteExactlyTheBlockPathsBytesThroughAMapping() throws Exception {
        Path mappedDir = dir.resolve("mapped");
        Path blockDir = dir.resolve("block");
        long mappedEnd;
        long blockEnd;
        try (Volume v = Volume.open(smallConfig(mappedDir))) {
            v.journalMapModeForTests(FileChannel.MapMode.READ_WRITE);
            try (Journal j = v.journal(1)) {
                assertThat(j.isMapped()).isTrue();
                mappedEnd = writeSample(v, j);
            }
            v.close(false);
        }
        try (Volume v = Volume.open(smallConfig(blockDir))) {
            try (Journal j = v.journal(1)) {
                assertThat(j.isMapped()).isFalse();
                blockEnd = writeSample(v, j);
            }
            v.close(false);
        }
        assertThat(mappedEnd).isEqualTo(blockEnd);
        assertThat(entries(mappedDir.resolve("journal-1.log"), mappedEnd))
                .isEqualTo(entries(blockDir.resolve("journal-1.log"), blockEnd));
        // The mapped file grew as a hole past the log: zeros, i.e. a clean end for the reader.
        assertThat(Files.size(mappedDir.resolve("journal-1.log"))).isEqualTo(JournalMapping.WINDOW_BYTES);
    }

    @Test
    void shouldRecoverWhatTheMappedPathWroteAndKeepAppendingAcrossWindows() throws Exception {
        CapturedWarnings captured = new CapturedWarnings();
        PrintStream warnings = captured.stream;
        Volume v = Volume.open(smallConfig(dir));
        v.journalMapModeForTests(FileChannel.MapMode.READ_WRITE);
        try (Journal j = v.journal(1)) {
            writeSample(v, j);
        }
        v.close(false); // a crash: no checkpoint, recovery replays the mapped journal
        Volume again = Volume.open(smallConfig(dir), warnings);
        again.journalMapModeForTests(FileChannel.MapMode.READ_WRITE);
        try (Journal j = again.journal(1)) {
            assertThat(get(again, again.lookup("live/a/seg2.ts"))).isEqualTo(bytes(9000, 3));
            assertThat(get(again, again.lookup("live/a/seg3.ts"))).isEqualTo(bytes(70_000, 4));
            // Appends continue at the recovered end; enough of them to need a second mapping window.
            long before = j.sizeBytes();
            int i = 0;
            while (j.sizeBytes() < JournalMapping.WINDOW_BYTES + 4096) {
                for (int k = 0; k < 64; k++) {
                    j.stageDelete(ObjectKey.of("vod/t/" + "x".repeat(900) + i++)); // ~1 KiB entries, no data
                }
                j.commit();
            }
            assertThat(j.sizeBytes()).isGreaterThan(before);
            put(again, j, "after.ts", bytes(100, 5));
        }
        again.close(false);
        try (Volume third = Volume.open(smallConfig(dir), warnings)) {
            assertThat(get(third, third.lookup("after.ts"))).isEqualTo(bytes(100, 5));
            assertThat(third.lookup("live/a/seg1.ts")).isNotNull();
        }
        assertThat(captured.text()).as("clean ends, nothing torn").isEmpty();
    }

    @Test
    void shouldChooseAndReportBlockWritesWhereMapSyncIsRefused() throws Exception {
        // This machine: ext4 on a virtual disk, no DAX (DESIGN.md §4).
        assertThat(DaxSupport.detect(Files.createDirectories(dir.resolve("probe"))).mapSync()).isFalse();
        try (Volume v = Volume.open(smallConfig(dir)); Journal j = v.journal(1)) {
            assertThat(j.isMapped()).isFalse();
            assertThat(v.journalWriteMode()).isEqualTo("O_DIRECT|O_DSYNC block writes");
        }
        assertThat(DaxSupport.detect(dir).summary()).endsWith("— journal uses O_DSYNC writes");
    }
}
