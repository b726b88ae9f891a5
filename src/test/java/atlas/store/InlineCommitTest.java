package atlas.store;

import static atlas.store.StoreTestSupport.B;
import static atlas.store.StoreTestSupport.bytes;
import static atlas.store.StoreTestSupport.crc;
import static atlas.store.StoreTestSupport.flush;
import static atlas.store.StoreTestSupport.get;
import static atlas.store.StoreTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PUTs whose body rides in their journal entry ({@link Journal#stagePutInline}): one durable write for body and
 * commit, the extent written without a flush. After a crash the entry is the durable copy: an extent whose write
 * never landed is rewritten from it; once a data sync and a CONFIRM covered the PUT, recovery no longer reads it.
 */
class InlineCommitTest {
    @TempDir
    Path dir;

    private final CapturedWarnings captured = new CapturedWarnings();
    private final PrintStream warnings = captured.stream;

    private String warnings() {
        return captured.text();
    }

    /** A small body in a block-aligned buffer, as the server has it after receiving it. */
    private static MemorySegment buffer(Arena arena, byte[] content) {
        MemorySegment buf = arena.allocate(Math.max(B, (content.length + B - 1) / B * B), B);
        buf.fill((byte) 0);
        MemorySegment.copy(content, 0, buf, ValueLayout.JAVA_BYTE, 0, content.length);
        return buf;
    }

    private static Extent stage(Volume v, Journal j, Journal.PendingPut p, String name, MemorySegment buf,
                                int length, byte[] content) throws Exception {
        Extent e = v.allocate(length);
        j.stagePutInline(p, ObjectKey.of(name), e, buf.asSlice(0, length), "application/vnd.apple.mpegurl",
                crc(content), 99L);
        return e;
    }

    @Test
    void shouldPublishOnceTheEntryIsDurableAndTheLazyExtentWriteCompleted() throws Exception {
        byte[] playlist = bytes(1234, 5);
        try (Volume v = Volume.open(smallConfig(dir)); Journal j = v.journal(0); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = buffer(arena, playlist);
            Journal.PendingPut p = new Journal.PendingPut();
            Extent e = stage(v, j, p, "live/index.m3u8", buf, playlist.length, playlist);
            flush(j);
            assertThat(p.isResolved()).isFalse();
            assertThat(v.lookup("live/index.m3u8")).as("readers would find stale extent bytes").isNull();
            v.writeLazy(0, buf.asSlice(0, B), e.offsetBytes());
            assertThat(j.bodyWritten(p, true)).isTrue();
            assertThat(get(v, v.lookup("live/index.m3u8"))).isEqualTo(playlist);
            assertThat(j.inlineAwaitingSync()).isEqualTo(1);
        }
    }

    @Test
    void shouldRewriteAnExtentWhoseWriteNeverLandedFromTheEntry() throws Exception {
        byte[] v1 = bytes(900, 1);
        byte[] v2 = bytes(4096, 2);
        Volume v = Volume.open(smallConfig(dir));
        try (Journal j = v.journal(0); Arena arena = Arena.ofConfined()) {
            Journal.PendingPut p = new Journal.PendingPut();
            MemorySegment one = buffer(arena, v1);
            Extent e1 = stage(v, j, p, "a.m3u8", one, v1.length, v1);
            flush(j);
            v.writeLazy(0, one.asSlice(0, B), e1.offsetBytes());
            j.bodyWritten(p, true);
            // The second version's entry is durable, but its extent write is lost with the crash.
            Journal.PendingPut q = new Journal.PendingPut();
            stage(v, j, q, "b.bin", buffer(arena, v2), v2.length, v2);
            flush(j);
        }
        v.close(false);
        try (Volume again = Volume.open(smallConfig(dir), warnings)) {
            assertThat(get(again, again.lookup("a.m3u8"))).isEqualTo(v1);
            assertThat(get(again, again.lookup("b.bin"))).as("rewritten from its entry").isEqualTo(v2);
            assertThat(again.verify(null).badObjects()).isEmpty();
            assertThat(warnings()).contains("checked 2 object bodies against their CRC: 1 intact, "
                    + "1 rewritten from their journal entries, 0 dropped");
        }
    }

    @Test
    void shouldTrustAnInlinePutOnceADataSyncConfirmedIt() throws Exception {
        byte[] body = bytes(3000, 3);
        Volume v = Volume.open(smallConfig(dir));
        Extent e;
        try (Journal j = v.journal(0); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = buffer(arena, body);
            Journal.PendingPut p = new Journal.PendingPut();
            e = stage(v, j, p, "c.m3u8", buf, body.length, body);
            flush(j);
            v.writeLazy(0, buf.asSlice(0, B), e.offsetBytes());
            j.bodyWritten(p, true);
            long epoch = j.beginDataSync();
            assertThat(j.inlineAwaitingSync()).isZero();
            v.syncData();
            j.dataSynced(epoch, true);
            j.stageDelete(ObjectKey.of("nothing")); // any later group carries the CONFIRM
            flush(j);
        }
        v.close(false);
        try (Volume again = Volume.open(smallConfig(dir), warnings)) {
            assertThat(get(again, again.lookup("c.m3u8"))).isEqualTo(body);
            assertThat(warnings()).as("confirmed: recovery reads no body").doesNotContain("checked");
        }
    }

    @Test
    void shouldNotConfirmWritesThatCompletedAfterTheSyncBegan() throws Exception {
        byte[] body = bytes(100, 4);
        Volume v = Volume.open(smallConfig(dir));
        try (Journal j = v.journal(0); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = buffer(arena, body);
            Journal.PendingPut p = new Journal.PendingPut();
            long epoch = j.beginDataSync(); // a sync already on its way when this PUT's write completes
            Extent e = stage(v, j, p, "d", buf, body.length, body);
            flush(j);
            v.writeLazy(0, buf.asSlice(0, B), e.offsetBytes());
            j.bodyWritten(p, true);
            j.dataSynced(epoch, true);
            assertThat(j.inlineAwaitingSync()).isEqualTo(1);
            j.stageDelete(ObjectKey.of("nothing"));
            flush(j);
            // Overwrite the extent behind the journal's back: an unconfirmed PUT is checked and repaired.
            MemorySegment junk = arena.allocate(B, B);
            junk.fill((byte) 0x55);
            v.writeDurable(0, junk, e.offsetBytes());
        }
        v.close(false);
        try (Volume again = Volume.open(smallConfig(dir), warnings)) {
            assertThat(get(again, again.lookup("d"))).isEqualTo(body);
            assertThat(warnings()).contains("1 rewritten from their journal entries");
        }
    }

    @Test
    void shouldRejectABodyLargerThanOneBlockAndATornInlineEntry() throws Exception {
        try (Volume v = Volume.open(smallConfig(dir)); Journal j = v.journal(0); Arena arena = Arena.ofConfined()) {
            MemorySegment big = arena.allocate(2 * B, B);
            assertThatThrownBy(() -> j.stagePutInline(new Journal.PendingPut(), ObjectKey.of("big"),
                    v.allocate(2 * B), big, "x/y", 0, 0)).isInstanceOf(IllegalArgumentException.class);
        }
        // The entry CRC covers the inline body: one flipped body byte invalidates the entry.
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment entry = arena.allocate(JournalLayout.MAX_ENTRY_SIZE, 8);
            byte[] body = bytes(700, 6);
            int size = JournalLayout.encodeEntry(entry, 0, JournalLayout.TYPE_PUT, JournalLayout.FLAG_BODY_INLINE, 7,
                    ObjectKey.of("x"), "t/u".getBytes(StandardCharsets.US_ASCII), B, B, body.length, crc(body), 1,
                    MemorySegment.ofArray(body));
            assertThat(JournalLayout.validEntrySize(entry, 0)).isEqualTo(size);
            JournalEntry decoded = JournalLayout.decodeEntry(entry, 0);
            assertThat(decoded.bodyInline()).isTrue();
            assertThat(entry.asSlice(decoded.inlineBodyAt(), body.length).toArray(ValueLayout.JAVA_BYTE))
                    .isEqualTo(body);
            long at = decoded.inlineBodyAt() + 300;
            entry.set(ValueLayout.JAVA_BYTE, at, (byte) (entry.get(ValueLayout.JAVA_BYTE, at) ^ 1));
            assertThat(JournalLayout.validEntrySize(entry, 0)).isEqualTo(-1);
        }
    }
}
