package atlas.server;

import atlas.access.Credential;
import atlas.access.WriteAuthorizer;
import atlas.http.BodyDiscard;
import atlas.http.Method;
import atlas.http.RequestHead;
import atlas.http.RequestHead.Field;

/**
 * Who may write, for one connection's PUT, POST or DELETE: asks the core's {@link WriteAuthorizer} (a bcrypt check
 * answers later, through the core's inbox, while the connection waits in AUTHORIZE), takes an upload slot of the
 * credential, and then lets the connection store or delete. A refused write stores nothing: 401 (with the
 * challenge), 403, 429 or 503; a body the client sends anyway, up to {@link BodyDiscard}'s bound, is read past
 * first (DISCARD) so the answer leaves the connection usable. Owns the credential the write was allowed for (the
 * access log's user) and the upload slot it holds until the exchange ends.
 * <p>
 * Thread: the connection's core.
 */
final class WriteGate {
    private final HttpConnection connection;
    private final BodyDiscard discard = new BodyDiscard();
    /** Who this write was allowed for, null for reads and refused writes. */
    private Credential credential;
    /** The write holds one of its credential's upload slots until the exchange ends. */
    private boolean holdsUploadSlot;
    /** A refused write answered once its body has been read past. */
    private int refusedStatus;
    private String refusedDetail;

    WriteGate(HttpConnection connection) {
        this.connection = connection;
    }

    /** A new request: nobody was allowed anything yet. */
    void reset() {
        credential = null;
    }

    /** Decides the write of the current request; a pending bcrypt check continues in {@link #onChecked}. */
    void begin() {
        HttpConnection c = connection;
        RequestHead head = c.head();
        HttpCore core = c.core();
        if (head.has(Field.ATLAS_FILL)) {
            // This node storing what it fetched, or evicting a copy: its own secret, never a client's credential.
            boolean ownWrite = c.method() == Method.PUT || c.method() == Method.DELETE;
            if (core.fills == null || !ownWrite || !core.fills.isFill(head.value(Field.ATLAS_FILL))) {
                core.metrics.accessRefused(403);
                refuse(403, "Atlas-Fill is this node's own field");
                return;
            }
            if (c.method() == Method.DELETE) {
                c.beginDelete(true);
            } else {
                c.markFillUpload();
                c.beginUpload();
            }
            return;
        }
        int outcome = core.writes.authorize(head.value(Field.AUTHORIZATION), c.loopbackPeer(), c.method(),
                head.pathBytes(), head.pathLength(), this::onChecked);
        if (outcome == WriteAuthorizer.PENDING) {
            c.enter(HttpConnection.State.AUTHORIZE);
            // Bounded like a head: a verifier that never answers must not hold the connection forever.
            c.transport().deadline(c.transport().nowNs() + core.config.headerTimeout().toNanos());
            return;
        }
        onDecided(outcome);
    }

    /** The verifier's answer, on this core's thread; the connection may have closed meanwhile. */
    private void onChecked(Credential verified) {
        HttpConnection c = connection;
        if (c.state() != HttpConnection.State.AUTHORIZE) {
            return;
        }
        c.transport().deadline(0);
        onDecided(c.core().writes.decide(verified, c.method(), c.head().pathBytes(), c.head().pathLength()));
    }

    private void onDecided(int outcome) {
        HttpCore core = connection.core();
        if (outcome != WriteAuthorizer.ALLOWED) {
            core.metrics.accessRefused(outcome);
            refuse(outcome, core.writes.problem());
            return;
        }
        Credential allowed = core.writes.granted();
        if (!core.access.uploads().tryBegin(allowed)) {
            refuse(429, "credential '" + allowed.name() + "' has " + core.access.uploads().max()
                    + " uploads in flight already");
            return;
        }
        credential = allowed;
        holdsUploadSlot = true;
        if (connection.method() == Method.DELETE) {
            connection.beginDelete(false);
        } else {
            connection.beginUpload();
        }
    }

    /**
     * Refuses a write without storing a byte of it. A body the client is sending anyway (no {@code Expect:
     * 100-continue}) and of a bounded size is read past first, so the answer leaves the connection usable.
     */
    private void refuse(int status, String detail) {
        RequestHead head = connection.head();
        if (connection.bodyUnread() && !head.expectsContinue() && BodyDiscard.worthReading(head)) {
            refusedStatus = status;
            refusedDetail = detail;
            connection.enter(HttpConnection.State.DISCARD);
            discard.begin(head);
            onBodyBytes();
            return;
        }
        answer(status, detail);
    }

    /** In DISCARD: more of the refused body is in the receive buffer (or it is the first call). */
    void onBodyBytes() {
        HttpConnection c = connection;
        int r = discard.consume(c.received());
        if (r == BodyDiscard.DONE) {
            c.bodyRead();
            c.transport().deadline(0);
            answer(refusedStatus, refusedDetail);
            return;
        }
        if (r == BodyDiscard.MALFORMED) {
            answer(refusedStatus, refusedDetail); // the body is still unread: answered, then closed
            return;
        }
        c.transport().deadline(c.transport().nowNs() + c.core().config.headerTimeout().toNanos());
        c.received().compact();
        c.received().receiveMore(c.transport());
    }

    private void answer(int status, String detail) {
        switch (status) {
            case 401 -> StatusAnswers.unauthorized(connection, detail);
            case 429 -> StatusAnswers.tooManyRequests(connection, 1_000_000_000L, detail);
            default -> connection.respondError(status, detail);
        }
    }

    /** The exchange ended: the upload slot goes back to the credential. */
    void endExchange() {
        if (holdsUploadSlot) {
            holdsUploadSlot = false;
            connection.core().access.uploads().end(credential);
        }
    }

    /** Who wrote: the credential's name for an allowed write, else null (the access log's user field). */
    String credentialName() {
        return credential == null ? null : credential.name();
    }
}
