package atlas.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Checkpoints a volume while it serves, so that its journals do not grow for as long as the server runs (with small
 * bodies inline, about a kilobyte per PUT) and a restart replays little. One daemon thread, {@code atlas-checkpoint},
 * looks at the journal files every 250 ms; once they exceed {@link VolumeConfig#checkpointJournalBytes()} and twice
 * the last checkpoint it runs {@link #checkpoint}. It touches no journal itself: it asks each owner to
 * {@link Journal#rotate} (a volatile flag the owner reads between two group writes) and works on files and on the
 * published index only.
 */
final class OnlineCheckpoints {
    /** How often the journal files are measured: a directory listing and a few stats. */
    private static final long CHECK_NANOS = 250_000_000L;
    /** After a failure: nothing is lost, the journals just grow until a later attempt (or the restart) succeeds. */
    private static final long RETRY_NANOS = 30_000_000_000L;
    /** How long a checkpoint waits for rotations and for everything sealed to be published. */
    private static final long WAIT_NANOS = 10_000_000_000L;
    private static final long POLL_NANOS = 10_000_000L;

    private final Volume volume;
    private volatile Thread thread;
    /** Size of the last checkpoint written or read: the journals may grow to twice it before the next. */
    private volatile long lastCheckpointBytes;
    private final AtomicLong written = new AtomicLong();
    private final AtomicBoolean started = new AtomicBoolean();

    OnlineCheckpoints(Volume volume) {
        this.volume = volume;
    }

    void lastCheckpointBytes(long bytes) {
        lastCheckpointBytes = bytes;
    }

    /** Checkpoints written since open. */
    long written() {
        return written.get();
    }

    /** Idempotent. Not synchronized: a checkpoint in progress holds this object's lock for up to its waits. */
    void start() {
        if (!started.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(this::loop, "atlas-checkpoint");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    /** Stops the thread, waiting for a checkpoint in progress (the volume is closing: its waits end at once). */
    void stop() {
        Thread t = thread;
        if (t == null) {
            return;
        }
        LockSupport.unpark(t);
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void loop() {
        while (!volume.isClosed()) {
            LockSupport.parkNanos(this, CHECK_NANOS);
            try {
                long limit = Math.max(volume.config().checkpointJournalBytes(), 2 * lastCheckpointBytes);
                if (!volume.isClosed() && volume.journalFileBytes() > limit) {
                    checkpoint();
                }
            } catch (IOException | RuntimeException e) {
                System.err.println("atlas: " + volume.directory() + ": online checkpoint failed: " + e.getMessage());
                LockSupport.parkNanos(this, RETRY_NANOS);
            }
        }
    }

    /**
     * Writes a checkpoint while the cores keep committing, then deletes the sealed journal files it covers:
     * <ol>
     *   <li>Every open journal is asked to {@link Journal#rotate} at its owner's next chance (the import journal is
     *       rotated here). An idle owner is not waited for beyond a few seconds, nor asked again while it has not
     *       acted: its journal is not growing, and a later checkpoint takes its sealed file.</li>
     *   <li>Wait until everything up to the highest sequence any sealed file may hold is published: W, the published
     *       watermark minus one, reaches it. Every entry with a sequence at most W is then in the index, and every
     *       entry above W is still in a live journal.</li>
     *   <li>fdatasync the data file: the extents of inline PUTs (written without a flush) up to W become durable,
     *       so no recovery will need their entries.</li>
     *   <li>Snapshot the index with highest sequence W. The scan runs while cores publish: a name changed after W
     *       may appear in either state, and replaying the live journals' entries above W, in sequence order, on top
     *       of it gives the current state either way. Names not changed after W hold their state at W.</li>
     *   <li>Delete the sealed files whose bound is at most W (a later checkpoint takes the others).</li>
     * </ol>
     */
    synchronized void checkpoint() throws IOException {
        List<Journal> asked = new ArrayList<>();
        for (Journal j : volume.openJournals()) {
            if (j.journalId() != Volume.IMPORT_JOURNAL_ID && !j.rotationRequested()) {
                j.requestRotation();
                asked.add(j);
            }
        }
        volume.rotateImportJournal();
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (asked.stream().anyMatch(Journal::rotationRequested) && waiting(deadline)) {
            LockSupport.parkNanos(this, POLL_NANOS);
        }
        List<Path> sealed = new ArrayList<>();
        long bound = -1;
        for (Path file : volume.journalFiles()) {
            long b = Journal.sealedBound(file.getFileName().toString());
            if (b >= 0) {
                sealed.add(file);
                bound = Math.max(bound, b);
            }
        }
        if (sealed.isEmpty()) {
            return;
        }
        long w = volume.publishedWatermark() - 1;
        while (w < bound && waiting(deadline)) {
            LockSupport.parkNanos(this, POLL_NANOS);
            w = volume.publishedWatermark() - 1;
        }
        lastCheckpointBytes = volume.syncAndWriteCheckpoint(w);
        for (Path file : sealed) {
            if (Journal.sealedBound(file.getFileName().toString()) <= w) {
                Files.deleteIfExists(file);
            }
        }
        DataFile.syncDirectory(volume.directory());
        written.incrementAndGet();
    }

    private boolean waiting(long deadline) {
        return System.nanoTime() - deadline < 0 && !volume.isClosed();
    }
}
