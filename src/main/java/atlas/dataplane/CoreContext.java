package atlas.dataplane;

/**
 * What an engine gives the protocol of one core: its index and pinned CPU, its own I/O buffers, its own disk, its
 * loop's clock, and its inbox — the one hand-off by which other threads reach it. Everything in it but the inbox's
 * {@link CoreInbox#execute} belongs to that core's thread.
 */
public record CoreContext(int coreIndex, int cpu, BufferPool buffers, DiskIo disk, LoopClock clock, CoreInbox inbox) {
}
