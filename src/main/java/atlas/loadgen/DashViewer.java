package atlas.loadgen;

import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One viewer of a live DASH stream in a {@link DashFollowWorker}, on one persistent connection; touched by that
 * worker's thread only. It fetches the initialization segment, then every media segment once, in order, from the
 * one being produced when it joined: each as soon as the MPD says it may (in low-latency DASH, while it is still
 * being produced), reading it to its end as it arrives.
 * <pre>
 *   CONNECTING --connected--> WAITING --its time--> WRITING --all written--> READING --complete--> WAITING (next)
 *   any error or timeout: close, WAITING for a reconnect after a back-off;  a 404 before the segment's end: retry
 * </pre>
 */
final class DashViewer {
    enum State { CONNECTING, WAITING, WRITING, READING }

    final ResponseParser parser = new ResponseParser();
    /** The current request; direct so the write is one copy into the socket. */
    final ByteBuffer request = ByteBuffer.allocateDirect(1024);

    SocketChannel channel;
    SelectionKey key;
    State state = State.WAITING;
    /** The media segment being fetched or next; the init segment first, while {@link #initDone} is false. */
    long number;
    boolean initDone;
    /** The segment it joined on was already being produced: its first byte is not timed (it was not new). */
    boolean joining = true;
    /** WAITING: when to send (or reconnect); its place in the worker's queue. */
    long wakeAtNs;
    long requestNs;
    boolean firstByteSeen;
}
