package atlas.ingest;

import atlas.dataplane.BufferPool;
import atlas.dataplane.DiskIo;
import atlas.dataplane.LoopClock;
import atlas.hot.HotShard;
import atlas.live.PlaylistBoard;
import atlas.store.Volume;

import java.util.concurrent.Executor;

/**
 * What one core lends every {@link ObjectUpload} of its connections: the volume (extents and descriptors), the
 * core's group commit, disk and I/O buffers, metrics, its loop's clock, its inbox (where the volume's grower
 * answers an allocation that had to wait for the data file to grow), and the limits a body is held to.
 *
 * @param bodyGapTimeoutNs a body must keep arriving like a head does: a gap longer than this ends the request
 * @param hot              the core's hot-tier shard, for uploads under a live rule; null when the tier is off
 * @param playlists        where committed HLS playlists are announced (blocking playlist reload); null: not at all
 */
public record UploadResources(Volume volume, GroupCommit commit, DiskIo disk, BufferPool buffers,
                              IngestMetrics metrics, LoopClock clock, Executor inbox, long maxBodyBytes,
                              long bodyGapTimeoutNs, HotShard hot,
                              PlaylistBoard playlists) {
}
