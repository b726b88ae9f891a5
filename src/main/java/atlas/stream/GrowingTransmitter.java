package atlas.stream;

import atlas.dataplane.Transport;
import atlas.hot.GrowingObject;
import atlas.hot.HotTier;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * The one owner of a GET response's body read while its upload still arrives (read while ingest): bytes go out
 * from the hot-tier memory the upload's body is received into ({@link GrowingObject}), as soon as they are there,
 * and when nothing new is there the response waits — no buffer, no receive, only an entry in the object's list of
 * this core's readers — until the uploading core says more came. Every reader of the object, on every core, sends
 * from the same memory; a reader that joins late sends what is there at once, then the rest as it comes.
 * <pre>
 *   start (head in the out buffer) --> bytes beyond the cursor? -- yes --> sendShared(framing, bytes) --+
 *                                          |  no                                                       |
 *                                          +-- ended? COMPLETE: last chunk, onBodySent                 |
 *                                          |          FAILED: close without it (onBodyFailed)          |
 *                                          +-- the head not out yet: send it alone (answers at once)   |
 *                                          +-- wait (GrowingObject.await) --> onGrown --> again <------+
 * </pre>
 * With the final length unknown (a chunked upload) the body is framed as chunked transfer coding here, one HTTP
 * chunk per send of object bytes, its closing CRLF in front of the next chunk's size when more is there at once, or
 * sent alone before the response waits (clients hand a chunk on only once it is closed); a response cut short by the upload failing ends without the last chunk (or short of its
 * Content-Length) and its connection closes, so no client takes a torn object for a whole one.
 * <p>
 * Ownership: the object's pin and the connection's out buffer are this transmitter's from {@link #start} to the
 * ending it reports ({@link BodyExchange}); the memory is sent from, never written. Thread: the connection's core.
 */
public final class GrowingTransmitter implements GrowingObject.Reader {
    private static final byte[] LAST_CHUNK = {'0', '\r', '\n', '\r', '\n'};

    private final BodyExchange exchange;
    private final int core;
    private final long sendStallTimeoutNs;
    private final long arrivalWaitNs;
    private final ReadWhileIngestMetrics metrics;
    private Transport transport;
    private ByteBuffer out;
    private GrowingObject object;
    private long position;
    /** Object offset the body ends at (exclusive), or -1: wherever the upload ends. */
    private long end;
    private boolean chunked;
    /** Bytes at the start of the out buffer to go in front of the next bytes: the head, chunk framing. */
    private int prefixLength;
    private int sendingBytes;
    private boolean sendInFlight;
    private boolean lastSend;
    /** Chunked: data went out whose closing CRLF has not yet (it goes with the next framing, or alone). */
    private boolean chunkOpen;
    private boolean waiting;
    private boolean active;

    /**
     * {@code arrivalWaitNs}: the longest a response waits for the upload's next bytes — a backstop; an upload that
     * stalls that long fails on its own body timeout first, which ends its readers.
     */
    public GrowingTransmitter(BodyExchange exchange, int core, long sendStallTimeoutNs, long arrivalWaitNs,
                              ReadWhileIngestMetrics metrics) {
        this.exchange = exchange;
        this.core = core;
        this.sendStallTimeoutNs = sendStallTimeoutNs;
        this.arrivalWaitNs = arrivalWaitNs;
        this.metrics = metrics;
    }

    public boolean isActive() {
        return active;
    }

    /**
     * Takes over a response whose head is in {@code out[0, headLength)}: sends it and the bytes of {@code object}
     * from {@code from} to {@code to} (exclusive; -1: to the upload's end), framed as chunked when {@code chunked}.
     * {@code object} must be pinned by this core; the pin is this transmitter's from here.
     */
    public void start(Transport transport, ByteBuffer out, int headLength, GrowingObject object, long from, long to,
                      boolean chunked) {
        if (active) {
            throw new IllegalStateException("a response body is already being transmitted");
        }
        this.transport = transport;
        this.out = out;
        this.object = object;
        this.position = from;
        this.end = to;
        this.chunked = chunked;
        this.prefixLength = headLength;
        sendInFlight = false;
        lastSend = false;
        chunkOpen = false;
        waiting = false;
        active = true;
        metrics.growingReadStarted();
        pump();
    }

    /** Nothing in flight: send what is new, end, or wait for more. */
    private void pump() {
        int state = object.state(); // before the count: an ending read here covers every byte counted after it
        long visible = object.visibleBytes();
        long limit = end >= 0 ? Math.min(end, visible) : visible;
        if (position < limit) {
            sendBytes(limit);
            return;
        }
        if (end >= 0 ? position == end : state == GrowingObject.COMPLETE) {
            sendEnd();
            return;
        }
        if (state != GrowingObject.GROWING) {
            fail(); // the upload failed, or committed shorter than it declared
            return;
        }
        if (chunkOpen) {
            closeChunk(); // a client's parser delivers a chunk once its CRLF is in: it must not wait for our next
        }
        if (prefixLength > 0) {
            sendPrefix(false); // the head (or a chunk's end) goes out now, not with the next bytes
            return;
        }
        waiting = true;
        transport.deadline(transport.nowNs() + arrivalWaitNs);
        if (!object.await(core, this, visible)) {
            waiting = false;
            pump(); // it grew (or ended) meanwhile: at most once more, since it is no longer what we saw
        }
    }

    /** The bytes from the cursor up to {@code limit}, or to the end of the span the cursor is in. */
    private void sendBytes(long limit) {
        int span = (int) (position / HotTier.CHUNK_BYTES);
        int within = (int) (position - (long) span * HotTier.CHUNK_BYTES);
        MemorySegment bytes = object.span(span);
        int n = (int) Math.min(limit - position, bytes.byteSize() - within);
        if (chunked) {
            if (chunkOpen) {
                closeChunk();
            }
            putHex(n);
            crlf();
            chunkOpen = true;
        }
        sendingBytes = n;
        sendInFlight = true;
        int prefix = prefixLength;
        prefixLength = 0;
        exchange.countSent(prefix + n);
        transport.deadline(transport.nowNs() + sendStallTimeoutNs);
        int fd = object.fileFd();
        transport.sendShared(out, prefix, bytes, within, n, fd, fd < 0 ? 0 : object.spanFileOffset(span) + within);
    }

    /** Everything is out: the last chunk (chunked), or the head alone (an empty body), or nothing left to send. */
    private void sendEnd() {
        if (chunked) {
            if (chunkOpen) {
                closeChunk();
            }
            out.put(prefixLength, LAST_CHUNK);
            prefixLength += LAST_CHUNK.length;
        }
        if (prefixLength > 0) {
            sendPrefix(true);
            return;
        }
        finish();
    }

    private void sendPrefix(boolean last) {
        int n = prefixLength;
        prefixLength = 0;
        sendingBytes = 0;
        sendInFlight = true;
        lastSend = last;
        exchange.countSent(n);
        transport.deadline(transport.nowNs() + sendStallTimeoutNs);
        transport.send(out, 0, n);
    }

    /** A send of this body completed. */
    public void onSent() {
        if (!active) {
            return;
        }
        sendInFlight = false;
        position += sendingBytes;
        sendingBytes = 0;
        if (lastSend) {
            finish();
            return;
        }
        pump();
    }

    /** On this core: the object grew or ended. */
    @Override
    public void onGrown() {
        if (!active || !waiting) {
            return; // told after it stopped waiting (a wake already queued when it closed)
        }
        waiting = false;
        transport.deadline(0);
        pump();
    }

    /** The deadline passed: the client accepted nothing for the send timeout, or the upload stopped arriving. */
    public void onTimeout() {
        fail();
    }

    /** The connection is gone: drop the wait and the pin. */
    public void abandon() {
        if (active) {
            end();
        }
    }

    private void fail() {
        metrics.growingReadFailed();
        end();
        exchange.onBodyFailed();
    }

    private void finish() {
        end();
        exchange.onBodySent();
    }

    private void end() {
        if (waiting) {
            object.cancel(core, this);
            waiting = false;
        }
        active = false;
        object.unpin(core);
        object = null;
        out = null;
    }

    private void closeChunk() {
        crlf();
        chunkOpen = false;
    }

    private void crlf() {
        out.put(prefixLength++, (byte) '\r');
        out.put(prefixLength++, (byte) '\n');
    }

    private void putHex(int n) {
        int digits = Math.max(1, (Integer.SIZE - Integer.numberOfLeadingZeros(n) + 3) / 4);
        for (int d = digits - 1; d >= 0; d--) {
            int nibble = (n >>> (d * 4)) & 0xF;
            out.put(prefixLength++, (byte) (nibble < 10 ? '0' + nibble : 'a' + nibble - 10));
        }
    }
}
