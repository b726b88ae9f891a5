package atlas.server;

import atlas.store.Journal;
import atlas.store.ObjectRecord;
import atlas.store.Volume;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Expires old objects by {@link RetentionRule}s: one control-path thread ({@code atlas-retention}) that every
 * {@link #intervalMs()} lists the objects under each rule's prefix and deletes those whose mtime is older than the
 * rule's age, playlists excepted. Deletes go through the volume's journal API like a DELETE request does, on a
 * journal of its own ({@link #JOURNAL_ID}): cores use their core index, {@link Volume#putDurably} the import
 * journal, so no other thread ever touches this one. It is opened and used only on the sweeper thread (or on the
 * caller's thread when a test drives {@link #sweep(long)} directly without {@link #start()}).
 * <p>
 * One sweep stages every expired name and commits them with a single durable journal write. Between listing and
 * staging a client could replace an expired name with a new object; the sweeper re-checks that the record is
 * still the one it judged just before staging, which leaves only that window of a few microseconds, acceptable
 * for segments whose names a live encoder never reuses.
 */
public final class RetentionSweeper implements AutoCloseable {
    /** The sweeper's journal: below the import journal (65535), far above any core index. */
    public static final int JOURNAL_ID = Volume.IMPORT_JOURNAL_ID - 1;
    /** Sweep at least this often (a long rule still expires within a few seconds of its time). */
    private static final long MAX_INTERVAL_MS = 5_000;
    /** And at most this often (a very short rule, as in tests, does not turn into a busy loop). */
    private static final long MIN_INTERVAL_MS = 250;

    private final Volume volume;
    private final List<RetentionRule> rules;
    private final PrintStream log;
    private final LongSupplier clockMillis;
    private final long intervalMs;
    private final AtomicLong expiredObjects = new AtomicLong();
    private final AtomicLong expiredBytes = new AtomicLong();
    private Journal journal;
    private Thread thread;
    private volatile boolean stopping;

    public RetentionSweeper(Volume volume, List<RetentionRule> rules, PrintStream log, LongSupplier clockMillis) {
        if (rules.isEmpty()) {
            throw new IllegalArgumentException("no retention rules");
        }
        this.volume = volume;
        this.rules = List.copyOf(rules);
        this.log = log;
        this.clockMillis = clockMillis;
        long shortest = rules.stream().mapToLong(r -> r.maxAge().toMillis()).min().orElseThrow();
        this.intervalMs = Math.clamp(shortest / 4, MIN_INTERVAL_MS, MAX_INTERVAL_MS);
    }

    /** Starts the sweeper thread. */
    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("already started");
        }
        thread = Thread.ofPlatform().daemon().name("atlas-retention").start(this::run);
    }

    public long intervalMs() {
        return intervalMs;
    }

    /** Objects deleted by retention since start. */
    public long expiredObjects() {
        return expiredObjects.get();
    }

    /** Bytes of the objects deleted by retention since start. */
    public long expiredBytes() {
        return expiredBytes.get();
    }

    private void run() {
        while (!stopping) {
            try {
                sweep(clockMillis.getAsLong());
            } catch (IOException | RuntimeException e) {
                // The next sweep retries; a failed commit dropped its entries, so nothing half-done is left.
                log.println("atlas: retention: sweep failed: " + e.getMessage());
            }
            try {
                Thread.sleep(intervalMs);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * One sweep at {@code nowMillis}: stages a delete for every object a rule expires and commits them durably
     * in one journal write. Returns how many were deleted; prints one line when that is more than zero.
     */
    public int sweep(long nowMillis) throws IOException {
        List<ObjectRecord> expired = new ArrayList<>();
        for (RetentionRule rule : rules) {
            long cutoff = nowMillis - rule.maxAge().toMillis();
            for (ObjectRecord r : volume.list(rule.prefix(), Integer.MAX_VALUE)) {
                if (r.mtimeMillis() < cutoff && rule.covers(r.name()) && !expired.contains(r)) {
                    expired.add(r);
                }
            }
        }
        if (expired.isEmpty()) {
            return 0;
        }
        if (journal == null) {
            journal = volume.journal(JOURNAL_ID);
        }
        int staged = 0;
        long bytes = 0;
        for (ObjectRecord r : expired) {
            ObjectRecord current = volume.lookup(r.key());
            if (current == null || current.sequence() != r.sequence()) {
                continue; // replaced or deleted since the listing: judge it again next sweep
            }
            journal.stageDelete(r.key());
            staged++;
            bytes += r.length();
        }
        if (staged == 0) {
            return 0;
        }
        journal.commit();
        if (journal.rotationRequested()) {
            journal.rotate(); // the volume's checkpointer asked; this thread owns the journal
        }
        expiredObjects.addAndGet(staged);
        expiredBytes.addAndGet(bytes);
        log.println("atlas: retention: expired " + staged + " object" + (staged == 1 ? "" : "s") + " ("
                + bytes + " bytes) by " + rules);
        log.flush();
        return staged;
    }

    /** Stops the thread (waiting for a sweep in progress) and closes the journal. */
    @Override
    public void close() throws IOException {
        stopping = true;
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (journal != null) {
            journal.close();
            journal = null;
        }
    }
}
