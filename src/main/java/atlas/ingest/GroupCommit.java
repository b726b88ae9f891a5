package atlas.ingest;

import atlas.dataplane.DiskCompletion;
import atlas.dataplane.DiskIo;
import atlas.dataplane.LoopClock;
import atlas.store.Extent;
import atlas.store.Journal;
import atlas.store.ObjectKey;
import atlas.store.ObjectRecord;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;

/**
 * The durable commit of one core (PASTE, IX): the only class that drives its {@link Journal}'s asynchronous
 * sequence, and the only one that answers a staged request — exactly once, with {@link CommitWaiter#onCommitted}.
 * <p>
 * Uploads and deletes stage their journal entries during a loop turn (an upload when it submits its body's last
 * write) and wait here; at the end of the turn one durable journal write through the core's {@link DiskIo} —
 * submitted together with those body writes — commits all of them. A PUT staged with its body still in flight is
 * answered when both its group's write and its body write have reported, whichever comes last
 * ({@link Journal.PendingPut}); the others when their group's write reports. A lone writer waits for nothing but
 * its own two concurrent writes; under load the group grows with whatever arrived while the previous write was
 * on its way.
 * <pre>
 *  turn end:  enough inline PUTs awaiting a data sync (or old ones)? --> fdatasync every device (asynchronous)
 *             flushing group's journal write done? --> publish, answer its waiters (bodies done)
 *             between two group writes, if the checkpointer asked: seal the journal file, go on in a fresh one
 *             then: nothing flushing and entries staged? --> begin the next group's journal write
 * </pre>
 * Small bodies ride in their entries ({@link Journal#stagePutInline}), so a group of them costs one flush; their
 * extent copies are confirmed by the data syncs started here.
 * <p>
 * Thread: the core's only. The waiter lists are swapped, not reallocated: no allocation per commit.
 */
public final class GroupCommit {
    /**
     * A data sync confirms the extent copies of at most this many inline PUTs, or of those older than
     * {@link #DATA_SYNC_MAX_AGE_NS}: one extra flush per few hundred small PUTs, and a bounded number of extents
     * for recovery to check after a crash.
     */
    static final int DATA_SYNC_BATCH = 256;
    static final long DATA_SYNC_MAX_AGE_NS = 100_000_000L;

    private final Journal journal;
    private final DiskIo disk;
    /**
     * Each device's descriptor without O_DSYNC, whose writes (inline bodies' extents) a data sync makes durable: a
     * data sync is one fdatasync per device, all in flight at once, done when the last reports.
     */
    private final int[] dataSyncFds;
    private int dataSyncsPending;
    private boolean dataSyncFailed;
    private final IngestMetrics metrics;
    private final LoopClock clock;
    /** Waiters whose entry is staged in the journal's open group, with their body handle (null: none in flight). */
    private ArrayList<CommitWaiter> staged = new ArrayList<>();
    private ArrayList<Journal.PendingPut> stagedBodies = new ArrayList<>();
    /** Waiters whose entry is in the group being written. */
    private ArrayList<CommitWaiter> flushing = new ArrayList<>();
    private ArrayList<Journal.PendingPut> flushingBodies = new ArrayList<>();
    private final DiskCompletion journalWritten = (tag, result) -> onJournalWritten(result);
    private final DiskCompletion dataSynced = this::onDataSynced;
    private boolean dataSyncInFlight;
    private long dataSyncEpoch;
    private long dataSyncStartNs;
    private long journalWriteStartNs;
    /** Outcome of the flushing group's journal write (valid once it reported). */
    private boolean journalDurable;
    private String journalFailure;

    public GroupCommit(Journal journal, int[] dataSyncFds, DiskIo disk, IngestMetrics metrics, LoopClock clock) {
        this.journal = journal;
        this.clock = clock;
        this.dataSyncFds = dataSyncFds.clone();
        this.disk = disk;
        this.metrics = metrics;
    }

    // ---------------------------------------------------------------- staging

    /** Stages a PUT whose body is durable in {@code extent} already; the extent is the journal's from here. */
    public ObjectRecord stagePut(CommitWaiter waiter, ObjectKey name, Extent extent, long length, String contentType,
                                 int crc32c, long mtimeMillis) {
        ObjectRecord record = journal.stagePut(name, extent, length, contentType, crc32c, mtimeMillis);
        enqueue(waiter, null);
        return record;
    }

    /**
     * Stages a PUT whose last body write is being submitted now ({@code body} tracks it; report it with
     * {@link #bodyWritten}): the entry's group write and the body write run concurrently.
     */
    public ObjectRecord stagePutBodyInFlight(CommitWaiter waiter, Journal.PendingPut body, ObjectKey name,
                                             Extent extent, long length, String contentType, int crc32c,
                                             long mtimeMillis) {
        journal.stagePutBodyInFlight(body, name, extent, length, contentType, crc32c, mtimeMillis);
        enqueue(waiter, body);
        return body.record();
    }

    /**
     * Stages a small PUT whose body ({@code source[offset, offset+length)}) is copied into its entry; its extent
     * copy, written without a flush, is reported with {@link #bodyWritten} like a body in flight.
     */
    public ObjectRecord stagePutInline(CommitWaiter waiter, Journal.PendingPut body, ObjectKey name, Extent extent,
                                       MemorySegment source, long offset, int length, String contentType, int crc32c,
                                       long mtimeMillis) {
        journal.stagePutInline(body, name, extent, source, offset, length, contentType, crc32c, mtimeMillis);
        metrics.inlineCommitted();
        enqueue(waiter, body);
        return body.record();
    }

    /** Stages the deletion of {@code name}. */
    public void stageDelete(CommitWaiter waiter, ObjectKey name) {
        journal.stageDelete(name);
        enqueue(waiter, null);
    }

    private void enqueue(CommitWaiter waiter, Journal.PendingPut body) {
        staged.add(waiter);
        stagedBodies.add(body);
    }

    /**
     * The body write of a PUT staged with {@link #stagePutBodyInFlight} or {@link #stagePutInline} completed. If
     * its group's journal write already reported, this resolves the PUT and its waiter is answered now; otherwise
     * the group's completion answers it.
     */
    public void bodyWritten(CommitWaiter waiter, Journal.PendingPut body, boolean durable) {
        if (journal.bodyWritten(body, durable)) {
            answer(waiter, outcomeOf(body));
        }
    }

    // ---------------------------------------------------------------- the turn end

    /**
     * Finishes the flushing group if its journal write reported, then starts the group commit of everything staged
     * since, unless a group is still on its way to disk — then the staged entries wait for the turn after it
     * completes (pipelined group commit: one group in flight per core, the next filling meanwhile). Returns the
     * requests it started committing.
     */
    public int onTurnEnd() {
        maybeSyncData();
        int started = 0;
        // Loops only when the journal could not even be written (beginFlush failed): that group is answered now.
        while (true) {
            if (!journal.isFlushing() && journal.rotationRequested()) {
                rotateJournal();
            }
            if (journal.isFlushing()) {
                if (!journal.isFlushComplete()) {
                    return started;
                }
                boolean durable = journalDurable;
                journal.completeFlush();
                answerGroup(durable, durable ? null : journalFailure);
            }
            if (staged.isEmpty()) {
                return started;
            }
            swapGroups();
            MemorySegment group;
            try {
                group = journal.beginFlush();
            } catch (IOException e) {
                // The journal refused (an earlier write could not be rolled back): the group is flushing with a
                // failed write and is answered once its bodies are back, like any failed commit.
                journalDurable = false;
                journalFailure = e.getMessage();
                continue;
            }
            if (group == null) {
                swapGroups(); // nothing staged after all (cannot happen while requests wait): give the list back
                return started;
            }
            metrics.groupCommitted(flushing.size());
            started += flushing.size();
            if (journal.isMapped()) {
                // Persistent memory: the group is durable once stored and written back, right here.
                journalDurable = journal.writeThroughMapping();
                journalFailure = journalDurable ? null : "write-back of the journal mapping failed";
            } else {
                journalWriteStartNs = clock.nowNs();
                disk.writeDurable(journal.fd(), group, 0, (int) group.byteSize(), journal.flushOffset(),
                        journalWritten, 0);
            }
        }
    }

    /** The staged group becomes the flushing one; the (empty) flushing lists take new entries. */
    private void swapGroups() {
        ArrayList<CommitWaiter> waiters = staged;
        staged = flushing;
        flushing = waiters;
        ArrayList<Journal.PendingPut> bodies = stagedBodies;
        stagedBodies = flushingBodies;
        flushingBodies = bodies;
    }

    /** The checkpointer asked: seal the journal file and go on in a fresh one (between two group writes). */
    private void rotateJournal() {
        try {
            journal.rotate();
        } catch (IOException | RuntimeException e) {
            // The journal goes on in the file it had; the checkpointer asks again later.
            metrics.diskError();
            System.err.println("atlas: sealing journal " + journal.journalId() + " failed: " + e.getMessage());
        }
    }

    /** Starts a data sync when enough inline PUTs, or old enough ones, wait for their extents to be confirmed. */
    private void maybeSyncData() {
        int waiting = journal.inlineAwaitingSync();
        if (dataSyncInFlight || waiting == 0 || (waiting < DATA_SYNC_BATCH
                && clock.nowNs() - journal.inlineAwaitingSyncSinceNs() < DATA_SYNC_MAX_AGE_NS)) {
            return;
        }
        dataSyncInFlight = true;
        dataSyncEpoch = journal.beginDataSync();
        metrics.dataSyncStarted();
        dataSyncStartNs = clock.nowNs();
        dataSyncsPending = dataSyncFds.length;
        dataSyncFailed = false;
        for (int fd : dataSyncFds) {
            disk.syncData(fd, dataSynced, fd);
        }
    }

    private void onDataSynced(long fd, int result) {
        if (result < 0) {
            // Nothing is lost (the entries hold the bodies), but the disk is failing: say so, count it.
            metrics.diskError();
            dataSyncFailed = true;
            System.err.println("atlas: fdatasync of a device (fd " + fd + ") failed: errno " + -result);
        }
        if (--dataSyncsPending > 0) {
            return;
        }
        dataSyncInFlight = false;
        metrics.diskWritten(IngestMetrics.DiskWrite.DATA_SYNC, clock.nowNs() - dataSyncStartNs);
        journal.dataSynced(dataSyncEpoch, !dataSyncFailed);
    }

    private void onJournalWritten(int result) {
        metrics.diskWritten(IngestMetrics.DiskWrite.JOURNAL, clock.nowNs() - journalWriteStartNs);
        journalDurable = result >= 0;
        journalFailure = journalDurable ? null : "errno " + -result;
        journal.journalWritten(journalDurable);
    }

    /**
     * Answers the group that was flushing. A PUT whose body is still in flight is skipped: {@link #bodyWritten}
     * answers it when the body reports.
     */
    private void answerGroup(boolean durable, String failure) {
        if (!durable) {
            metrics.commitFailed();
            System.err.println("atlas: journal commit failed: " + failure);
        }
        for (int i = 0; i < flushing.size(); i++) {
            Journal.PendingPut body = flushingBodies.get(i);
            if (body != null && !body.isResolved()) {
                continue;
            }
            CommitOutcome outcome = body != null ? outcomeOf(body)
                    : durable ? CommitOutcome.DURABLE : CommitOutcome.JOURNAL_FAILED;
            answer(flushing.get(i), outcome);
        }
        flushing.clear();
        flushingBodies.clear();
    }

    private static CommitOutcome outcomeOf(Journal.PendingPut body) {
        return !body.entryDurable() ? CommitOutcome.JOURNAL_FAILED
                : !body.bodyDurable() ? CommitOutcome.BODY_FAILED : CommitOutcome.DURABLE;
    }

    private static void answer(CommitWaiter waiter, CommitOutcome outcome) {
        try {
            waiter.onCommitted(outcome);
        } catch (RuntimeException e) {
            // One waiter's bug must not cost the others their answers, nor the core its life.
            waiter.onAnswerFailed(e);
        }
    }

    /** Requests staged or being committed, not answered yet (the flushing group's waiters). */
    public int waiting() {
        return staged.size() + flushing.size();
    }
}
