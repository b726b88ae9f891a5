package atlas.tls;

import atlas.dataplane.GatherList;
import atlas.dataplane.IoBuffer;
import atlas.dataplane.SocketTransport;
import atlas.dataplane.Transport;
import atlas.dataplane.TransportHandler;
import atlas.posix.Errno;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * TLS for one connection, between the engine and the application (HTTP): to the engine it is the connection's
 * {@link TransportHandler}, to the application its {@link Transport}. The application never sees a record.
 *
 * <pre>
 *   engine --raw completions--> TlsTransport --plaintext completions--> HttpConnection
 *   engine <--raw operations--- TlsTransport <--plaintext operations--- HttpConnection
 *
 *   HANDSHAKE: whole records go to the handshake library one at a time; its flights go out as they come
 *      |       (first byte sniffed: plaintext HTTP gets a 400 saying "use https", anything else not TLS is closed)
 *      v  finished, flights sent: keys handed over, the library is dropped
 *   OPEN:      received records are opened in place in the ciphertext buffer and copied to the application's
 *      |       buffer (request bytes: small); sendBody() seals response bodies in place in the I/O buffer where
 *      |       the disk read put them (header and tag in its headroom, one gathered send); send() copies small
 *      |       responses into a record in the out buffer
 *      v  application closes: close_notify (or the fatal alert a bad record earned) goes out first
 *   CLOSING -> CLOSED (engine's onClosed; the application's onClosed follows)
 * </pre>
 * Buffers: {@code in} and {@code out} are this connection's for its life (back to the core at close); the I/O
 * buffer of a body send stays the application's — this class only writes into it between {@link #sendBody} and
 * the application's {@code onSent}.
 * <p>
 * Callbacks into the application are never nested inside its own calls: a receive that can be satisfied from
 * already-opened plaintext while the application is inside one of our callbacks is delivered when that callback
 * returns, the way an engine would deliver it in a later turn.
 */
final class TlsTransport implements Transport, TransportHandler<SocketTransport> {
    private enum Phase { HANDSHAKE, OPEN, CLOSING, CLOSED }

    private static final byte ALERT_WARNING = 1;
    private static final byte ALERT_FATAL = 2;
    private static final byte CLOSE_NOTIFY = 0;
    private static final byte UNEXPECTED_MESSAGE = 10;
    /** How long a closing connection waits for its close_notify to leave before it just closes. */
    private static final long CLOSE_NOTIFY_TIMEOUT_NS = 1_000_000_000L;
    private static final byte[] PLAINTEXT_REFUSAL = ("HTTP/1.1 400 Bad Request\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 55\r\nConnection: close\r\n\r\n"
            + "400 Bad Request: this port speaks HTTPS; use https://\n").getBytes(StandardCharsets.US_ASCII);

    private final TlsCore core;
    private final TransportHandler<? super Transport> app;
    private SocketTransport raw;
    private Phase phase = Phase.HANDSHAKE;
    private TlsHandshake handshake;
    private RecordSealer sealer;
    private RecordOpener opener;
    private boolean appOpened;

    /** Ciphertext received: records at {@code [inStart, inEnd)}; opened plaintext not yet delivered at {@code [plainPos, plainEnd)}. */
    private ByteBuffer in;
    private MemorySegment inSegment;
    private int inStart;
    private int inEnd;
    private int plainPos;
    private int plainEnd;
    private boolean rawReceiving;
    private boolean firstByteChecked;
    private boolean peerClosed;

    /** The application's outstanding receive. */
    private boolean appReceiving;
    private ByteBuffer appDst;
    private int appDstOffset;
    private int appDstLength;

    private ByteBuffer out;
    private MemorySegment outSegment;
    private boolean rawSending;
    /** A send() in progress: plaintext still to frame from {@code appSrc}. */
    private boolean copySending;
    private ByteBuffer appSrc;
    private int appSrcPos;
    private int appSrcLeft;
    private int appSrcTotal;
    private int chunkLength;
    /** A sendShared() in progress: the prefix still to frame, then the shared body, sealed out of place. */
    private boolean sharedSending;
    private ByteBuffer sharedPrefix;
    private int sharedPrefixPos;
    private int sharedPrefixLeft;
    private MemorySegment sharedBody;
    private long sharedBodyPos;
    private int sharedBodyLeft;
    private int sharedTotal;
    private int sharedChunkPrefix;
    /** A sendBody() in progress. */
    private boolean bodySending;
    private int bodyLength;
    private final GatherList pieces = new GatherList();
    /**
     * update_requested KeyUpdates received and not yet answered. RFC 8446 §4.6.3 needs one KeyUpdate of ours
     * before our next data record and lets one answer many; we answer each with its own when they fit (OpenSSL
     * does, and tlsfuzzer's test-tls13-keyupdate expects it), so the count does not depend on how TCP split them.
     */
    private int keyUpdatesOwed;
    /** A TLS 1.3 KeyUpdate record: header, handshake header, request_update, content type, tag. */
    private static final int KEY_UPDATE_RECORD = RecordLayout.HEADER + 4 + 1 + 1 + RecordLayout.TAG;
    /**
     * Our answer to the peer's update_requested is in the socket on its own (sent as soon as every received record
     * is read and nothing else is being sent: a client may wait for it before it sends more, as tlsfuzzer's
     * test-tls13-keyupdate does). An
     * application send arriving meanwhile waits for it: {@link #deferredSend} says which kind.
     */
    private boolean keyUpdateSending;
    /** {@link #shutdownOutput}: our close_notify is in the socket; the FIN follows once it is out. */
    private boolean closeNotifySending;
    /** Our close_notify went out: nothing more may be sealed on this connection (RFC 8446 §6.1). */
    private boolean outputClosed;
    private Deferred deferredSend = Deferred.NONE;
    private IoBuffer deferredBody;
    private int deferredBodyOffset;

    private enum Deferred { NONE, COPY, SHARED, BODY }
    /** The fatal alert a bad record earned, sent instead of close_notify; 0: none. */
    private byte fatalAlert;

    private int callbackDepth;
    private boolean pumpAfterCallback;

    TlsTransport(TlsCore core, TransportHandler<? super Transport> app) {
        this.core = core;
        this.app = app;
    }

    // ================================================================ engine side (raw completions)

    @Override
    public void onOpen(SocketTransport transport) {
        raw = transport;
        in = core.takeInBuffer();
        inSegment = MemorySegment.ofBuffer(in);
        out = core.takeOutBuffer();
        outSegment = MemorySegment.ofBuffer(out);
        handshake = core.newHandshake();
        raw.deadline(raw.nowNs() + core.handshakeTimeoutNs);
        receiveRaw();
    }

    @Override
    public void onReceived(int bytes) {
        rawReceiving = false;
        switch (phase) {
            case HANDSHAKE -> {
                if (bytes <= 0) {
                    core.counters.handshakeFailures.increment();
                    closeNow(); // the client gave up (or probed the port)
                    return;
                }
                inEnd += bytes;
                handshakeInput();
            }
            case OPEN -> {
                if (bytes <= 0) {
                    peerClosed = true; // EOF without close_notify: the same to HTTP, which frames its own messages
                } else {
                    inEnd += bytes;
                }
                pump();
            }
            default -> {
                // CLOSING: nothing more is read
            }
        }
    }

    @Override
    public void onSent(int bytes) {
        rawSending = false;
        switch (phase) {
            case HANDSHAKE -> {
                if (bytes < 0) {
                    closeNow();
                } else {
                    continueHandshake();
                }
            }
            case OPEN -> {
                if (closeNotifySending) {
                    closeNotifySending = false;
                    if (bytes >= 0) {
                        raw.shutdownOutput(); // the FIN behind our close_notify; reading goes on
                    }
                    return;
                }
                if (keyUpdateSending) {
                    keyUpdateSending = false;
                    if (bytes >= 0) {
                        startDeferredSend();
                        return;
                    }
                    deferredSend = Deferred.NONE;
                    deferredBody = null;
                }
                if (bytes < 0) {
                    boolean appWaits = copySending || bodySending || sharedSending;
                    copySending = bodySending = sharedSending = false;
                    sharedPrefix = null;
                    sharedBody = null;
                    if (appWaits) {
                        enter();
                        app.onSent(bytes);
                        leave();
                    } else {
                        closeNow();
                    }
                    return;
                }
                if (copySending) {
                    appSrcPos += chunkLength;
                    appSrcLeft -= chunkLength;
                    if (appSrcLeft > 0) {
                        sendCopiedRecord();
                        return;
                    }
                    copySending = false;
                    appSrc = null;
                    enter();
                    app.onSent(appSrcTotal);
                    leave();
                } else if (sharedSending) {
                    sharedPrefixPos += sharedChunkPrefix;
                    sharedPrefixLeft -= sharedChunkPrefix;
                    sharedBodyPos += chunkLength - sharedChunkPrefix;
                    sharedBodyLeft -= chunkLength - sharedChunkPrefix;
                    if (sharedPrefixLeft + sharedBodyLeft > 0) {
                        sendSharedRecord();
                        return;
                    }
                    sharedSending = false;
                    sharedPrefix = null;
                    sharedBody = null;
                    enter();
                    app.onSent(sharedTotal);
                    leave();
                } else if (bodySending) {
                    bodySending = false;
                    enter();
                    app.onSent(bodyLength);
                    leave();
                }
            }
            case CLOSING -> closeNow();
            default -> {
            }
        }
    }

    @Override
    public void onTimeout() {
        switch (phase) {
            case HANDSHAKE -> {
                core.counters.handshakeTimeouts.increment();
                closeNow();
            }
            case OPEN -> {
                enter();
                app.onTimeout();
                leave();
            }
            default -> closeNow();
        }
    }

    @Override
    public void onDrain() {
        if (phase == Phase.OPEN) {
            enter();
            app.onDrain();
            leave();
        } else if (phase == Phase.HANDSHAKE) {
            closeNow();
        }
    }

    @Override
    public void onClosed() {
        phase = Phase.CLOSED;
        if (appOpened) {
            app.onClosed();
        }
        if (handshake != null) {
            handshake.destroy();
            handshake = null;
        }
        if (sealer != null) {
            sealer.close();
            sealer = null;
        }
        if (opener != null) {
            opener.close();
            opener = null;
        }
        core.giveBack(in, out);
        in = out = null;
        inSegment = outSegment = null;
    }

    // ================================================================ handshake

    private void handshakeInput() {
        if (!firstByteChecked) {
            // Only the very first byte: later records of the handshake include ChangeCipherSpec (TLS 1.3's
            // middlebox compatibility) and alerts.
            firstByteChecked = true;
            if (in.get(0) != RecordLayout.HANDSHAKE) {
                refuseNonTls(in.get(0));
                return;
            }
        }
        while (!handshake.isComplete()) {
            int available = inEnd - inStart;
            if (available < RecordLayout.HEADER) {
                break;
            }
            byte type = in.get(inStart);
            int length = ((in.get(inStart + 3) & 0xFF) << 8) | (in.get(inStart + 4) & 0xFF);
            if (type < RecordLayout.CHANGE_CIPHER_SPEC || type > RecordLayout.APPLICATION_DATA
                    || in.get(inStart + 1) != 3 || length > RecordLayout.MAX_CIPHERTEXT_12) {
                core.counters.handshakeFailures.increment();
                closeNow();
                return;
            }
            if (available < RecordLayout.HEADER + length) {
                break;
            }
            // One whole record at a time: when the handshake finishes, no byte after the client's Finished has
            // entered the library, so our record opener starts exactly at the next record.
            handshake.offerRecord(inSegment, inStart, RecordLayout.HEADER + length);
            inStart += RecordLayout.HEADER + length;
            if (handshake.hasFailed()) {
                core.counters.handshakeFailures.increment();
                phase = Phase.CLOSING; // send the library's alert, then close
                if (!flushHandshake()) {
                    closeNow();
                }
                return;
            }
        }
        continueHandshake();
    }

    /** After input or a sent flight: send what the library has, hand over when done, else read more. */
    private void continueHandshake() {
        if (flushHandshake()) {
            return;
        }
        if (handshake.isComplete()) {
            handOver();
            return;
        }
        compactIn();
        receiveRaw();
    }

    /** Sends the next piece of the library's output; false when it has none. */
    private boolean flushHandshake() {
        if (handshake.pendingOutput() == 0) {
            return false;
        }
        int n = handshake.drainOutput(outSegment, 0, out.capacity());
        rawSending = true;
        raw.send(out, 0, n);
        return true;
    }

    private void handOver() {
        TlsHandshake h = handshake;
        sealer = h.newSealer(core.gcm);
        opener = h.newOpener(core.gcm, this::onPeerKeyUpdate);
        if (h.protocolVersion() == 0x0304) {
            core.counters.handshakesTls13.increment();
        } else {
            core.counters.handshakesTls12.increment();
            if (h.resumed()) {
                core.counters.handshakesResumed.increment();
            }
        }
        h.destroy();
        handshake = null;
        phase = Phase.OPEN;
        raw.deadline(0);
        appOpened = true;
        enter();
        app.onOpen(this);
        leave();
        // Application data may have come in right behind the client's Finished (curl sends its request at once);
        // it waits in the buffer for the application's first receive.
    }

    private void onPeerKeyUpdate(boolean updateRequested) {
        core.counters.keyUpdates.increment();
        if (updateRequested) {
            keyUpdatesOwed++;
        }
    }

    /** The first byte is not a TLS handshake record: say "use https" to plaintext HTTP, close on anything else. */
    private void refuseNonTls(byte first) {
        phase = Phase.CLOSING;
        if (first >= 'A' && first <= 'Z') {
            core.counters.plaintextRequests.increment();
            out.put(0, PLAINTEXT_REFUSAL);
            rawSending = true;
            raw.deadline(raw.nowNs() + CLOSE_NOTIFY_TIMEOUT_NS);
            raw.send(out, 0, PLAINTEXT_REFUSAL.length);
            return;
        }
        core.counters.notTls.increment();
        closeNow();
    }

    // ================================================================ application side: receive

    @Override
    public void receive(ByteBuffer dst, int offset, int length) {
        if (phase != Phase.OPEN) {
            return;
        }
        appReceiving = true;
        appDst = dst;
        appDstOffset = offset;
        appDstLength = length;
        if (callbackDepth > 0) {
            pumpAfterCallback = true;
        } else {
            pump();
        }
    }

    /** Satisfies the application's receive from opened plaintext, opening the next records as needed. */
    private void pump() {
        while (appReceiving && phase == Phase.OPEN) {
            if (plainPos < plainEnd) {
                int n = Math.min(plainEnd - plainPos, appDstLength);
                appDst.put(appDstOffset, in, plainPos, n);
                plainPos += n;
                deliver(n);
                continue;
            }
            if (peerClosed) {
                deliver(EOF);
                return;
            }
            int r = opener.open(inSegment, inStart, inEnd - inStart);
            if (r == RecordOpener.INCOMPLETE) {
                if (keyUpdatesOwed > 0 && !rawSending && !outputClosed) {
                    // Every record received so far is read: one KeyUpdate answers all the requests among them
                    // (RFC 8446 §4.6.3 lets a silent receiver respond with a single update).
                    sendKeyUpdateNow();
                }
                if (opener.bytesNeeded() > in.capacity() - inStart) {
                    compactIn();
                }
                if (!rawReceiving) {
                    receiveRaw();
                }
                return;
            }
            if (r < 0) {
                core.counters.recordErrors.increment();
                fatalAlert = (byte) -r;
                deliver(-Errno.EPROTO);
                return;
            }
            inStart += r;
            onRecord();
        }
    }

    /** Answers the peer's update_requested now, in a record of its own (nothing else is being sent). */
    private void sendKeyUpdateNow() {
        int n = sealKeyUpdates(outSegment, 0, out.capacity());
        keyUpdateSending = true;
        rawSending = true;
        raw.send(out, 0, n);
    }

    /** The KeyUpdate went out: the application send that waited for it starts now. */
    private void startDeferredSend() {
        Deferred d = deferredSend;
        deferredSend = Deferred.NONE;
        switch (d) {
            case COPY -> sendCopiedRecord();
            case SHARED -> sendSharedRecord();
            case BODY -> {
                IoBuffer buffer = deferredBody;
                deferredBody = null;
                bodySending = false;
                sendBody(buffer, deferredBodyOffset, bodyLength);
            }
            default -> {
            }
        }
    }

    /** Classifies the record just opened; application data becomes the plaintext to deliver. */
    private void onRecord() {
        int offset = (int) opener.plaintextOffset();
        int length = opener.plaintextLength();
        switch (opener.contentType()) {
            case RecordLayout.APPLICATION_DATA -> {
                plainPos = offset;
                plainEnd = offset + length;
            }
            case RecordLayout.ALERT -> {
                if (in.get(offset + 1) == CLOSE_NOTIFY) { // two bytes: the opener refuses any other length
                    peerClosed = true;
                } else {
                    core.counters.alertsReceived.increment();
                    peerClosed = true;
                    fatalAlert = -1; // the peer ended the session: nothing more to say
                }
            }
            case RecordLayout.HANDSHAKE -> {
                // TLS 1.3: a KeyUpdate or part of one, applied by the opener (which refuses any other message).
                // TLS 1.2: a ClientHello asking for renegotiation, which we do not do.
                if (!sealer.isTls13()) {
                    core.counters.recordErrors.increment();
                    fatalAlert = UNEXPECTED_MESSAGE;
                    peerClosed = true;
                }
            }
            default -> {
                core.counters.recordErrors.increment();
                fatalAlert = UNEXPECTED_MESSAGE;
                peerClosed = true;
            }
        }
    }

    private void deliver(int result) {
        appReceiving = false;
        appDst = null;
        enter();
        app.onReceived(result);
        leave();
    }

    private void receiveRaw() {
        if (inEnd == in.capacity()) {
            compactIn();
        }
        rawReceiving = true;
        raw.receive(in, inEnd, in.capacity() - inEnd);
    }

    /** Moves unopened ciphertext to the buffer's start; only when no opened plaintext is waiting in it. */
    private void compactIn() {
        if (plainPos < plainEnd || inStart == 0) {
            return;
        }
        int n = inEnd - inStart;
        if (n > 0) {
            in.put(0, in, inStart, n);
        }
        inStart = 0;
        inEnd = n;
        plainPos = plainEnd = 0;
    }

    // ================================================================ application side: send

    @Override
    public void send(ByteBuffer src, int offset, int length) {
        if (phase != Phase.OPEN) {
            return;
        }
        copySending = true;
        appSrc = src;
        appSrcPos = offset;
        appSrcLeft = length;
        appSrcTotal = length;
        if (keyUpdateSending) {
            deferredSend = Deferred.COPY;
            return;
        }
        sendCopiedRecord();
    }

    /**
     * Frames the next records of {@code appSrc} in the out buffer and sends them: one 16 KiB record normally;
     * under a small max_fragment_length as many full records as the buffer holds, so a 512-byte limit does not
     * cost one send per 512 bytes.
     */
    private void sendCopiedRecord() {
        int header = sealer.headerLength();
        int pos = sealKeyUpdates(outSegment, 0,
                out.capacity() - header - sealer.maxPlaintext() - sealer.trailerLength());
        int taken = 0;
        do {
            int want = Math.min(appSrcLeft - taken, sealer.maxPlaintext());
            int n = Math.min(want, out.capacity() - pos - header - sealer.trailerLength());
            if (n < want && taken > 0) {
                break; // the rest goes in the next send rather than in a short record
            }
            out.put(pos + header, appSrc, appSrcPos + taken, n);
            pos += sealer.seal(outSegment, pos, n);
            taken += n;
        } while (taken < appSrcLeft);
        chunkLength = taken;
        rawSending = true;
        raw.send(out, 0, pos);
    }

    /**
     * Frames the prefix and the shared body as records in the out buffer: the prefix is copied in, the body is
     * encrypted straight from the shared memory into the record (one pass; the tier never holds ciphertext).
     */
    @Override
    public void sendShared(ByteBuffer prefix, int prefixLength, MemorySegment body, long offset, int length,
                           int fileFd, long fileOffset) {
        if (phase != Phase.OPEN) {
            return;
        }
        sharedSending = true;
        sharedPrefix = prefix;
        sharedPrefixPos = 0;
        sharedPrefixLeft = prefixLength;
        sharedBody = body;
        sharedBodyPos = offset;
        sharedBodyLeft = length;
        sharedTotal = prefixLength + length;
        if (keyUpdateSending) {
            deferredSend = Deferred.SHARED;
            return;
        }
        sendSharedRecord();
    }

    /** Frames the next records of the prefix, then the body, as {@link #sendCopiedRecord} does. */
    private void sendSharedRecord() {
        int header = sealer.headerLength();
        int pos = sealKeyUpdates(outSegment, 0,
                out.capacity() - header - sealer.maxPlaintext() - sealer.trailerLength());
        int prefixTaken = 0;
        int bodyTaken = 0;
        do {
            int left = sharedPrefixLeft - prefixTaken + sharedBodyLeft - bodyTaken;
            int want = Math.min(left, sealer.maxPlaintext());
            int room = Math.min(want, out.capacity() - pos - header - sealer.trailerLength());
            if (room < want && prefixTaken + bodyTaken > 0) {
                break;
            }
            int fromPrefix = Math.min(sharedPrefixLeft - prefixTaken, room);
            int fromBody = Math.min(sharedBodyLeft - bodyTaken, room - fromPrefix);
            if (fromPrefix > 0) {
                out.put(pos + header, sharedPrefix, sharedPrefixPos + prefixTaken, fromPrefix);
            }
            pos += sealer.sealFrom(outSegment, pos, fromPrefix, sharedBody, sharedBodyPos + bodyTaken, fromBody);
            prefixTaken += fromPrefix;
            bodyTaken += fromBody;
        } while (prefixTaken + bodyTaken < sharedPrefixLeft + sharedBodyLeft);
        sharedChunkPrefix = prefixTaken;
        chunkLength = prefixTaken + bodyTaken;
        rawSending = true;
        raw.send(out, 0, pos);
    }

    /**
     * Seals the body in place: each 16 KiB of {@code buffer[offset, offset + length)} becomes one record's
     * ciphertext where it lies; headers and trailers are written back to back in the buffer's record area, so
     * trailer i and header i+1 form one piece:
     * <pre>
     *   pieces:  [hdr 0] [body 0 (in place)] [tag 0 | hdr 1] [body 1 (in place)] ... [tag n-1]
     * </pre>
     */
    @Override
    public void sendBody(IoBuffer buffer, int offset, int length) {
        if (phase != Phase.OPEN) {
            return;
        }
        if (keyUpdateSending) {
            deferredSend = Deferred.BODY;
            deferredBody = buffer;
            deferredBodyOffset = offset;
            bodyLength = length;
            bodySending = true; // the application waits for its onSent, also if the KeyUpdate send fails
            return;
        }
        if (sealer.maxPlaintext() < RecordLayout.MAX_PLAINTEXT) {
            // max_fragment_length: the record area has no room for the headers and tags of that many records
            // (a 256 KiB chunk in 512-byte records needs 11 KiB of them), so these bodies are sealed out of place
            // into the out buffer, like shared ones. Rare clients (embedded), so the copy does not matter.
            sendShared(null, 0, buffer.segment(), offset, length, -1, 0);
            return;
        }
        MemorySegment seg = buffer.segment();
        int area = IoBuffer.RECORD_AREA;
        pieces.clear();
        int header = sealer.headerLength();
        int trailer = sealer.trailerLength();
        int records = (length + RecordLayout.MAX_PLAINTEXT - 1) / RecordLayout.MAX_PLAINTEXT;
        int keyUpdates = sealKeyUpdates(seg, area, Math.min(offset, IoBuffer.BODY_SEND_MIN) - area
                - records * (header + trailer));
        if (keyUpdates > 0) {
            pieces.add(area, keyUpdates);
            area += keyUpdates;
        }
        if (area + records * (header + trailer) > Math.min(offset, IoBuffer.BODY_SEND_MIN)) {
            throw new IllegalArgumentException("body of " + length + " bytes at " + offset
                    + " leaves no room for its record headers");
        }
        int data = offset;
        int left = length;
        while (left > 0) {
            int n = Math.min(left, RecordLayout.MAX_PLAINTEXT);
            sealer.sealApart(seg, area, data, n, area + header);
            pieces.add(area, header).add(data, n).add(area + header, trailer);
            area += header + trailer;
            data += n;
            left -= n;
        }
        bodySending = true;
        bodyLength = length;
        rawSending = true;
        raw.sendGather(buffer, pieces);
    }

    /**
     * Seals the KeyUpdates due at {@code buf[at]}: one per request owed, as many as {@code room} bytes hold but at
     * least one (which answers the rest, RFC 8446 §4.6.3), or one when 2^24 records wore our key out. Returns
     * the bytes written (0 when none is due, and always in TLS 1.2).
     */
    private int sealKeyUpdates(MemorySegment buf, long at, int room) {
        if (!sealer.isTls13()) {
            return 0;
        }
        int count = Math.max(keyUpdatesOwed, sealer.needsKeyUpdate() ? 1 : 0);
        keyUpdatesOwed = 0;
        int n = 0;
        for (int i = 0; i < count && (i == 0 || n + KEY_UPDATE_RECORD <= room); i++) {
            n += sealer.sealKeyUpdate(buf, at + n, false);
        }
        return n;
    }

    // ================================================================ timers, addresses and closing

    @Override
    public void deadline(long deadlineNs) {
        if (phase == Phase.OPEN) {
            raw.deadline(deadlineNs);
        }
    }

    @Override
    public long nowNs() {
        return raw.nowNs();
    }

    @Override
    public long congestionWindowBytes() {
        return raw.congestionWindowBytes();
    }

    @Override
    public String security() {
        return sealer == null ? "-" : sealer.isTls13() ? "TLSv1.3" : "TLSv1.2";
    }

    @Override
    public String remoteAddress() {
        return raw.remoteAddress();
    }

    /**
     * Half-close for a lingering close: our close_notify, then a FIN, while the peer's records are still read
     * (and dropped by the application). Not while a send is in the socket, or after a fatal record: then the
     * connection simply lingers without half-closing, as the default does, and {@link #close} ends it.
     */
    @Override
    public void shutdownOutput() {
        if (phase != Phase.OPEN || rawSending || fatalAlert != 0 || outputClosed) {
            return;
        }
        outputClosed = true;
        closeNotifySending = true;
        rawSending = true;
        int n = sealer.sealAlert(outSegment, 0, ALERT_WARNING, CLOSE_NOTIFY);
        raw.send(out, 0, n);
    }

    /**
     * The application is done: send close_notify (or the fatal alert a bad record earned) unless a send is still
     * in the socket, then close. The engine's onClosed, and the application's after it, follow either way.
     */
    @Override
    public void close() {
        if (phase != Phase.OPEN) {
            if (phase == Phase.HANDSHAKE) {
                closeNow();
            }
            return;
        }
        phase = Phase.CLOSING;
        if (rawSending || fatalAlert == -1 || outputClosed) {
            closeNow(); // a send still in the socket, or our close_notify (and FIN) already out
            return;
        }
        int n = fatalAlert > 0
                ? sealer.sealAlert(outSegment, 0, ALERT_FATAL, fatalAlert)
                : sealer.sealAlert(outSegment, 0, ALERT_WARNING, CLOSE_NOTIFY);
        rawSending = true;
        raw.deadline(raw.nowNs() + CLOSE_NOTIFY_TIMEOUT_NS);
        raw.send(out, 0, n);
    }

    private void closeNow() {
        if (phase != Phase.CLOSED) {
            phase = Phase.CLOSING;
            raw.close();
        }
    }

    private void enter() {
        callbackDepth++;
    }

    private void leave() {
        if (--callbackDepth == 0 && pumpAfterCallback) {
            pumpAfterCallback = false;
            pump();
        }
    }
}
