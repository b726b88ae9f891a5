package atlas.dataplane;

import java.net.InetSocketAddress;

/**
 * How to run a dataplane.
 *
 * @param listen                 address every core's listener binds (SO_REUSEPORT spreads connections)
 * @param cores                  event loops, one pinned thread each
 * @param ioBufferBytes          size of one aligned I/O buffer, headroom included
 * @param maxIoBuffersPerCore    cap on a core's I/O buffers: its share of the memory bound
 * @param maxConnectionsPerCore  accepted connections beyond this are closed at once
 */
public record EngineSettings(InetSocketAddress listen, int cores, int ioBufferBytes, int maxIoBuffersPerCore,
                             int maxConnectionsPerCore) {
}
