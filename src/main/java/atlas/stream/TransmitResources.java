package atlas.stream;

import atlas.dataplane.BufferPool;
import atlas.dataplane.DiskIo;

/**
 * What one core lends every {@link ObjectTransmitter} of its connections: its disk, its I/O buffers, its metrics,
 * the descriptor object bytes are read from, and how long a client may accept nothing before it is dropped.
 */
public record TransmitResources(DiskIo disk, int readFd, BufferPool buffers, StreamMetrics metrics,
                                long sendStallTimeoutNs) {
}
