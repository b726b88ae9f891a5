package atlas.server;

import atlas.dataplane.IoBuffer;
import atlas.http.MediaTypes;
import atlas.http.Method;
import atlas.http.RangeSet;
import atlas.http.RequestHead;
import atlas.http.RequestHead.Field;
import atlas.http.ResponseHeadWriter;
import atlas.store.ObjectRecord;
import atlas.store.Volume;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Answers GET and HEAD for one object: validators, ranges, then the body straight from flash — each chunk is an
 * O_DIRECT read into an aligned I/O buffer and sent from that same buffer (no copy). Disk and network overlap
 * through a window of two buffers: while one is being sent the next is read; a third read waits until a send
 * completes and frees a buffer, so storage is clocked by the socket draining (Atlas §3), and a client that
 * stops reading pins two buffers at most.
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
 */
final class ObjectTransmitter {
    /** More ranges than this in one request are ignored (whole object sent): RFC 9110 §14.2 allows it. */
    static final int MAX_RANGES = 16;
    /**
     * Smallest read while an object has more to send: this device's fast reads start at 64 KiB (DESIGN.md §2), and
     * it is above 10 MSS of a 1500-byte path, so even a fresh connection's first flight is read at once.
     */
    static final int MIN_READ_BYTES = 64 * 1024;
    private static final String SEGMENT_CACHE_CONTROL = "public, max-age=86400";
    private static final String MANIFEST_CACHE_CONTROL = "public, max-age=1";
    private static final String HLS_PLAYLIST = MediaTypes.forName("x.m3u8");
    private static final String DASH_MANIFEST = MediaTypes.forName("x.mpd");
    private static final byte[] BOUNDARY = ("atlas" + Long.toHexString(ThreadLocalRandom.current().nextLong()))
            .getBytes(StandardCharsets.US_ASCII);

    private final HttpConnection c;
    private ObjectRecord record;
    /** The window: two I/O buffers; at most one being read, one being sent, one read and waiting to be sent. */
    private final IoBuffer[] slots = new IoBuffer[2];
    private final int[] slotSendStart = new int[2];
    private final int[] slotSendLength = new int[2];
    private int reading = -1;
    private int sending = -1;
    private int ready = -1;
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
    private String contentType;

    ObjectTransmitter(HttpConnection connection) {
        this.c = connection;
    }

    void begin() {
        record = c.lookupPinned();
        if (record == null) {
            c.respondError(404, HttpConnection.NO_SUCH_OBJECT);
            return;
        }
        RequestHead h = c.head;
        int precondition = Preconditions.evaluateRead(h, record);
        if (precondition == 412) {
            release();
            c.respondError(412, HttpConnection.PRECONDITION_FAILED);
            return;
        }
        if (precondition == 304) {
            ResponseHeadWriter w = c.beginHead(304).field("ETag", record.etagBytes());
            c.lastModified(record);
            w.field("Cache-Control", cacheControl(record)).end();
            release();
            c.sendOut();
            return;
        }
        long length = record.length();
        int rangeResult = RangeSet.IGNORE;
        if (c.method == Method.GET && h.has(Field.RANGE) && Preconditions.ifRangeAllows(h, record)) {
            rangeResult = c.ranges.parse(h.buffer(), h.valueOffset(Field.RANGE), h.valueLength(Field.RANGE), length);
        }
        contentType = record.contentType();
        if (rangeResult == RangeSet.UNSATISFIABLE) {
            c.core.counters.clientErrors.increment();
            c.beginHead(416).unsatisfiedContentRange(length)
                    .field("Content-Type", "text/plain; charset=utf-8").field("Content-Length", RANGE_NOT_SATISFIABLE.length)
                    .end();
            c.out.put(RANGE_NOT_SATISFIABLE);
            release();
            c.sendOut();
            return;
        }
        multipart = rangeResult == RangeSet.SATISFIABLE && c.ranges.count() > 1;
        ResponseHeadWriter w;
        long bodyLength;
        if (rangeResult == RangeSet.SATISFIABLE && !multipart) {
            w = c.beginHead(206).field("Content-Type", contentType)
                    .contentRange(c.ranges.first(0), c.ranges.last(0), length);
            bodyLength = c.ranges.last(0) - c.ranges.first(0) + 1;
            partCount = 1;
        } else if (multipart) {
            w = c.beginHead(206).field("Content-Type", MULTIPART_TYPE);
            bodyLength = multipartLength(length);
            partCount = c.ranges.count();
        } else {
            w = c.beginHead(200).field("Content-Type", contentType);
            bodyLength = length;
            partCount = 1;
        }
        w.field("Content-Length", bodyLength).field("Accept-Ranges", "bytes").field("ETag", record.etagBytes());
        c.lastModified(record);
        w.field("Cache-Control", cacheControl(record)).end();
        if (c.method == Method.HEAD || bodyLength == 0) {
            release();
            c.sendOut();
            return;
        }
        part = 0;
        startPart(rangeResult == RangeSet.SATISFIABLE);
        prefixLength = c.out.position();
        readsDone = false;
        delimiterSent = false;
        IoBuffer first = c.acquireIoBuffer(false);
        if (first != null) {
            onBuffer(first);
        }
    }

    void onBuffer(IoBuffer buffer) {
        assert slots[0] == null && slots[1] == null : "window buffers kept from the previous exchange";
        slots[0] = buffer;
        c.state = HttpConnection.State.TRANSMIT;
        issueRead(0);
    }

    private void startPart(boolean ranged) {
        if (ranged) {
            position = c.ranges.first(part);
            partLast = c.ranges.last(part);
        } else {
            position = 0;
            partLast = record.length() - 1;
        }
        if (multipart) {
            writePartHeader(c.out, part);
        }
    }

    // ---------------------------------------------------------------- the two-slot window

    /** Reads the next chunk into slot {@code s}: from the block holding the next wanted byte, up to a buffer. */
    private void issueRead(int s) {
        IoBuffer io = slots[s];
        long fileOffset = record.offsetBytes() + position;
        long alignedOffset = fileOffset & -Volume.BLOCK_SIZE;
        int skip = (int) (fileOffset - alignedOffset);
        long wanted = partLast + 1 - position;
        int cap = readSize(io);
        long span = Math.min(skip + wanted, cap);
        int readLength = (int) Math.min((span + Volume.BLOCK_SIZE - 1) & -Volume.BLOCK_SIZE, cap);
        readSkip = skip;
        readChunkLength = (int) Math.min(wanted, readLength - skip);
        readPrefixLength = prefixLength;
        prefixLength = 0;
        reading = s;
        readStartNs = System.nanoTime();
        c.core.metrics.diskReadStarted(readLength);
        c.transport.readDisk(io, IoBuffer.HEADROOM, readLength, alignedOffset);
    }

    /**
     * How much to read next: what the connection can send in about one round trip (its congestion window), so
     * storage follows the TCP window (Atlas §3) — from {@link #MIN_READ_BYTES} (a cold or slow connection) up to
     * the whole buffer (a window this device's largest reads cannot outrun; always the case on loopback).
     */
    private int readSize(IoBuffer io) {
        long window = c.transport.congestionWindowBytes();
        if (window < 0) {
            return io.dataCapacity();
        }
        long size = Math.max(MIN_READ_BYTES, (window + Volume.BLOCK_SIZE - 1) & -Volume.BLOCK_SIZE);
        return (int) Math.min(size, io.dataCapacity());
    }

    void onDiskRead(int bytes) {
        int s = reading;
        reading = -1;
        c.core.metrics.diskReadEnded(System.nanoTime() - readStartNs);
        if (bytes < readSkip + readChunkLength) {
            // A read error or a short read inside an object's extent: the head is out, so only closing is honest.
            c.core.counters.diskErrors.increment();
            System.err.println("atlas: read of " + record.name() + " failed (" + bytes + ")");
            c.close();
            return;
        }
        int sendStart = IoBuffer.HEADROOM + readSkip - readPrefixLength;
        if (sendStart < IoBuffer.BODY_SEND_MIN) {
            // Heads are far below the 2 KiB left for them; never corrupt the stream if one is not.
            c.close();
            return;
        }
        if (readPrefixLength > 0) {
            // The prefix was staged in the out buffer when this read was planned; nothing overwrote it since,
            // because the next part's header is only written by advance() below.
            slots[s].byteBuffer().put(sendStart, c.out, 0, readPrefixLength);
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
     * Gives back every window buffer that is neither being read into, sent from, nor waiting to be sent. Called
     * once the last read is done — when it completes (the earliest a spare buffer is known to be spare) and after
     * each later send: a buffer idle then would otherwise stay with this connection and be overwritten, i.e. lost
     * to the pool, by the next exchange.
     */
    private void releaseIdleSlots() {
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] != null && i != reading && i != sending && i != ready) {
                c.releaseIoBuffer(slots[i]);
                slots[i] = null;
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
            c.out.clear();
            startPart(true);
            prefixLength = c.out.position();
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
        int f = sending != 0 && ready != 0 ? 0 : sending != 1 && ready != 1 ? 1 : -1;
        if (f < 0) {
            return;
        }
        if (slots[f] == null) {
            // Read-ahead only while a quarter of the core's buffers are still free: under pressure every
            // connection streams with one buffer, so twice as many make progress instead of half waiting.
            if (c.core.ioBuffers.available() < c.core.ioBuffers.capacity() / 4) {
                return;
            }
            slots[f] = c.core.ioBuffers.acquire();
            if (slots[f] == null) {
                return;
            }
        }
        issueRead(f);
    }

    private void startSend(int s) {
        sending = s;
        c.countSent(slotSendLength[s]);
        c.transport.deadline(c.transport.nowNs() + c.core.config.sendStallTimeout().toNanos());
        // sendBody, not send: a TLS transport seals the chunk in place, right where the disk read put it.
        c.transport.sendBody(slots[s], slotSendStart[s], slotSendLength[s]);
    }

    void onSent() {
        if (delimiterSent) {
            release();
            c.finishExchange();
            return;
        }
        int s = sending;
        sending = -1;
        if (ready >= 0) {
            int r = ready;
            ready = -1;
            startSend(r);
        }
        if (!readsDone) {
            readAhead();
            return;
        }
        // Nothing left to read: give the buffer back now (LIFO: the next reader gets it while it is cache-hot).
        releaseIdleSlots();
        if (reading >= 0 || sending >= 0) {
            return;
        }
        if (multipart) {
            delimiterSent = true;
            c.out.clear();
            c.out.put(CRLF).put(DASHES).put(BOUNDARY).put(DASHES).put(CRLF);
            int n = c.out.position();
            c.countSent(n);
            c.transport.deadline(c.transport.nowNs() + c.core.config.sendStallTimeout().toNanos());
            c.transport.send(c.out, 0, n);
            return;
        }
        release();
        c.finishExchange();
    }

    /** Drops whatever this exchange holds (connection closing or timing out). */
    void abandon() {
        if (reading >= 0) {
            c.core.metrics.diskReadEnded(-1); // its completion will not be delivered: the connection is gone
        }
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] != null) {
                c.releaseIoBuffer(slots[i]);
                slots[i] = null;
            }
        }
        reading = sending = ready = -1;
        release();
    }

    private void release() {
        if (record != null) {
            record.unpin();
            record = null;
        }
    }

    // ---------------------------------------------------------------- multipart/byteranges (RFC 9110 §14.6)

    private static final byte[] CRLF = {'\r', '\n'};
    private static final String MULTIPART_TYPE = "multipart/byteranges; boundary="
            + new String(BOUNDARY, StandardCharsets.US_ASCII);
    private static final byte[] RANGE_NOT_SATISFIABLE = "416 Range Not Satisfiable\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DASHES = {'-', '-'};


    /**
     * Part {@code i}'s delimiter and header: "\r\n" (not before the first), "--boundary\r\n", Content-Type,
     * Content-Range, empty line. The closing delimiter is "\r\n--boundary--\r\n".
     */
    private void writePartHeader(ByteBuffer dst, int i) {
        if (i > 0) {
            dst.put(CRLF);
        }
        dst.put(DASHES).put(BOUNDARY).put(CRLF);
        putAscii(dst, "Content-Type: ");
        putAscii(dst, contentType);
        dst.put(CRLF);
        putAscii(dst, "Content-Range: bytes ");
        putAscii(dst, Long.toString(c.ranges.first(i)));
        dst.put((byte) '-');
        putAscii(dst, Long.toString(c.ranges.last(i)));
        dst.put((byte) '/');
        putAscii(dst, Long.toString(record.length()));
        dst.put(CRLF).put(CRLF);
    }

    private long multipartLength(long representationLength) {
        ByteBuffer scratch = ByteBuffer.allocate(512);
        long total = 0;
        for (int i = 0; i < c.ranges.count(); i++) {
            scratch.clear();
            writePartHeader(scratch, i);
            total += scratch.position() + c.ranges.last(i) - c.ranges.first(i) + 1;
        }
        return total + CRLF.length + 2L * DASHES.length + BOUNDARY.length + CRLF.length;
    }

    private static void putAscii(ByteBuffer dst, String s) {
        for (int i = 0; i < s.length(); i++) {
            dst.put((byte) s.charAt(i));
        }
    }

    /** Manifests change while a stream is live; segments never do once written. Decided by the stored type. */
    private static String cacheControl(ObjectRecord record) {
        String type = record.contentType();
        return type.equals(HLS_PLAYLIST) || type.equals(DASH_MANIFEST)
                ? MANIFEST_CACHE_CONTROL : SEGMENT_CACHE_CONTROL;
    }
}
