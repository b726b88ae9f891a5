package atlas.dataplane;

/**
 * What an engine gives the protocol of one core: its index and pinned CPU, its own I/O buffers, and its own disk.
 * Everything in it belongs to that core's thread.
 */
public record CoreContext(int coreIndex, int cpu, BufferPool buffers, DiskIo disk) {
}
