package atlas.ingest;

import atlas.dataplane.BufferPool;
import atlas.dataplane.DiskCompletion;
import atlas.dataplane.IoBuffer;
import atlas.dataplane.Transport;
import atlas.http.ChunkedDecoder;
import atlas.http.MediaTypes;
import atlas.http.ReceiveBuffer;
import atlas.http.RequestHead;
import atlas.http.RequestHead.Field;
import atlas.posix.Errno;
import atlas.store.Device;
import atlas.store.Extent;
import atlas.store.Journal;
import atlas.store.ObjectKey;
import atlas.hot.LiveCapture;
import atlas.live.PlaylistScanner;
import atlas.store.ObjectRecord;
import atlas.store.Volume;
import atlas.store.VolumeFullException;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Durable ingest of one PUT/POST body (PASTE): the body lands once, in its final extent, and the client hears
 * "201"/"204" only after both the bytes and the journal entry naming them are on stable storage.
 *
 * <pre>
 *  begin: allocate extent --> [CONTINUE: 100 Continue] --> [WAIT_BUFFER] --> RECEIVE into the I/O buffer
 *        ^                                        |  full, or body complete
 *        |                                        v
 *        +--- more body <--- WRITE: O_DIRECT|O_DSYNC at extent + written   ([GROW: copy to a 2x extent first])
 *                                                 |  last write: stage the entry first (CRC of the whole body)
 *                                                 v
 *               AWAIT_COMMIT: last body write || group commit (journal write) at end of turn
 *                                 both durable --> GroupCommit answers once --> onStored / onUploadFailed
 * </pre>
 * The body's last write and its journal entry go to disk <i>concurrently</i> ({@link Journal}): the entry is
 * staged, flagged as having its body in flight, just before that write is submitted, so the same io_uring submit
 * carries both and a PUT costs one durable write's latency, not two in a row. {@link GroupCommit} answers once both
 * have reported. A body of at most one block ({@link Journal#INLINE_MAX_BYTES}) that arrived in one piece is copied
 * into its journal entry instead, and its extent written without a flush: then the group's one durable write covers
 * body and commit, and a hundred small PUTs in one turn cost one flush, not a hundred and one.
 * A Content-Length body is received straight into the aligned buffer that is written to disk: no copy in Java.
 * A chunked body is received into the connection's buffer and de-framed into the aligned buffer (one copy; the
 * framing has to be removed somewhere). Chunked bodies get a reserve extent that grows ({@link ExtentGrowth}) if
 * exceeded and is trimmed to the final length at commit.
 * <p>
 * Ownership: until the journal entry is staged this class owns the extent and frees it on any failure; after
 * staging the journal owns it. The I/O buffer is this class's from acquire to the last write's completion, and
 * the disk's while a write is in flight: a connection that closes meanwhile leaves both to that completion.
 * Thread: the connection's core.
 */
public final class ObjectUpload implements DiskCompletion, BufferPool.Waiter, CommitWaiter, ExtentGrowth.Listener {
    /** First reserve for a body of unknown length; live HLS segments fit, bigger bodies relocate. */
    public static final long CHUNKED_RESERVE_BYTES = 16L << 20;
    private static final int BLOCK = 4096;
    private static final String DASH_MANIFEST = MediaTypes.forName("x.mpd");

    /** Where the upload is; IDLE between requests. */
    enum Phase { IDLE, ALLOCATE, CONTINUE, WAIT_BUFFER, RECEIVE, GROW, WRITE, AWAIT_COMMIT, DELETE }

    private final UploadExchange exchange;
    private final UploadResources core;
    private final CRC32C crc = new CRC32C();
    private final ChunkedDecoder chunked = new ChunkedDecoder();
    private final ExtentGrowth growth;
    /** The PUT staged with its body in flight, reused from upload to upload (see {@link Journal.PendingPut}). */
    private final Journal.PendingPut pending = new Journal.PendingPut();
    private Phase phase = Phase.IDLE;
    private ObjectKey name;
    /** The device the write in flight goes to (the extent may be given back before it completes). */
    private Device writeDevice;
    private String contentType;
    /** The last declared Content-Type accepted as it was sent (see {@link #contentTypeFor}). */
    private String lastDeclaredType;
    private boolean existed;
    /** An edge storing what it fetched: captured for its waiting readers, kept in the tier only if admitted. */
    private boolean isFill;
    private boolean isChunked;
    private boolean expectsContinue;
    /** Answers an allocation that had to wait for the data file to grow (on the core's thread, via its inbox). */
    private final Volume.AllocationListener allocated = new Volume.AllocationListener() {
        @Override
        public void onAllocated(Extent e) {
            if (abandoned) {
                core.volume().release(e);
                return;
            }
            extent = e;
            try {
                receiveBody();
            } catch (RuntimeException failure) {
                // Run from the core's inbox, where nobody would close this connection for us.
                System.err.println("atlas: an upload failed after its extent was allocated: " + failure);
                abandon();
                exchange.close();
            }
        }

        @Override
        public void onVolumeFull(VolumeFullException e) {
            if (!abandoned) {
                answerFailure(507, e.getMessage());
            }
        }
    };
    private long declaredLength;
    private Extent extent;
    private IoBuffer io;
    /** Body bytes in the I/O buffer's data area not yet written. */
    private int fill;
    /** Body bytes durable in the extent. */
    private long written;
    private boolean bodyComplete;
    private ObjectRecord staged;
    /** The last body write, submitted after staging, has not completed yet. */
    private boolean lastWriteInFlight;
    /** The last body write failed: the status to answer with. */
    private int bodyFailureStatus;
    /** When the disk write in flight was submitted, and whether it is an inline body's extent copy (metrics). */
    private long writeStartNs;
    private boolean writeIsInlineCopy;
    /** A body write is with the disk: its buffer and extent may not be given back before it completes. */
    private boolean writeInFlight;
    /** The connection closed: nothing is answered any more; a write in flight releases what it held. */
    private boolean abandoned;
    /** Copies a live-rule body into the hot tier as it is received; null when the tier is off. */
    private final LiveCapture live;
    /** Reads an HLS playlist's body as it goes to disk, for blocking reload; its position is announced at commit. */
    private final PlaylistScanner playlist = new PlaylistScanner();

    public ObjectUpload(UploadExchange exchange, UploadResources core) {
        this.exchange = exchange;
        this.core = core;
        this.growth = new ExtentGrowth(core, this);
        this.live = core.hot() == null ? null : core.hot().newLiveCapture();
    }

    /** True from {@link #begin} or {@link #beginDelete} until the request was answered. */
    public boolean isActive() {
        return phase != Phase.IDLE;
    }

    // ---------------------------------------------------------------- PUT / POST

    /**
     * Starts storing the body of the request in {@code head} (already checked: it has a body within the limit and
     * its preconditions hold) as {@code key}; {@code existed}: an object of that name exists (204, not 201).
     */
    public void begin(RequestHead head, ObjectKey key, boolean existed) {
        begin(head, key, existed, false);
    }

    /**
     * As above; {@code fill}: the upload is an edge storing what it fetched from its upstream, readable while it
     * arrives whatever the live rules say (its waiting clients stream it), and a hit in the tier once stored.
     */
    public void begin(RequestHead head, ObjectKey key, boolean existed, boolean isFill) {
        if (phase != Phase.IDLE) {
            throw new IllegalStateException("an upload is already in progress: " + phase);
        }
        abandoned = false;
        this.existed = existed;
        this.isFill = isFill;
        isChunked = head.isChunked();
        declaredLength = head.contentLength();
        name = key;
        String text = key.toString(); // once per upload: the type, the live rule and the playlist test read it
        contentType = contentTypeFor(text, head);
        boolean isPlaylist = PlaylistScanner.isPlaylist(text);
        if (live != null) {
            // A segment is readable while it arrives; a playlist or manifest only whole, once committed.
            live.begin(key, text, isChunked ? -1 : declaredLength, contentType,
                    isFill || (!isPlaylist && !contentType.equals(DASH_MANIFEST)), isFill);
        }
        playlist.begin(core.playlists() != null && isPlaylist);
        expectsContinue = head.expectsContinue();
        crc.reset();
        chunked.reset();
        writeStartNs = 0;
        fill = 0;
        written = 0;
        bodyComplete = false;
        long size = isChunked ? Math.min(CHUNKED_RESERVE_BYTES, core.maxBodyBytes()) : Math.max(declaredLength, 1);
        extent = core.volume().tryAllocate(name, size);
        if (extent == null) {
            // No free extent that big: the data file must grow first, which waits on the disk. The volume's grower
            // does that and answers through this core's inbox; the core goes on serving meanwhile.
            phase = Phase.ALLOCATE;
            core.volume().allocateLater(name, size, core.inbox(), allocated);
            return;
        }
        receiveBody();
    }

    /** The extent is ours: ask for the body (100 Continue) or take it. */
    private void receiveBody() {
        if (expectsContinue) {
            // curl and others wait for this before sending a large body (RFC 9110 §10.1.1).
            phase = Phase.CONTINUE;
            exchange.sendContinue();
            return;
        }
        acquireBuffer();
    }

    /** The 100 Continue went out. */
    public void onContinueSent() {
        acquireBuffer();
    }

    /**
     * The type by the name's extension, else the declared Content-Type if it is plain ASCII under 200 bytes (the
     * journal keeps at most 255), else octet-stream. An encoder declares the same type on every PUT: that one is
     * recognised in the head's bytes and its string reused, so the commit path does not build it again.
     */
    private String contentTypeFor(String objectName, RequestHead h) {
        String byName = MediaTypes.forName(objectName);
        if (byName != null) {
            return byName;
        }
        if (lastDeclaredType != null && h.valueIs(Field.CONTENT_TYPE, lastDeclaredType)) {
            return lastDeclaredType;
        }
        String declared = h.value(Field.CONTENT_TYPE);
        if (declared == null || declared.isBlank() || declared.length() >= 200) {
            return MediaTypes.OCTET_STREAM;
        }
        for (int i = 0; i < declared.length(); i++) {
            char ch = declared.charAt(i);
            if (ch < 0x20 || ch >= 0x7F) {
                return MediaTypes.OCTET_STREAM;
            }
        }
        String type = declared.strip();
        if (type.equals(declared)) {
            lastDeclaredType = type;
        }
        return type;
    }

    private void acquireBuffer() {
        IoBuffer b = core.buffers().acquire();
        if (b == null) {
            phase = Phase.WAIT_BUFFER;
            core.buffers().await(this);
            // Waiting for memory is bounded too: a core that stays full sheds load with 503.
            Transport t = exchange.transport();
            t.deadline(t.nowNs() + core.bodyGapTimeoutNs());
            return;
        }
        onBuffer(b);
    }

    @Override
    public void onBuffer(IoBuffer buffer) {
        io = buffer;
        phase = Phase.RECEIVE;
        takeBuffered(); // body bytes that arrived with the head are already in the receive buffer
    }

    @Override
    public void onBufferFailed(RuntimeException failure) {
        abandon();
        exchange.close();
    }

    @Override
    public void onCompletionFailed(long tag, RuntimeException failure) {
        abandon();
        exchange.close();
    }

    @Override
    public void onCopyStarted() {
        exchange.transport().deadline(0); // the copy is our own disk work: no client timeout runs meanwhile
    }

    /** Moves body bytes already in the receive buffer into the I/O buffer, then continues the pump. */
    private void takeBuffered() {
        ReceiveBuffer r = exchange.received();
        if (r.available() > 0) {
            if (isChunked) {
                int consumed = chunked.decode(r.buffer(), r.start(), r.end(), io.byteBuffer(),
                        IoBuffer.HEADROOM + fill, IoBuffer.HEADROOM + io.dataCapacity());
                if (consumed == ChunkedDecoder.MALFORMED) {
                    fail(400, "malformed chunked body");
                    return;
                }
                r.consume(consumed);
                bodyReceived(chunked.produced());
                bodyComplete = chunked.isComplete();
            } else {
                int space = io.dataCapacity() - fill;
                int n = (int) Math.min(Math.min(r.available(), space), declaredLength - written - fill);
                io.byteBuffer().put(IoBuffer.HEADROOM + fill, r.buffer(), r.start(), n);
                r.consume(n);
                bodyReceived(n);
            }
        }
        pump();
    }

    /** Decides the next step: write a full buffer, finish, or receive more. */
    private void pump() {
        if (!isChunked && written + fill == declaredLength) {
            bodyComplete = true;
        }
        if (written + fill > core.maxBodyBytes()) {
            fail(413, "body larger than " + core.maxBodyBytes() + " bytes");
            return;
        }
        if (bodyComplete || fill == io.dataCapacity()) {
            writeFill();
            return;
        }
        Transport t = exchange.transport();
        t.deadline(t.nowNs() + core.bodyGapTimeoutNs());
        phase = Phase.RECEIVE;
        if (isChunked) {
            ReceiveBuffer r = exchange.received();
            r.compact();
            r.grow(); // a chunked body streams through the receive buffer: large reads, fewer of them
            r.receiveMore(t);
        } else {
            int want = (int) Math.min(io.dataCapacity() - fill, declaredLength - written - fill);
            t.receive(io.byteBuffer(), IoBuffer.HEADROOM + fill, want);
        }
    }

    /** A receive of body bytes completed ({@code bytes <= 0}: the client went away). */
    public void onReceived(int bytes) {
        if (bytes <= 0) {
            abandon(); // client went away mid-body: nothing was acknowledged, nothing is kept
            exchange.close();
            return;
        }
        if (isChunked) {
            exchange.received().received(bytes);
            takeBuffered();
        } else {
            bodyReceived(bytes);
            pump();
        }
    }

    /**
     * {@code n} more body bytes are in the I/O buffer after {@code fill}: final from here (appended, never
     * rewritten), so a live capture copies them now and the upload's readers may send them before they are durable.
     */
    private void bodyReceived(int n) {
        if (live != null) {
            live.capture(written + fill, io.segment(), IoBuffer.HEADROOM + fill, n);
        }
        fill += n;
    }

    private void writeFill() {
        // No client timeout while our own disk write runs: the buffer and extent must stay ours until it completes.
        exchange.transport().deadline(0);
        if (fill == 0) {
            onDiskWritten(0); // nothing buffered (empty body, or it ended on a buffer boundary)
            return;
        }
        int padded = (fill + BLOCK - 1) & -BLOCK;
        if (written + padded > extent.capacityBytes()) {
            phase = Phase.GROW;
            growth.grow(name, extent, written, written + padded);
            if (growth.isWaitingForBuffer()) {
                Transport t = exchange.transport();
                t.deadline(t.nowNs() + core.bodyGapTimeoutNs());
            }
            return;
        }
        ByteBuffer data = io.byteBuffer();
        data.limit(IoBuffer.HEADROOM + fill).position(IoBuffer.HEADROOM);
        crc.update(data);
        data.clear();
        playlist.scan(io.segment(), IoBuffer.HEADROOM, fill);
        // The tail of the last block is zeroed so no stale bytes of an earlier object sit in the extent.
        io.segment().asSlice(IoBuffer.HEADROOM + fill, padded - fill).fill((byte) 0);
        long fileOffset = extent.offsetBytes() + written;
        phase = Phase.WRITE;
        writeInFlight = true;
        writeStartNs = exchange.transport().nowNs();
        Device device = core.volume().device(extent.device());
        writeDevice = device;
        device.writeStarted(); // ingest steers new objects away from a device whose writes pile up
        if (bodyComplete && written == 0 && fill <= Journal.INLINE_MAX_BYTES) {
            // A small body rides in its journal entry, which makes it durable; the extent write only has to complete.
            stageWithBodyInFlight(true);
            writeIsInlineCopy = true;
            core.disk().writeLazy(device.lazyWriteFd(), io.segment(), IoBuffer.HEADROOM, padded, fileOffset,
                    this, 0);
            return;
        }
        if (bodyComplete) {
            stageWithBodyInFlight(false);
        }
        writeIsInlineCopy = false;
        core.disk().writeDurable(device.writeFd(), io.segment(), IoBuffer.HEADROOM, padded, fileOffset, this, 0);
    }

    @Override
    public void onGrown(Extent grown) {
        extent = grown;
        if (abandoned) {
            releaseHeld();
            return;
        }
        writeFill();
    }

    @Override
    public void onGrowthFailed(int status, String detail) {
        if (abandoned) {
            releaseHeld();
            return;
        }
        fail(status, detail);
    }

    /**
     * The last write is about to be submitted and the CRC covers the whole body: stage the entry now, so that its
     * group's journal write runs concurrently with this body write. The extent belongs to the journal from here.
     * {@code inline}: the whole body (one buffer fill, at most a block) is copied into the entry.
     */
    private void stageWithBodyInFlight(boolean inline) {
        int bodyInBuffer = fill;
        written += fill;
        fill = 0;
        if (isChunked) {
            extent = core.volume().trim(extent, Math.max(written, 1));
        }
        long mtimeMillis = core.clock().epochMillis();
        if (inline) {
            staged = core.commit().stagePutInline(this, pending, name, extent, io.segment(), IoBuffer.HEADROOM,
                    bodyInBuffer, contentType, (int) crc.getValue(), mtimeMillis);
        } else {
            staged = core.commit().stagePutBodyInFlight(this, pending, name, extent, written, contentType,
                    (int) crc.getValue(), mtimeMillis);
        }
        exchange.onStaged(staged);
        lastWriteInFlight = true;
        bodyFailureStatus = 0;
        extent = null;
        exchange.onBodyConsumed();
    }

    @Override
    public void onDiskComplete(long tag, int bytes) {
        writeInFlight = false;
        writeDevice.writeEnded(bytes);
        if (abandoned) {
            onOrphanedWriteDone(bytes);
            return;
        }
        onDiskWritten(bytes);
    }

    private void onDiskWritten(int bytes) {
        if (writeStartNs != 0) {
            core.metrics().diskWritten(writeIsInlineCopy ? IngestMetrics.DiskWrite.INLINE_EXTENT
                    : IngestMetrics.DiskWrite.BODY, exchange.transport().nowNs() - writeStartNs);
            writeStartNs = 0;
        }
        if (lastWriteInFlight) {
            onLastWriteDone(bytes);
            return;
        }
        if (bytes < 0) {
            core.metrics().diskError();
            fail(bytes == -Errno.ENOSPC ? 507 : 500, "write to the volume failed");
            return;
        }
        written += fill;
        fill = 0;
        if (!bodyComplete) {
            takeBuffered();
            return;
        }
        exchange.onBodyConsumed();
        core.buffers().release(io);
        io = null;
        if (isChunked) {
            extent = core.volume().trim(extent, Math.max(written, 1));
        }
        // The body is durable already: stage its entry; the extent now belongs to the journal.
        staged = core.commit().stagePut(this, name, extent, written, contentType, (int) crc.getValue(),
                core.clock().epochMillis());
        exchange.onStaged(staged);
        extent = null;
        phase = Phase.AWAIT_COMMIT;
    }

    /** The last body write (its entry staged) completed: the buffer is free; the commit decides the answer. */
    private void onLastWriteDone(int bytes) {
        lastWriteInFlight = false;
        core.buffers().release(io);
        io = null;
        if (bytes < 0) {
            core.metrics().diskError();
            bodyFailureStatus = bytes == -Errno.ENOSPC ? 507 : 500;
        }
        phase = Phase.AWAIT_COMMIT;
        core.commit().bodyWritten(this, pending, bytes >= 0);
    }

    /**
     * A body write completed after the connection closed: only now may the buffer (and, if the entry was not staged,
     * the extent) be given back — the disk was writing them until this moment. A last write reports its outcome to
     * the commit like any other, so its entry is published or not by what really happened.
     */
    private void onOrphanedWriteDone(int bytes) {
        if (lastWriteInFlight) {
            lastWriteInFlight = false;
            core.commit().bodyWritten(this, pending, bytes >= 0);
        }
        releaseHeld();
    }

    @Override
    public void onCommitted(CommitOutcome outcome) {
        Phase was = phase;
        boolean wasDelete = was == Phase.DELETE;
        ObjectRecord record = staged;
        staged = null;
        phase = Phase.IDLE;
        if (live != null && !wasDelete) {
            if (outcome == CommitOutcome.DURABLE && isFill && !live.admissible(record)) {
                live.completeUnkept(); // its waiters were streamed it; the tier admits fills as any read
            } else if (outcome == CommitOutcome.DURABLE) {
                live.publish(record); // acknowledged below: from here every core's GET of it is a hit
            } else {
                live.discard();
            }
        }
        if (outcome == CommitOutcome.DURABLE && core.playlists() != null) {
            if (wasDelete) {
                core.playlists().remove(name.toString());
            } else if (playlist.isActive()) {
                // Durable and in the index: the requests held for it, on every core, may be answered from it now.
                core.playlists().publish(name.toString(), playlist.position());
            }
        }
        playlist.begin(false);
        if (abandoned) {
            return; // the client left while we committed; the object is stored (or not) all the same
        }
        switch (outcome) {
            case BODY_FAILED -> {
                int status = bodyFailureStatus != 0 ? bodyFailureStatus : 500;
                bodyFailureStatus = 0;
                exchange.onUploadFailed(status, "write to the volume failed");
            }
            case JOURNAL_FAILED -> exchange.onUploadFailed(500, "commit to the journal failed");
            case DURABLE -> {
                if (wasDelete) {
                    exchange.onDeleted();
                } else {
                    exchange.onStored(!existed, record);
                }
            }
        }
    }

    @Override
    public void onAnswerFailed(RuntimeException failure) {
        System.err.println("atlas: answering a commit failed: " + failure);
        exchange.close();
    }

    // ---------------------------------------------------------------- DELETE

    /** Stages the deletion of {@code key} (it exists and the preconditions hold); the commit answers. */
    public void beginDelete(ObjectKey key) {
        if (phase != Phase.IDLE) {
            throw new IllegalStateException("an upload is already in progress: " + phase);
        }
        abandoned = false;
        name = key;
        phase = Phase.DELETE;
        core.commit().stageDelete(this, key);
    }

    // ---------------------------------------------------------------- timeouts and failure

    /**
     * The exchange's deadline passed: waiting for a buffer means the core is out of memory for bodies (503);
     * otherwise the body stalled (408). A receive into the upload's buffer may still be in the kernel: the
     * connection answers and closes, and {@link #abandon} runs once the engine has taken the receive back.
     */
    public void onTimeout() {
        switch (phase) {
            case WAIT_BUFFER -> {
                core.buffers().cancel(this);
                fail(503, "server busy, try again");
            }
            case GROW -> {
                growth.abandon();
                fail(503, "server busy, try again");
            }
            case RECEIVE -> answerFailure(408, "request body stalled");
            default -> exchange.close(); // a client that accepts no 100 Continue
        }
    }

    private void fail(int status, String detail) {
        releaseHeld();
        answerFailure(status, detail);
    }

    private void answerFailure(int status, String detail) {
        phase = Phase.IDLE;
        exchange.onUploadFailed(status, detail);
    }

    /**
     * The connection is gone. Frees what the upload holds if it was not staged yet — at once, or, while a disk
     * request is in flight, when it completes. A staged request stays with the commit, which still answers it
     * (and the answer is dropped).
     */
    public void abandon() {
        abandoned = true;
        if (phase == Phase.WAIT_BUFFER) {
            core.buffers().cancel(this);
        }
        if (growth.isActive()) {
            growth.abandon(); // the new extent goes back with its copy; the old one is released below
        }
        if (writeInFlight) {
            return;
        }
        releaseHeld();
        if (phase != Phase.AWAIT_COMMIT && phase != Phase.DELETE) {
            phase = Phase.IDLE;
        }
    }

    private void releaseHeld() {
        if (live != null && staged == null) {
            live.discard(); // not staged: this upload will never publish (a staged one hears from the commit)
        }
        if (io != null) {
            core.buffers().release(io);
            io = null;
        }
        if (extent != null) {
            core.volume().release(extent);
            extent = null;
        }
    }
}
