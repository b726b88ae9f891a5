package atlas.ingest;

import atlas.dataplane.FakeDisk;
import atlas.dataplane.LoopClock;
import atlas.posix.Errno;
import atlas.store.Extent;
import atlas.store.Journal;
import atlas.store.ObjectKey;
import atlas.store.ObjectRecord;
import atlas.store.Volume;
import atlas.store.VolumeConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The group commit driven turn by turn against a real journal and a fake disk whose writes complete when the test
 * says: when a request is answered, with what, and that it is answered exactly once whatever the order of its
 * body write and its group's journal write.
 */
class GroupCommitTest {
    private static final long B = Volume.BLOCK_SIZE;
    private static final int DATA_SYNC_FD = 77;

    @TempDir
    Path dir;
    private Volume volume;
    private Journal journal;
    private final FakeDisk disk = new FakeDisk();
    private final Counting metrics = new Counting();
    private GroupCommit commit;
    private final LoopClock clock = new LoopClock();

    @BeforeEach
    void setUp() throws Exception {
        volume = Volume.open(new VolumeConfig(dir, 64 * B, 64 * B, 4096 * B));
        journal = volume.journal(1);
        commit = new GroupCommit(journal, new int[]{DATA_SYNC_FD}, disk, metrics, clock);
    }

    @AfterEach
    void tearDown() throws Exception {
        journal.close();
        volume.close();
    }

    private ObjectRecord stageDurablePut(Waiter w, String name) throws Exception {
        Extent e = volume.allocate(10);
        return commit.stagePut(w, ObjectKey.of(name), e, 10, "video/mp2t", 1, 0);
    }

    private int turn() {
        return commit.onTurnEnd();
    }

    @Test
    void shouldAnswerAPutOnlyOnceItsGroupsJournalWriteIsDurable() throws Exception {
        Waiter w = new Waiter();
        stageDurablePut(w, "vod/a");
        assertThat(turn()).isEqualTo(1);
        FakeDisk.Request write = disk.next();
        assertThat(write.kind()).isEqualTo(FakeDisk.Kind.WRITE_DURABLE);
        assertThat(write.fd()).isEqualTo(journal.fd());
        assertThat(w.outcomes).as("not before the write completes").isEmpty();
        turn();
        assertThat(w.outcomes).as("nor at a turn end before it").isEmpty();
        disk.complete();
        assertThat(w.outcomes).as("answered at the turn end, not inside the completion").isEmpty();
        turn();
        assertThat(w.outcomes).containsExactly(CommitOutcome.DURABLE);
        assertThat(volume.lookup("vod/a")).isNotNull();
        turn();
        assertThat(w.outcomes).as("exactly once").hasSize(1);
        assertThat(metrics.groups).containsExactly(1);
    }

    @Test
    void shouldCommitEverythingStagedInOneTurnWithOneWrite() throws Exception {
        List<Waiter> waiters = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Waiter w = new Waiter();
            waiters.add(w);
            stageDurablePut(w, "live/seg" + i);
        }
        assertThat(turn()).isEqualTo(5);
        assertThat(disk.inFlight()).isEqualTo(1);
        disk.complete();
        turn();
        for (Waiter w : waiters) {
            assertThat(w.outcomes).containsExactly(CommitOutcome.DURABLE);
        }
    }

    @Test
    void shouldKeepOneGroupInFlightWhileTheNextFills() throws Exception {
        Waiter first = new Waiter();
        Waiter second = new Waiter();
        stageDurablePut(first, "a");
        turn();
        stageDurablePut(second, "b");
        assertThat(turn()).as("the second waits for the first group's write").isZero();
        assertThat(disk.inFlight()).isEqualTo(1);
        disk.complete();
        assertThat(turn()).as("first answered, second's group written next").isEqualTo(1);
        assertThat(first.outcomes).containsExactly(CommitOutcome.DURABLE);
        assertThat(second.outcomes).isEmpty();
        disk.complete();
        turn();
        assertThat(second.outcomes).containsExactly(CommitOutcome.DURABLE);
    }

    @Test
    void shouldFailTheWholeGroupWhenItsJournalWriteFails() throws Exception {
        Waiter a = new Waiter();
        Waiter b = new Waiter();
        stageDurablePut(a, "a");
        stageDurablePut(b, "b");
        turn();
        disk.completeWith(-Errno.EIO);
        turn();
        assertThat(a.outcomes).containsExactly(CommitOutcome.JOURNAL_FAILED);
        assertThat(b.outcomes).containsExactly(CommitOutcome.JOURNAL_FAILED);
        assertThat(volume.lookup("a")).isNull();
        assertThat(metrics.commitFailures).isEqualTo(1);
    }

    @Test
    void shouldAnswerABodyInFlightPutWhenTheJournalWriteReportsLast() throws Exception {
        Waiter w = new Waiter();
        Journal.PendingPut body = new Journal.PendingPut();
        commit.stagePutBodyInFlight(w, body, ObjectKey.of("big"), volume.allocate(8 * B), 8 * B, "video/mp4", 9, 0);
        turn();
        commit.bodyWritten(w, body, true);
        assertThat(w.outcomes).as("the entry is not durable yet").isEmpty();
        disk.complete();
        turn();
        assertThat(w.outcomes).containsExactly(CommitOutcome.DURABLE);
        assertThat(volume.lookup("big")).isNotNull();
    }

    @Test
    void shouldAnswerABodyInFlightPutWhenTheBodyWriteReportsLast() throws Exception {
        Waiter w = new Waiter();
        Journal.PendingPut body = new Journal.PendingPut();
        commit.stagePutBodyInFlight(w, body, ObjectKey.of("big"), volume.allocate(8 * B), 8 * B, "video/mp4", 9, 0);
        turn();
        disk.complete();
        turn();
        assertThat(w.outcomes).as("the group is durable, the body is not back").isEmpty();
        commit.bodyWritten(w, body, true);
        assertThat(w.outcomes).containsExactly(CommitOutcome.DURABLE);
        turn();
        assertThat(w.outcomes).hasSize(1);
    }

    @Test
    void shouldNeverPublishAPutWhoseBodyWriteFailed() throws Exception {
        Waiter w = new Waiter();
        Journal.PendingPut body = new Journal.PendingPut();
        commit.stagePutBodyInFlight(w, body, ObjectKey.of("torn"), volume.allocate(8 * B), 8 * B, "video/mp4", 9, 0);
        turn();
        disk.complete();
        turn();
        commit.bodyWritten(w, body, false);
        assertThat(w.outcomes).containsExactly(CommitOutcome.BODY_FAILED);
        assertThat(volume.lookup("torn")).isNull();
    }

    @Test
    void shouldAnswerTheOthersWhenOneWaiterThrows() throws Exception {
        Waiter broken = new Waiter();
        broken.throwOnAnswer = true;
        Waiter fine = new Waiter();
        stageDurablePut(broken, "a");
        stageDurablePut(fine, "b");
        turn();
        disk.complete();
        turn();
        assertThat(broken.failures).isEqualTo(1);
        assertThat(fine.outcomes).containsExactly(CommitOutcome.DURABLE);
    }

    @Test
    void shouldSyncTheDataFileOnceInlineBodiesAreOldEnough() throws Exception {
        Waiter w = new Waiter();
        Journal.PendingPut body = new Journal.PendingPut();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment source = arena.allocate(B, B);
            commit.stagePutInline(w, body, ObjectKey.of("m.m3u8"), volume.allocate(100), source, 0, 100,
                    "application/vnd.apple.mpegurl", 3, 0);
            turn();
            disk.complete(); // the journal group, which carries the body
            commit.bodyWritten(w, body, true); // the extent copy completed
            turn();
            assertThat(w.outcomes).containsExactly(CommitOutcome.DURABLE);
            assertThat(metrics.inline).isEqualTo(1);
            // Published now, confirmed by a data sync once old enough; the test's clock decides when.
            clock.tick();
            turn();
            assertThat(disk.inFlight()).as("too young for a data sync").isZero();
            clock.set(clock.nowNs() + GroupCommit.DATA_SYNC_MAX_AGE_NS + 1, clock.epochMillis());
            turn();
            assertThat(disk.next().kind()).isEqualTo(FakeDisk.Kind.SYNC);
            assertThat(disk.next().fd()).isEqualTo(DATA_SYNC_FD);
            turn();
            assertThat(disk.inFlight()).as("one data sync at a time").isEqualTo(1);
            disk.complete();
            assertThat(metrics.dataSyncs).isEqualTo(1);
        }
    }

    private static final class Waiter implements CommitWaiter {
        final List<CommitOutcome> outcomes = new ArrayList<>();
        boolean throwOnAnswer;
        int failures;

        @Override
        public void onCommitted(CommitOutcome outcome) {
            outcomes.add(outcome);
            if (throwOnAnswer) {
                throw new IllegalStateException("bug in the waiter");
            }
        }

        @Override
        public void onAnswerFailed(RuntimeException failure) {
            failures++;
        }
    }

    private static final class Counting implements IngestMetrics {
        final List<Integer> groups = new ArrayList<>();
        int commitFailures;
        int inline;
        int dataSyncs;

        @Override
        public void groupCommitted(int entries) {
            groups.add(entries);
        }

        @Override
        public void commitFailed() {
            commitFailures++;
        }

        @Override
        public void inlineCommitted() {
            inline++;
        }

        @Override
        public void dataSyncStarted() {
            dataSyncs++;
        }

        @Override
        public void diskError() {
        }

        @Override
        public void diskWritten(DiskWrite kind, long durationNs) {
        }
    }
}
