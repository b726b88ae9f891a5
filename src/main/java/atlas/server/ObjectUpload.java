package atlas.server;

import atlas.dataplane.IoBuffer;
import atlas.http.ChunkedDecoder;
import atlas.http.MediaTypes;
import atlas.http.RequestHead;
import atlas.http.RequestHead.Field;
import atlas.store.Extent;
import atlas.store.Journal;
import atlas.store.ObjectKey;
import atlas.store.ObjectRecord;
import atlas.store.VolumeFullException;
import atlas.posix.Errno;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Durable ingest of one PUT/POST body (PASTE): the body lands once, in its final extent, and the client hears
 * "201"/"204" only after both the bytes and the journal entry naming them are on stable storage.
 *
 * <pre>
 *  allocate extent --> [100 Continue] --> receive into the I/O buffer's data area
 *        ^                                        |  full, or body complete
 *        |                                        v
 *        +------------- more body <------ O_DIRECT|O_DSYNC write at extent + written
 *                                                 |  last write: stage the entry first (CRC of the whole body)
 *                                                 v
 *                      last body write  ||  group commit (journal write) at end of turn
 *                                 both durable --> answer
 * </pre>
 * The body's last write and its journal entry go to disk <i>concurrently</i> ({@link atlas.store.Journal}): the
 * entry is staged, flagged as having its body in flight, just before that write is submitted, so the same
 * io_uring submit carries both and a PUT costs one durable write's latency, not two in a row. The answer waits
 * for both; recovery checks a flagged entry's body against its CRC unless a later group confirmed it.
 * A body of at most one block ({@link Journal#INLINE_MAX_BYTES}) that arrived in one piece is copied into its
 * journal entry instead, and its extent written without a flush: then the group's one durable write covers body
 * and commit, and a hundred small PUTs in one turn cost one flush, not a hundred and one.
 * A Content-Length body is received straight into the aligned buffer that is written to disk: no copy in Java.
 * A chunked body is received into the connection's buffer and de-framed into the aligned buffer (one copy; the
 * framing has to be removed somewhere). Chunked bodies get a reserve extent that grows by relocation if exceeded
 * and is trimmed to the final length at commit.
 * <p>
 * Until the journal entry is staged this class owns the extent and frees it on any failure; after staging the
 * journal owns it.
 */
final class ObjectUpload {
    /** First reserve for a body of unknown length; live HLS segments fit, bigger bodies relocate. */
    static final long CHUNKED_RESERVE_BYTES = 16L << 20;
    private static final int BLOCK = 4096;
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final HttpConnection c;
    private final CRC32C crc = new CRC32C();
    private final ChunkedDecoder chunked = new ChunkedDecoder();
    private ObjectKey name;
    private String contentType;
    /** The last declared Content-Type accepted as it was sent (see {@link #contentTypeFor}). */
    private String lastDeclaredType;
    private boolean existed;
    private boolean isChunked;
    private long declaredLength;
    private Extent extent;
    private IoBuffer io;
    /** Body bytes in the I/O buffer's data area not yet written. */
    private int fill;
    /** Body bytes durable in the extent. */
    private long written;
    private boolean bodyComplete;
    private boolean deleting;
    private ObjectRecord staged;
    /** The PUT staged with its body in flight, reused from upload to upload (see {@link Journal.PendingPut}). */
    private final Journal.PendingPut pending = new Journal.PendingPut();
    /** {@link #pending} holds the current request: the answer waits until it is resolved. */
    private boolean pendingStaged;
    /** The last body write, submitted after staging, has not completed yet. */
    private boolean lastWriteInFlight;
    /** The last body write failed: the status to answer with. */
    private int bodyFailureStatus;
    /** When the disk write in flight was submitted, and whether it is an inline body's extent copy (metrics). */
    private long writeStartNs;
    private boolean writeIsInlineCopy;

    ObjectUpload(HttpConnection connection) {
        this.c = connection;
    }

    // ---------------------------------------------------------------- PUT / POST

    void begin() {
        RequestHead h = c.head;
        isChunked = h.isChunked();
        declaredLength = h.contentLength();
        if (!isChunked && declaredLength < 0) {
            c.respondError(411, "Content-Length or chunked Transfer-Encoding required");
            return;
        }
        long maxBody = c.core.config.limits().maxBodyBytes();
        if (declaredLength > maxBody) {
            c.respondError(413, "body larger than " + maxBody + " bytes");
            return;
        }
        // No pin: only the record's immutable validators are read, never its extent.
        ObjectRecord current = c.lookup();
        int precondition = Preconditions.evaluateWrite(h, current);
        existed = current != null;
        if (precondition != Preconditions.PROCEED) {
            c.respondError(precondition, HttpConnection.PRECONDITION_FAILED);
            return;
        }
        name = ObjectKey.copyOf(h.pathBytes(), h.pathLength());
        contentType = contentTypeFor(name.toString(), h);
        try {
            extent = c.core.volume.allocate(isChunked ? Math.min(CHUNKED_RESERVE_BYTES, maxBody) : Math.max(declaredLength, 1));
        } catch (VolumeFullException e) {
            c.respondError(507, e.getMessage());
            return;
        }
        crc.reset();
        chunked.reset();
        writeStartNs = 0;
        fill = 0;
        written = 0;
        bodyComplete = false;
        if (h.expectsContinue()) {
            // curl and others wait for this before sending a large body (RFC 9110 §10.1.1).
            c.state = HttpConnection.State.CONTINUE;
            c.out.clear();
            c.out.put(CONTINUE);
            c.transport.send(c.out, 0, CONTINUE.length);
            return;
        }
        acquireBuffer();
    }

    void onContinueSent() {
        acquireBuffer();
    }

    /**
     * The type by the name's extension, else the declared Content-Type if it is plain ASCII under 200 bytes (the
     * journal keeps at most 255), else octet-stream. An encoder declares the same type on every PUT: that one is
     * recognised in the head's bytes and its string reused, so the commit path does not build it again.
     */
    private String contentTypeFor(String name, RequestHead h) {
        String byName = MediaTypes.forName(name);
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
        IoBuffer b = c.acquireIoBuffer(true);
        if (b != null) {
            onBuffer(b);
        }
    }

    void onBuffer(IoBuffer buffer) {
        io = buffer;
        c.state = HttpConnection.State.RECEIVE_BODY;
        // Body bytes that arrived with the head are already in the receive buffer.
        takeBuffered();
    }

    /** Moves body bytes already in the receive buffer into the I/O buffer, then continues the pump. */
    private void takeBuffered() {
        int available = c.recvEnd - c.recvStart;
        if (available > 0) {
            int space = io.dataCapacity() - fill;
            if (isChunked) {
                int consumed = chunked.decode(c.recv, c.recvStart, c.recvEnd, io.byteBuffer(),
                        IoBuffer.HEADROOM + fill, IoBuffer.HEADROOM + io.dataCapacity());
                if (consumed == ChunkedDecoder.MALFORMED) {
                    fail(400, "malformed chunked body");
                    return;
                }
                c.recvStart += consumed;
                fill += chunked.produced();
                bodyComplete = chunked.isComplete();
            } else {
                int n = (int) Math.min(Math.min(available, space), declaredLength - written - fill);
                io.byteBuffer().put(IoBuffer.HEADROOM + fill, c.recv, c.recvStart, n);
                c.recvStart += n;
                fill += n;
            }
        }
        pump();
    }

    /** Decides the next step: write a full buffer, finish, or receive more. */
    private void pump() {
        if (!isChunked && written + fill == declaredLength) {
            bodyComplete = true;
        }
        if (written + fill > c.core.config.limits().maxBodyBytes()) {
            fail(413, "body larger than " + c.core.config.limits().maxBodyBytes() + " bytes");
            return;
        }
        if (bodyComplete || fill == io.dataCapacity()) {
            writeFill();
            return;
        }
        // A body must keep arriving like a head does: a gap longer than the header timeout ends the request.
        c.transport.deadline(c.transport.nowNs() + c.core.config.headerTimeout().toNanos());
        if (isChunked) {
            c.compactReceiveBuffer();
            c.growReceiveBuffer(); // a chunked body streams through the receive buffer: large reads, fewer of them
            c.transport.receive(c.recv, c.recvEnd, c.recv.capacity() - c.recvEnd);
        } else {
            int want = (int) Math.min(io.dataCapacity() - fill, declaredLength - written - fill);
            c.transport.receive(io.byteBuffer(), IoBuffer.HEADROOM + fill, want);
        }
    }

    void onReceived(int bytes) {
        if (bytes <= 0) {
            abandon(); // client went away mid-body: nothing was acknowledged, nothing is kept
            c.close();
            return;
        }
        if (isChunked) {
            c.recvEnd += bytes;
            takeBuffered();
        } else {
            fill += bytes;
            pump();
        }
    }

    private void writeFill() {
        // No client timeout while our own disk write runs: the buffer and extent must stay ours until it completes.
        c.transport.deadline(0);
        if (fill == 0) {
            onDiskWritten(0); // nothing buffered (empty body, or it ended on a buffer boundary)
            return;
        }
        int padded = (fill + BLOCK - 1) & -BLOCK;
        if (written + padded > extent.capacityBytes()) {
            try {
                extent = ExtentRelocation.grow(c.core.volume, extent, written, written + padded);
            } catch (IOException e) {
                fail(e instanceof VolumeFullException ? 507 : 500, e.getMessage());
                return;
            }
        }
        ByteBuffer data = io.byteBuffer();
        data.limit(IoBuffer.HEADROOM + fill).position(IoBuffer.HEADROOM);
        crc.update(data);
        data.clear();
        // The tail of the last block is zeroed so no stale bytes of an earlier object sit in the extent.
        io.segment().asSlice(IoBuffer.HEADROOM + fill, padded - fill).fill((byte) 0);
        long fileOffset = extent.offsetBytes() + written;
        if (bodyComplete && written == 0 && fill <= Journal.INLINE_MAX_BYTES) {
            // A small body rides in its journal entry, which makes it durable; the extent write only has to complete.
            stageWithBodyInFlight(true);
            writeStartNs = System.nanoTime();
            writeIsInlineCopy = true;
            c.transport.writeDiskLazy(io, IoBuffer.HEADROOM, padded, fileOffset);
            return;
        }
        if (bodyComplete) {
            stageWithBodyInFlight(false);
        }
        writeStartNs = System.nanoTime();
        writeIsInlineCopy = false;
        c.transport.writeDiskDurable(io, IoBuffer.HEADROOM, padded, fileOffset);
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
            extent = c.core.volume.trim(extent, Math.max(written, 1));
        }
        if (inline) {
            c.core.journal().stagePutInline(pending, name, extent, io.segment(), IoBuffer.HEADROOM, bodyInBuffer,
                    contentType, (int) crc.getValue(), System.currentTimeMillis());
            c.core.counters.inlineCommits.increment();
        } else {
            c.core.journal().stagePutBodyInFlight(pending, name, extent, written, contentType, (int) crc.getValue(),
                    System.currentTimeMillis());
        }
        staged = pending.record();
        pendingStaged = true;
        lastWriteInFlight = true;
        bodyFailureStatus = 0;
        extent = null;
        c.bodyUnread = false;
        c.state = HttpConnection.State.AWAIT_COMMIT;
        c.core.awaitCommit(c);
    }

    void onDiskWritten(int bytes) {
        if (writeStartNs != 0) {
            c.core.metrics.diskWritten(writeIsInlineCopy ? MetricsCore.DiskWrite.INLINE_EXTENT
                    : MetricsCore.DiskWrite.BODY, System.nanoTime() - writeStartNs);
            writeStartNs = 0;
        }
        if (lastWriteInFlight) {
            onLastWriteDone(bytes);
            return;
        }
        if (bytes < 0) {
            c.core.counters.diskErrors.increment();
            fail(bytes == -Errno.ENOSPC ? 507 : 500, "write to the volume failed");
            return;
        }
        written += fill;
        fill = 0;
        if (!bodyComplete) {
            takeBuffered();
            return;
        }
        c.bodyUnread = false;
        c.releaseIoBuffer(io);
        io = null;
        if (isChunked) {
            extent = c.core.volume.trim(extent, Math.max(written, 1));
        }
        stage();
    }

    /**
     * The last body write (its entry staged) completed: report it. If the entry's group commit already finished,
     * this resolves the PUT and the client is answered now; otherwise the commit answers.
     */
    private void onLastWriteDone(int bytes) {
        lastWriteInFlight = false;
        c.releaseIoBuffer(io);
        io = null;
        if (bytes < 0) {
            c.core.counters.diskErrors.increment();
            bodyFailureStatus = bytes == -Errno.ENOSPC ? 507 : 500;
        }
        if (c.core.journal().bodyWritten(pending, bytes >= 0)) {
            onCommitted(pending.entryDurable());
        }
    }

    /** Stages the journal entry of a body that is already durable; the extent now belongs to the journal. */
    private void stage() {
        staged = c.core.journal().stagePut(name, extent, written, contentType, (int) crc.getValue(),
                System.currentTimeMillis());
        extent = null;
        c.transport.deadline(0); // the commit is ours to finish; no client timeout applies to it
        c.state = HttpConnection.State.AWAIT_COMMIT;
        c.core.awaitCommit(c);
    }

    void onCommitted(boolean durable) {
        if (pendingStaged && !pending.isResolved()) {
            return; // the entry is durable (or failed), the body is not back yet: its completion answers
        }
        pendingStaged = false;
        boolean wasDelete = deleting;
        ObjectRecord record = staged;
        deleting = false;
        staged = null;
        if (c.state != HttpConnection.State.AWAIT_COMMIT) {
            return; // the client left while we committed; the object is stored all the same
        }
        if (bodyFailureStatus != 0) {
            int status = bodyFailureStatus;
            bodyFailureStatus = 0;
            c.respondError(status, "write to the volume failed");
            return;
        }
        if (!durable) {
            c.respondError(500, "commit to the journal failed");
            return;
        }
        if (wasDelete) {
            c.beginHead(204).end();
            c.sendOut();
            return;
        }
        var w = c.beginHead(existed ? 204 : 201).field("ETag", record.etagBytes());
        if (!existed) {
            w.field("Content-Length", 0);
        }
        w.end();
        c.sendOut();
    }

    // ---------------------------------------------------------------- DELETE

    void beginDelete() {
        ObjectRecord current = c.lookup();
        if (current == null) {
            c.respondError(404, HttpConnection.NO_SUCH_OBJECT);
            return;
        }
        int precondition = Preconditions.evaluateWrite(c.head, current);
        if (precondition != Preconditions.PROCEED) {
            c.respondError(precondition, HttpConnection.PRECONDITION_FAILED);
            return;
        }
        name = current.key();
        deleting = true;
        c.core.journal().stageDelete(name);
        c.state = HttpConnection.State.AWAIT_COMMIT;
        c.core.awaitCommit(c);
    }

    // ---------------------------------------------------------------- failure

    private void fail(int status, String detail) {
        abandon();
        c.respondError(status, detail);
    }

    /** Frees what the upload holds if it was not staged yet. */
    void abandon() {
        if (lastWriteInFlight) {
            // Closed while the last write was in flight: the engine has let go of the buffer (onClosed comes after
            // every completion, or the write was never issued) but did not report the write. Its outcome is
            // unknown, so it counts as failed: never published, and recovery checks the body if the entry lasts.
            lastWriteInFlight = false;
            c.core.journal().bodyWritten(pending, false);
        }
        if (io != null) {
            c.releaseIoBuffer(io);
            io = null;
        }
        if (extent != null) {
            c.core.volume.release(extent);
            extent = null;
        }
    }
}
