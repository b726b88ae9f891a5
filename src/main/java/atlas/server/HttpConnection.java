package atlas.server;

import atlas.dataplane.BufferPool;
import atlas.dataplane.IoBuffer;
import atlas.dataplane.Transport;
import atlas.dataplane.TransportHandler;
import atlas.http.HttpDate;
import atlas.http.HttpStatus;
import atlas.http.Method;
import atlas.http.RangeSet;
import atlas.http.RequestHead;
import atlas.http.RequestHead.Field;
import atlas.http.RequestParser;
import atlas.http.ResponseHeadWriter;
import atlas.store.ObjectNames;
import atlas.store.ObjectRecord;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP/1.1 connection: parses requests (pipelined ones in order), answers them, and hands object bodies to
 * the {@link ObjectTransmitter} (GET) or the {@link ObjectUpload} (PUT/POST). Everything runs on its core's
 * thread, driven by {@link Transport} completions.
 *
 * <pre>
 *            +-----------+  head parsed   +------------------+
 *   open --> | READ_HEAD | -------------> | dispatch         |
 *            +-----------+                +------------------+
 *               ^   |  |                    |        |        \
 *               |   |  +-- bad head: 4xx,   | GET    | PUT     \ other
 *               |   |      close after      v        v          v
 *               |   |                 TRANSMIT    RECEIVE_BODY  SEND_SIMPLE
 *               |   |                 (read disk,  (recv, write   (head and a
 *               |   |                  send, ...)   disk, stage)   small body)
 *               |   |                      |          |               |
 *               |   |                      |     AWAIT_COMMIT         |
 *               |   |                      |    (group commit)        |
 *               |   |                      v          v               v
 *               +---+------------------ exchange finished: keep-alive ? next request : close
 * </pre>
 * Buffers: the receive buffer and the small out buffer are this connection's for its lifetime (recycled by the
 * core at close); an {@link IoBuffer} is borrowed from the core's pool only while a body moves and returned the
 * moment it is done.
 */
final class HttpConnection implements TransportHandler, BufferPool.Waiter {
    enum State { READ_HEAD, WAIT_BUFFER, SEND_SIMPLE, TRANSMIT, CONTINUE, RECEIVE_BODY, AWAIT_COMMIT, CLOSED }

    /** What a connection waiting for an I/O buffer wants it for. */
    private enum BufferUse { NONE, TRANSMIT, UPLOAD }

    final HttpCore core;
    final ResponseHeadWriter writer = new ResponseHeadWriter();
    final RequestHead head;
    private final RequestParser parser;
    final RangeSet ranges;
    private final ObjectTransmitter transmitter;
    private final ObjectUpload upload;
    private final byte[] dateScratch = new byte[HttpDate.LENGTH];
    private static final byte[] METRICS_PATH = "metrics".getBytes(StandardCharsets.US_ASCII);
    Transport transport;
    ByteBuffer recv;
    ByteBuffer out;
    /** Unconsumed received bytes are {@code recv[recvStart, recvEnd)}. */
    int recvStart;
    int recvEnd;
    State state = State.READ_HEAD;
    private BufferUse bufferUse = BufferUse.NONE;
    private boolean headBytesSeen;
    private boolean draining;

    // Facts about the current request, captured at dispatch because the head's slices die with the buffer.
    boolean keepAlive;
    boolean headValid;
    boolean hasOrigin;
    int versionMinor = 1;
    Method method;
    private int status;
    private boolean inExchange;
    /**
     * The request has a body we have not (completely) consumed: any answer other than the upload's own must close
     * the connection, or the rest of the body would be parsed as the next request (request smuggling).
     */
    boolean bodyUnread;
    private long exchangeStartNs;
    private long exchangeBytesSent;

    HttpConnection(HttpCore core) {
        this.core = core;
        this.head = new RequestHead(core.config.limits());
        this.parser = new RequestParser(core.config.limits());
        this.ranges = new RangeSet(ObjectTransmitter.MAX_RANGES);
        this.transmitter = new ObjectTransmitter(this);
        this.upload = new ObjectUpload(this);
    }

    @Override
    public void onOpen(Transport t) {
        this.transport = t;
        this.recv = core.takeReceiveBuffer();
        this.out = core.takeOutBuffer();
        startRequest();
    }

    // ---------------------------------------------------------------- request heads

    /** Begins the next request: drops consumed bytes and parses whatever is already buffered (pipelining). */
    void startRequest() {
        state = State.READ_HEAD;
        headValid = false;
        headBytesSeen = false;
        status = 0;
        if (draining || core.draining()) {
            close();
            return;
        }
        compactReceiveBuffer();
        shrinkReceiveBuffer();
        parser.reset();
        parseHead();
    }

    /**
     * A head outgrew the small receive buffer, or a chunked body is about to stream through it: its bytes move to a
     * large one at the same indices, so the parser's (or the chunk decoder's) positions stay valid. No receive is in
     * flight here. The next request goes back to a small one ({@link #shrinkReceiveBuffer}).
     */
    void growReceiveBuffer() {
        if (recv.capacity() >= core.largeReceiveBufferBytes) {
            return;
        }
        ByteBuffer large = core.takeLargeReceiveBuffer();
        large.put(0, recv, 0, recvEnd);
        core.giveBackReceiveBuffer(recv);
        recv = large;
    }

    /** Back to a small receive buffer once nothing (not even a pipelined request's start) needs the large one. */
    private void shrinkReceiveBuffer() {
        if (recv.capacity() != HttpCore.RECEIVE_BUFFER_BYTES && recvEnd - recvStart <= HttpCore.RECEIVE_BUFFER_BYTES) {
            ByteBuffer small = core.takeReceiveBuffer();
            small.put(0, recv, recvStart, recvEnd - recvStart);
            recvEnd -= recvStart;
            recvStart = 0;
            core.giveBackReceiveBuffer(recv);
            recv = small;
        }
    }

    void compactReceiveBuffer() {
        if (recvStart == recvEnd) {
            recvStart = recvEnd = 0;
        } else if (recvStart > 0) {
            recv.limit(recvEnd).position(recvStart);
            recv.compact();
            recvEnd -= recvStart;
            recvStart = 0;
        }
    }

    private void parseHead() {
        long now = transport.nowNs();
        if (recvEnd > recvStart && !headBytesSeen) {
            // The header timeout runs from the request's first byte, not from each read (slowloris).
            headBytesSeen = true;
            transport.deadline(now + core.config.headerTimeout().toNanos());
        }
        int r = parser.parse(recv, recvStart, recvEnd, head);
        if (r == RequestParser.NEED_MORE) {
            if (!headBytesSeen) {
                transport.deadline(now + core.config.idleTimeout().toNanos());
            }
            if (recvEnd == recv.capacity()) {
                if (recv.capacity() >= core.largeReceiveBufferBytes) {
                    respondError(431, "request head too large");
                    return;
                }
                growReceiveBuffer();
            }
            transport.receive(recv, recvEnd, recv.capacity() - recvEnd);
            return;
        }
        transport.deadline(0);
        core.counters.requests.increment();
        exchangeStartNs = now;
        exchangeBytesSent = 0;
        inExchange = true;
        if (r < 0) {
            respondError(-r, errorDetail(-r));
            return;
        }
        recvStart += r;
        dispatch();
    }

    private static String errorDetail(int status) {
        return switch (status) {
            case 413 -> "request body larger than the limit";
            case 414 -> "request line too long";
            case 431 -> "request header fields too large";
            case 501 -> "transfer coding or method not implemented";
            case 505 -> "HTTP version not supported";
            case 417 -> "expectation not supported";
            default -> "malformed request";
        };
    }

    private void dispatch() {
        headValid = true;
        method = head.method();
        versionMinor = head.versionMinor();
        hasOrigin = head.has(Field.ORIGIN);
        keepAlive = head.keepAlive() && !draining && !core.draining();
        core.observer.onRequest(this);
        boolean bodyFollows = head.hasBody();
        bodyUnread = bodyFollows;
        boolean takesBody = method == Method.PUT || method == Method.POST;
        if (bodyFollows && !takesBody) {
            // We do not read bodies we have no use for; closing after the answer keeps the stream in sync.
            keepAlive = false;
        }
        if (method == Method.OTHER) {
            respondError(501, "method not implemented");
            return;
        }
        if (head.isAsteriskTarget()) {
            respondOptions("OPTIONS");
            return;
        }
        byte[] path = head.pathBytes();
        int pathLength = head.pathLength();
        if (startsWith(path, pathLength, AdminEndpoints.PREFIX)) {
            AdminEndpoints.handle(this);
            return;
        }
        if (pathLength == METRICS_PATH.length && startsWith(path, pathLength, METRICS_PATH)) {
            AdminEndpoints.metrics(this);
            return;
        }
        if (head.pathIsDirectory()) {
            String prefixProblem = pathLength > 1 ? ObjectNames.problem(path, pathLength - 1) : null;
            if (prefixProblem != null || pathLength == 1) {
                respondError(400, "invalid prefix: " + (prefixProblem != null ? prefixProblem : "empty segment"));
                return;
            }
            switch (method) {
                case GET, HEAD -> sendBody(200, "text/html; charset=utf-8", "no-cache",
                        Listing.html(core.volume, new String(path, 0, pathLength, StandardCharsets.UTF_8)));
                case OPTIONS -> respondOptions("GET, HEAD, OPTIONS");
                default -> respondMethodNotAllowed("GET, HEAD, OPTIONS");
            }
            return;
        }
        String problem = ObjectNames.problem(path, pathLength);
        if (problem != null) {
            respondError(400, "invalid object name: " + problem);
            return;
        }
        switch (method) {
            case GET, HEAD -> transmitter.begin();
            case PUT, POST -> upload.begin();
            case DELETE -> upload.beginDelete();
            case OPTIONS -> respondOptions("GET, HEAD, PUT, POST, DELETE, OPTIONS");
            default -> respondError(501, "method not implemented");
        }
    }

    private static boolean startsWith(byte[] path, int length, byte[] prefix) {
        if (length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (path[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** The current record for the request path, or null; not pinned: read its metadata, never its extent. */
    ObjectRecord lookup() {
        return core.volume.lookup(core.probe.wrap(head.pathBytes(), head.pathLength()));
    }

    /** The current record for the request path, pinned for reading, or null. Retries if a writer retired it. */
    ObjectRecord lookupPinned() {
        while (true) {
            ObjectRecord r = lookup();
            if (r == null || r.pin()) {
                return r;
            }
        }
    }

    // ---------------------------------------------------------------- response heads

    /** Starts a response head in the out buffer with the fields every response carries. */
    ResponseHeadWriter beginHead(int status) {
        this.status = status;
        out.clear();
        writer.begin(out, status)
                .field("Server", "atlas")
                .field("Date", core.date(System.currentTimeMillis() / 1000));
        if (headValid && hasOrigin) {
            // Browser players (hls.js, dash.js) read segments cross-origin and need these to see lengths and ranges.
            writer.field("Access-Control-Allow-Origin", "*")
                    .field("Access-Control-Expose-Headers", "Content-Length, Content-Range, ETag, Last-Modified, Accept-Ranges");
        }
        if (!keepAlive) {
            writer.field("Connection", "close");
        } else if (versionMinor == 0) {
            writer.field("Connection", "keep-alive");
        }
        return writer;
    }

    /** Ends the head and sends the out buffer; the exchange finishes when the send completes. */
    void sendOut() {
        state = State.SEND_SIMPLE;
        int length = out.position();
        countSent(length);
        transport.deadline(transport.nowNs() + core.config.sendStallTimeout().toNanos());
        transport.send(out, 0, length);
    }

    /** A complete response with a small body (errors, listings); HEAD gets the head only. */
    void sendBody(int status, String contentType, String cacheControl, byte[] body) {
        ResponseHeadWriter w = beginHead(status).field("Content-Type", contentType).field("Content-Length", body.length);
        if (cacheControl != null) {
            w.field("Cache-Control", cacheControl);
        }
        w.end();
        if (method == Method.HEAD && headValid) {
            sendOut();
            return;
        }
        if (out.remaining() < body.length) {
            // Larger than the out buffer (a big listing): control path, a one-off buffer is fine.
            ByteBuffer big = ByteBuffer.allocateDirect(out.position() + body.length);
            big.put(out.flip()).put(body);
            out = big;
        } else {
            out.put(body);
        }
        sendOut();
    }

    /** Bodies of the errors a busy server sends all the time (live players polling for the next segment). */
    static final byte[] NO_SUCH_OBJECT = errorBody(404, "no such object");
    static final byte[] PRECONDITION_FAILED = errorBody(412, "precondition failed");

    static byte[] errorBody(int status, String detail) {
        return (status + " " + HttpStatus.reason(status) + ": " + detail + "\n").getBytes(StandardCharsets.UTF_8);
    }

    void respondError(int status, String detail) {
        respondError(status, errorBody(status, detail));
    }

    /** An error response with a prepared one-line body. */
    void respondError(int status, byte[] body) {
        if (status >= 500) {
            core.counters.serverErrors.increment();
        } else {
            core.counters.clientErrors.increment();
        }
        if (status == 400 || status == 408 || status == 413 || status == 414 || status == 431 || status == 501
                || status == 505 || status == 417 || !headValid || bodyUnread) {
            // After these the byte stream may be out of step with request boundaries: answer, then close.
            keepAlive = false;
        }
        sendBody(status, "text/plain; charset=utf-8", "no-store", body);
    }

    void respondMethodNotAllowed(String allow) {
        core.counters.clientErrors.increment();
        byte[] body = ("405 Method Not Allowed: use " + allow + "\n").getBytes(StandardCharsets.US_ASCII);
        beginHead(405).field("Allow", allow).field("Content-Type", "text/plain; charset=utf-8")
                .field("Content-Length", body.length).end();
        if (method != Method.HEAD) {
            out.put(body);
        }
        sendOut();
    }

    private void respondOptions(String allow) {
        ResponseHeadWriter w = beginHead(204).field("Allow", allow);
        if (hasOrigin && head.has(Field.ACCESS_CONTROL_REQUEST_METHOD)) {
            // CORS preflight: browsers may read, never write, from any origin (ingest is not for web pages).
            w.field("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
                    .field("Access-Control-Allow-Headers", "Range, If-None-Match, If-Modified-Since, If-Range")
                    .field("Access-Control-Max-Age", 86400);
        }
        w.end();
        sendOut();
    }

    /** Writes the Last-Modified field of {@code record}. */
    void lastModified(ObjectRecord record) {
        HttpDate.format(record.mtimeMillis() / 1000, dateScratch, 0);
        writer.field("Last-Modified", dateScratch);
    }

    // ---------------------------------------------------------------- exchange end

    /** The response is fully sent: next request or close. */
    void finishExchange() {
        transport.deadline(0);
        endExchange(true);
        if (!keepAlive) {
            close();
            return;
        }
        if (out.capacity() != HttpCore.OUT_BUFFER_BYTES) {
            out = core.takeOutBuffer(); // drop a one-off big buffer
        }
        startRequest();
    }

    /** Bytes of the current response handed to the socket (head included). */
    void countSent(long bytes) {
        exchangeBytesSent += bytes;
        core.counters.bytesSent.add(bytes);
    }

    private void endExchange(boolean completed) {
        if (inExchange) {
            inExchange = false;
            core.observer.onExchangeEnd(this, completed);
        }
    }

    long exchangeBytesSent() {
        return exchangeBytesSent;
    }

    /** When the request head was complete (the loop's clock). */
    long exchangeStartNs() {
        return exchangeStartNs;
    }

    void close() {
        if (state != State.CLOSED) {
            transport.close();
        }
    }

    // ---------------------------------------------------------------- I/O buffers

    /** Asks the pool for an I/O buffer; returns null and queues when none is free (then {@link #onBuffer}). */
    IoBuffer acquireIoBuffer(boolean forUpload) {
        IoBuffer b = core.ioBuffers.acquire();
        if (b == null) {
            bufferUse = forUpload ? BufferUse.UPLOAD : BufferUse.TRANSMIT;
            state = State.WAIT_BUFFER;
            core.ioBuffers.await(this);
            // Waiting for memory is bounded too: a core that stays full sheds load with 503.
            transport.deadline(transport.nowNs() + core.config.sendStallTimeout().toNanos());
        }
        return b;
    }

    void releaseIoBuffer(IoBuffer b) {
        if (b != null) {
            core.ioBuffers.release(b);
        }
    }

    @Override
    public void onBuffer(IoBuffer buffer) {
        BufferUse use = bufferUse;
        bufferUse = BufferUse.NONE;
        transport.deadline(0);
        if (use == BufferUse.UPLOAD) {
            upload.onBuffer(buffer);
        } else {
            transmitter.onBuffer(buffer);
        }
    }

    // ---------------------------------------------------------------- completions

    @Override
    public void onReceived(int bytes) {
        if (bytes > 0) {
            core.counters.bytesReceived.add(bytes);
        }
        switch (state) {
            case READ_HEAD -> {
                if (bytes <= 0) {
                    close(); // peer went away between requests: normal end of a keep-alive connection
                    return;
                }
                recvEnd += bytes;
                parseHead();
            }
            case RECEIVE_BODY -> upload.onReceived(bytes);
            default -> close();
        }
    }

    @Override
    public void onSent(int bytes) {
        if (bytes < 0) {
            close();
            return;
        }
        switch (state) {
            case SEND_SIMPLE -> finishExchange();
            case TRANSMIT -> transmitter.onSent();
            case CONTINUE -> upload.onContinueSent();
            default -> close();
        }
    }

    @Override
    public void onDiskRead(int bytes) {
        transmitter.onDiskRead(bytes);
    }

    @Override
    public void onDiskWritten(int bytes) {
        upload.onDiskWritten(bytes);
    }

    void onCommitted(boolean durable) {
        upload.onCommitted(durable);
    }

    @Override
    public void onTimeout() {
        core.counters.timeouts.increment();
        switch (state) {
            case READ_HEAD -> {
                if (headBytesSeen) {
                    respondError(408, "request head not received in time");
                } else {
                    close(); // idle keep-alive connection
                }
            }
            case RECEIVE_BODY -> {
                // A receive into the upload's buffer may still be in the kernel: answer and close, and let
                // onClosed release the buffer and the extent once the engine has taken the receive back.
                respondError(408, "request body stalled");
            }
            case WAIT_BUFFER -> {
                core.ioBuffers.cancel(this);
                bufferUse = BufferUse.NONE;
                transmitter.abandon();
                upload.abandon();
                keepAlive = false;
                respondError(503, "server busy, try again");
            }
            default -> close(); // a receiver that stopped reading: give its buffers to someone else
        }
    }

    @Override
    public void onDrain() {
        draining = true;
        keepAlive = false;
        if (state == State.READ_HEAD) {
            close();
        }
    }

    @Override
    public void onClosed() {
        State was = state;
        endExchange(false);
        state = State.CLOSED;
        if (was == State.WAIT_BUFFER) {
            core.ioBuffers.cancel(this);
        }
        transmitter.abandon();
        upload.abandon();
        core.giveBack(recv, out.capacity() == HttpCore.OUT_BUFFER_BYTES ? out : null);
        recv = null;
        out = null;
    }

    int status() {
        return status;
    }
}
