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
 * One selector thread owning a share of the connections: each asks for a random target as soon as its previous
 * response completed (closed loop, like wrk), or when its next slot is due if a target rate was given.
 * <p>
 * Every response is read into one direct buffer per worker and parsed in place; body bytes are skipped by moving
 * the buffer's position, never copied. Latency (µs) goes into this worker's {@link Recorder}, which the reporter
 * swaps for an interval histogram once a second; counts go into {@link LoadCounters}. The data path allocates
 * nothing: selected keys go to a consumer created once, random numbers come from a per-worker generator.
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

    private final TargetList targets;
    private final InetSocketAddress address;
    private final LoadConnection[] connections;
    private final long timeoutNs;
    /** Per connection, with a target rate; 0 for a closed loop. */
    private final long intervalNs;
    private final long intervalUs;
    private final SplittableRandom random;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_BYTES);
    private final Recorder recorder = new Recorder(MAX_LATENCY_US, 3);
    private final LoadCounters counters = new LoadCounters();
    private final Consumer<SelectionKey> onSelected = this::onSelected;

    private volatile boolean running = true;
    private Selector selector;
    private long lastHousekeepingNs;

    /**
     * @param intervalNs time between two requests of one connection when a rate is given, else 0
     */
    LoadWorker(TargetList targets, int connectionCount, long timeoutNs, long intervalNs, long seed) {
        this.targets = targets;
        this.address = targets.address();
        this.connections = new LoadConnection[connectionCount];
        for (int i = 0; i < connectionCount; i++) {
            connections[i] = new LoadConnection(targets.maxRequestBytes());
        }
        this.timeoutNs = timeoutNs;
        this.intervalNs = intervalNs;
        this.intervalUs = Math.max(1, intervalNs / 1000);
        this.random = new SplittableRandom(seed);
    }

    Recorder recorder() {
        return recorder;
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
            for (LoadConnection c : connections) {
                // With a rate, spread the first requests over one interval instead of firing them all at once.
                c.dueNs = intervalNs > 0 ? now + random.nextLong(intervalNs) : now;
                open(c, now);
            }
            while (running) {
                doWork();
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("load generator selector failed", e);
        } finally {
            for (LoadConnection c : connections) {
                closeQuietly(c);
            }
        }
    }

    /** One turn: wait for readiness (or the next due request), serve it, then timers. Returns events handled. */
    int doWork() throws IOException {
        long now = System.nanoTime();
        long waitNs = Math.max(0, lastHousekeepingNs + HOUSEKEEPING_INTERVAL_NS - now);
        if (intervalNs > 0) {
            waitNs = Math.min(waitNs, nextDueNs(now) - now);
        }
        int events = waitNs < TimeUnit.MILLISECONDS.toNanos(1)
                ? selector.selectNow(onSelected)
                : selector.select(onSelected, TimeUnit.NANOSECONDS.toMillis(waitNs));
        now = System.nanoTime();
        if (intervalNs > 0) {
            events += sendDue(now);
        }
        if (now - lastHousekeepingNs >= HOUSEKEEPING_INTERVAL_NS) {
            lastHousekeepingNs = now;
            housekeeping(now);
        }
        return events;
    }

    private long nextDueNs(long now) {
        long next = now + HOUSEKEEPING_INTERVAL_NS;
        for (LoadConnection c : connections) {
            if (c.state == LoadConnection.State.WAITING && c.dueNs < next) {
                next = c.dueNs;
            }
        }
        return next;
    }

    private int sendDue(long now) {
        int sent = 0;
        for (LoadConnection c : connections) {
            if (c.state == LoadConnection.State.WAITING && c.dueNs <= now) {
                send(c, now);
                sent++;
            }
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
                case WAITING -> {
                }
            }
        }
    }

    private void onSelected(SelectionKey key) {
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
                connected(c, System.nanoTime());
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
        connected(c, now);
    }

    private void connected(LoadConnection c, long now) {
        if (intervalNs > 0 && c.dueNs > now) {
            c.state = LoadConnection.State.WAITING;
        } else {
            send(c, now);
        }
    }

    /** Starts a request for a random target. */
    private void send(LoadConnection c, long now) {
        ByteBuffer request = c.request;
        request.clear();
        request.put(targets.request(random.nextInt(targets.size())));
        request.flip();
        c.parser.reset(false);
        c.sentNs = now;
        c.state = LoadConnection.State.WRITING;
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
        long latencyUs = Math.min(MAX_LATENCY_US, Math.max(0, (now - c.sentNs) / 1000));
        if (intervalNs > 0) {
            // Coordinated omission: a response slower than the interval delayed the requests that should have
            // gone out meanwhile; the recorder adds their latencies as if they had been sent on time.
            recorder.recordValueWithExpectedInterval(latencyUs, intervalUs);
        } else {
            recorder.recordValue(latencyUs);
        }
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
        if (intervalNs > 0) {
            // Keep the schedule; a slot missed because this response was late is not made up with a burst (the
            // recorder has already accounted for it), so never schedule in the past.
            c.dueNs = Math.max(c.dueNs + intervalNs, now);
            if (c.dueNs > now) {
                c.state = LoadConnection.State.WAITING;
                return;
            }
        }
        send(c, now);
    }

    /** Closes and opens a new socket; with a rate, the connection's schedule carries over. */
    private void reopen(LoadConnection c, long now) {
        if (intervalNs > 0 && c.dueNs < now) {
            c.dueNs = now;
        }
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
