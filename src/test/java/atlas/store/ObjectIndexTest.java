package atlas.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ObjectIndexTest {
    private final List<Extent> reclaimed = new ArrayList<>();
    private final ObjectIndex index = new ObjectIndex();

    private ObjectRecord record(String name, long offsetBlocks, long sequence) {
        return new ObjectRecord(ObjectKey.of(name), new Extent(offsetBlocks * Volume.BLOCK_SIZE, Volume.BLOCK_SIZE),
                10, "text/plain", 0, 0, sequence, reclaimed::add);
    }

    @Test
    void shouldKeepTheNewerRecordWhenCommitsPublishOutOfOrder() {
        ObjectRecord newer = record("a", 2, 8);
        ObjectRecord older = record("a", 1, 5);
        index.publish(newer);
        index.publish(older); // another core's commit, staged earlier, published later
        assertThat(index.get(ObjectKey.of("a"))).isSameAs(newer);
        assertThat(older.isRetired()).isTrue();
        assertThat(reclaimed).containsExactly(older.extent());
        assertThat(index.liveBytes()).isEqualTo(10);
    }

    @Test
    void shouldIgnoreADeleteOlderThanTheCurrentRecord() {
        ObjectRecord r = record("a", 1, 9);
        index.publish(r);
        index.delete(ObjectKey.of("a"), 7);
        assertThat(index.get(ObjectKey.of("a"))).isSameAs(r);
        index.delete(ObjectKey.of("a"), 10);
        assertThat(index.get(ObjectKey.of("a"))).isNull();
        assertThat(reclaimed).containsExactly(r.extent());
        assertThat(index.size()).isZero();
        assertThat(index.liveBytes()).isZero();
    }

    @Test
    void shouldDropAPutThatPublishesAfterANewerDelete() {
        ObjectRecord older = record("a", 1, 10);
        index.delete(ObjectKey.of("a"), 11); // another core's delete, staged later, published first
        index.publish(older);
        assertThat(index.get(ObjectKey.of("a"))).isNull();
        assertThat(older.isRetired()).isTrue();
        assertThat(reclaimed).containsExactly(older.extent());
        assertThat(index.size()).isZero();
        assertThat(index.liveBytes()).isZero();
        assertThat(index.records()).isEmpty();
        assertThat(index.list(new byte[0], 10)).isEmpty();
        assertThat(index.tombstoneCount()).isEqualTo(1);
    }

    @Test
    void shouldLetANewerPutReplaceATombstoneWithoutReclaimingAnything() {
        index.delete(ObjectKey.of("a"), 5);
        ObjectRecord newer = record("a", 1, 8);
        index.publish(newer);
        index.delete(ObjectKey.of("a"), 3); // older than the record: ignored, no tombstone
        assertThat(index.get(ObjectKey.of("a"))).isSameAs(newer);
        assertThat(reclaimed).isEmpty();
        assertThat(index.tombstoneCount()).isZero();
        assertThat(index.size()).isEqualTo(1);
        assertThat(index.liveBytes()).isEqualTo(10);
    }

    @Test
    void shouldPruneOnlyTombstonesBelowTheWatermark() {
        index.delete(ObjectKey.of("a"), 5);
        index.delete(ObjectKey.of("b"), 9);
        index.delete(ObjectKey.of("c"), 3);
        ObjectRecord c = record("c", 1, 4);
        index.publish(c); // replaces c's tombstone, which stays queued
        assertThat(index.tombstoneCount()).isEqualTo(2);

        index.pruneTombstones(6);
        assertThat(index.tombstoneCount()).isEqualTo(1);
        index.publish(record("b", 2, 7)); // still older than b's tombstone
        assertThat(index.get(ObjectKey.of("b"))).isNull();

        index.pruneTombstones(100);
        assertThat(index.tombstoneCount()).isZero();
        assertThat(index.hasQueuedTombstones()).isFalse();
        assertThat(index.get(ObjectKey.of("c"))).isSameAs(c);
        assertThat(index.size()).isEqualTo(1);
    }

    @Test
    void shouldSortListingsByUnsignedBytes() {
        index.publish(record("b", 1, 1));
        index.publish(record("é", 2, 2));
        index.publish(record("a/z", 3, 3));
        index.publish(record("a", 4, 4));
        assertThat(index.list(new byte[0], 10)).extracting(ObjectRecord::name).containsExactly("a", "a/z", "b", "é");
    }
}
