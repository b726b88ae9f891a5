package atlas.dataplane;

import atlas.posix.Libc;
import atlas.posix.PosixException;
import atlas.posix.Errno;
import atlas.uring.Sockets;

import java.io.IOException;
import java.net.BindException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The io_uring dataplane: {@link UringEventLoop}s, one per core, each with its own ring, its own registered buffer
 * slab and its own {@code SO_REUSEPORT} listener (the kernel spreads connections; a connection never leaves its
 * core). Sockets are raw descriptors made through FFM because the ring needs the fds.
 */
public final class UringEngine implements Engine {
    private final List<UringEventLoop> loops;
    private final List<Thread> threads;
    private final int[] ports;
    private final String note;

    private UringEngine(List<UringEventLoop> loops, List<Thread> threads, int[] ports, String note) {
        this.loops = loops;
        this.threads = threads;
        this.ports = ports;
        this.note = note;
    }

    /**
     * Binds every core's listener, starts the loops, waits until every ring is up, and only then listens and lets
     * the cores accept (the volume was recovered before the engine started): a connection the kernel accepts finds
     * a server that answers it, and none is reset because a core failed to start.
     */
    public static UringEngine start(EngineSettings settings, Function<CoreContext, CoreProtocol> protocols)
            throws IOException {
        int cpus = Runtime.getRuntime().availableProcessors();
        int count = settings.listeners().size();
        int[] ports = new int[count];
        for (int i = 0; i < count; i++) {
            ports[i] = settings.listeners().get(i).getPort();
        }
        List<UringEventLoop> loops = new ArrayList<>();
        List<Integer> listeners = new ArrayList<>();
        try {
            for (int core = 0; core < settings.cores(); core++) {
                int[] fds = new int[count];
                for (int i = 0; i < count; i++) {
                    String host = settings.listeners().get(i).getAddress().getHostAddress();
                    int fd;
                    try {
                        fd = Sockets.bindTcp(host, ports[i], true);
                    } catch (PosixException e) {
                        if (e.errno() == Errno.EADDRINUSE) {
                            throw new BindException(host + ":" + ports[i] + ": address already in use");
                        }
                        throw e;
                    }
                    listeners.add(fd);
                    fds[i] = fd;
                    if (ports[i] == 0) {
                        ports[i] = Sockets.localPort(fd); // the first core picks the port, the others join it
                    }
                }
                BufferPool pool = new BufferPool(settings.ioBufferBytes(), 4096, settings.maxIoBuffersPerCore(), true);
                UringDiskIo disk = new UringDiskIo();
                CoreContext ctx = new CoreContext(core, core % cpus, pool, CoreContext.newSmallBufferPool(), disk, new LoopClock(), new CoreInbox());
                loops.add(new UringEventLoop(ctx, fds, protocols.apply(ctx), disk, settings.maxConnectionsPerCore(),
                        settings.sendZeroCopy()));
            }
        } catch (IOException | RuntimeException e) {
            for (int fd : listeners) {
                Libc.closeQuietly(fd); // start-up failed already; report that
            }
            throw e;
        }
        List<Thread> threads = new ArrayList<>();
        for (UringEventLoop loop : loops) {
            Thread t = Thread.ofPlatform().name("atlas-core").unstarted(loop);
            threads.add(t);
            t.start();
        }
        String failure = null;
        String note = "";
        try {
            for (UringEventLoop loop : loops) {
                String why = loop.awaitStarted();
                failure = failure == null ? why : failure;
                note = loop.startupNote().isEmpty() ? note : loop.startupNote();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = "interrupted while starting";
        }
        UringEngine engine = new UringEngine(loops, threads, ports, note);
        if (failure == null) {
            try {
                for (int fd : listeners) {
                    Sockets.listen(fd, 4096);
                }
            } catch (PosixException e) {
                failure = e.getMessage();
            }
        }
        if (failure != null) {
            engine.close();
            throw new IOException("io_uring engine: " + failure);
        }
        for (UringEventLoop loop : loops) {
            loop.startAccepting();
        }
        return engine;
    }

    @Override
    public String name() {
        return "io_uring";
    }

    /** A line worth printing at start-up (e.g. registered buffers refused), or empty. */
    public String note() {
        return note;
    }

    @Override
    public int port(int listener) {
        return ports[listener];
    }

    @Override
    public void shutdown(long graceNs) throws InterruptedException {
        for (UringEventLoop loop : loops) {
            loop.requestShutdown(graceNs);
        }
        for (Thread t : threads) {
            t.join();
        }
    }
}
