package atlas.store;

import static atlas.store.StoreTestSupport.bytes;
import static atlas.store.StoreTestSupport.get;
import static atlas.store.StoreTestSupport.put;
import static atlas.store.StoreTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecoveryTest {
    @TempDir
    Path dir;

    private final CapturedWarnings captured = new CapturedWarnings();
    private final PrintStream warnings = captured.stream;

    private String warnings() {
        return captured.text();
    }

    /** Writes a, b, c with one commit each into journal 1 and "crashes"; returns the file offsets of the entries. */
    private long[] threeEntriesThenCrash() throws IOException {
        long[] ends = new long[3];
        Volume v = Volume.open(smallConfig(dir));
        try (Journal j = v.journal(1)) {
            put(v, j, "a", bytes(100, 1));
            ends[0] = j.sizeBytes();
            put(v, j, "b", bytes(5000, 2));
            ends[1] = j.sizeBytes();
            put(v, j, "c", bytes(300, 3));
            ends[2] = j.sizeBytes();
        }
        v.close(false);
        return ends;
    }

    private Path journal1() {
        return dir.resolve("journal-1.log");
    }

    @Test
    void shouldTruncateATornTail() throws Exception {
        long[] ends = threeEntriesThenCrash();
        try (FileChannel ch = FileChannel.open(journal1(), StandardOpenOption.WRITE)) {
            ch.truncate(ends[2] - 20); // the last write only partly reached the disk
        }
        try (Volume v = Volume.open(smallConfig(dir), warnings)) {
            assertThat(v.list("", 10)).extracting(ObjectRecord::name).containsExactly("a", "b");
            assertThat(get(v, v.lookup("b"))).isEqualTo(bytes(5000, 2));
            assertThat(warnings()).contains("journal-1.log: torn tail [" + ends[1] + ", " + (ends[2] - 20) + ")")
                    .hasLineCount(1);
            assertThat(Files.size(journal1())).isEqualTo(ends[1]);
            v.close(false);
        }
        try (Volume v = Volume.open(smallConfig(dir), warnings)) {
            assertThat(v.objectCount()).isEqualTo(2);
            assertThat(warnings()).hasLineCount(1); // repaired once, clean since
        }
    }

    @Test
    void shouldTruncateGarbageAfterTheLastEntry() throws Exception {
        long[] ends = threeEntriesThenCrash();
        try (FileChannel ch = FileChannel.open(journal1(), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {0x41, 0x4A, 0x45, 0x31, 1, 2, 3}), ends[2]);
        }
        try (Volume v = Volume.open(smallConfig(dir), warnings)) {
            assertThat(v.objectCount()).isEqualTo(3);
            assertThat(warnings()).contains("torn tail");
            assertThat(Files.size(journal1())).isEqualTo(ends[2]);
        }
    }

    @Test
    void shouldSkipACorruptEntryInTheMiddleAndKeepLaterOnes() throws Exception {
        long[] ends = threeEntriesThenCrash();
        try (FileChannel ch = FileChannel.open(journal1(), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {(byte) 0xFF}), ends[0] + 40); // inside b's extent offset field
        }
        try (Volume v = Volume.open(smallConfig(dir), warnings)) {
            assertThat(v.list("", 10)).extracting(ObjectRecord::name).containsExactly("a", "c");
            assertThat(get(v, v.lookup("c"))).isEqualTo(bytes(300, 3));
            assertThat(warnings()).contains("journal-1.log: corrupt journal bytes [" + ends[0] + ", " + ends[1]
                    + ") skipped");
            // The skip made recovery re-check every body and then checkpoint, so the outcome is final.
            assertThat(warnings()).contains("Re-read all 2 live objects: 2 intact, 0 dropped");
            assertThat(Files.size(journal1())).isEqualTo(JournalLayout.HEADER_SIZE);
            // b's blocks are free again: the allocator is derived from the live records only
            assertThat(v.freeBytes()).isEqualTo(v.sizeBytes() - Volume.BLOCK_SIZE - 2 * Volume.BLOCK_SIZE);
        }
    }

    @Test
    void shouldRefuseAJournalFromAnotherVolume() throws Exception {
        Path other = dir.resolve("other");
        Path mine = dir.resolve("mine");
        try (Volume v = Volume.open(smallConfig(other)); Journal j = v.journal(1)) {
            put(v, j, "a", bytes(1, 1));
        }
        try (Volume v = Volume.open(smallConfig(mine))) {
            assertThat(v.volumeId()).hasSize(32);
        }
        Files.copy(other.resolve("journal-1.log"), mine.resolve("journal-7.log"));
        assertThatThrownBy(() -> Volume.open(smallConfig(mine))).isInstanceOf(IOException.class)
                .hasMessageContaining("journal-7.log: journal belongs to volume");
        // the failed open released the lock
        Files.delete(mine.resolve("journal-7.log"));
        Volume.open(smallConfig(mine)).close();
    }

    @Test
    void shouldRefuseAFileThatIsNotAVolume() throws Exception {
        Files.write(dir.resolve(DataFile.FILE_NAME), new byte[2 * Volume.BLOCK_SIZE]);
        assertThatThrownBy(() -> Volume.open(smallConfig(dir))).isInstanceOf(IOException.class)
                .hasMessageContaining("is not an Atlas volume");
    }

    @Test
    void shouldDropTheOlderOfTwoOverlappingRecords() throws Exception {
        // a deleted, its blocks reused by b; then the delete entry is lost to corruption
        long deleteStart;
        long deleteEnd;
        Volume v = Volume.open(smallConfig(dir));
        try (Journal j = v.journal(1)) {
            put(v, j, "a", bytes(100, 1));
            deleteStart = j.sizeBytes();
            j.stageDelete(ObjectKey.of("a"));
            j.commit();
            deleteEnd = j.sizeBytes();
            ObjectRecord b = put(v, j, "b", bytes(100, 2));
            assertThat(b.offsetBytes()).isEqualTo(Volume.BLOCK_SIZE);
        }
        v.close(false);
        try (FileChannel ch = FileChannel.open(journal1(), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {0x7F}), deleteStart + 16); // its sequence
        }
        try (Volume again = Volume.open(smallConfig(dir), warnings)) {
            assertThat(again.list("", 10)).extracting(ObjectRecord::name).containsExactly("b");
            assertThat(warnings()).contains("[" + deleteStart + ", " + deleteEnd + ")")
                    .contains("overlap; dropping the older, a");
        }
    }

    @Test
    void shouldCheckpointAtOpenWhenJournalsDwarfTheLiveSet() throws Exception {
        Volume v = Volume.open(smallConfig(dir));
        try (Journal j = v.journal(2)) {
            put(v, j, "keep", bytes(10, 1));
            // deletes of absent names: pure journal volume, no extents needed
            ObjectKey gone = ObjectKey.of("gone");
            while (j.sizeBytes() <= Volume.CHECKPOINT_MIN_JOURNAL_BYTES) {
                for (int i = 0; i < 50_000; i++) {
                    j.stageDelete(gone);
                }
                j.commit();
            }
        }
        v.close(false);
        assertThat(dir.resolve(Checkpoint.FILE_NAME)).doesNotExist();
        try (Volume again = Volume.open(smallConfig(dir), warnings)) {
            assertThat(dir.resolve(Checkpoint.FILE_NAME)).exists();
            assertThat(Files.size(dir.resolve("journal-2.log"))).isEqualTo(JournalLayout.HEADER_SIZE);
            assertThat(again.objectCount()).isEqualTo(1);
            again.close(false);
        }
        try (Volume again = Volume.open(smallConfig(dir), warnings)) {
            assertThat(get(again, again.lookup("keep"))).isEqualTo(bytes(10, 1));
        }
        assertThat(warnings()).isEmpty();
    }

    private void corruptByteAt(long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(journal1(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) (b.get(0) ^ 0x5A)).rewind();
            ch.write(b, offset);
        }
    }

    @Test
    void shouldFallBackToTheIntactOlderVersionWhenTheEntryThatReplacedItIsCorrupt() throws Exception {
        long start;
        long end;
        Volume v = Volume.open(smallConfig(dir));
        try (Journal j = v.journal(1)) {
            put(v, j, "x.ts", bytes(5000, 1));
            start = j.sizeBytes();
            put(v, j, "x.ts", bytes(7000, 2)); // replaces it; the old extent is free but nobody reused it
            end = j.sizeBytes();
            put(v, j, "later.ts", bytes(20_000, 3)); // too big for the freed hole: goes to the end
        }
        v.close(false);
        corruptByteAt(start + 40);
        try (Volume again = Volume.open(smallConfig(dir), warnings)) {
            // The replacing entry is lost; its name is still readable in the damaged bytes and reported.
            assertThat(warnings()).contains("corrupt journal bytes [" + start + ", " + end + ") skipped (probably a PUT"
                    + " of 'x.ts' (sequence 2)); later entries kept");
            assertThat(get(again, again.lookup("x.ts"))).as("the older version, re-read and intact")
                    .isEqualTo(bytes(5000, 1));
            assertThat(get(again, again.lookup("later.ts"))).isEqualTo(bytes(20_000, 3));
            assertThat(warnings()).contains("Re-read all 2 live objects: 2 intact, 0 dropped");
        }
    }

    @Test
    void shouldDropAndNameAnObjectWhoseOlderExtentWasReusedWhenTheEntryThatReplacedItIsCorrupt() throws Exception {
        long start;
        Volume v = Volume.open(smallConfig(dir));
        try (Journal j = v.journal(1)) {
            ObjectRecord old = put(v, j, "x.ts", bytes(5000, 1));
            start = j.sizeBytes();
            put(v, j, "x.ts", bytes(7000, 2)); // frees x's first extent ...
            ObjectRecord reuser = put(v, j, "y.ts", bytes(5000, 9)); // ... which y takes and overwrites
            assertThat(reuser.offsetBytes()).isEqualTo(old.offsetBytes());
            j.stageDelete(ObjectKey.of("y.ts")); // and y goes away again: the extent is free, holding y's bytes
            j.commit();
            put(v, j, "z.ts", bytes(20_000, 4));
        }
        v.close(false);
        corruptByteAt(start + 40);
        try (Volume again = Volume.open(smallConfig(dir), warnings)) {
            // Without the replacing entry x would resolve to its first record — whose extent now holds y's bytes.
            // Serving that would be a torn object: recovery re-reads every live body and drops x instead.
            assertThat(again.lookup("x.ts")).isNull();
            assertThat(again.lookup("y.ts")).isNull();
            assertThat(get(again, again.lookup("z.ts"))).isEqualTo(bytes(20_000, 4));
            assertThat(warnings())
                    .contains("dropping 'x.ts' (sequence 1): its extent no longer holds its bytes (CRC mismatch)")
                    .contains("Re-read all 2 live objects: 1 intact, 1 dropped (x.ts)");
        }
        captured.reset();
        try (Volume again = Volume.open(smallConfig(dir), warnings)) {
            assertThat(again.objectCount()).isEqualTo(1);
            assertThat(warnings()).as("decided once, checkpointed").isEmpty();
        }
    }
}
