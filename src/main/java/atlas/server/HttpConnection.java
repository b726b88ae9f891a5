package atlas.server;

import atlas.access.ClientTable;
import atlas.dataplane.Transport;
import atlas.hot.GrowingObject;
import atlas.dataplane.TransportHandler;
import atlas.http.HttpDate;
import atlas.http.HttpStatus;
import atlas.http.Method;
import atlas.http.RangeSet;
import atlas.http.ReceiveBuffer;
import atlas.http.RequestHead;
import atlas.http.RequestHead.Field;
import atlas.http.RequestParser;
import atlas.http.ResponseHeadWriter;
import atlas.ingest.ObjectUpload;
import atlas.ingest.UploadExchange;
import atlas.store.ObjectKey;
import atlas.store.ObjectRecord;
import atlas.stream.BodyExchange;
import atlas.stream.GrowingTransmitter;
import atlas.stream.ObjectTransmitter;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP/1.1 connection: parses requests (pipelined ones in order), answers them, and hands object bodies to
 * the {@link ObjectTransmitter} (GET, in {@code stream/}) or the {@link ObjectUpload} (PUT/POST/DELETE, in
 * {@code ingest/}). Where a request goes is the {@link RequestRouter}'s call; who may write, the {@link WriteGate}'s
 * (AUTHORIZE while a credential is checked, DISCARD while a refused body is read past); a held live playlist
 * request, the {@link PlaylistHold}'s; an edge's miss waiting for its fill, the {@link FillHold}'s; the body of a
 * large object an edge keeps in slices, the {@link SlicedBody}'s (one TRANSMIT per slice, HOLD while one fills).
 * Answers with heads of their own (401, 405, 415, 416, 429, OPTIONS) are {@link StatusAnswers}'. Everything
 * runs on its core's thread, driven by {@link Transport}
 * completions; every state change goes through a method of this class.
 *
 * <pre>
 *            +-----------+  head parsed   +----------+
 *   open --> | READ_HEAD | -------------> | route    |
 *            +-----------+                +----------+
 *              ^   |  bad head: 4xx,        | GET/HEAD  | PUT/POST/  | anything else: errors, 304,
 *              |   |  close after           | an object | DELETE     | listings, admin endpoints
 *              |   |                        v           v            v
 *              |   |                   TRANSMIT       UPLOAD       SEND_SIMPLE
 *              |   |                   (stream/:      (ingest/:    (head and a small
 *              |   |                    wait buffer,   100, wait    body from the
 *              |   |                    read, send     buffer, recv, out buffer)
 *              |   |                    window)        write, commit)   ^
 *              |   |                        |  503: no    | answer:     |
 *              |   |                        |  buffer ----+-------------+
 *              |   |                        v             v             v
 *              +---+--------------- exchange finished: keep-alive ? READ_HEAD : close, or LINGER when request
 *                                     bytes may still come (half-close, drop input until EOF or LINGER_NS) -> close
 *
 *   READ_HEAD --(GET of a live playlist with _HLS_msn it does not have yet)--> HOLD --(a commit of the playlist
 *               that has it: PlaylistHold)--> as a GET of the object; three target durations: 503
 *   any state --(peer gone, failure, timeout, drain)--> close() ... engine's onClosed --> CLOSED
 * </pre>
 * Buffers: the receive buffer and the small out buffer are this connection's for its lifetime (back to the core's
 * stocks at close); the out buffer is lent to the transmitter while it sends a body (its head and part headers).
 * {@link atlas.dataplane.IoBuffer}s belong to the transmitter or the upload, borrowed from the core's pool only
 * while a body moves.
 */
final class HttpConnection implements TransportHandler<Transport>, BodyExchange, UploadExchange {
    enum State { READ_HEAD, HOLD, SEND_SIMPLE, TRANSMIT, AUTHORIZE, DISCARD, UPLOAD, LINGER, CLOSED }

    /**
     * How long a connection closed with request bytes still coming reads and drops them after its last response
     * (RFC 9112 §9.6 lingering close): closing with unread input makes the kernel send a reset, and a reset can
     * destroy that response in the client's receive buffer before the client read it (a 413 lost in a curl
     * upload). A client that reads the answer sees our FIN and closes at once; this only bounds one that keeps
     * sending, as nginx's lingering_time does (30 s there; a refused upload's next second is plenty here).
     */
    static final long LINGER_NS = 2_000_000_000L;
    /**
     * A client holding more connections than this (all cores) yields I/O buffers to the others when they run out:
     * players open a handful, a browser six per host; only a flood holds this many, or a proxy fronting many viewers,
     * which then waits behind the others only while memory is short.
     */
    static final int HEAVY_CLIENT_CONNECTIONS = 32;

    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    /** Bodies of the errors a busy server sends all the time (live players polling for the next segment). */
    static final byte[] NO_SUCH_OBJECT = errorBody(404, "no such object");
    static final byte[] PRECONDITION_FAILED = errorBody(412, "precondition failed");
    /** What a cross-origin script may read besides the CORS-safelisted fields (Content-Length is one already). */
    private static final String CORS_EXPOSED = "Content-Length, Content-Range, ETag, Last-Modified, Accept-Ranges";

    private final HttpCore core;
    private final ResponseHeadWriter writer = new ResponseHeadWriter();
    private final RequestHead head;
    private final RequestParser parser;
    private final RangeSet ranges;
    private final ReceiveBuffer received;
    private final ObjectTransmitter transmitter;
    /** The body of a GET of an object whose upload still arrives (read while ingest). */
    private final GrowingTransmitter growingTransmitter;
    private final ObjectUpload upload;
    /** Blocking playlist reload: holds a live playlist GET until the playlist has what it asks for. */
    private final PlaylistHold playlistHold = new PlaylistHold(this);
    /** An edge's miss waiting for its fill (HOLD, as a held playlist request). */
    private final FillHold fillHold = new FillHold(this);
    /** The body of a GET of a large object an edge keeps in slices: one part per slice. */
    private final SlicedBody slicedBody = new SlicedBody(this);
    /** A client's DELETE of such an object: every slice deleted before the answer. */
    private final SlicePurge slicePurge = new SlicePurge(this);
    /** The upload in progress is this node storing a fill it fetched (WriteGate recognised it). */
    private boolean fillUpload;
    /** The upload in progress is one of this node's fills: its version is marked a copy when it is staged. */
    private boolean storingFill;
    /** This connection's client in the per-address limits; null when not counted (loopback, no limits). */
    private final ClientTable.Client client;
    private final boolean loopbackPeer;
    /** Accepted on the admin listener (or there is none): metrics, dashboard and listings are served. */
    private final boolean adminSurface;
    /** Who may write: the credential check, upload slots, refused bodies read past. */
    private final WriteGate writeGate = new WriteGate(this);
    /** The HSTS field value on an HTTPS connection with --hsts; null otherwise (RFC 6797 §7.2: never over HTTP). */
    private final byte[] strictTransportSecurity;
    private final byte[] dateScratch = new byte[HttpDate.LENGTH];
    private Transport transport;
    private ByteBuffer out;
    private State state = State.READ_HEAD;
    /** The 100 Continue is on its way: its completion goes to the upload, not to the exchange's end. */
    private boolean continueSending;
    private boolean headBytesSeen;
    private boolean draining;

    // Facts about the current request, captured at dispatch because the head's slices die with the buffer.
    private boolean keepAlive;
    private boolean headValid;
    private boolean hasOrigin;
    private int versionMinor = 1;
    private Method method;
    private int status;
    private CacheOutcome cacheOutcome = CacheOutcome.NONE;
    private boolean inExchange;
    /**
     * The request has a body we have not (completely) consumed: any answer other than the upload's own must close
     * the connection, or the rest of the body would be parsed as the next request (request smuggling).
     */
    private boolean bodyUnread;
    private long exchangeStartNs;
    private long exchangeBytesSent;

    HttpConnection(HttpCore core) {
        this(core, null, true, true, false);
    }

    /** {@code secure}: accepted on the HTTPS listener, so its responses may carry Strict-Transport-Security. */
    HttpConnection(HttpCore core, ClientTable.Client client, boolean loopbackPeer, boolean adminSurface,
                   boolean secure) {
        this.core = core;
        this.strictTransportSecurity = secure ? core.strictTransportSecurity() : null;
        this.client = client;
        this.loopbackPeer = loopbackPeer;
        this.adminSurface = adminSurface;
        this.head = new RequestHead(core.config.limits());
        this.parser = new RequestParser(core.config.limits(), core.pathTokenName());
        this.ranges = new RangeSet(ObjectTransmitter.MAX_RANGES);
        this.received = core.newReceiveBuffer();
        this.transmitter = new ObjectTransmitter(this, core.transmitResources());
        this.growingTransmitter = core.growingObjects == null ? null : new GrowingTransmitter(this, core.coreIndex(),
                core.config.sendStallTimeout().toNanos(), 2 * core.config.headerTimeout().toNanos(), core.metrics);
        this.upload = new ObjectUpload(this, core.uploadResources());
    }

    @Override
    public void onOpen(Transport t) {
        this.transport = t;
        core.connectionOpened();
        received.open();
        this.out = core.takeOutBuffer();
        startRequest();
    }

    // ---------------------------------------------------------------- request heads

    /** Begins the next request: drops consumed bytes and parses whatever is already buffered (pipelining). */
    private void startRequest() {
        state = State.READ_HEAD;
        headValid = false;
        headBytesSeen = false;
        status = 0;
        cacheOutcome = CacheOutcome.NONE;
        fillHold.reset();
        if (draining || core.draining()) {
            close();
            return;
        }
        received.compact();
        received.shrink();
        parser.reset();
        parseHead();
    }

    private void parseHead() {
        long now = transport.nowNs();
        if (received.available() > 0 && !headBytesSeen) {
            // The header timeout runs from the request's first byte, not from each read (slowloris).
            headBytesSeen = true;
            transport.deadline(now + core.config.headerTimeout().toNanos());
        }
        int r = parser.parse(received.buffer(), received.start(), received.end(), head);
        if (r == RequestParser.NEED_MORE) {
            if (!headBytesSeen) {
                transport.deadline(now + core.config.idleTimeout().toNanos());
            }
            if (received.isFull()) {
                if (received.isLarge()) {
                    respondError(431, "request head too large");
                    return;
                }
                received.grow();
            }
            received.receiveMore(transport);
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
        received.consume(r);
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
        writeGate.reset();
        boolean bodyFollows = head.hasBody();
        bodyUnread = bodyFollows;
        boolean takesBody = method == Method.PUT || method == Method.POST;
        if (bodyFollows && !takesBody) {
            // We do not read bodies we have no use for; closing after the answer keeps the stream in sync.
            keepAlive = false;
        }
        RequestRouter.route(this);
    }

    /** The current record for the request path, or null; not pinned: read its metadata, never its extent. */
    ObjectRecord lookup() {
        return core.volume.lookup(core.probe.wrap(head.pathBytes(), head.pathLength()));
    }

    /** The current record for the request path, pinned for reading, or null. Retries if a writer retired it. */
    ObjectRecord lookupPinned() {
        return core.lookupPinned(core.probe.wrap(head.pathBytes(), head.pathLength()));
    }

    /** A live playlist request waits for a later version ({@link PlaylistHold}): no receive, a deadline. */
    void enterHold(long limitNs) {
        state = State.HOLD;
        transport.deadline(transport.nowNs() + limitNs);
    }

    /** The held request (a playlist reload, or a miss waiting for its fill) is answered now. */
    void leaveHold() {
        if (state != State.HOLD) {
            return;
        }
        transport.deadline(0);
        state = State.READ_HEAD;
        ObjectGet.respond(this);
    }

    /** The held request is answered with an error. */
    void leaveHoldWith(int status, String detail) {
        if (state != State.HOLD) {
            return;
        }
        transport.deadline(0);
        state = State.READ_HEAD;
        respondError(status, detail);
    }

    FillHold fillHold() {
        return fillHold;
    }

    /** What an edge's cache did for this request (access log, Cache-Status). */
    CacheOutcome cacheOutcome() {
        return cacheOutcome;
    }

    void cacheOutcome(CacheOutcome outcome) {
        cacheOutcome = outcome;
    }

    /** The next upload is a fill of this node's (WriteGate checked its secret). */
    void markFillUpload() {
        fillUpload = true;
    }

    /** Who wrote: the credential's name for an allowed write, else null (the access log's user field). */
    String credentialName() {
        return writeGate.credentialName();
    }

    // ---------------------------------------------------------------- PUT, POST, DELETE: HTTP's part

    /** Checks what HTTP decides about a body (its length, the limit, preconditions), then lets ingest store it. */
    void beginUpload() {
        if (!head.isChunked() && head.contentLength() < 0) {
            respondError(411, "Content-Length or chunked Transfer-Encoding required");
            return;
        }
        if (head.has(Field.CONTENT_RANGE)) {
            // RFC 9110 §9.3.4 MUST: the body is likely one part mistaken for the whole; storing it would truncate
            // the object. Partial PUT is not supported, so nothing is stored.
            respondError(400, "Content-Range in a PUT or POST: partial uploads are not supported");
            return;
        }
        if (head.has(Field.CONTENT_ENCODING) && !head.valueIs(Field.CONTENT_ENCODING, "identity")) {
            // The store keeps no Content-Encoding, so a gzip body would later be served as if it were the
            // segment itself. RFC 9110 §15.5.16: 415, with Accept-Encoding saying what would be accepted.
            StatusAnswers.unsupportedCoding(this);
            return;
        }
        long maxBody = core.config.limits().maxBodyBytes();
        if (head.contentLength() > maxBody) {
            respondError(413, "body larger than " + maxBody + " bytes");
            return;
        }
        boolean fill = fillUpload;
        fillUpload = false;
        ObjectKey target = writeTarget(fill);
        if (target == null) {
            respondError(400, "Atlas-Slice is not a slice index");
            return;
        }
        // No pin: only the record's immutable validators are read, never its extent.
        ObjectRecord current = core.volume.lookup(target);
        int precondition = Preconditions.evaluateWrite(head, current);
        if (precondition != Preconditions.PROCEED) {
            respondError(precondition, PRECONDITION_FAILED);
            return;
        }
        state = State.UPLOAD;
        ObjectKey key = target.toOwned();
        storingFill = fill;
        upload.begin(head, key, current != null, fill);
        if (fill && state == State.UPLOAD) {
            core.fills.uploadBegan(key); // its waiters stream it from here
        }
    }

    /**
     * What a write goes to: the request's path, or — for this node's own fill ({@code fill}: its secret checked),
     * with {@code Atlas-Slice} — that slice of it. A probe (copy it to keep it); null for a malformed slice index.
     */
    private ObjectKey writeTarget(boolean fill) {
        if (!fill || !head.has(Field.ATLAS_SLICE)) {
            return core.probe.wrap(head.pathBytes(), head.pathLength());
        }
        return core.sliceKeyOfSuffix(head.pathBytes(), head.pathLength(), head.buffer(),
                head.valueOffset(Field.ATLAS_SLICE), head.valueLength(Field.ATLAS_SLICE));
    }

    /** A DELETE; {@code fill}: this node's own (evicting a copy, its secret checked), which may name a slice. */
    void beginDelete(boolean fill) {
        ObjectKey target = writeTarget(fill);
        if (target == null) {
            respondError(400, "Atlas-Slice is not a slice index");
            return;
        }
        ObjectRecord current = core.volume.lookup(target);
        if (!fill && core.fills != null && Preconditions.evaluateWrite(head, current) == Preconditions.PROCEED) {
            // A client's DELETE on an edge purges the object's slices too (SlicePurge answers it when it has any).
            state = State.UPLOAD;
            if (slicePurge.begin(new String(head.pathBytes(), 0, head.pathLength(), StandardCharsets.UTF_8),
                    current)) {
                return;
            }
        }
        if (current == null) {
            respondError(404, NO_SUCH_OBJECT);
            return;
        }
        int precondition = Preconditions.evaluateWrite(head, current);
        if (precondition != Preconditions.PROCEED) {
            respondError(precondition, PRECONDITION_FAILED);
            return;
        }
        state = State.UPLOAD;
        upload.beginDelete(current.key());
    }

    /** The purge's next delete (one of its slices, or the whole copy). */
    void deleteForPurge(ObjectKey key) {
        upload.beginDelete(key);
    }

    /** The purge's last delete is durable: nothing of the object is served here any more. */
    void onPurged() {
        beginHead(204).end();
        sendOut();
    }

    @Override
    public Transport transport() {
        return transport;
    }

    @Override
    public ReceiveBuffer received() {
        return received;
    }

    @Override
    public void sendContinue() {
        continueSending = true;
        out.clear();
        out.put(CONTINUE);
        transport.deadline(transport.nowNs() + core.config.sendStallTimeout().toNanos());
        transport.send(out, 0, CONTINUE.length);
    }

    @Override
    public void onBodyConsumed() {
        bodyUnread = false;
    }

    @Override
    public void onStaged(ObjectRecord record) {
        if (storingFill) {
            storingFill = false;
            core.fills.staged(record); // a copy from the moment any core can see it
        }
    }

    @Override
    public void onStored(boolean created, ObjectRecord record) {
        ResponseHeadWriter w = beginHead(created ? 201 : 204).field("ETag", record.etagBytes());
        if (created) {
            w.field("Content-Length", 0);
        }
        w.end();
        sendOut();
    }

    @Override
    public void onDeleted() {
        if (slicePurge.onDeleted()) {
            return; // the next slice, or the purge's answer
        }
        beginHead(204).end();
        sendOut();
    }

    @Override
    public void onUploadFailed(int status, String detail) {
        slicePurge.abandon();
        respondError(status, detail);
    }

    // ---------------------------------------------------------------- GET, HEAD: the body's part

    /** Hands the body of {@code record} (pinned; the pin goes along) to the transmitter; the head is in the out buffer. */
    void transmit(ObjectRecord record, RangeSet bodyRanges) {
        state = State.TRANSMIT;
        transmitter.start(transport, out, out.position(), record, bodyRanges);
    }

    /**
     * Hands the body of {@code object}, an upload still arriving (pinned by this core; the pin goes along), from
     * {@code from} to {@code to} (exclusive; -1: its end) to the growing transmitter; the head is in the out buffer.
     */
    void transmitGrowing(GrowingObject object, long from, long to, boolean chunked) {
        state = State.TRANSMIT;
        growingTransmitter.start(transport, out, out.position(), object, from, to, chunked);
    }

    /**
     * Hands bytes {@code [from, to)} of a sliced object, of the upstream version {@code version} (from {@code copy},
     * or null while that slice arrives), to the sliced body; the head is in the out buffer.
     */
    void transmitSliced(long from, long to, atlas.store.UpstreamCopy.Terms version, atlas.store.UpstreamCopy copy) {
        state = State.TRANSMIT;
        slicedBody.start(from, to, version, copy);
    }

    /** One part of a sliced body: bytes {@code [first, last]} of a stored slice (pinned; the pin goes along). */
    void transmitSlice(ObjectRecord slice, long first, long last, boolean headSent) {
        if (headSent) {
            out.clear(); // the head went with the first part
        }
        ranges.single(first, last);
        transmit(slice, ranges);
    }

    /** One part of a sliced body: bytes {@code [from, to)} of a slice still arriving (pinned; the pin goes along). */
    void transmitGrowingSlice(GrowingObject slice, long from, long to, boolean headSent) {
        if (headSent) {
            out.clear();
        }
        transmitGrowing(slice, from, to, false);
    }

    /** A sliced body's wait for a slice's fill is over: its next part is sent (or it is cut off). */
    void endHold() {
        transport.deadline(0);
        state = State.TRANSMIT;
    }

    /** The sliced body's last part was sent. */
    void onSlicedBodySent() {
        finishExchange();
    }

    private boolean growingBody() {
        return growingTransmitter != null && growingTransmitter.isActive();
    }

    @Override
    public void onBodySent() {
        if (slicedBody.isActive()) {
            slicedBody.onPartSent();
        } else {
            finishExchange();
        }
    }

    @Override
    public void onBodyRefused() {
        if (slicedBodyCutOff()) {
            return;
        }
        keepAlive = false;
        respondError(503, "server busy, try again");
    }

    @Override
    public void onBodyUnreadable(int status, String reason) {
        if (slicedBodyCutOff()) {
            return;
        }
        keepAlive = false; // the failing read may have left the connection's state mid-body: start clean
        respondError(status, reason);
    }

    /**
     * A part of a sliced body could not be sent: true when the head already went with an earlier part, so the
     * connection closes mid-body (the caller's error response is for a body whose head is not out yet).
     */
    private boolean slicedBodyCutOff() {
        if (!slicedBody.isActive()) {
            return false;
        }
        boolean headOut = slicedBody.earlierPartSent();
        slicedBody.abandon();
        if (headOut) {
            close();
        }
        return headOut;
    }

    @Override
    public void onBodyFailed() {
        close();
    }

    @Override
    public boolean yieldsBuffers() {
        return client != null && client.connections() > HEAVY_CLIENT_CONNECTIONS;
    }

    @Override
    public void countSent(long bytes) {
        exchangeBytesSent += bytes;
        core.counters.bytesSent.add(bytes);
    }

    // ---------------------------------------------------------------- response heads

    /** Starts a response head in the out buffer with the fields every response carries. */
    ResponseHeadWriter beginHead(int status) {
        this.status = status;
        out.clear();
        writer.begin(out, status)
                .field("Server", "atlas")
                .field("Date", core.date(core.clock().epochMillis() / 1000));
        if (strictTransportSecurity != null) {
            // On every response over TLS, errors included (RFC 6797 §7.1 "in its response message"); no
            // includeSubDomains: this host cannot know that every subdomain serves HTTPS.
            writer.field("Strict-Transport-Security", strictTransportSecurity);
        }
        if (headValid && (method == Method.GET || method == Method.HEAD || method == Method.OPTIONS)) {
            // Browser players (hls.js, dash.js) read segments cross-origin and need these to see lengths and ranges.
            // Sent whether or not the request has Origin: a shared cache (our edges, a CDN) stores one copy and gives
            // it to players and curl alike, so the copy must carry them. The value never depends on Origin, hence no
            // "Vary: Origin", which would split that one copy per site embedding the player.
            writer.field("Access-Control-Allow-Origin", "*")
                    .field("Access-Control-Expose-Headers", CORS_EXPOSED);
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
            core.giveBackOutBuffer(out);
            out = big;
        } else {
            out.put(body);
        }
        sendOut();
    }

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

    /** Writes the Last-Modified field of {@code record}. */
    void lastModified(ObjectRecord record) {
        HttpDate.format(record.mtimeMillis() / 1000, dateScratch, 0);
        writer.field("Last-Modified", dateScratch);
    }

    // ---------------------------------------------------------------- exchange end

    /** The response is fully sent: next request, close, or a lingering close. */
    private void finishExchange() {
        transport.deadline(0);
        endExchange(true);
        if (!keepAlive) {
            // Not after a 408: that client stopped sending, and the receive that waited for it is still out.
            if (status != 408 && mayHaveUnreadInput() && !draining && !core.draining()) {
                linger();
            } else {
                close();
            }
            return;
        }
        if (out.capacity() != core.outBufferBytes()) {
            out = core.takeOutBuffer(); // drop a one-off big buffer
        }
        startRequest();
    }

    /**
     * After a refused or unread body, a malformed head, or bytes pipelined behind the answered request, more input
     * may be on its way; an HTTP/1.0 or "Connection: close" exchange that read everything closes at once.
     */
    private boolean mayHaveUnreadInput() {
        return bodyUnread || !headValid || received.available() > 0;
    }

    /** Half-closes and drops whatever still arrives until the peer closes or {@link #LINGER_NS} passes. */
    private void linger() {
        state = State.LINGER;
        transport.shutdownOutput();
        transport.deadline(transport.nowNs() + LINGER_NS);
        dropReceived();
    }

    private void dropReceived() {
        received.consume(received.available());
        received.compact();
        received.receiveMore(transport);
    }

    private void endExchange(boolean completed) {
        writeGate.endExchange();
        if (inExchange) {
            inExchange = false;
            core.observer.onExchangeEnd(this, completed);
        }
    }

    @Override
    public void close() {
        if (state != State.CLOSED) {
            transport.close();
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
                received.received(bytes);
                parseHead();
            }
            case UPLOAD -> upload.onReceived(bytes);
            case DISCARD -> {
                if (bytes <= 0) {
                    close();
                    return;
                }
                received.received(bytes);
                writeGate.onBodyBytes();
            }
            case LINGER -> {
                if (bytes <= 0) {
                    close(); // the peer read our answer and closed: the end a lingering close waits for
                    return;
                }
                received.received(bytes);
                dropReceived();
            }
            default -> close();
        }
    }

    @Override
    public void onSent(int bytes) {
        if (bytes < 0) {
            close();
            return;
        }
        if (continueSending) {
            continueSending = false;
            transport.deadline(0);
            upload.onContinueSent();
            return;
        }
        switch (state) {
            case SEND_SIMPLE -> finishExchange();
            case TRANSMIT -> {
                if (growingBody()) {
                    growingTransmitter.onSent();
                } else {
                    transmitter.onSent();
                }
            }
            default -> close();
        }
    }

    @Override
    public void onTimeout() {
        if (state == State.LINGER) {
            close(); // the lingering close's bound, not a client timing out
            return;
        }
        if (state == State.HOLD) {
            if (slicedBody.holds()) {
                slicedBody.stopWaiting(504, "the upstream did not deliver a slice of the object in time");
            } else if (fillHold.holds()) {
                fillHold.onTimeout(); // the upstream's lateness, not the client's
            } else {
                playlistHold.onTimeout(); // the playlist's lateness, counted as such, not the client's
            }
            return;
        }
        core.counters.timeouts.increment();
        switch (state) {
            case READ_HEAD -> {
                if (headBytesSeen) {
                    respondError(408, "request head not received in time");
                } else {
                    close(); // idle keep-alive connection
                }
            }
            case UPLOAD -> upload.onTimeout();
            case TRANSMIT -> {
                if (growingBody()) {
                    growingTransmitter.onTimeout();
                } else {
                    transmitter.onTimeout();
                }
            }
            case AUTHORIZE -> respondError(503, "credential check did not finish in time");
            case DISCARD -> close(); // the refused body stopped coming
            default -> close(); // a receiver that stopped reading: give its buffers to someone else
        }
    }

    @Override
    public void onDrain() {
        draining = true;
        keepAlive = false;
        if (state == State.READ_HEAD || state == State.LINGER) {
            close();
        } else if (state == State.HOLD) {
            if (slicedBody.holds()) {
                slicedBody.stopWaiting(503, "the node is stopping");
            } else if (fillHold.holds()) {
                fillHold.cancel();
                leaveHoldWith(503, "the node is stopping");
            } else {
                playlistHold.cancel(); // answered now with what there is, then closed
                leaveHold();
            }
        }
    }

    @Override
    public void onClosed() {
        endExchange(false);
        playlistHold.cancel();
        fillHold.cancel();
        slicedBody.abandon();
        slicePurge.abandon();
        state = State.CLOSED;
        transmitter.abandon();
        if (growingTransmitter != null) {
            growingTransmitter.abandon();
        }
        upload.abandon();
        core.connectionClosed();
        received.close();
        core.giveBackOutBuffer(out);
        out = null;
    }

    // ---------------------------------------------------------------- what the rest of the server reads

    HttpCore core() {
        return core;
    }

    RequestHead head() {
        return head;
    }

    Method method() {
        return method;
    }

    int versionMinor() {
        return versionMinor;
    }

    RangeSet ranges() {
        return ranges;
    }

    ByteBuffer out() {
        return out;
    }

    int status() {
        return status;
    }

    long exchangeBytesSent() {
        return exchangeBytesSent;
    }

    /** When the request head was complete (the loop's clock). */
    long exchangeStartNs() {
        return exchangeStartNs;
    }

    /** Moves to a state another owner of part of the exchange manages (AUTHORIZE and DISCARD: the write gate). */
    void enter(State next) {
        state = next;
    }

    /** This connection's client in the per-address limits; null when not counted. */
    ClientTable.Client client() {
        return client;
    }

    boolean adminSurface() {
        return adminSurface;
    }

    boolean loopbackPeer() {
        return loopbackPeer;
    }

    /** The request's body has not been (completely) read: any answer but the upload's closes the connection. */
    boolean bodyUnread() {
        return bodyUnread;
    }

    /** The request's head parsed: its method and fields can be trusted. */
    boolean headValid() {
        return headValid;
    }

    /** The request came with an Origin field (a browser's cross-origin request). */
    boolean hasOrigin() {
        return hasOrigin;
    }

    /** The connection closes once this answer is sent. */
    void closeAfterAnswer() {
        keepAlive = false;
    }

    /** The request's body was read to its end (a refused body read past). */
    void bodyRead() {
        bodyUnread = false;
    }

    PlaylistHold playlistHold() {
        return playlistHold;
    }

    WriteGate writeGate() {
        return writeGate;
    }

    State state() {
        return state;
    }
}
