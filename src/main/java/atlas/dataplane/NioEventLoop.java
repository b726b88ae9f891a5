package atlas.dataplane;


import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One core of the NIO dataplane: a pinned thread that owns a selector, its own {@code SO_REUSEPORT} listener,
 * its connections and buffers, and runs every exchange to completion (IX). Nothing here is shared with another
 * core; the only cross-thread signals are {@link #requestShutdown} and the selector wake-up.
 *
 * <pre>
 *  turn:  select (or selectNow when work is queued)
 *           -> accept new connections, mark ready the ones the selector reports
 *           -> perform queued disk requests ({@link NioDiskIo}), then queued socket operations, delivering
 *              completions (bounded per turn)
 *           -> protocol.onTurnEnd()   (group commit of everything the turn staged)
 *           -> every 100 ms: expire deadlines
 * </pre>
 * The NIO engine performs disk I/O synchronously inside the turn (O_DIRECT preads are tens of microseconds on
 * flash); the io_uring engine makes them asynchronous on the same ring as the sockets.
 */
final class NioEventLoop implements Runnable {
    private static final long SWEEP_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(100);
    /** Bound on operations performed per turn, so accepting and timers are never starved (IX's bounded batch). */
    private static final int MAX_OPS_PER_TURN = 4096;
    private static final int MAX_ACCEPTS_PER_TURN = 256;

    private final int coreIndex;
    private final int cpu;
    private final Selector selector;
    /** One per {@link EngineSettings#listeners()} entry; the key's attachment is the listener index. */
    private final ServerSocketChannel[] listeners;
    private final CoreProtocol protocol;
    private final BufferPool buffers;
    private final CoreContext context;
    private final NioDiskIo disk;
    private final int maxConnections;
    private final ArrayDeque<NioConnection> ready = new ArrayDeque<>();
    private final ConnectionTable<NioConnection> connections;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean shutdownRequested;
    private volatile long graceDeadlineNs;
    private final LoopClock clock;
    private final CoreInbox inbox;
    private long lastSweepNs;
    private long refusedConnections;

    /** {@code listenerCount}: how many listeners {@link #listen} will open. */
    NioEventLoop(CoreContext ctx, int listenerCount, CoreProtocol protocol, NioDiskIo disk, int maxConnections)
            throws IOException {
        this.coreIndex = ctx.coreIndex();
        this.connections = new ConnectionTable<>(ctx.coreIndex());
        this.clock = ctx.clock();
        this.inbox = ctx.inbox();
        this.cpu = ctx.cpu();
        this.buffers = ctx.buffers();
        this.context = ctx;
        this.protocol = protocol;
        this.disk = disk;
        this.maxConnections = maxConnections;
        this.selector = Selector.open();
        inbox.wakeWith(selector::wakeup);
        this.listeners = new ServerSocketChannel[listenerCount];
    }

    /**
     * Opens this core's listener on each address and registers it for accepts, before the loop runs. A JDK channel
     * binds and listens in one call, so from here on the kernel accepts connections for this core: the engine calls
     * it last, once every core exists. A failure leaves what was opened to {@link #abandon}.
     */
    void listen(List<InetSocketAddress> listen) throws IOException {
        for (int i = 0; i < listeners.length; i++) {
            ServerSocketChannel l = ServerSocketChannel.open();
            listeners[i] = l;
            l.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            l.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            l.bind(listen.get(i), 4096);
            l.configureBlocking(false);
            l.register(selector, SelectionKey.OP_ACCEPT, i);
        }
    }

    int port(int listener) {
        return ((InetSocketAddress) listeners[listener].socket().getLocalSocketAddress()).getPort();
    }

    private void closeListeners() {
        for (ServerSocketChannel l : listeners) {
            if (l == null) {
                continue;
            }
            try {
                l.close();
            } catch (IOException ignored) {
                // Closing a listener cannot fail in a way we could act on.
            }
        }
    }

    long nowNs() {
        return clock.nowNs();
    }

    long refusedConnections() {
        return refusedConnections;
    }

    @Override
    public void run() {
        Thread.currentThread().setName("atlas-core-" + coreIndex);
        CpuPinning.pinCurrentThread(cpu);
        clock.tick();
        lastSweepNs = clock.nowNs();
        boolean draining = false;
        try {
            while (true) {
                if (shutdownRequested && !draining) {
                    draining = true;
                    beginDrain();
                }
                if (draining && disk.inFlight() == 0 && (connections.isEmpty() || clock.nowNs() - graceDeadlineNs >= 0)) {
                    break;
                }
                int selected = ready.isEmpty() && !disk.hasQueued() && inbox.isEmpty()
                        ? selector.select(100) : selector.selectNow();
                clock.tick();
                long nowNs = clock.nowNs();
                if (selected > 0) {
                    handleSelected();
                }
                inbox.drain();
                disk.performQueued();
                performReady();
                // Buffers released during the turn reach their waiters here, outside the releasing call, and
                // before the turn end, so what they stage is committed with the rest of the turn.
                buffers.deliverGranted();
                protocol.onTurnEnd();
                if (nowNs - lastSweepNs >= SWEEP_INTERVAL_NS) {
                    lastSweepNs = nowNs;
                    connections.expireDeadlines(nowNs);
                    buffers.trim(nowNs); // memory back when the load fell (slabbed pools only)
                }
                if (buffers.deliverGranted() > 0) {
                    protocol.onTurnEnd(); // released by the turn end or a timeout: do not leave it for 100 ms
                }
            }
        } catch (IOException | RuntimeException e) {
            // A failure of the loop itself (not of one connection) stops this core loudly.
            System.err.println("atlas: core " + coreIndex + " stopped: " + e);
            e.printStackTrace();
        } finally {
            closeAll();
            context.closeBuffers();
            stopped.countDown();
        }
    }

    private void handleSelected() throws IOException {
        var keys = selector.selectedKeys();
        for (var it = keys.iterator(); it.hasNext(); ) {
            SelectionKey k = it.next();
            it.remove();
            if (!k.isValid()) {
                continue;
            }
            if (k.attachment() instanceof NioConnection c) {
                c.onSelected(k.readyOps());
            } else if (k.isAcceptable() && k.attachment() instanceof Integer listener) {
                acceptAll(listener);
            }
        }
    }

    private void acceptAll(int listener) throws IOException {
        for (int i = 0; i < MAX_ACCEPTS_PER_TURN; i++) {
            SocketChannel ch = listeners[listener].accept();
            if (ch == null) {
                return;
            }
            if (connections.size() >= maxConnections) {
                refusedConnections++;
                ch.close();
                continue;
            }
            String remote = String.valueOf(ch.getRemoteAddress()).replace("/", "");
            // The protocol decides first: a refused connection (a client over its limit) costs nothing more.
            TransportHandler<? super SocketTransport> handler = protocol.newConnection(listener, remote);
            if (handler == null) {
                // A reset, not a FIN: a refused client in a flood leaves no TIME_WAIT behind.
                ch.setOption(StandardSocketOptions.SO_LINGER, 0);
                ch.close();
                continue;
            }
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            SelectionKey key = ch.register(selector, 0);
            NioConnection c = new NioConnection(this, ch, key, handler, remote);
            key.attach(c);
            connections.add(c);
            try {
                c.handler.onOpen(c);
            } catch (RuntimeException e) {
                connections.failed(c, e);
            }
        }
    }

    void ready(NioConnection c) {
        if (!c.onReadyList) {
            c.onReadyList = true;
            ready.addLast(c);
        }
    }

    private void performReady() {
        for (int n = 0; n < MAX_OPS_PER_TURN; n++) {
            NioConnection c = ready.pollFirst();
            if (c == null) {
                return;
            }
            c.onReadyList = false;
            if (!c.isClosed()) {
                try {
                    c.perform();
                } catch (RuntimeException e) {
                    connections.failed(c, e);
                }
            }
        }
    }

    void unregister(NioConnection c) {
        connections.remove(c);
    }

    /** A handler's onClosed threw: reported like any handler failure (the connection is gone already). */
    void closeFailed(NioConnection c, RuntimeException e) {
        connections.failed(c, e);
    }

    private void beginDrain() {
        closeListeners();
        protocol.onShutdown();
        connections.drainAll();
    }

    /** Closes every connection, then lets the disk requests still queued complete (their buffers go back). */
    private void closeAll() {
        connections.closeAll();
        while (disk.hasQueued()) {
            disk.performQueued();
        }
        closeListeners();
        try {
            selector.close();
        } catch (IOException ignored) {
            // Shutting down anyway.
        }
    }

    /** Releases the listener and selector of a loop that never ran (start-up failed on another core). */
    void abandon() {
        closeAll();
        context.closeBuffers();
    }

    void requestShutdown(long graceNs) {
        graceDeadlineNs = System.nanoTime() + graceNs;
        shutdownRequested = true;
        selector.wakeup();
    }

    boolean awaitStopped(long timeoutNs) throws InterruptedException {
        return stopped.await(timeoutNs, TimeUnit.NANOSECONDS);
    }
}
