package atlas.store;

import atlas.posix.Libc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

import static atlas.store.StoreTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The asynchronous group commit: one group on its way to disk while the next one fills. */
class PipelinedCommitTest {
    @TempDir
    Path dir;

    @Test
    void shouldKeepStagingWhileAFlushIsInFlightAndPublishOnlyTheFlushedGroup() throws Exception {
        try (Volume v = Volume.open(smallConfig(dir)); Journal j = v.journal(1)) {
            j.stagePut(ObjectKey.of("first"), v.allocate(10), 10, "text/plain", 1, 0);
            MemorySegment bytes = j.beginFlush();
            assertThat(bytes).isNotNull();
            assertThat(j.isFlushing()).isTrue();
            assertThat(j.beginFlush()).as("one flush at a time").isNull();

            j.stagePut(ObjectKey.of("second"), v.allocate(10), 10, "text/plain", 2, 0);
            assertThat(j.stagedCount()).isEqualTo(1);
            assertThat(j.lowestUnpublishedSequence()).as("bound covers the flushing group").isEqualTo(1);

            assertThat(Libc.pwrite(j.fd(), bytes, bytes.byteSize(), j.flushOffset())).isEqualTo(bytes.byteSize());
            assertThat(j.completeFlush(true)).isEqualTo(1);
            assertThat(v.lookup("first")).isNotNull();
            assertThat(v.lookup("second")).as("staged after the flush began").isNull();
            assertThat(j.lowestUnpublishedSequence()).isEqualTo(2);

            j.commit();
            assertThat(v.lookup("second")).isNotNull();
            assertThat(j.lowestUnpublishedSequence()).isEqualTo(Long.MAX_VALUE);
        }
        try (Volume v = Volume.open(smallConfig(dir))) {
            assertThat(v.lookup("first")).isNotNull();
            assertThat(v.lookup("second")).isNotNull();
        }
    }

    @Test
    void shouldDropAFailedFlushAndReturnItsExtents() throws Exception {
        try (Volume v = Volume.open(smallConfig(dir)); Journal j = v.journal(1)) {
            long free = v.freeBytes();
            j.stagePut(ObjectKey.of("lost"), v.allocate(10), 10, "text/plain", 1, 0);
            MemorySegment bytes = j.beginFlush();
            // Half of the group reached the file before the "failure": it must be cut off again.
            Libc.pwrite(j.fd(), bytes, bytes.byteSize() / 2, j.flushOffset());
            j.completeFlush(false);
            assertThat(v.lookup("lost")).isNull();
            assertThat(v.freeBytes()).isEqualTo(free);
            assertThatThrownBy(() -> j.completeFlush(true)).isInstanceOf(IllegalStateException.class);
            StoreTestSupport.put(v, j, "kept", new byte[] {1, 2, 3});
        }
        try (Volume v = Volume.open(smallConfig(dir))) {
            assertThat(v.lookup("lost")).isNull();
            assertThat(v.lookup("kept")).isNotNull();
        }
    }
}
