package atlas.server;

import atlas.fill.FillRegistry;
import atlas.http.RequestHead;

import java.nio.charset.StandardCharsets;

/**
 * One connection's wait for an edge fill: a GET or HEAD of an object this node does not hold joins the object's
 * fill ({@link FillRegistry}: one upstream fetch however many ask) and is held — no buffer, no receive — until the
 * fill's body starts arriving (then it is streamed from its first byte, as any upload being read while it arrives),
 * it is stored (then it is a hit), or the fill ends without it: 404 when the upstream has no such object, 502 or
 * 504 when no upstream could deliver it. Bounded by the upstream timeout.
 * <p>
 * Thread: the connection's core (the registry tells it through the core's inbox).
 */
final class FillHold implements FillRegistry.Waiter {
    private final HttpConnection connection;
    private FillRegistry.Fill held;

    FillHold(HttpConnection connection) {
        this.connection = connection;
    }

    /** A miss on an edge: true when this took the request (it now waits for the fill); false to answer 404. */
    boolean takes(RequestHead head) {
        HttpCore core = connection.core();
        if (core.fills == null) {
            return false;
        }
        String name = new String(head.pathBytes(), 0, head.pathLength(), StandardCharsets.UTF_8);
        held = core.fills.join(core.probe.wrap(head.pathBytes(), head.pathLength()), name, core.inbox(), this);
        connection.enterHold(core.fillTimeoutNs);
        return true;
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
            case STREAMING, STORED -> {
                held = null;
                connection.leaveHold(); // its upload is readable now, or stored: served like any other GET
            }
            case NOT_FOUND -> {
                held = null;
                connection.leaveHoldWith(404, "no such object here or upstream");
            }
            case FAILED -> {
                held = null;
                connection.leaveHoldWith(fill.status(), "upstream fill failed: " + fill.detail());
            }
        }
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
    }
}
