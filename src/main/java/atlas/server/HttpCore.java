package atlas.server;

import atlas.dataplane.BufferPool;
import atlas.dataplane.CoreContext;
import atlas.dataplane.CoreIo;
import atlas.dataplane.CoreProtocol;
import atlas.dataplane.TransportHandler;
import atlas.http.HttpDate;
import atlas.store.Journal;
import atlas.store.ObjectKey;
import atlas.store.Volume;
import atlas.tls.TlsCore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;

/**
 * The HTTP side of one core: what its connections share, all of it touched by that core's thread only —
 * the I/O buffer pool, the journal and its group commit, the cached Date header, a lookup probe, recycled
 * per-connection buffers and counters.
 * <p>
 * Group commit (PASTE, IX): uploads and deletes stage their journal entries during a loop turn (an upload when it
 * submits its body's last write) and wait here; at the end of the turn one durable journal write — asynchronous
 * on the io_uring engine, submitted together with those body writes — commits all of them. When it completes,
 * each connection gets its answer — an upload whose body write is still running gets it from that write's
 * completion instead ({@link atlas.store.Journal.PendingPut}). A lone writer waits for nothing but its own two
 * concurrent writes; under load the group grows with whatever arrived while the previous write was on its way.
 * <pre>
 *  turn end:  enough inline PUTs awaiting a data sync (or old ones)? --> fdatasync the data file (asynchronous)
 *             flushing group's journal write done? --> publish, answer its connections (bodies done)
 *             between two group writes, if the checkpointer asked: seal the journal file, go on in a fresh one
 *             then: nothing flushing and entries staged? --> begin the next group's journal write
 * </pre>
 * Small bodies ride in their entries ({@link Journal#stagePutInline}), so a group of them costs one flush; their
 * extent copies are confirmed by the data syncs started here.
 */
final class HttpCore implements CoreProtocol {
    final ServerConfig config;
    final Volume volume;
    final BufferPool ioBuffers;
    final ObjectKey probe = ObjectKey.probe();
    final ServerCounters counters;
    /** This core's metrics; also the exchange observer (status codes, durations, access log). */
    final MetricsCore metrics;
    final ExchangeObserver observer;
    private final Journal journal;
    /** This core's TLS state (record protection context, handshakes); null without an HTTPS listener. */
    private final TlsCore tls;
    /** Connections whose entry is staged in the journal's open group. */
    private ArrayList<HttpConnection> awaitingCommit = new ArrayList<>();
    /** Connections whose entry is in the group being written. */
    private ArrayList<HttpConnection> committing = new ArrayList<>();
    private final CoreIo.WriteCompletion journalWritten = this::onJournalWritten;
    /**
     * A data sync confirms the extent copies of at most this many inline PUTs, or of those older than
     * {@link #DATA_SYNC_MAX_AGE_NS}: one extra flush per few hundred small PUTs, and a bounded number of extents
     * for recovery to check after a crash.
     */
    static final int DATA_SYNC_BATCH = 256;
    static final long DATA_SYNC_MAX_AGE_NS = 100_000_000L;
    private final CoreIo.WriteCompletion dataSynced = this::onDataSynced;
    private boolean dataSyncInFlight;
    private long dataSyncEpoch;
    private long dataSyncStartNs;
    private long journalWriteStartNs;
    /** Outcome of the flushing group's journal write (valid once it reported). */
    private boolean journalDurable;
    private String journalFailure;
    private final ArrayDeque<ByteBuffer> freeReceiveBuffers = new ArrayDeque<>();
    private final ArrayDeque<ByteBuffer> freeLargeReceiveBuffers = new ArrayDeque<>();
    private final ArrayDeque<ByteBuffer> freeOutBuffers = new ArrayDeque<>();
    private final byte[] date = new byte[HttpDate.LENGTH];
    private long dateSecond = -1;
    private boolean draining;

    /**
     * Bytes of a connection's receive buffer: a typical head (well under 1 KiB from players and encoders) and the
     * start of a pipelined one. Every open connection holds one, idle or not, so it is kept small; a head that
     * outgrows it moves to a {@link #largeReceiveBufferBytes} one for the rest of its request.
     */
    static final int RECEIVE_BUFFER_BYTES = 4096;
    /** A maximal head plus room for the start of a pipelined one. */
    final int largeReceiveBufferBytes;
    /**
     * Bytes of a connection's out buffer: a response head (under 1 KiB), a multipart part header, or an error or 100
     * Continue; held by every open connection, so no bigger. A larger body (a long listing) gets a one-off buffer.
     */
    static final int OUT_BUFFER_BYTES = 4 * 1024;

    HttpCore(ServerConfig config, Volume volume, CoreContext context, MetricsCore metrics, TlsCore tls) {
        this.config = config;
        this.tls = tls;
        this.volume = volume;
        this.ioBuffers = context.buffers();
        this.metrics = metrics;
        this.counters = metrics.counters;
        this.observer = metrics;
        this.largeReceiveBufferBytes = Math.max(RECEIVE_BUFFER_BYTES, config.limits().maxHeadBytes() + 4096);
        try {
            this.journal = volume.journal(context.coreIndex());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Uploads land in space already written with zeros, so their O_DSYNC writes carry no file-system metadata.
        volume.startZeroAhead();
        // Journals are sealed and checkpointed away while serving, so they do not grow without bound.
        volume.startCheckpoints();
    }

    /** Connections accepted on this listener (see {@link AtlasServer}) speak HTTPS. */
    static final int TLS_LISTENER = 1;

    @Override
    public TransportHandler newConnection(int listener) {
        counters.connectionsOpened.increment();
        HttpConnection http = new HttpConnection(this);
        return listener == TLS_LISTENER ? tls.wrap(http) : http;
    }

    Journal journal() {
        return journal;
    }

    void awaitCommit(HttpConnection c) {
        awaitingCommit.add(c);
    }

    /**
     * Finishes the flushing group if its journal write and bodies are all done, then starts the group commit of
     * everything staged since, unless a group is still on its way to disk — then the staged entries wait for the
     * turn after it completes (pipelined group commit: one group in flight per core, the next filling meanwhile).
     */
    @Override
    public int onTurnEnd(CoreIo io) {
        maybeSyncData(io);
        int started = 0;
        // Loops only when a write completed synchronously (the NIO engine): its answers go out this turn too.
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
                answerCommitted(durable, durable ? null : journalFailure);
            }
            if (awaitingCommit.isEmpty()) {
                return started;
            }
            ArrayList<HttpConnection> flushing = awaitingCommit;
            awaitingCommit = committing;
            committing = flushing;
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
                // Nothing staged after all (cannot happen while connections wait): give the list back.
                awaitingCommit = committing;
                committing = flushing;
                return started;
            }
            counters.commits.increment();
            counters.commitEntries.add(flushing.size());
            started += flushing.size();
            if (journal.isMapped()) {
                // Persistent memory: the group is durable once stored and written back, right here.
                journalDurable = journal.writeThroughMapping();
                journalFailure = journalDurable ? null : "write-back of the journal mapping failed";
            } else {
                journalWriteStartNs = System.nanoTime();
                io.writeDurable(journal.fd(), group, journal.flushOffset(), journalWritten);
            }
        }
    }

    /** The checkpointer asked: seal the journal file and go on in a fresh one (between two group writes). */
    private void rotateJournal() {
        try {
            journal.rotate();
        } catch (IOException | RuntimeException e) {
            // The journal goes on in the file it had; the checkpointer asks again later.
            counters.diskErrors.increment();
            System.err.println("atlas: sealing journal " + journal.journalId() + " failed: " + e.getMessage());
        }
    }

    /** Starts a data sync when enough inline PUTs, or old enough ones, wait for their extents to be confirmed. */
    private void maybeSyncData(CoreIo io) {
        int waiting = journal.inlineAwaitingSync();
        if (dataSyncInFlight || waiting == 0 || (waiting < DATA_SYNC_BATCH
                && System.nanoTime() - journal.inlineAwaitingSyncSinceNs() < DATA_SYNC_MAX_AGE_NS)) {
            return;
        }
        dataSyncInFlight = true;
        dataSyncEpoch = journal.beginDataSync();
        counters.dataSyncs.increment();
        dataSyncStartNs = System.nanoTime();
        io.syncData(volume.lazyWriteFd(), dataSynced);
    }

    private void onDataSynced(int result) {
        dataSyncInFlight = false;
        metrics.diskWritten(MetricsCore.DiskWrite.DATA_SYNC, System.nanoTime() - dataSyncStartNs);
        if (result < 0) {
            // Nothing is lost (the entries hold the bodies), but the disk is failing: say so, count it.
            counters.diskErrors.increment();
            System.err.println("atlas: fdatasync of the data file failed: errno " + -result);
        }
        journal.dataSynced(dataSyncEpoch, result >= 0);
    }

    private void onJournalWritten(int result) {
        metrics.diskWritten(MetricsCore.DiskWrite.JOURNAL, System.nanoTime() - journalWriteStartNs);
        journalDurable = result >= 0;
        journalFailure = journalDurable ? null : "errno " + -result;
        journal.journalWritten(journalDurable);
    }

    private void answerCommitted(boolean durable, String failure) {
        if (!durable) {
            counters.commitFailures.increment();
            System.err.println("atlas: journal commit failed: " + failure);
        }
        for (int i = 0; i < committing.size(); i++) {
            HttpConnection c = committing.get(i);
            try {
                c.onCommitted(durable);
            } catch (RuntimeException e) {
                // One connection's bug must not cost the others their answers, nor the core its life.
                System.err.println("atlas: answering a commit failed: " + e);
                c.close();
            }
        }
        committing.clear();
    }

    @Override
    public void onShutdown() {
        draining = true;
    }

    boolean draining() {
        return draining;
    }

    /** The IMF-fixdate of now, reformatted at most once a second. Shared bytes: copy, don't keep. */
    byte[] date(long epochSecond) {
        if (epochSecond != dateSecond) {
            HttpDate.format(epochSecond, date, 0);
            dateSecond = epochSecond;
        }
        return date;
    }

    ByteBuffer takeReceiveBuffer() {
        ByteBuffer b = freeReceiveBuffers.pollLast();
        return b != null ? b.clear() : ByteBuffer.allocateDirect(RECEIVE_BUFFER_BYTES);
    }

    /** For a head that outgrew {@link #RECEIVE_BUFFER_BYTES}; back with {@link #giveBackReceiveBuffer}. */
    ByteBuffer takeLargeReceiveBuffer() {
        ByteBuffer b = freeLargeReceiveBuffers.pollLast();
        return b != null ? b.clear() : ByteBuffer.allocateDirect(largeReceiveBufferBytes);
    }

    /** Takes back a receive buffer of either size (a bounded stock of each). */
    void giveBackReceiveBuffer(ByteBuffer receive) {
        ArrayDeque<ByteBuffer> free = receive.capacity() == RECEIVE_BUFFER_BYTES ? freeReceiveBuffers
                : freeLargeReceiveBuffers;
        if (free.size() < 1024) {
            free.addLast(receive);
        }
    }

    ByteBuffer takeOutBuffer() {
        ByteBuffer b = freeOutBuffers.pollLast();
        return b != null ? b.clear() : ByteBuffer.allocateDirect(OUT_BUFFER_BYTES);
    }

    /** Takes back a closed connection's buffers; {@code out} is null when it was a one-off oversized buffer. */
    void giveBack(ByteBuffer receive, ByteBuffer out) {
        counters.connectionsClosed.increment(); // once per connection, from its onClosed
        // Keep a bounded stock: enough for a reconnect storm, not a leak after one.
        giveBackReceiveBuffer(receive);
        if (out != null && freeOutBuffers.size() < 1024) {
            freeOutBuffers.addLast(out);
        }
    }
}
