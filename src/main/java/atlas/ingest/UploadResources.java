package atlas.ingest;

import atlas.dataplane.BufferPool;
import atlas.dataplane.DiskIo;
import atlas.store.Volume;

/**
 * What one core lends every {@link ObjectUpload} of its connections: the volume (extents and descriptors), the
 * core's group commit, disk and I/O buffers, metrics, and the limits a body is held to.
 *
 * @param bodyGapTimeoutNs a body must keep arriving like a head does: a gap longer than this ends the request
 */
public record UploadResources(Volume volume, GroupCommit commit, DiskIo disk, BufferPool buffers,
                              IngestMetrics metrics, long maxBodyBytes, long bodyGapTimeoutNs) {
}
