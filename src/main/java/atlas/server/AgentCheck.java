package atlas.server;

import atlas.store.Device;
import atlas.store.Volume;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * HAProxy's agent check ({@code server … agent-check agent-port P}): HAProxy connects, this answers one line
 * and closes. The line says what HAProxy should do with this node:
 * <ul>
 *   <li>{@code drain} from SIGTERM on: weight 0, so consistent hashing moves its URLs to the other nodes while the
 *       connections it has finish (health says 503 too, but only after {@code fall} failed checks);</li>
 *   <li>{@code down} when every device failed: nothing here can be served;</li>
 *   <li>{@code ready up N%} otherwise, N the share of the volume's capacity on healthy devices: a node that lost one
 *       of four drives gets three quarters of its weight, so it is sent fewer of the URLs it can no longer serve.
 *       {@code ready} ends the drain HAProxy keeps a server in after it said {@code drain}, until told otherwise:
 *       without it a node restarted after a drain would stay at weight 0 for good.</li>
 * </ul>
 * Its own port because the agent protocol is not HTTP: HAProxy reads the first line of whatever comes back, which
 * from an HTTP listener would be a status line. Control path: one daemon thread, blocking accepts; a line fits any
 * socket's send buffer, so a write never waits on the peer.
 */
public final class AgentCheck implements AutoCloseable {
    private final ServerSocketChannel listener;
    private final Thread thread;
    private final BooleanSupplier draining;
    private final Volume volume;

    private AgentCheck(ServerSocketChannel listener, BooleanSupplier draining, Volume volume) {
        this.listener = listener;
        this.draining = draining;
        this.volume = volume;
        this.thread = new Thread(this::serve, "atlas-agent-check");
        thread.setDaemon(true);
    }

    /** Listens on {@code host:port} (0: a free port) and answers from {@code draining} and the volume's devices. */
    public static AgentCheck start(String host, int port, BooleanSupplier draining, Volume volume)
            throws IOException {
        ServerSocketChannel channel = ServerSocketChannel.open();
        try {
            channel.bind(new InetSocketAddress(host, port), 64);
        } catch (IOException e) {
            channel.close();
            throw new IOException("--agent-listen " + host + ":" + port + ": " + e.getMessage(), e);
        }
        AgentCheck agent = new AgentCheck(channel, draining, volume);
        agent.thread.start();
        return agent;
    }

    public int port() {
        try {
            return ((InetSocketAddress) listener.getLocalAddress()).getPort();
        } catch (IOException e) {
            return -1;
        }
    }

    /** The line HAProxy gets now, without its newline. */
    String state() {
        if (draining.getAsBoolean()) {
            return "drain";
        }
        return line(volume);
    }

    /** {@code ready up N%} by the healthy devices' share of the capacity, or {@code down} when none is left. */
    static String line(Volume volume) {
        long total = 0;
        long healthy = 0;
        for (Device d : volume.devices()) {
            total += d.capacityBytes();
            if (!d.failed()) {
                healthy += d.capacityBytes();
            }
        }
        if (healthy == 0) {
            return "down";
        }
        long percent = Math.max(1, Math.round(100.0 * healthy / total));
        return "ready up " + percent + "%";
    }

    private void serve() {
        while (listener.isOpen()) {
            try (SocketChannel peer = listener.accept()) {
                peer.write(ByteBuffer.wrap((state() + "\n").getBytes(StandardCharsets.US_ASCII)));
            } catch (ClosedChannelException e) { // closed, also while blocked in accept
                return;
            } catch (IOException | RuntimeException e) {
                // One peer's reset costs nothing but its answer.
            }
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            // closing: nothing to do
        }
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
