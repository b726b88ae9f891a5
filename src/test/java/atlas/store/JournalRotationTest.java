package atlas.store;

import static atlas.store.StoreTestSupport.B;
import static atlas.store.StoreTestSupport.bytes;
import static atlas.store.StoreTestSupport.crc;
import static atlas.store.StoreTestSupport.flush;
import static atlas.store.StoreTestSupport.get;
import static atlas.store.StoreTestSupport.put;
import static atlas.store.StoreTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Journals sealed and checkpointed away while serving ({@link Journal#rotate}, {@link Volume#checkpointOnline}): a
 * restart reads sealed and live files of one journal together (a CONFIRM may follow its PUT into the next file), and
 * an online checkpoint deletes exactly the sealed files it covers, with nothing lost.
 */
class JournalRotationTest {
    @TempDir
    Path dir;

    private final CapturedWarnings captured = new CapturedWarnings();
    private final PrintStream warnings = captured.stream;

    private List<String> journalFiles() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("journal-")).sorted().toList();
        }
    }

    @Test
    void shouldReadSealedAndLiveFilesTogetherWithConfirmsAcrossTheRotation() throws Exception {
        byte[] body = bytes(9000, 4);
        Volume v = Volume.open(smallConfig(dir));
        try (Journal j = v.journal(0); Arena arena = Arena.ofConfined()) {
            put(v, j, "old.ts", bytes(5000, 1));
            // A PUT whose body is still in flight when the file is sealed: its CONFIRM lands in the next file.
            Extent e = v.allocate(body.length);
            Journal.PendingPut p = new Journal.PendingPut();
            j.stagePutBodyInFlight(p, ObjectKey.of("flagged.ts"), e, body.length, "video/mp2t", crc(body), 1L);
            flush(j);
            j.rotate();
            MemorySegment buf = arena.allocate(e.capacityBytes(), B);
            MemorySegment.copy(body, 0, buf, ValueLayout.JAVA_BYTE, 0, body.length);
            v.writeDurable(0, buf, e.offsetBytes());
            assertThat(j.bodyWritten(p, true)).isTrue();
            put(v, j, "new.ts", bytes(100, 2)); // carries the CONFIRM
            j.rotate();
            put(v, j, "old.ts", bytes(700, 3)); // a newer version in the third file wins
            assertThat(journalFiles()).hasSize(3).contains("journal-0.log")
                    .anyMatch(n -> n.matches("journal-0\\.sealed-\\d+\\.log"));
        }
        v.close(false);
        try (Volume again = Volume.open(smallConfig(dir), warnings)) {
            assertThat(get(again, again.lookup("old.ts"))).isEqualTo(bytes(700, 3));
            assertThat(get(again, again.lookup("new.ts"))).isEqualTo(bytes(100, 2));
            assertThat(get(again, again.lookup("flagged.ts"))).isEqualTo(body);
            String w = captured.text();
            assertThat(w).as("the CONFIRM in the later file covers the PUT: no body re-read").doesNotContain("checked");
            // Appending continues in the live file after the restart.
            try (Journal j = again.journal(0)) {
                put(again, j, "after.ts", bytes(10, 5));
            }
        }
        try (Volume again = Volume.open(smallConfig(dir))) {
            assertThat(again.objectCount()).isEqualTo(4);
            assertThat(journalFiles()).as("a clean close checkpoints and deletes sealed files")
                    .containsExactly("journal-0.log");
        }
    }

    @Test
    void shouldCheckpointOnlineAndDeleteOnlyTheSealedFilesItCovers() throws Exception {
        Volume v = Volume.open(smallConfig(dir));
        byte[] small = bytes(1500, 9);
        try (Journal j = v.journal(0); Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < 20; i++) {
                put(v, j, "seg" + i + ".ts", bytes(3000 + i, i));
            }
            // An inline PUT whose extent was written lazily: the checkpoint's data sync makes it durable.
            Extent e = v.allocate(small.length);
            MemorySegment buf = arena.allocate(B, B);
            buf.fill((byte) 0);
            MemorySegment.copy(small, 0, buf, ValueLayout.JAVA_BYTE, 0, small.length);
            Journal.PendingPut p = new Journal.PendingPut();
            j.stagePutInline(p, ObjectKey.of("index.m3u8"), e, buf.asSlice(0, small.length), "text/plain", crc(small),
                    2L);
            flush(j);
            v.writeLazy(0, buf, e.offsetBytes());
            j.bodyWritten(p, true);
            j.stageDelete(ObjectKey.of("seg0.ts"));
            flush(j);

            // The checkpointer runs on its own thread; this thread plays the core, which rotates when asked.
            CompletableFuture<Void> checkpoint = CompletableFuture.runAsync(() -> {
                try {
                    v.checkpointOnline();
                } catch (IOException x) {
                    throw new RuntimeException(x);
                }
            });
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!j.rotationRequested() && System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            assertThat(j.rotationRequested()).isTrue();
            j.rotate();
            checkpoint.get(10, TimeUnit.SECONDS);
            assertThat(v.onlineCheckpoints()).isEqualTo(1);
            assertThat(journalFiles()).containsExactly("journal-0.log");
            assertThat(Files.exists(dir.resolve("index.snap"))).isTrue();
            put(v, j, "seg1.ts", bytes(42, 42)); // after the checkpoint: only in the live journal
        }
        v.close(false); // a crash: the checkpoint plus the live journal must give everything back
        try (Volume again = Volume.open(smallConfig(dir), warnings)) {
            assertThat(again.lookup("seg0.ts")).isNull();
            assertThat(get(again, again.lookup("seg1.ts"))).isEqualTo(bytes(42, 42));
            assertThat(get(again, again.lookup("seg19.ts"))).isEqualTo(bytes(3019, 19));
            assertThat(get(again, again.lookup("index.m3u8"))).isEqualTo(small);
            assertThat(again.objectCount()).isEqualTo(20);
            assertThat(again.verify(null).badObjects()).isEmpty();
        }
    }

    @Test
    void shouldNameSealedFilesWithTheirSequenceBound() {
        assertThat(Journal.sealedBound(Journal.sealedFileName(3, 12345))).isEqualTo(12345);
        assertThat(Journal.sealedBound(Journal.fileName(3))).isEqualTo(-1);
        assertThat(Journal.sealedBound("journal-3.sealed-x.log")).isEqualTo(-1);
    }
}
