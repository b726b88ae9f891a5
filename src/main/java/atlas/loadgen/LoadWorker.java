package atlas.loadgen;

import org.HdrHistogram.Recorder;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One selector thread owning a share of the connections. Without a target rate each connection asks for a random
 * target as soon as its previous response completed (closed loop, like wrk). With one, requests follow an open-loop
 * schedule instead: this worker's share of the rate arrives as a Poisson process ({@link ArrivalSchedule}), each
 * arrival is sent on the connection idle longest ({@link IdleConnections}), and when every connection is busy the
 * arrivals queue, oldest first, until one frees up. Nothing is dropped and nothing waits for a response to be
 * scheduled, so a slow server meets the same arrivals as a fast one, which is what clients arriving independently do.
 * <p>
 * Latency runs from a request's intended time (its arrival; in a closed loop, the moment it is sent) to its
 * response's last byte read, so time spent queued for a connection or behind a late client loop counts: that is
 * what a user arriving then would have waited. No coordinated-omission correction is needed on top (there is no
 * omission: a late response delays the queued arrivals' sends, and their latencies carry the wait).
 * <p>
 * Besides latency, the worker records its own share of the delay: the time from the moment an arrival could have
 * gone out (its time, or the moment a connection freed up if it had to wait for one) to the moment it did, in a
 * second {@link Recorder}. When that grows, or its loop is busy nearly all the time ({@link LoadCounters#BUSY_NS}),
 * the client, not the server, is what falls behind.
 * <p>
 * Every response is read into one direct buffer per worker and parsed in place; body bytes are skipped by moving
 * the buffer's position, never copied. Recorders are swapped for interval histograms by the reporter once a second;
 * counts go into {@link LoadCounters}. The data path allocates nothing: selected keys go to a consumer created once,
 * random numbers come from per-worker generators, the backlog is the gap between two schedules, not a queue.
 */
final class LoadWorker implements Runnable {
    /**
     * One read takes up to this much: a 200-300 KiB segment arrives in one or two reads on loopback, and wrk's
     * figures (it reads 8 KiB at a time but in C) are the ones to agree with, so reads must not be the bottleneck.
     */
    static final int READ_BUFFER_BYTES = 256 * 1024;
    /** After a failed connect: wait before retrying, so a dead server is not hammered in a busy loop. */
    static final long RECONNECT_BACKOFF_NS = TimeUnit.MILLISECONDS.toNanos(100);
    /** How often timeouts and backoffs are checked; also the longest select when nothing is due. */
    static final long HOUSEKEEPING_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(100);
    /** Latencies above an hour are clamped: the histogram's range is fixed so recording never resizes it. */
    static final long MAX_LATENCY_US = TimeUnit.HOURS.toMicros(1);
    /**
     * The last stretch before a due send is waited for by polling the selector, not by a timed select: a timed select
     * sleeps whole milliseconds and wakes a scheduler tick late or more, so it is only used to sleep until this long
     * before the send. Without that margin every send would leave up to a millisecond late, more than a
     * sub-millisecond SLO, and the lateness would be the client's, counted as the server's latency.
     */
    static final long SPIN_BEFORE_SEND_NS = TimeUnit.MILLISECONDS.toNanos(1);

    private final TargetList targets;
    private final InetSocketAddress address;
    private final LoadConnection[] connections;
    private final long timeoutNs;
    /** This worker's share of the target rate; 0 for a closed loop. */
    private final double ratePerSecond;
    private final long scheduleSeed;
    private final SplittableRandom random;
    private final IdleConnections idle;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_BYTES);
    private final Recorder recorder = new Recorder(MAX_LATENCY_US, 3);
    private final Recorder sendDelayRecorder = new Recorder(MAX_LATENCY_US, 3);
    private final LoadCounters counters = new LoadCounters();
    private final Consumer<SelectionKey> onSelected = this::onSelected;

    private volatile boolean running = true;
    private Selector selector;
    private long lastHousekeepingNs;
    /** With a rate: follows the clock (arrivals due so far)... */
    private ArrivalSchedule arrivals;
    /** ...and follows the sends: its next time is the oldest arrival not sent yet. Same seed, same times. */
    private ArrivalSchedule sends;
    /** When this turn's first event was handled, 0 if none yet: the start of the turn's busy time. */
    private long firstEventNs;
    private long busyNs;

    /**
     * @param ratePerSecond this worker's share of the target rate, or 0 for a closed loop
     */
    LoadWorker(TargetList targets, int connectionCount, long timeoutNs, double ratePerSecond, long seed) {
        this.targets = targets;
        this.address = targets.address();
        this.connections = new LoadConnection[connectionCount];
        for (int i = 0; i < connectionCount; i++) {
            connections[i] = new LoadConnection(targets.maxRequestBytes());
        }
        this.timeoutNs = timeoutNs;
        this.ratePerSecond = ratePerSecond;
        this.random = new SplittableRandom(seed);
        this.scheduleSeed = random.nextLong();
        this.idle = new IdleConnections(connectionCount);
    }

    Recorder recorder() {
        return recorder;
    }

    /** Per send with a target rate: how long the client itself held it back (µs). */
    Recorder sendDelayRecorder() {
        return sendDelayRecorder;
    }

    LoadCounters counters() {
        return counters;
    }

    /** Asks the loop to end after its current turn; requests in flight are not counted. */
    void stop() {
        running = false;
        Selector s = selector;
        if (s != null) {
            s.wakeup();
        }
    }

    @Override
    public void run() {
        try (Selector s = Selector.open()) {
            selector = s;
            long now = System.nanoTime();
            lastHousekeepingNs = now;
            if (ratePerSecond > 0) {
                arrivals = new ArrivalSchedule(now, ratePerSecond, scheduleSeed);
                sends = new ArrivalSchedule(now, ratePerSecond, scheduleSeed);
            }
            for (LoadConnection c : connections) {
                open(c, now);
            }
            while (running) {
                doWork();
            }
            if (arrivals != null) {
                // Arrivals up to the end count, sent or not: the backlog left over is part of the result.
                counters.addRelease(LoadCounters.ARRIVALS, arrivals.advanceTo(System.nanoTime()));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("load generator selector failed", e);
        } finally {
            for (LoadConnection c : connections) {
                closeQuietly(c);
            }
        }
    }

    /**
     * One turn: wait for readiness (or the next due arrival, if a connection is free to take it), handle it, send
     * what is due, then timers. Returns events handled plus requests sent.
     */
    int doWork() throws IOException {
        long now = System.nanoTime();
        // Housekeeping can be a millisecond late; a send cannot (see SPIN_BEFORE_SEND_NS). With every connection
        // busy nothing can be sent before a response completes, which select reports, so no send bounds the wait.
        long housekeepingInNs = lastHousekeepingNs + HOUSEKEEPING_INTERVAL_NS - now;
        long timeoutMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(housekeepingInNs));
        if (sends != null && !idle.isEmpty()) {
            timeoutMs = Math.min(timeoutMs, TimeUnit.NANOSECONDS.toMillis(sends.nextNs() - now - SPIN_BEFORE_SEND_NS));
        }
        firstEventNs = 0;
        int events = timeoutMs <= 0 ? selector.selectNow(onSelected) : selector.select(onSelected, timeoutMs);
        if (sends != null) {
            events += dispatch();
        }
        now = System.nanoTime();
        if (now - lastHousekeepingNs >= HOUSEKEEPING_INTERVAL_NS) {
            lastHousekeepingNs = now;
            housekeeping(now);
        }
        if (firstEventNs != 0) {
            // Busy from the first event handled to the end of the turn; time blocked in select, or spinning on an
            // empty selectNow in the last SPIN_BEFORE_SEND_NS before a send, is waiting, not work.
            busyNs += System.nanoTime() - firstEventNs;
            counters.setRelease(LoadCounters.BUSY_NS, busyNs);
        }
        return events;
    }

    private void markBusy() {
        if (firstEventNs == 0) {
            firstEventNs = System.nanoTime();
        }
    }

    /**
     * Counts the arrivals due by now, then sends the oldest unsent ones on idle connections, oldest connection
     * first, until none is due or none is idle (the rest wait for a completion). Returns requests sent.
     */
    private int dispatch() {
        long now = System.nanoTime(); // after this turn's handlers, so every idle connection's stateSinceNs <= now
        long due = arrivals.advanceTo(now);
        if (due > 0) {
            counters.addRelease(LoadCounters.ARRIVALS, due);
        }
        int sent = 0;
        while (sends.nextNs() <= now) {
            LoadConnection c = idle.poll();
            if (c == null) {
                break;
            }
            if (sent == 0) {
                markBusy();
            }
            long intendedNs = sends.nextNs();
            sends.advance();
            long readyNs = intendedNs;
            if (c.stateSinceNs > intendedNs) {
                // Every connection was busy at the arrival's time: the wait until this one freed up is the server's
                // (or too few connections), not the client's.
                readyNs = c.stateSinceNs;
                counters.addRelease(LoadCounters.WAITED, 1);
            }
            sendDelayRecorder.recordValue(Math.min(MAX_LATENCY_US, (now - readyNs) / 1000));
            send(c, intendedNs, now);
            sent++;
        }
        return sent;
    }

    /** Timeouts of requests and connects, and reconnects after a backoff. */
    private void housekeeping(long now) {
        for (LoadConnection c : connections) {
            switch (c.state) {
                case CONNECTING -> {
                    if (now - c.stateSinceNs > timeoutNs) {
                        counters.errorRelease(ErrorKind.CONNECT);
                        backoff(c, now);
                    }
                }
                case WRITING, READING -> {
                    if (now - c.sentNs > timeoutNs) {
                        counters.errorRelease(ErrorKind.TIMEOUT);
                        reopen(c, now);
                    }
                }
                case BACKOFF -> {
                    if (now - c.stateSinceNs >= RECONNECT_BACKOFF_NS) {
                        open(c, now);
                    }
                }
                case IDLE -> {
                }
            }
        }
    }

    private void onSelected(SelectionKey key) {
        markBusy();
        LoadConnection c = (LoadConnection) key.attachment();
        if (!key.isValid() || c.key != key) {
            return;
        }
        if (c.state == LoadConnection.State.CONNECTING) {
            if (key.isConnectable()) {
                finishConnect(c);
            }
            return;
        }
        if (key.isWritable() && c.state == LoadConnection.State.WRITING) {
            write(c);
        }
        if (key.isValid() && c.key == key && key.isReadable()) {
            read(c);
        }
    }

    private void open(LoadConnection c, long now) {
        closeQuietly(c);
        c.state = LoadConnection.State.CONNECTING;
        c.stateSinceNs = now;
        c.responsesOnSocket = 0;
        try {
            SocketChannel ch = SocketChannel.open();
            c.channel = ch;
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            boolean connected = ch.connect(address);
            c.key = ch.register(selector, connected ? SelectionKey.OP_READ : SelectionKey.OP_CONNECT, c);
            if (connected) {
                becomeIdle(c, System.nanoTime());
            }
        } catch (IOException e) {
            counters.errorRelease(ErrorKind.CONNECT);
            backoff(c, now);
        }
    }

    private void finishConnect(LoadConnection c) {
        long now = System.nanoTime();
        try {
            if (!c.channel.finishConnect()) {
                return;
            }
            c.key.interestOps(SelectionKey.OP_READ);
        } catch (IOException e) {
            counters.errorRelease(ErrorKind.CONNECT);
            backoff(c, now);
            return;
        }
        becomeIdle(c, now);
    }

    /** No request outstanding: a closed loop sends the next one at once, an open loop when an arrival is due. */
    private void becomeIdle(LoadConnection c, long now) {
        c.state = LoadConnection.State.IDLE;
        c.stateSinceNs = now;
        if (sends == null) {
            send(c, now, now);
        } else {
            idle.offer(c); // the end of this turn's dispatch() sends on it if an arrival is already waiting
        }
    }

    /** Starts a request for a random target, meant to go out at {@code intendedNs}. */
    private void send(LoadConnection c, long intendedNs, long now) {
        ByteBuffer request = c.request;
        request.clear();
        request.put(targets.request(random.nextInt(targets.size())));
        request.flip();
        c.parser.reset(false);
        c.intendedNs = intendedNs;
        c.sentNs = now;
        c.state = LoadConnection.State.WRITING;
        counters.addRelease(LoadCounters.SENT, 1);
        write(c);
    }

    private void write(LoadConnection c) {
        try {
            c.channel.write(c.request);
        } catch (IOException e) {
            counters.errorRelease(ErrorKind.WRITE);
            reopen(c, System.nanoTime());
            return;
        }
        if (c.request.hasRemaining()) {
            c.key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        } else {
            if (c.state == LoadConnection.State.WRITING && (c.key.interestOps() & SelectionKey.OP_WRITE) != 0) {
                c.key.interestOps(SelectionKey.OP_READ);
            }
            c.state = LoadConnection.State.READING;
        }
    }

    /** Reads until the socket is drained (a full buffer means more may be waiting), parsing as it goes. */
    private void read(LoadConnection c) {
        ByteBuffer buf = readBuffer;
        while (true) {
            buf.clear();
            int n;
            try {
                n = c.channel.read(buf);
            } catch (IOException e) {
                counters.errorRelease(ErrorKind.READ);
                reopen(c, System.nanoTime());
                return;
            }
            if (n < 0) {
                endOfStream(c);
                return;
            }
            if (n == 0) {
                return;
            }
            counters.addRelease(LoadCounters.BYTES_RECEIVED, n);
            if (c.state != LoadConnection.State.READING && c.state != LoadConnection.State.WRITING) {
                counters.errorRelease(ErrorKind.PARSE); // bytes while no request is outstanding
                reopen(c, System.nanoTime());
                return;
            }
            buf.flip();
            int result = c.parser.parse(buf);
            if (result == ResponseParser.MALFORMED) {
                counters.errorRelease(ErrorKind.PARSE);
                reopen(c, System.nanoTime());
                return;
            }
            if (result == ResponseParser.COMPLETE) {
                // Requests are never pipelined, so anything after the response is unsolicited.
                boolean extra = buf.hasRemaining();
                completed(c, System.nanoTime());
                if (extra) {
                    counters.errorRelease(ErrorKind.PARSE);
                    reopen(c, System.nanoTime());
                }
                return;
            }
            if (n < buf.capacity()) {
                return;
            }
        }
    }

    private void endOfStream(LoadConnection c) {
        long now = System.nanoTime();
        boolean outstanding = c.state == LoadConnection.State.READING || c.state == LoadConnection.State.WRITING;
        if (outstanding && c.parser.endOfStream() == ResponseParser.COMPLETE) {
            completed(c, now); // body delimited by the close; completed() reconnects
            return;
        }
        if (outstanding) {
            counters.errorRelease(ErrorKind.READ);
        }
        // Otherwise an idle keep-alive connection the server closed: not an error, just reconnect.
        reopen(c, now);
    }

    /** A whole response arrived: record it, then the next request on this socket or a new socket. */
    private void completed(LoadConnection c, long now) {
        recorder.recordValue(Math.min(MAX_LATENCY_US, Math.max(0, (now - c.intendedNs) / 1000)));
        ResponseParser parser = c.parser;
        counters.addRelease(LoadCounters.REQUESTS, 1);
        counters.addRelease(LoadCounters.BODY_BYTES, parser.bodyBytes());
        if (parser.status() < 200 || parser.status() > 299) {
            counters.errorRelease(ErrorKind.STATUS);
        }
        c.responsesOnSocket++;
        c.request.clear().flip(); // a response before the request was fully written ends that request
        if (!parser.keepAlive()) {
            reopen(c, now);
            return;
        }
        if (c.key != null && (c.key.interestOps() & SelectionKey.OP_WRITE) != 0) {
            c.key.interestOps(SelectionKey.OP_READ);
        }
        becomeIdle(c, now);
    }

    /** Closes and opens a new socket; with a rate, arrivals meanwhile wait for it or go to another connection. */
    private void reopen(LoadConnection c, long now) {
        open(c, now);
    }

    private void backoff(LoadConnection c, long now) {
        closeQuietly(c);
        c.state = LoadConnection.State.BACKOFF;
        c.stateSinceNs = now;
    }

    private static void closeQuietly(LoadConnection c) {
        if (c.key != null) {
            c.key.cancel();
            c.key = null;
        }
        if (c.channel != null) {
            try {
                c.channel.close();
            } catch (IOException e) {
                // Nothing to do: the socket is gone either way.
            }
            c.channel = null;
        }
    }
}
