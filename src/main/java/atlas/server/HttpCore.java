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
 * Group commit (PASTE, IX): uploads and deletes that complete during a loop turn stage their journal entries and
 * wait here; at the end of the turn one durable journal write — asynchronous on the io_uring engine — commits all
 * of them, then each gets its answer. A lone writer waits for nothing but its own write; under load the group
 * grows with whatever arrived while the previous write was on its way.
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
    private final ArrayDeque<ByteBuffer> freeReceiveBuffers = new ArrayDeque<>();
    private final ArrayDeque<ByteBuffer> freeOutBuffers = new ArrayDeque<>();
    private final byte[] date = new byte[HttpDate.LENGTH];
    private long dateSecond = -1;
    private boolean draining;

    /** Bytes of a connection's receive buffer: a maximal head plus room for the start of a pipelined one. */
    final int receiveBufferBytes;
    static final int OUT_BUFFER_BYTES = 8 * 1024;

    HttpCore(ServerConfig config, Volume volume, CoreContext context, MetricsCore metrics, TlsCore tls) {
        this.config = config;
        this.tls = tls;
        this.volume = volume;
        this.ioBuffers = context.buffers();
        this.metrics = metrics;
        this.counters = metrics.counters;
        this.observer = metrics;
        this.receiveBufferBytes = config.limits().maxHeadBytes() + 4096;
        try {
            this.journal = volume.journal(context.coreIndex());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
     * Starts the group commit of everything staged since the last one, unless one is still on its way to disk —
     * then the staged entries wait for the next turn after it completes (pipelined group commit: one journal
     * write in flight per core, the next group filling meanwhile).
     */
    @Override
    public int onTurnEnd(CoreIo io) {
        if (awaitingCommit.isEmpty() || journal.isFlushing()) {
            return 0;
        }
        MemorySegment group;
        try {
            group = journal.beginFlush();
        } catch (IOException e) {
            // The journal refused (an earlier write could not be rolled back): it dropped the group.
            ArrayList<HttpConnection> failed = awaitingCommit;
            awaitingCommit = committing;
            committing = failed;
            answerCommitted(false, e.getMessage());
            return 0;
        }
        if (group == null) {
            return 0;
        }
        ArrayList<HttpConnection> flushing = awaitingCommit;
        awaitingCommit = committing;
        committing = flushing;
        counters.commits.increment();
        counters.commitEntries.add(flushing.size());
        io.writeDurable(journal.fd(), group, journal.flushOffset(), journalWritten);
        return flushing.size();
    }

    private void onJournalWritten(int result) {
        boolean durable = result >= 0;
        journal.completeFlush(durable);
        answerCommitted(durable, durable ? null : "errno " + -result);
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
        return b != null ? b.clear() : ByteBuffer.allocateDirect(receiveBufferBytes);
    }

    ByteBuffer takeOutBuffer() {
        ByteBuffer b = freeOutBuffers.pollLast();
        return b != null ? b.clear() : ByteBuffer.allocateDirect(OUT_BUFFER_BYTES);
    }

    /** Takes back a closed connection's buffers; {@code out} is null when it was a one-off oversized buffer. */
    void giveBack(ByteBuffer receive, ByteBuffer out) {
        counters.connectionsClosed.increment(); // once per connection, from its onClosed
        // Keep a bounded stock: enough for a reconnect storm, not a leak after one.
        if (freeReceiveBuffers.size() < 1024) {
            freeReceiveBuffers.addLast(receive);
        }
        if (out != null && freeOutBuffers.size() < 1024) {
            freeOutBuffers.addLast(out);
        }
    }
}
