package atlas.dataplane;

/** What an engine gives the protocol of one core: its index and its own buffers. */
public record CoreContext(int coreIndex, int cpu, BufferPool buffers) {
}
