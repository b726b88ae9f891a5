package atlas.store;

import static atlas.store.StoreTestSupport.B;
import static atlas.store.StoreTestSupport.bytes;
import static atlas.store.StoreTestSupport.crc;
import static atlas.store.StoreTestSupport.flush;
import static atlas.store.StoreTestSupport.get;
import static atlas.store.StoreTestSupport.put;
import static atlas.store.StoreTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PUTs whose body's last write runs concurrently with their journal entry ({@link Journal#stagePutBodyInFlight}):
 * published only when both are durable, in either order; a body that never landed is dropped at recovery in favour
 * of the previous version; a CONFIRM makes recovery trust the entry without reading the body.
 */
class BodyInFlightCommitTest {
    @TempDir
    Path dir;

    private final CapturedWarnings captured = new CapturedWarnings();
    private final PrintStream warnings = captured.stream;

    private String warnings() {
        return captured.text();
    }

    /** The body of a PUT that the test writes (or not) itself, as the server's last body write would. */
    private record Body(Extent extent, byte[] content) {
    }

    private static Body allocate(Volume v, byte[] content) throws Exception {
        return new Body(v.allocate(content.length), content);
    }

    private static void writeBody(Volume v, Body b) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(b.extent().capacityBytes(), B);
            MemorySegment.copy(b.content(), 0, buf, ValueLayout.JAVA_BYTE, 0, b.content().length);
            v.writeDurable(0, buf, b.extent().offsetBytes());
        }
    }

    private static void stage(Journal j, Journal.PendingPut p, String name, Body b) {
        j.stagePutBodyInFlight(p, ObjectKey.of(name), b.extent(), b.content().length, "video/mp2t", crc(b.content()),
                1234L);
    }

    @Test
    void shouldPublishOnlyWhenEntryAndBodyAreBothDurableInEitherOrder() throws Exception {
        try (Volume v = Volume.open(smallConfig(dir)); Journal j = v.journal(1)) {
            Journal.PendingPut first = new Journal.PendingPut();
            Journal.PendingPut second = new Journal.PendingPut();
            Body a = allocate(v, bytes(5000, 1));
            Body b = allocate(v, bytes(300, 2));
            stage(j, first, "a", a);
            stage(j, second, "b", b);

            // a: body first, then the entry
            writeBody(v, a);
            assertThat(j.bodyWritten(first, true)).as("entry not written yet").isFalse();
            assertThat(v.lookup("a")).isNull();
            flush(j);
            assertThat(first.isResolved()).isTrue();
            assertThat(v.lookup("a")).isSameAs(first.record());
            // b: the entry is durable, the body is not back yet
            assertThat(second.isResolved()).isFalse();
            assertThat(v.lookup("b")).isNull();
            writeBody(v, b);
            assertThat(j.bodyWritten(second, true)).as("resolves now: the caller answers").isTrue();
            assertThat(second.entryDurable() && second.bodyDurable()).isTrue();
            assertThat(get(v, v.lookup("b"))).isEqualTo(b.content());
            assertThatThrownBy(() -> j.bodyWritten(second, true)).isInstanceOf(IllegalStateException.class);
        }
        try (Volume v = Volume.open(smallConfig(dir), warnings)) {
            assertThat(get(v, v.lookup("a"))).isEqualTo(bytes(5000, 1));
            assertThat(get(v, v.lookup("b"))).isEqualTo(bytes(300, 2));
        }
    }

    @Test
    void shouldDropAnUnacknowledgedPutWhoseBodyNeverLandedAndKeepThePreviousVersion() throws Exception {
        Volume v = Volume.open(smallConfig(dir));
        try (Journal j = v.journal(1)) {
            put(v, j, "seg.ts", bytes(4000, 7)); // version 1, body durable before its entry
            Journal.PendingPut p = new Journal.PendingPut();
            Body lost = allocate(v, bytes(6000, 8));
            stage(j, p, "seg.ts", lost);
            Body never = allocate(v, bytes(100, 9));
            stage(j, new Journal.PendingPut(), "new.ts", never);
            flush(j); // both entries durable; the crash comes before either body write
        }
        v.close(false);
        try (Volume again = Volume.open(smallConfig(dir), warnings)) {
            assertThat(get(again, again.lookup("seg.ts"))).as("the previous version stays").isEqualTo(bytes(4000, 7));
            assertThat(again.lookup("new.ts")).isNull();
            assertThat(warnings())
                    .contains("dropping the unacknowledged PUT of 'seg.ts'")
                    .contains("'seg.ts' keeps its earlier version")
                    .contains("dropping the unacknowledged PUT of 'new.ts'")
                    .contains("'new.ts' has no earlier version and stays absent")
                    .contains("checked 2 object bodies against their CRC: 0 intact, 2 dropped");
            // Dropping is final: the recovery checkpointed, so the entries are gone from the journal.
            assertThat(again.objectCount()).isEqualTo(1);
        }
        captured.reset();
        try (Volume again = Volume.open(smallConfig(dir), warnings)) {
            assertThat(warnings()).isEmpty();
            assertThat(again.objectCount()).isEqualTo(1);
        }
    }

    @Test
    void shouldKeepAnUnconfirmedPutWhoseBodyDidLand() throws Exception {
        Volume v = Volume.open(smallConfig(dir));
        try (Journal j = v.journal(1)) {
            Journal.PendingPut p = new Journal.PendingPut();
            Body b = allocate(v, bytes(9000, 3));
            stage(j, p, "x.ts", b);
            writeBody(v, b);
            flush(j); // entry and body durable, but no later group carried its CONFIRM: the crash came first
            j.bodyWritten(p, true);
        }
        v.close(false);
        try (Volume again = Volume.open(smallConfig(dir), warnings)) {
            assertThat(get(again, again.lookup("x.ts"))).isEqualTo(bytes(9000, 3));
            assertThat(warnings()).contains("checked 1 object bodies against their CRC: 1 intact, 0 dropped");
        }
    }

    @Test
    void shouldTrustAConfirmedPutWithoutReadingItsBody() throws Exception {
        Volume v = Volume.open(smallConfig(dir));
        Extent extent;
        try (Journal j = v.journal(1)) {
            Journal.PendingPut p = new Journal.PendingPut();
            Body b = allocate(v, bytes(2000, 4));
            extent = b.extent();
            stage(j, p, "c.ts", b);
            writeBody(v, b);
            j.bodyWritten(p, true);
            flush(j);
            put(v, j, "later.ts", bytes(10, 5)); // the next group carries the CONFIRM of c.ts
        }
        v.close(false);
        // Damage c.ts's body behind the journal's back: a confirmed entry is not re-read, so recovery keeps it.
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment garbage = arena.allocate(B, B);
            garbage.fill((byte) 0x5A);
            Volume raw = Volume.open(smallConfig(dir));
            raw.writeDurable(0, garbage, extent.offsetBytes());
            raw.close(false);
        }
        try (Volume again = Volume.open(smallConfig(dir), warnings)) {
            assertThat(again.lookup("c.ts")).isNotNull();
            assertThat(warnings()).as("nothing checked: every flagged entry was confirmed").isEmpty();
        }
    }

    @Test
    void shouldHoldTheExtentOfAPutWhoseBodyFailedAfterItsEntryWasDurable() throws Exception {
        try (Volume v = Volume.open(smallConfig(dir)); Journal j = v.journal(1)) {
            long free = v.freeBytes();
            Journal.PendingPut p = new Journal.PendingPut();
            Body b = allocate(v, bytes(3 * 4096, 6));
            stage(j, p, "failed.ts", b);
            flush(j);
            assertThat(j.bodyWritten(p, false)).isTrue();
            assertThat(p.entryDurable()).isTrue();
            assertThat(p.bodyDurable()).isFalse();
            assertThat(v.lookup("failed.ts")).isNull();
            assertThat(j.heldExtents()).isEqualTo(1);
            assertThat(v.freeBytes()).as("held until restart, never reused").isEqualTo(free - 3 * B);
        }
        try (Volume v = Volume.open(smallConfig(dir), warnings)) {
            assertThat(v.lookup("failed.ts")).isNull();
            assertThat(v.freeBytes()).isEqualTo(v.sizeBytes() - B);
        }
    }

    @Test
    void shouldReleaseTheExtentOnlyAfterTheBodyWriteReportsWhenTheJournalWriteFailed() throws Exception {
        try (Volume v = Volume.open(smallConfig(dir)); Journal j = v.journal(1)) {
            long free = v.freeBytes();
            Journal.PendingPut p = new Journal.PendingPut();
            Body b = allocate(v, bytes(100, 1));
            stage(j, p, "a.ts", b);
            j.beginFlush();
            j.journalWritten(false);
            j.completeFlush();
            assertThat(v.freeBytes()).as("the body write may still land there").isEqualTo(free - B);
            assertThat(j.bodyWritten(p, true)).isTrue();
            assertThat(p.entryDurable()).isFalse();
            assertThat(v.lookup("a.ts")).isNull();
            assertThat(v.freeBytes()).isEqualTo(free);
        }
    }

    @Test
    void shouldPreallocateTheJournalWithZerosAndFindItsEndAgain() throws Exception {
        Volume v = Volume.open(smallConfig(dir));
        long end;
        Path file = dir.resolve("journal-1.log");
        try (Journal j = v.journal(1)) {
            put(v, j, "a", bytes(10, 1));
            assertThat(Files.size(file)).as("a new journal: the header block").isEqualTo(B);
            int i = 0;
            while (j.sizeBytes() <= B) {
                put(v, j, "b" + i++, bytes(10, 2));
            }
            // The write that crossed the end carried zeros up to a whole step past it.
            assertThat(Files.size(file) % Journal.PREALLOCATE_BYTES).isZero();
            assertThat(Files.size(file)).isGreaterThanOrEqualTo(j.sizeBytes() + Journal.PREALLOCATE_BYTES);
            put(v, j, "b", bytes(10, 2));
            end = j.sizeBytes();
        }
        v.close(false);
        try (Volume again = Volume.open(smallConfig(dir), warnings); Journal j = again.journal(1)) {
            assertThat(warnings()).as("the zeros after the log are room, not a torn tail").isEmpty();
            assertThat(j.sizeBytes()).isEqualTo(end);
            put(again, j, "c", bytes(10, 3)); // appends within the block holding the end: earlier bytes kept
            assertThat(again.lookup("c")).isNotNull();
            again.close(false);
        }
        try (Volume again = Volume.open(smallConfig(dir), warnings)) {
            assertThat(again.lookup("a")).isNotNull();
            assertThat(again.lookup("b")).isNotNull();
            assertThat(again.lookup("c")).isNotNull();
            assertThat(warnings()).isEmpty();
        }
    }

    @Test
    void shouldKeepThePruningBoundBelowAPutWaitingForItsBody() throws Exception {
        try (Volume v = Volume.open(smallConfig(dir)); Journal j = v.journal(1)) {
            Journal.PendingPut p = new Journal.PendingPut();
            Body b = allocate(v, bytes(100, 1));
            stage(j, p, "a.ts", b);
            long sequence = p.record().sequence();
            flush(j); // entry durable, body still running: not published, so still a lower bound for tombstones
            assertThat(j.lowestUnpublishedSequence()).isEqualTo(sequence);
            put(v, j, "b.ts", bytes(10, 2)); // later groups come and go; the bound stays
            assertThat(j.lowestUnpublishedSequence()).isEqualTo(sequence);
            writeBody(v, b);
            assertThat(j.bodyWritten(p, true)).isTrue();
            assertThat(j.lowestUnpublishedSequence()).isEqualTo(Long.MAX_VALUE);
        }
    }
}
