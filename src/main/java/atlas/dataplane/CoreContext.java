package atlas.dataplane;

/**
 * What an engine gives the protocol of one core: its index and pinned CPU, its own I/O buffers, its own disk, its
 * loop's clock, and its inbox — the one hand-off by which other threads reach it. Everything in it but the inbox's
 * {@link CoreInbox#execute} belongs to that core's thread.
 *
 * @param buffers      the core's I/O buffers (registered with the ring where it can): a body's read window
 * @param smallBuffers small aligned buffers for bodies that fit one of them (a playlist, a 1 KiB object), so a burst
 *                     of small responses does not take (and pin) a 256 KiB buffer each; never awaited: when none is
 *                     free the large pool serves
 */
public record CoreContext(int coreIndex, int cpu, BufferPool buffers, BufferPool smallBuffers, DiskIo disk,
                          LoopClock clock, CoreInbox inbox) {
    /** A small buffer: the headroom for a response head, then 16 KiB of body. */
    public static final int SMALL_BUFFER_BYTES = IoBuffer.HEADROOM + 16 * 1024;
    /** Small buffers per core (5 MiB): plenty for small responses; beyond them small bodies use the large pool. */
    public static final int SMALL_BUFFERS = 256;

    /** A core's small-buffer pool: plain aligned memory, not registered (a one-page read costs no pinning to speak of). */
    public static BufferPool newSmallBufferPool() {
        return new BufferPool(SMALL_BUFFER_BYTES, 4096, SMALL_BUFFERS);
    }

    /** Frees both pools' memory: the loop calls it once the kernel holds none of their buffers. */
    public void closeBuffers() {
        buffers.close();
        smallBuffers.close();
    }
}
