package atlas.store;

import static atlas.store.StoreTestSupport.bytes;
import static atlas.store.StoreTestSupport.put;
import static atlas.store.StoreTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Deletes racing older puts staged on other cores' journals, made deterministic with two journals. */
class TombstoneTest {
    @TempDir
    Path dir;

    @Test
    void shouldKeepANameDeletedWhenAnOlderPutCommitsAfterTheDelete() throws Exception {
        Volume v = Volume.open(smallConfig(dir));
        try (Journal a = v.journal(1); Journal b = v.journal(2)) {
            long free = v.freeBytes();
            ObjectRecord older = a.stagePut(ObjectKey.of("x"), v.allocate(100), 100, "text/plain", 0, 0);
            b.stageDelete(ObjectKey.of("x")); // newer sequence, other core
            b.commit();
            assertThat(v.index().tombstoneCount()).isEqualTo(1); // a still holds an older staged put

            a.commit();
            assertThat(v.lookup("x")).isNull();
            assertThat(older.isRetired()).isTrue();
            assertThat(v.freeBytes()).isEqualTo(free); // the losing put's extent went back to the allocator
            assertThat(v.objectCount()).isZero();
            assertThat(v.liveBytes()).isZero();
            assertThat(v.index().tombstoneCount()).isZero(); // nothing older can publish any more: pruned
        }
        v.close(false); // replay must agree with what the clients were told
        try (Volume again = Volume.open(smallConfig(dir))) {
            assertThat(again.lookup("x")).isNull();
            assertThat(again.objectCount()).isZero();
        }
    }

    @Test
    void shouldHideTombstonesFromReadersListingsAndCheckpoints() throws Exception {
        Volume v = Volume.open(smallConfig(dir));
        Journal a = v.journal(1);
        Journal b = v.journal(2);
        put(v, b, "keep", bytes(10, 1));
        put(v, b, "x", bytes(20, 2));
        a.stagePut(ObjectKey.of("y"), v.allocate(1), 1, "text/plain", 0, 0); // older than the delete: holds pruning
        b.stageDelete(ObjectKey.of("x"));
        b.commit();

        assertThat(v.index().tombstoneCount()).isEqualTo(1);
        assertThat(v.lookup("x")).isNull();
        assertThat(v.list("", 10)).extracting(ObjectRecord::name).containsExactly("keep");
        assertThat(v.objectCount()).isEqualTo(1);
        assertThat(v.liveBytes()).isEqualTo(10);
        assertThat(v.index().records()).extracting(ObjectRecord::name).containsExactly("keep");
        assertThat(v.verify(null).objects()).isEqualTo(1);

        v.close(); // checkpoints with the tombstone still in the map (a's staged put is dropped)
        try (Volume again = Volume.open(smallConfig(dir))) {
            assertThat(again.list("", 10)).extracting(ObjectRecord::name).containsExactly("keep");
            assertThat(again.objectCount()).isEqualTo(1);
        }
    }

    @Test
    void shouldPruneTombstonesOnceNoOlderEntryIsStaged() throws Exception {
        try (Volume v = Volume.open(smallConfig(dir)); Journal a = v.journal(1); Journal b = v.journal(2)) {
            put(v, b, "x", bytes(10, 1));
            b.stageDelete(ObjectKey.of("x"));
            b.stageDelete(ObjectKey.of("never-existed"));
            b.commit();
            assertThat(v.index().tombstoneCount()).isZero();

            // a put staged after the delete is newer: it does not hold the tombstone back, and wins when published
            b.stageDelete(ObjectKey.of("x"));
            ObjectRecord newer = a.stagePut(ObjectKey.of("x"), v.allocate(1), 1, "text/plain", 0, 0);
            b.commit();
            assertThat(v.index().tombstoneCount()).isZero();
            a.commit();
            assertThat(v.lookup("x")).isSameAs(newer);
        }
    }
}
