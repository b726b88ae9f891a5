package atlas.stream;

import atlas.dataplane.BufferPool;
import atlas.dataplane.CoreContext;
import atlas.dataplane.DiskCompletion;
import atlas.dataplane.IoBuffer;
import atlas.dataplane.Transport;
import atlas.hot.HotChunk;
import atlas.hot.HotShard;
import atlas.hot.HotTier;
import atlas.http.RangeSet;
import atlas.store.ObjectRecord;
import atlas.store.Volume;

import java.nio.ByteBuffer;

/**
 * The one owner of a GET response's body: object bytes straight from flash — each chunk an O_DIRECT read into an
 * aligned I/O buffer, sent from that same buffer (no copy). Disk and network overlap through a window of two
 * buffers: while one is being sent the next is read; a third read waits until a send completes and frees a
 * buffer, so storage is clocked by the socket draining (Atlas §3), and a client that stops reading pins two
 * buffers at most.
 *
 * <pre>
 *  I/O buffer for one chunk:
 *    0            HEADROOM - prefix   HEADROOM   HEADROOM + skip                     HEADROOM + readLength
 *    |                 |                 |          |                                         |
 *    +-----------------+-----------------+----------+-----------------------------------------+
 *    |   unused        | response head / | skipped  |  wanted object bytes  --> one send      |
 *    |                 | part header     | (range   |                                         |
 *    |                 | (copied here)   |  start)  |                                         |
 *    +-----------------+-----------------+----------+-----------------------------------------+
 *                      ^ send starts here
 * </pre>
 * The read starts at the block containing the first wanted byte (O_DIRECT needs block alignment); the prefix is
 * copied over the unwanted bytes in front of it so that head and data leave in a single send. Each read is sized
 * to the connection's congestion window (64 KiB to a whole buffer; see {@link #readSize}).
 *
 * <pre>
 *  start --> [WAIT_BUFFER: pool empty; deadline -> onBodyRefused (503)]
 *        --> window: read slot --> send slot (--> read ahead into the other) ... until the last range's last byte
 *        --> [multipart: closing delimiter] --> onBodySent
 *  a failed read or a stalled client --> onBodyFailed;   the connection closing --> abandon
 * </pre>
 * Hot tier ({@link HotShard}, when on): each chunk of the object is looked up before it is read. A chunk the tier
 * holds is sent straight from the tier's memory, head in front of it in the same send ({@link Transport#sendShared}),
 * with no buffer, no disk read and no copy — one such send at a time, after whatever the disk window still had to
 * send, so bytes leave in order. A chunk it does not hold is read as before; when the tier would admit it (it has
 * been asked for before), the read covers the whole chunk and the tier is offered a copy of it before it is sent.
 * <pre>
 *  per chunk at the cursor:  tier holds it?  -> pin, sendShared(head, chunk bytes) -> unpin when sent
 *                            no              -> disk window (whole chunk when admissible -> offer to the tier)
 * </pre>
 * Ownership: the record's read pin and the connection's out buffer are this transmitter's from {@link #start} to
 * the ending it reports ({@link BodyExchange}); each window buffer is the disk's while its read is in flight, the
 * socket's while its send is, and goes back to the pool the moment neither needs it. Disk reads are never
 * cancelled: if the connection closes during one, its buffer goes back when the read completes. Thread: the
 * connection's core.
 */
public final class ObjectTransmitter implements DiskCompletion, BufferPool.Waiter, DeviceReads.Waiter {
    /** More ranges than this in one request are ignored (whole object sent): RFC 9110 §14.2 allows it. */
    public static final int MAX_RANGES = 16;
    /**
     * Smallest read while an object has more to send: this device's fast reads start at 64 KiB (DESIGN.md §2), and
     * it is above 10 MSS of a 1500-byte path, so even a fresh connection's first flight is read at once.
     */
    static final int MIN_READ_BYTES = 64 * 1024;

    private final BodyExchange exchange;
    private final TransmitResources core;
    private Transport transport;
    private ByteBuffer out;
    private ObjectRecord record;
    private RangeSet ranges;
    /** The window: two I/O buffers; at most one being read, one being sent, one read and waiting to be sent. */
    private final IoBuffer[] slots = new IoBuffer[2];
    /** Which window buffers came from the core's small pool (and go back there). */
    private final boolean[] slotSmall = new boolean[2];
    private final int[] slotSendStart = new int[2];
    private final int[] slotSendLength = new int[2];
    private int reading = -1;
    /** The tier (null when off) and the chunk being sent from it, pinned until its send completes. */
    private final HotShard hot;
    private HotChunk sendingHot;
    private int hotSendLength;
    /** Highest chunk of the current part whose access was counted (each chunk counts once per part). */
    private int lastCountedChunk;
    /** Object offset of the first byte the read in flight reads (block aligned; a chunk start when admissible). */
    private long readObjectStart;
    private int readLength;
    /** Bytes of this body handed to the socket so far: after the first, a 503 can no longer be sent. */
    private boolean sentAny;
    private int sending = -1;
    private int ready = -1;
    private boolean active;
    private boolean waitingForBuffer;
    /** Queued for a read slot of the record's device ({@link DeviceReads}): holds no buffer meanwhile. */
    private boolean waitingForDevice;
    /** A read slot of the record's device is this body's: taken before a read's buffer, given back at completion. */
    private boolean holdsReadSlot;
    /** The record's device. */
    private int device;
    /** The exchange ended while a read was in flight: its buffer goes back when the read completes. */
    private boolean orphanedRead;
    private boolean readsDone;
    private boolean delimiterSent;
    private int readSkip;
    private int readChunkLength;
    private int readPrefixLength;
    private long readStartNs;
    private boolean multipart;
    private int part;
    private int partCount;
    private long position;
    private long partLast;
    /** Bytes in the out buffer still to go in front of the next chunk: head and/or a part header. */
    private int prefixLength;

    public ObjectTransmitter(BodyExchange exchange, TransmitResources core) {
        this.exchange = exchange;
        this.core = core;
        this.hot = core.hot();
    }

    /** True from {@link #start} until the body's ending was reported (or it was abandoned). */
    public boolean isActive() {
        return active;
    }

    /**
     * Takes over a response whose head is in {@code out[0, headLength)}: sends it and the body of {@code record}
     * — the ranges in {@code ranges} (one: a plain 206; several: multipart/byteranges), or all of it when null.
     * {@code record} must be pinned for reading; the pin is this transmitter's from here (released when done).
     */
    public void start(Transport transport, ByteBuffer out, int headLength, ObjectRecord record, RangeSet ranges) {
        if (active || reading >= 0 || slots[0] != null || slots[1] != null) {
            throw new IllegalStateException("a response body is already being transmitted");
        }
        this.transport = transport;
        this.out = out;
        this.record = record;
        this.ranges = ranges;
        this.device = record.extent().device();
        active = true;
        multipart = ranges != null && ranges.count() > 1;
        partCount = ranges == null ? 1 : ranges.count();
        part = 0;
        readsDone = false;
        delimiterSent = false;
        sentAny = false;
        out.position(headLength);
        startPart();
        prefixLength = out.position();
        if (!sendHotIfHeld()) {
            readNext();
        }
    }

    /**
     * Nothing is being read or sent: reads the next chunk into a window buffer, waiting for a read slot of the
     * device and then for a buffer if need be.
     */
    private void readNext() {
        if (core.reads().failed(device)) {
            deviceFailed();
            return;
        }
        if (!holdsReadSlot) {
            if (!core.reads().enterOrWait(device, this)) {
                waitingForDevice = true;
                // Bounded like the wait for memory: a device that stays saturated sheds load with 503.
                transport.deadline(transport.nowNs() + core.sendStallTimeoutNs());
                return;
            }
            holdsReadSlot = true;
        }
        int f = slots[0] != null ? 0 : slots[1] != null ? 1 : -1;
        if (f >= 0) {
            issueRead(f);
            return;
        }
        if (fitsSmallBuffer()) {
            IoBuffer small = core.smallBuffers().acquire();
            if (small != null) {
                slots[0] = small;
                slotSmall[0] = true;
                issueRead(0);
                return;
            }
        }
        IoBuffer first = core.buffers().acquire();
        if (first == null) {
            waitingForBuffer = true;
            core.buffers().await(this);
            // Waiting for memory is bounded too: a core that stays full sheds load with 503.
            transport.deadline(transport.nowNs() + core.sendStallTimeoutNs());
            return;
        }
        onBuffer(first);
    }

    @Override
    public void onReadSlot() {
        waitingForDevice = false;
        holdsReadSlot = true;
        transport.deadline(0);
        readNext();
    }

    /** The object's device failed: 503 if nothing was sent yet, else the connection closes. */
    private void deviceFailed() {
        core.metrics().diskReadFailed(device);
        unreadable(503, "object unavailable: its device failed");
    }

    /** The object cannot be read: an error answer while nothing was sent, else only closing is honest. */
    private void unreadable(int status, String reason) {
        if (!sentAny) {
            end(false);
            exchange.onBodyUnreadable(status, reason);
            return;
        }
        fail();
    }

    /** Gives the read slot back (a read completed, or none will be issued now). */
    private void leaveDevice() {
        if (holdsReadSlot) {
            holdsReadSlot = false;
            core.reads().leave(device);
        }
    }

    /** A client flooding the server waits behind the others for memory (asked when a buffer comes free). */
    @Override
    public boolean yieldsBuffer() {
        return exchange.yieldsBuffers();
    }

    @Override
    public void onBuffer(IoBuffer buffer) {
        waitingForBuffer = false;
        transport.deadline(0);
        int f = slots[0] == null ? 0 : 1;
        slots[f] = buffer;
        slotSmall[f] = false;
        issueRead(f);
    }

    /**
     * True when the rest of this body is one read that fits a small buffer (a playlist, a small object, a short
     * range): it then takes one of those, not a 256 KiB buffer, if one is free.
     */
    private boolean fitsSmallBuffer() {
        if (multipart) {
            return false;
        }
        int small = CoreContext.SMALL_BUFFER_BYTES - IoBuffer.HEADROOM;
        int index = (int) (position / HotTier.CHUNK_BYTES);
        if (hot != null && HotTier.chunkLength(record.length(), index) > small && hot.admissible(record, index)) {
            return false; // the tier wants the whole chunk: it is read into a buffer that holds it
        }
        long skip = (record.offsetBytes() + position) & (Volume.BLOCK_SIZE - 1);
        return skip + (partLast + 1 - position) <= small;
    }

    /** Gives window buffer {@code s} back to the pool it came from. */
    private void releaseSlot(int s) {
        (slotSmall[s] ? core.smallBuffers() : core.buffers()).release(slots[s]);
        slots[s] = null;
        slotSmall[s] = false;
    }

    // ---------------------------------------------------------------- the hot tier

    /**
     * When nothing is in flight and the tier holds the chunk at the cursor: sends the pending prefix and that
     * chunk's wanted bytes from the tier in one send, and returns true.
     */
    private boolean sendHotIfHeld() {
        if (hot == null) {
            return false;
        }
        int index = (int) (position / HotTier.CHUNK_BYTES);
        boolean fresh = index > lastCountedChunk;
        if (fresh) {
            lastCountedChunk = index;
        }
        HotChunk chunk = hot.pin(record, index, fresh);
        if (chunk == null) {
            return false;
        }
        releaseIdleSlots(); // nothing of the disk window is in flight: let other connections have its buffers
        int skip = (int) (position - (long) index * HotTier.CHUNK_BYTES);
        int n = (int) Math.min(partLast + 1 - position, chunk.length() - skip);
        sendingHot = chunk;
        hotSendLength = n;
        int prefix = prefixLength;
        prefixLength = 0;
        sentAny = true;
        exchange.countSent(prefix + n);
        transport.deadline(transport.nowNs() + core.sendStallTimeoutNs());
        transport.sendShared(out, prefix, chunk.bytes(), skip, n, chunk.fileFd(), chunk.fileOffset() + skip);
        return true;
    }

    /** Counts, once per part, the accesses to the chunks up to {@code lastIndex}: the tier's popularity input. */
    private void countChunksUpTo(int lastIndex) {
        while (lastCountedChunk < lastIndex) {
            hot.count(record, ++lastCountedChunk);
        }
    }

    @Override
    public void onBufferFailed(RuntimeException failure) {
        fail();
    }

    @Override
    public void onCompletionFailed(long tag, RuntimeException failure) {
        if (active) {
            fail();
        }
    }

    private void startPart() {
        if (ranges != null) {
            position = ranges.first(part);
            partLast = ranges.last(part);
        } else {
            position = 0;
            partLast = record.length() - 1;
        }
        lastCountedChunk = (int) (position / HotTier.CHUNK_BYTES) - 1;
        if (multipart) {
            MultipartFraming.writePartHeader(out, ranges, part, record.contentType(), record.length());
        }
    }

    // ---------------------------------------------------------------- the two-slot window

    /** Reads the next chunk into slot {@code s}: from the block holding the next wanted byte, up to a buffer. */
    private void issueRead(int s) {
        IoBuffer io = slots[s];
        long wanted = partLast + 1 - position;
        long fileOffset = record.offsetBytes() + position;
        long alignedOffset = fileOffset & -Volume.BLOCK_SIZE;
        int skip = (int) (fileOffset - alignedOffset);
        int cap = skip + wanted <= MIN_READ_BYTES ? io.dataCapacity() : readSize(io);
        int atLeast = 0;
        if (hot != null) {
            int index = (int) (position / HotTier.CHUNK_BYTES);
            countChunksUpTo(index);
            if (HotTier.CHUNK_BYTES <= io.dataCapacity() && hot.admissible(record, index)) {
                // Start at the chunk and read at least all of it, whatever part of it is wanted, so the tier can
                // take a copy; a read at a chunk start (every whole-object GET) needs nothing extra.
                long chunkStart = (long) index * HotTier.CHUNK_BYTES;
                alignedOffset = record.offsetBytes() + chunkStart;
                skip = (int) (position - chunkStart);
                atLeast = (HotTier.chunkLength(record.length(), index) + Volume.BLOCK_SIZE - 1) & -Volume.BLOCK_SIZE;
                cap = Math.max(cap, atLeast);
            }
        }
        long span = Math.min(skip + wanted, cap);
        readLength = Math.max(atLeast, (int) Math.min((span + Volume.BLOCK_SIZE - 1) & -Volume.BLOCK_SIZE, cap));
        readSkip = skip;
        readChunkLength = (int) Math.min(wanted, readLength - skip);
        readObjectStart = alignedOffset - record.offsetBytes();
        if (hot != null) {
            countChunksUpTo((int) ((position + readChunkLength - 1) / HotTier.CHUNK_BYTES));
        }
        readPrefixLength = prefixLength;
        prefixLength = 0;
        reading = s;
        readStartNs = transport.nowNs();
        core.metrics().diskReadStarted(device, readLength);
        core.disk().read(core.reads().fd(device), io.segment(), IoBuffer.HEADROOM, readLength, alignedOffset, this, s);
    }

    /**
     * How much to read next: what the connection can send in about one round trip (its congestion window), so
     * storage follows the TCP window (Atlas §3) — from {@link #MIN_READ_BYTES} (a cold or slow connection) up to
     * the whole buffer (a window this device's largest reads cannot outrun; always the case on loopback). Not
     * asked at all when what is left fits one minimum read: a small object costs no TCP_INFO system call.
     */
    private int readSize(IoBuffer io) {
        long window = transport.congestionWindowBytes();
        if (window < 0) {
            return io.dataCapacity();
        }
        long size = Math.max(MIN_READ_BYTES, (window + Volume.BLOCK_SIZE - 1) & -Volume.BLOCK_SIZE);
        return (int) Math.min(size, io.dataCapacity());
    }

    @Override
    public void onDiskComplete(long tag, int bytes) {
        int s = (int) tag;
        reading = -1;
        core.metrics().diskReadEnded(device, transport.nowNs() - readStartNs);
        boolean shortOfWanted = bytes < readSkip + readChunkLength;
        core.reads().readEnded(device, bytes, shortOfWanted);
        leaveDevice();
        if (orphanedRead) {
            orphanedRead = false;
            releaseSlot(s); // the disk is done with it; nobody is left to send it
            return;
        }
        if (shortOfWanted) {
            // A read error or a short read inside an object's extent: 500 while the head is not out, else close.
            core.metrics().diskReadFailed(device);
            System.err.println("atlas: read of " + record.name() + " failed (" + bytes + ")");
            unreadable(500, "reading the object failed");
            return;
        }
        if (hot != null) {
            // Before the prefix is copied over the chunk's first bytes and before TLS seals them in place.
            offerCompleteChunks(slots[s], bytes);
        }
        int sendStart = IoBuffer.HEADROOM + readSkip - readPrefixLength;
        if (sendStart < IoBuffer.BODY_SEND_MIN) {
            // Heads are far below the 2 KiB left for them; never corrupt the stream if one is not.
            fail();
            return;
        }
        if (readPrefixLength > 0) {
            // The prefix was staged in the out buffer when this read was planned; nothing overwrote it since,
            // because the next part's header is only written by advance() below.
            slots[s].byteBuffer().put(sendStart, out, 0, readPrefixLength);
        }
        slotSendStart[s] = sendStart;
        slotSendLength[s] = readPrefixLength + readChunkLength;
        advance(readChunkLength);
        if (sending < 0) {
            startSend(s);
        } else {
            ready = s;
        }
        if (readsDone) {
            releaseIdleSlots(); // the other buffer, if it already went out, has nothing left to carry
        } else {
            readAhead();
        }
    }

    /**
     * Offers the tier every chunk this read holds whole and this response asked for (the tier decides whether to
     * take a copy): reads keep the size the congestion window gives them, so admission costs no extra I/O.
     */
    private void offerCompleteChunks(IoBuffer io, int bytes) {
        long end = Math.min(readObjectStart + Math.min(bytes, readLength), record.length());
        int first = (int) ((readObjectStart + HotTier.CHUNK_BYTES - 1) / HotTier.CHUNK_BYTES);
        for (int k = first; k <= lastCountedChunk; k++) {
            long chunkStart = (long) k * HotTier.CHUNK_BYTES;
            if (chunkStart + HotTier.chunkLength(record.length(), k) > end) {
                break;
            }
            hot.offer(record, k, io.segment(), IoBuffer.HEADROOM + (chunkStart - readObjectStart));
        }
    }

    /**
     * Gives back every window buffer that is neither being read into, sent from, nor waiting to be sent. Called
     * once the last read is done — when it completes (the earliest a spare buffer is known to be spare) and after
     * each later send: a buffer idle then would otherwise stay with this connection and be overwritten, i.e. lost
     * to the pool, by the next exchange.
     */
    private void releaseIdleSlots() {
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] != null && i != reading && i != sending && i != ready) {
                releaseSlot(i);
            }
        }
    }

    /** Moves the read cursor past {@code n} bytes, into the next part (writing its header) when one ends. */
    private void advance(int n) {
        position += n;
        if (position <= partLast) {
            return;
        }
        part++;
        if (part < partCount) {
            out.clear();
            startPart();
            prefixLength = out.position();
        } else {
            readsDone = true;
        }
    }

    /**
     * Issues the next read into a free slot while a send is in flight, so disk and network overlap; the window is
     * two buffers, so a connection that stops reading pins at most those two. The second buffer is taken only if
     * the pool has plenty free now: read-ahead is an optimisation, never a reason to wait or to starve others.
     */
    private void readAhead() {
        if (readsDone || reading >= 0) {
            return;
        }
        if (hot != null && hot.holds(record, (int) (position / HotTier.CHUNK_BYTES))) {
            return; // sent from the tier once the window has drained (sends leave in order)
        }
        int f = sending != 0 && ready != 0 ? 0 : sending != 1 && ready != 1 ? 1 : -1;
        if (f < 0) {
            return;
        }
        if (!holdsReadSlot) {
            if (core.reads().failed(device) || !core.reads().tryEnter(device)) {
                return; // read-ahead never waits for a device: the next readNext() does
            }
            holdsReadSlot = true;
        }
        if (slots[f] == null) {
            // Read-ahead only while a quarter of the core's buffers are still free: under pressure every
            // connection streams with one buffer, so twice as many make progress instead of half waiting.
            BufferPool pool = core.buffers();
            if (pool.available() < pool.capacity() / 4) {
                leaveDevice();
                return;
            }
            slots[f] = pool.acquire();
            slotSmall[f] = false;
            if (slots[f] == null) {
                leaveDevice();
                return;
            }
        }
        issueRead(f);
    }

    private void startSend(int s) {
        sending = s;
        sentAny = true;
        exchange.countSent(slotSendLength[s]);
        transport.deadline(transport.nowNs() + core.sendStallTimeoutNs());
        // sendBody, not send: a TLS transport seals the chunk in place, right where the disk read put it.
        transport.sendBody(slots[s], slotSendStart[s], slotSendLength[s]);
    }

    /** A send of this body completed. */
    public void onSent() {
        if (!active) {
            return; // the body already ended (failed); the connection is closing
        }
        if (delimiterSent) {
            finish();
            exchange.onBodySent();
            return;
        }
        if (sendingHot != null) {
            hot.unpin(sendingHot);
            sendingHot = null;
            advance(hotSendLength);
        } else {
            sending = -1;
            if (ready >= 0) {
                int r = ready;
                ready = -1;
                startSend(r);
            }
        }
        if (!readsDone) {
            if (reading < 0 && sending < 0 && ready < 0) {
                if (!sendHotIfHeld()) {
                    readNext();
                }
            } else {
                readAhead();
            }
            return;
        }
        // Nothing left to read: give the buffer back now (LIFO: the next reader gets it while it is cache-hot).
        releaseIdleSlots();
        if (reading >= 0 || sending >= 0) {
            return;
        }
        if (multipart) {
            delimiterSent = true;
            out.clear();
            int n = MultipartFraming.writeClose(out);
            exchange.countSent(n);
            transport.deadline(transport.nowNs() + core.sendStallTimeoutNs());
            transport.send(out, 0, n);
            return;
        }
        finish();
        exchange.onBodySent();
    }

    /**
     * The transport's deadline passed: while waiting for a buffer the core is out of memory for bodies (nothing was
     * sent, so the client can be told 503); otherwise the client accepted nothing for the send timeout.
     */
    public void onTimeout() {
        if (waitingForDevice) {
            core.reads().cancel(device, this);
            waitingForDevice = false;
            if (!sentAny) {
                end(false);
                exchange.onBodyRefused();
            } else {
                fail();
            }
            return;
        }
        if (waitingForBuffer && !sentAny) {
            core.buffers().cancel(this);
            waitingForBuffer = false;
            end(false);
            exchange.onBodyRefused();
            return;
        }
        if (waitingForBuffer) {
            core.buffers().cancel(this); // part of the body is out: only closing is honest
            waitingForBuffer = false;
        }
        fail();
    }

    /**
     * The connection is gone, and with it every socket operation: drop whatever this body still holds (a buffer
     * under a read goes back when the read completes).
     */
    public void abandon() {
        if (waitingForDevice) {
            core.reads().cancel(device, this);
            waitingForDevice = false;
        }
        if (waitingForBuffer) {
            core.buffers().cancel(this);
            waitingForBuffer = false;
        }
        end(true);
    }

    /** The body cannot go on: the connection closes, and {@link #abandon} takes back the buffer of a send in flight. */
    private void fail() {
        end(false);
        exchange.onBodyFailed();
    }

    private void finish() {
        end(true);
    }

    /**
     * Gives back every window buffer the disk is not filling — and the one the socket is sending from only when
     * {@code socketDone} (the send completed, or the connection's close took it back) — and the pin. The out buffer
     * is the exchange's again.
     */
    private void end(boolean socketDone) {
        active = false;
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] != null && i != reading && (socketDone || i != sending)) {
                releaseSlot(i);
            }
        }
        orphanedRead = reading >= 0;
        if (!orphanedRead) {
            leaveDevice(); // taken for a read that will not be issued now (a read in flight gives it back itself)
        }
        if (socketDone) {
            sending = -1;
            if (sendingHot != null) {
                hot.unpin(sendingHot);
                sendingHot = null;
            }
        }
        ready = -1;
        if (record != null) {
            record.unpin();
            record = null;
        }
        out = null;
    }
}
