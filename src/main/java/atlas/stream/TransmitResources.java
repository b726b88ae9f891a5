package atlas.stream;

import atlas.dataplane.BufferPool;
import atlas.dataplane.DiskIo;
import atlas.hot.HotShard;

/**
 * What one core lends every {@link ObjectTransmitter} of its connections: its disk, its I/O buffers (and the small
 * ones for bodies that fit one, {@link atlas.dataplane.CoreContext#smallBuffers}), its metrics,
 * its reads of the volume's devices ({@link DeviceReads}: descriptors and per-device slots), how long a client may accept nothing before it is dropped, and its
 * shard of the hot tier ({@code hot}: null when the tier is off).
 */
public record TransmitResources(DiskIo disk, DeviceReads reads, BufferPool buffers, BufferPool smallBuffers,
                                StreamMetrics metrics, long sendStallTimeoutNs, HotShard hot) {
}
