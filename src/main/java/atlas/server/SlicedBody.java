package atlas.server;

import atlas.fill.FillRegistry;
import atlas.fill.SliceLayout;
import atlas.hot.GrowingObject;
import atlas.http.RequestHead;
import atlas.store.ObjectKey;
import atlas.store.ObjectRecord;
import atlas.store.UpstreamCopy;

import java.nio.charset.StandardCharsets;

/**
 * The one owner of a sliced response's body ({@link SlicedGet} wrote its head): bytes {@code [from, to)} of a large
 * object, sent as one part per slice through the connection's transmitters — a stored slice by the
 * {@link atlas.stream.ObjectTransmitter} (O_DIRECT reads or hot-tier sends, as any object), a slice still arriving
 * from its fill by the {@link atlas.stream.GrowingTransmitter} (from the buffers it lands in). A slice that is not
 * here is filled while the connection waits (HOLD, no buffer), and the next one is fetched while this one is sent,
 * so a long read does not pay an upstream round trip per slice.
 * <pre>
 *   start --> part: slice k stored?   -> transmit [cursor, min(to, end of k)) --> sent: next part ... cursor == to: done
 *                   arriving?         -> transmit it as it grows             --/
 *                   neither           -> join its fill, HOLD --> streaming/stored: part again
 *                                                            --> failed, not found, timeout: cut off
 *   a slice of an older version than the response's  --> revalidated (conditional, ranged), HOLD, part again
 *   a slice of a newer version than the response's   --> cut off (and both revalidated)
 * </pre>
 * A response cut off after its head went out ends abnormally — the connection closes before Content-Length bytes —
 * which is the only way HTTP/1.1 has to tell a client the body is not what the head announced; before any part was
 * sent it is still an error response (504 for a fill that did not come in time).
 * <p>
 * Ownership: each part's pin (the record's or the growing object's) goes to its transmitter. Thread: the
 * connection's core; the registry tells it of its fill through the core's inbox.
 */
final class SlicedBody implements FillRegistry.Waiter {
    /** Fills of one slice a response waits for before it gives up (a fill can end with nothing kept: ask once more). */
    private static final int MAX_ROUNDS = 2;

    private final HttpConnection connection;
    private boolean active;
    /** The version the response's head described; every slice sent must be of it. */
    private UpstreamCopy.Terms version;
    /** The copy that version came from (null: a slice still arriving), revalidated with the other on a mismatch. */
    private UpstreamCopy versionCopy;
    private long cursor;
    private long to;
    /** End (exclusive, object offsets) of the part in flight. */
    private long partEnd;
    /** Parts started: after the first, the head is out and an ending can only be a cut-off. */
    private int parts;
    private int rounds;
    private FillRegistry.Fill held;
    /** The object's name, for the fills of its slices (made once per response that needs one). */
    private String objectName;

    SlicedBody(HttpConnection connection) {
        this.connection = connection;
    }

    boolean isActive() {
        return active;
    }

    /** Waiting for a slice's fill (the connection is in HOLD). */
    boolean holds() {
        return held != null;
    }

    /**
     * A part before the one in flight was sent: the response's head is out, so a refusal of this part (no buffer,
     * no read slot) can no longer be an error response.
     */
    boolean earlierPartSent() {
        return parts > 1;
    }

    /** Takes over the body of the response whose head is in the connection's out buffer. */
    void start(long from, long to, UpstreamCopy.Terms version, UpstreamCopy versionCopy) {
        this.active = true;
        this.version = version;
        this.versionCopy = versionCopy;
        this.cursor = from;
        this.to = to;
        this.parts = 0;
        this.rounds = 0;
        this.objectName = null;
        nextPart();
    }

    /** The part in flight was sent whole. */
    void onPartSent() {
        cursor = partEnd;
        rounds = 0;
        nextPart();
    }

    private void nextPart() {
        if (cursor == to) {
            end();
            connection.onSlicedBodySent();
            return;
        }
        HttpCore core = connection.core();
        SliceLayout slices = core.slices;
        int k = slices.indexOf(cursor);
        long sliceStart = slices.start(k);
        long end = Math.min(to, slices.end(k, version.completeLength()));
        RequestHead h = connection.head();
        ObjectKey key = core.sliceKey(h.pathBytes(), h.pathLength(), k);
        ObjectRecord record = core.lookupPinned(key);
        UpstreamCopy older = null;
        if (record != null) {
            UpstreamCopy copy = record.upstreamCopy();
            if (copy != null && !copy.terms().sameVersion(version)
                    && copy.terms().responseMillis() < version.responseMillis()) {
                // A slice of an older version than the response's (the object changed upstream, and the slice the
                // response began with was fetched since): its new version may be arriving already; if not, it is
                // fetched again, conditionally, while the response waits. So a changed object is served whole.
                record.unpin();
                record = null;
                older = copy;
            }
        }
        if (record != null) {
            UpstreamCopy copy = record.upstreamCopy();
            // Same version: the same complete length, so (the layout being in the name) the same slice length too;
            // the length is checked all the same, as the transmitter must never read past the record.
            if (copy == null || !copy.terms().sameVersion(version)
                    || record.length() != slices.end(k, version.completeLength()) - sliceStart) {
                record.unpin();
                versionMismatch(copy); // newer than the head said: only a new response can carry it
                return;
            }
            copy.touch();
            if (!copy.terms().fresh(core.clock().epochMillis())) {
                core.fills.revalidateInBackground(copy); // the response's freshness was its first slice's call
            }
            partEnd = end;
            parts++;
            prefetch(k + 1, end);
            connection.transmitSlice(record, cursor - sliceStart, end - sliceStart - 1, parts > 1);
            return;
        }
        UpstreamCopy.Terms arriving = core.fills.storingTerms(key);
        GrowingObject growing = arriving == null || core.growingObjects == null ? null : core.growingObjects.find(key);
        int me = core.coreIndex();
        if (growing != null && growing.pin(me)) {
            if (growing.state() == GrowingObject.GROWING) {
                if (!arriving.sameVersion(version)) {
                    growing.unpin(me);
                    versionMismatch(null);
                    return;
                }
                partEnd = end;
                parts++;
                prefetch(k + 1, end);
                connection.transmitGrowingSlice(growing, cursor - sliceStart, end - sliceStart, parts > 1);
                return;
            }
            growing.unpin(me); // committed or failed since it was found: its fill says which
        }
        if (older != null) {
            if (rounds++ >= MAX_ROUNDS) {
                versionMismatch(older); // the upstream keeps answering with the old version: give up on this one
                return;
            }
            held = core.fills.revalidate(older, core.inbox(), this);
            connection.enterHold(core.fillTimeoutNs);
            return;
        }
        if (rounds++ >= MAX_ROUNDS) {
            cutOff(502, "the upstream did not deliver a slice of the object");
            return;
        }
        held = core.fills.join(key.toOwned(), core.slices.name(objectName(), k), core.inbox(), this);
        connection.enterHold(core.fillTimeoutNs);
    }

    /** Starts the fill of slice {@code next} when the response needs it ({@code end} short of its end). */
    private void prefetch(int next, long end) {
        if (end >= to) {
            return;
        }
        HttpCore core = connection.core();
        RequestHead h = connection.head();
        ObjectKey key = core.sliceKey(h.pathBytes(), h.pathLength(), next);
        if (core.volume.lookup(key) == null && !core.fills.fetching(key)) {
            core.fills.prefetch(core.slices.name(objectName(), next));
        }
    }

    private String objectName() {
        if (objectName == null) {
            RequestHead h = connection.head();
            objectName = new String(h.pathBytes(), 0, h.pathLength(), StandardCharsets.UTF_8);
        }
        return objectName;
    }

    @Override
    public void onFillChanged(FillRegistry.Fill fill) {
        if (fill != held || connection.state() != HttpConnection.State.HOLD) {
            return;
        }
        switch (fill.state()) {
            case FETCHING -> {
            }
            case STREAMING, STORED, REFRESHED -> {
                held = null;
                connection.endHold();
                nextPart(); // arriving now, or stored: found there
            }
            case NOT_FOUND -> {
                held = null;
                cutOff(502, "the upstream no longer has the object");
            }
            case FAILED -> {
                held = null;
                cutOff(fill.status(), "upstream fill of a slice failed: " + fill.detail());
            }
        }
    }

    /** The wait for a slice's fill ends without it ({@code status} if the head is not out yet: timeout, drain). */
    void stopWaiting(int status, String detail) {
        cancel();
        cutOff(status, detail);
    }

    /**
     * The object changed upstream between two slices' fills: this response cannot be completed. Both copies are
     * revalidated, so the older one is replaced and the next request finds one version again.
     */
    private void versionMismatch(UpstreamCopy other) {
        HttpCore core = connection.core();
        core.fills.sliceMismatch();
        if (other != null) {
            core.fills.revalidateInBackground(other);
        }
        if (versionCopy != null) {
            core.fills.revalidateInBackground(versionCopy);
        }
        cutOff(502, "the object changed upstream while it was being served");
    }

    /** The body cannot go on: an error response while no part went out, else the connection closes mid-body. */
    private void cutOff(int status, String detail) {
        boolean headOut = parts > 0;
        end();
        if (headOut) {
            connection.close();
        } else {
            connection.respondError(status, detail);
        }
    }

    /** The wait ends (the connection goes, or drains); the fill goes on for the others. */
    void cancel() {
        if (held != null) {
            connection.core().fills.leave(held, this);
            held = null;
        }
    }

    /** The connection is gone, or the body ended another way: nothing more to send or wait for. */
    void abandon() {
        cancel();
        end();
    }

    private void end() {
        active = false;
        version = null;
        versionCopy = null;
    }
}
