package atlas.server;

import atlas.fill.FillRegistry;
import atlas.fill.SliceLayout;
import atlas.http.RequestHead;
import atlas.store.ObjectKey;
import atlas.store.UpstreamCopy;

import java.nio.charset.StandardCharsets;

/**
 * One connection's wait on the upstream, on an edge: a GET or HEAD of an object this node does not hold joins the
 * object's fill, and one of a copy too stale to serve joins its revalidation ({@link FillRegistry}: one upstream
 * exchange per object however many ask). The request is held — no buffer, no receive — until the fill's body
 * starts arriving (then it is streamed from its first byte, as any upload being read while it arrives), it is
 * stored or the copy confirmed (then it is served from here), or it ends without it: 404 when the upstream has no
 * such object; the stale copy when the upstream failed and the copy's stale-if-error allows it; else 502 or 504.
 * Bounded by the upstream timeout.
 * <p>
 * Thread: the connection's core (the registry tells it through the core's inbox).
 */
final class FillHold implements FillRegistry.Waiter {
    private static final int MAX_ROUNDS = 2;
    private final HttpConnection connection;
    private FillRegistry.Fill held;
    /** The stale copy this request waits to revalidate; null for a miss. */
    private UpstreamCopy revalidating;
    /** This request already went upstream: what the index holds now is its answer, fresh or not. */
    private boolean wentUpstream;
    /**
     * Fills this request waited on. A fill can end stored with nothing left to serve (no-store: deleted at once; or
     * a DELETE in between): then the request asks once more, rather than answering 404 for what exists.
     */
    private int rounds;
    /** This request's miss started the fill it waits on (the others joined it). */
    private boolean startedIt;

    FillHold(HttpConnection connection) {
        this.connection = connection;
    }

    /** A new request: nothing of the previous one's wait carries over. */
    void reset() {
        wentUpstream = false;
        revalidating = null;
        rounds = 0;
    }

    /** A miss on an edge: true when this took the request (it now waits for the fill); false to answer 404. */
    boolean takes(RequestHead head) {
        HttpCore core = connection.core();
        if (core.fills == null) {
            return false;
        }
        ObjectKey probe = core.probe.wrap(head.pathBytes(), head.pathLength());
        if (rounds >= MAX_ROUNDS) {
            return false;
        }
        if (core.fills.knownAbsent(probe)) {
            connection.cacheOutcome(CacheOutcome.NEGATIVE); // the upstream said 404 a moment ago
            return false;
        }
        rounds++;
        String name = new String(head.pathBytes(), 0, head.pathLength(), StandardCharsets.UTF_8);
        boolean startedBefore = connection.cacheOutcome() == CacheOutcome.MISS; // its fill, found not yet stored
        startedIt = false;
        // With slices, a range that starts past the first slice fetches its own slice, not what is in front of it;
        // anything else fetches the object's start, and the answer says whether it is whole or a first slice.
        int slice = core.slices.on() ? SlicedGet.firstSlice(connection) : 0;
        held = slice == 0 ? core.fills.join(probe, name, core.inbox(), this)
                : core.fills.join(core.slices.key(name, slice), core.slices.name(name, slice), core.inbox(), this);
        connection.cacheOutcome(startedIt || startedBefore ? CacheOutcome.MISS : CacheOutcome.FILL);
        connection.enterHold(core.fillTimeoutNs);
        return true;
    }

    /**
     * A use of {@code copy} that is too stale to serve before asking the upstream: the request waits for the
     * copy's revalidation (its record is no longer pinned by the caller).
     */
    void revalidates(UpstreamCopy copy) {
        HttpCore core = connection.core();
        rounds++;
        revalidating = copy;
        startedIt = false;
        held = core.fills.revalidate(copy, core.inbox(), this);
        connection.cacheOutcome(CacheOutcome.REVALIDATED);
        connection.enterHold(core.fillTimeoutNs);
    }

    @Override
    public void startedFill() {
        startedIt = true;
    }

    /** True once this request waited on the upstream: serve what is there now, without asking again. */
    boolean wentUpstream() {
        return wentUpstream;
    }

    boolean holds() {
        return held != null;
    }

    @Override
    public void onFillChanged(FillRegistry.Fill fill) {
        if (fill != held || connection.state() != HttpConnection.State.HOLD) {
            return; // an earlier fill's news, or the connection moved on (closed, timed out)
        }
        switch (fill.state()) {
            case FETCHING -> {
                return;
            }
            case STREAMING, STORED, REFRESHED -> {
                if (fill.notKept() && !startedIt) {
                    // Not storable: the fill was its starter's alone. Once it is over, ask the upstream anew.
                    if (fill.state() == FillRegistry.State.STORED) {
                        held = null;
                        connection.leaveHold(); // finds nothing kept: takes() starts its own fill
                    }
                    return;
                }
                if (fill.state() != FillRegistry.State.REFRESHED && revalidating != null) {
                    connection.cacheOutcome(CacheOutcome.MISS); // the upstream sent a new version
                }
                release();
                connection.leaveHold(); // its upload is readable now, or stored, or confirmed: served from here
            }
            case NOT_FOUND -> {
                release();
                connection.leaveHoldWith(404, "no such object here or upstream");
            }
            case FAILED -> {
                UpstreamCopy stale = revalidating;
                release();
                if (stale != null && !stale.gone() && stale.terms().staleOnError(connection.core().clock().epochMillis())) {
                    connection.cacheOutcome(CacheOutcome.STALE_ON_ERROR);
                    connection.leaveHold(); // what we have, saying so (Cache-Status: fwd=stale)
                } else {
                    connection.leaveHoldWith(fill.status(), "upstream fill failed: " + fill.detail());
                }
            }
        }
    }

    private void release() {
        held = null;
        revalidating = null;
        wentUpstream = true;
    }

    /** The upstream did not deliver within the timeout: 504; the fill goes on for whoever asks next. */
    void onTimeout() {
        cancel();
        connection.respondError(504, "the upstream did not deliver the object in time");
    }

    /** The connection is going: nothing more to wait for; the fill goes on for the others. */
    void cancel() {
        if (held != null) {
            connection.core().fills.leave(held, this);
            held = null;
        }
        revalidating = null;
    }
}
