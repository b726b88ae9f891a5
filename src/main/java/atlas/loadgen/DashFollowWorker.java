package atlas.loadgen;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One selector thread owning a share of the viewers of a live DASH stream ({@link DashViewer}): thousands of them
 * on a core, where a thread per viewer would measure the client. Each segment's timing comes from the MPD: segment
 * {@code n} starts being produced at {@code availabilityStartTime + (n - startNumber) * duration}, may be asked for
 * {@code availabilityTimeOffset} before its end, and a player {@value #LIVE_DELAY_MS} ms behind the live edge
 * (dash.js's low-latency target in bench/live-latency.sh) needs its last byte by its end plus that delay; later is a
 * stall. The first body byte of each segment is timed from the segment's start, so the figure holds everything
 * between the encoder starting a segment and a viewer holding its first bytes.
 * <p>
 * Responses are read into one direct buffer per worker and parsed in place; request bytes are built once per
 * segment number and copied into each viewer's buffer. The encoder and this client share the machine's clock.
 */
final class DashFollowWorker implements Runnable {
    static final long LIVE_DELAY_MS = 1000;
    /** A segment asked for before its PUT began is 404: asked again after this. */
    static final long RETRY_NS = TimeUnit.MILLISECONDS.toNanos(50);
    static final long RECONNECT_BACKOFF_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int READ_BUFFER_BYTES = 256 * 1024;
    /** Timeouts are looked for this often, not every loop turn: thousands of viewers per worker. */
    private static final long EXPIRY_SCAN_NS = TimeUnit.MILLISECONDS.toNanos(100);

    private final LiveManifest manifest;
    private final InetSocketAddress address;
    private final String host;
    private final DashViewer[] viewers;
    private final FollowCounters counters;
    private final long timeoutNs;
    private final long endNs;
    /** The presentation's start on this JVM's nanoTime clock. */
    private final long availabilityStartNs;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_BUFFER_BYTES);
    private final PriorityQueue<DashViewer> waiting =
            new PriorityQueue<>((a, b) -> Long.compare(a.wakeAtNs, b.wakeAtNs));
    private final Map<Long, byte[]> requests = new HashMap<>();
    private final Consumer<SelectionKey> onSelected = this::onSelected;
    private Selector selector;
    private long now;
    private long lastExpiryScanNs;

    DashFollowWorker(LiveManifest manifest, InetSocketAddress address, int viewers, long joinSpreadNs,
                     FollowCounters counters, long timeoutNs, long startNs, long endNs) {
        this.manifest = manifest;
        this.address = address;
        this.host = manifest.base().getHost() + (manifest.base().getPort() > 0 ? ":" + manifest.base().getPort() : "");
        this.counters = counters;
        this.timeoutNs = timeoutNs;
        this.endNs = endNs;
        long epochNowNs = System.currentTimeMillis() * 1_000_000L;
        this.availabilityStartNs = System.nanoTime() - (epochNowNs - manifest.availabilityStartEpochMillis() * 1_000_000L);
        this.viewers = new DashViewer[viewers];
        for (int i = 0; i < viewers; i++) {
            DashViewer v = new DashViewer();
            v.wakeAtNs = startNs + joinSpreadNs * i / Math.max(1, viewers);
            this.viewers[i] = v;
            waiting.add(v);
        }
    }

    private long segmentStartNs(long number) {
        return availabilityStartNs + (number - manifest.startNumber()) * manifest.segmentNanos();
    }

    /** The segment being produced at {@code t}. */
    private long liveEdge(long t) {
        return manifest.startNumber() + Math.max(0, (t - availabilityStartNs) / manifest.segmentNanos());
    }

    private long availableNs(long number) {
        long start = segmentStartNs(number);
        return Math.max(start, start + manifest.segmentNanos()
                - (long) (manifest.availabilityTimeOffsetSeconds() * 1e9));
    }

    @Override
    public void run() {
        try (Selector s = Selector.open()) {
            selector = s;
            while ((now = System.nanoTime()) < endNs) {
                DashViewer due = waiting.peek();
                long waitNs = due == null ? TimeUnit.MILLISECONDS.toNanos(10) : Math.max(0, due.wakeAtNs - now);
                if (waitNs > 0) {
                    selector.select(onSelected, Math.max(1, Math.min(10, TimeUnit.NANOSECONDS.toMillis(waitNs))));
                } else {
                    selector.selectNow(onSelected);
                }
                now = System.nanoTime();
                while ((due = waiting.peek()) != null && due.wakeAtNs <= now) {
                    waiting.poll();
                    wake(due);
                }
                if (now - lastExpiryScanNs > EXPIRY_SCAN_NS) {
                    lastExpiryScanNs = now;
                    expireSlow();
                }
            }
        } catch (IOException e) {
            counters.ioErrors.increment();
        } finally {
            for (DashViewer v : viewers) {
                closeQuietly(v);
            }
        }
    }

    private void wake(DashViewer v) {
        if (v.channel == null) {
            connect(v);
            return;
        }
        send(v);
    }

    private void connect(DashViewer v) {
        try {
            SocketChannel ch = SocketChannel.open();
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            v.channel = ch;
            boolean connected = ch.connect(address);
            v.key = ch.register(selector, connected ? 0 : SelectionKey.OP_CONNECT, v);
            v.state = DashViewer.State.CONNECTING;
            if (connected) {
                connected(v);
            }
        } catch (IOException e) {
            failed(v);
        }
    }

    private void connected(DashViewer v) {
        if (!v.initDone && v.number == 0) {
            v.number = liveEdge(now); // join at the segment being produced, as a low-latency player does
        }
        v.key.interestOps(0);
        send(v);
    }

    private void send(DashViewer v) {
        if (v.initDone) {
            long edge = liveEdge(now);
            if (edge > v.number + 1) {
                counters.missedSegments.add(edge - v.number - 1); // fell behind: on to the segment being produced
                v.number = edge;
            }
        }
        byte[] bytes = requestBytes(v.initDone ? v.number : -1);
        v.request.clear().put(bytes).flip();
        v.parser.reset(false);
        v.firstByteSeen = false;
        v.requestNs = now;
        v.state = DashViewer.State.WRITING;
        write(v);
    }

    private byte[] requestBytes(long number) {
        byte[] b = requests.get(number);
        if (b == null) {
            if (requests.size() > 64) {
                requests.clear(); // old numbers: no viewer asks for them again
            }
            java.net.URI uri = number < 0 ? manifest.init() : manifest.media(number);
            b = ("GET " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: atlas-bench-follow\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            requests.put(number, b);
        }
        return b;
    }

    private void write(DashViewer v) {
        try {
            v.channel.write(v.request);
        } catch (IOException e) {
            failed(v);
            return;
        }
        if (v.request.hasRemaining()) {
            v.key.interestOps(SelectionKey.OP_WRITE);
            return;
        }
        v.state = DashViewer.State.READING;
        v.key.interestOps(SelectionKey.OP_READ);
    }

    private void onSelected(SelectionKey key) {
        DashViewer v = (DashViewer) key.attachment();
        if (!key.isValid()) {
            return;
        }
        now = System.nanoTime();
        try {
            if (v.state == DashViewer.State.CONNECTING && key.isConnectable()) {
                if (v.channel.finishConnect()) {
                    connected(v);
                }
            } else if (v.state == DashViewer.State.WRITING && key.isWritable()) {
                write(v);
            } else if (v.state == DashViewer.State.READING && key.isReadable()) {
                read(v);
            }
        } catch (IOException e) {
            failed(v);
        }
    }

    private void read(DashViewer v) throws IOException {
        ByteBuffer buf = readBuffer;
        buf.clear();
        int n = v.channel.read(buf);
        if (n < 0) {
            failed(v);
            return;
        }
        buf.flip();
        int r = v.parser.parse(buf);
        if (!v.firstByteSeen && v.parser.bodyBytes() > 0) {
            v.firstByteSeen = true;
            if (v.initDone && !v.joining && v.parser.status() == 200) {
                counters.segmentStartToFirstByte.recordValue(Math.clamp((now - segmentStartNs(v.number)) / 1000,
                        0, FollowCounters.MAX_US));
            }
        }
        if (r == ResponseParser.MALFORMED) {
            failed(v);
        } else if (r == ResponseParser.COMPLETE) {
            completed(v);
        }
    }

    private void completed(DashViewer v) {
        int status = v.parser.status();
        long next = v.number;
        long wakeAt;
        if (!v.initDone) {
            if (status == 200) {
                v.initDone = true;
            } else {
                counters.httpErrors.increment();
            }
            wakeAt = status == 200 ? Math.max(now, availableNs(next)) : now + RETRY_NS;
        } else if (status == 200) {
            counters.segments.increment();
            counters.segmentBytes.add(v.parser.bodyBytes());
            counters.segmentDownload.recordValue(Math.min(FollowCounters.MAX_US, (now - v.requestNs) / 1000));
            long dueNs = segmentStartNs(v.number) + manifest.segmentNanos()
                    + TimeUnit.MILLISECONDS.toNanos(LIVE_DELAY_MS);
            if (now > dueNs) {
                counters.stalls.increment();
                counters.stallMicros.add((now - dueNs) / 1000);
            }
            next = v.number + 1;
            wakeAt = Math.max(now, availableNs(next));
            v.joining = false;
        } else if (status == 404 && now < segmentStartNs(v.number) + manifest.segmentNanos()) {
            counters.earlyRequests.increment(); // asked before the encoder began its PUT: ask again shortly
            wakeAt = now + RETRY_NS;
        } else {
            counters.httpErrors.increment();
            next = v.number + 1;
            wakeAt = Math.max(now, availableNs(next));
        }
        v.number = next;
        if (!v.parser.keepAlive()) {
            closeQuietly(v);
        }
        v.state = DashViewer.State.WAITING;
        if (v.key != null) {
            v.key.interestOps(0);
        }
        v.wakeAtNs = wakeAt;
        waiting.add(v);
    }

    /** A response that took longer than the timeout: its connection is dropped (counted as an I/O error). */
    private void expireSlow() {
        for (DashViewer v : viewers) {
            if ((v.state == DashViewer.State.READING || v.state == DashViewer.State.WRITING)
                    && now - v.requestNs > timeoutNs) {
                failed(v);
            }
        }
    }

    private void failed(DashViewer v) {
        counters.ioErrors.increment();
        closeQuietly(v);
        v.state = DashViewer.State.WAITING;
        v.wakeAtNs = now + RECONNECT_BACKOFF_NS;
        waiting.remove(v);
        waiting.add(v);
    }

    private static void closeQuietly(DashViewer v) {
        if (v.channel != null) {
            try {
                v.channel.close();
            } catch (IOException ignored) {
                // closing: nothing more to do with it
            }
            v.channel = null;
            v.key = null;
        }
    }
}
