package atlas.dataplane;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The portable dataplane over Java NIO: {@link NioEventLoop}s, one per core, each with its own listener bound with
 * {@code SO_REUSEPORT} to the same address so the kernel spreads new connections across cores (flow-consistent:
 * a connection stays on the core that accepted it).
 */
public final class NioEngine implements Engine {
    private final List<NioEventLoop> loops;
    private final List<Thread> threads;
    private final int[] ports;

    private NioEngine(List<NioEventLoop> loops, List<Thread> threads, int[] ports) {
        this.loops = loops;
        this.threads = threads;
        this.ports = ports;
    }

    /**
     * Creates every core, then opens every core's listener and starts the loops. {@code protocols} is called once
     * per core, on the caller's thread, with the core's {@link CoreContext}. Listening comes last: a connection the
     * kernel accepts finds every core ready (the volume was recovered before the engine started), and none is
     * accepted only to be reset because a later core failed to start.
     */
    public static NioEngine start(EngineSettings settings, Function<CoreContext, CoreProtocol> protocols)
            throws IOException {
        int cpus = Runtime.getRuntime().availableProcessors();
        List<NioEventLoop> loops = new ArrayList<>();
        List<InetSocketAddress> listen = new ArrayList<>(settings.listeners());
        try {
            for (int core = 0; core < settings.cores(); core++) {
                BufferPool pool = new BufferPool(settings.ioBufferBytes(), 4096, settings.maxIoBuffersPerCore());
                NioDiskIo disk = new NioDiskIo();
                CoreContext ctx = new CoreContext(core, core % cpus, pool, CoreContext.newSmallBufferPool(), disk, new LoopClock(), new CoreInbox());
                loops.add(new NioEventLoop(ctx, listen.size(), protocols.apply(ctx), disk,
                        settings.maxConnectionsPerCore()));
            }
            for (NioEventLoop loop : loops) {
                loop.listen(listen);
                for (int i = 0; i < listen.size(); i++) {
                    if (listen.get(i).getPort() == 0) {
                        // Port 0: the first core picks the port, the others join it with SO_REUSEPORT.
                        listen.set(i, new InetSocketAddress(listen.get(i).getAddress(), loop.port(i)));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            for (NioEventLoop l : loops) {
                l.abandon();
            }
            throw e;
        }
        List<Thread> threads = new ArrayList<>();
        for (NioEventLoop loop : loops) {
            Thread t = Thread.ofPlatform().name("atlas-core").unstarted(loop);
            threads.add(t);
            t.start();
        }
        int[] ports = new int[listen.size()];
        for (int i = 0; i < ports.length; i++) {
            ports[i] = listen.get(i).getPort();
        }
        return new NioEngine(loops, threads, ports);
    }

    @Override
    public String name() {
        return "nio";
    }

    @Override
    public int port(int listener) {
        return ports[listener];
    }

    @Override
    public void shutdown(long graceNs) throws InterruptedException {
        for (NioEventLoop loop : loops) {
            loop.requestShutdown(graceNs);
        }
        for (Thread t : threads) {
            t.join();
        }
    }
}
