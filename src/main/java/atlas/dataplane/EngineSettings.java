package atlas.dataplane;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * How to run a dataplane.
 *
 * @param listeners              addresses every core listens on (SO_REUSEPORT spreads connections); a
 *                               connection's listener index goes to {@link CoreProtocol#newConnection(int, String)}
 * @param cores                  event loops, one pinned thread each
 * @param ioBufferBytes          size of one aligned I/O buffer, headroom included
 * @param maxIoBuffersPerCore    cap on a core's I/O buffers: its share of the memory bound
 * @param maxConnectionsPerCore  accepted connections beyond this are closed at once
 * @param sendZeroCopy           when the io_uring engine sends body chunks with SEND_ZC
 */
public record EngineSettings(List<InetSocketAddress> listeners, int cores, int ioBufferBytes, int maxIoBuffersPerCore,
                             int maxConnectionsPerCore, ZeroCopy sendZeroCopy) {
    /** SEND_ZC policy: AUTO uses it for non-loopback peers, where it saves a copy; ALWAYS/NEVER for measuring. */
    public enum ZeroCopy { AUTO, ALWAYS, NEVER }

    public EngineSettings {
        listeners = List.copyOf(listeners);
        if (listeners.isEmpty()) {
            throw new IllegalArgumentException("no listen address");
        }
    }
}
