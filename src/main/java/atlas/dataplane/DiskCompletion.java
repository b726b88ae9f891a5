package atlas.dataplane;

/**
 * Receives the outcome of one {@link DiskIo} request on the core's thread: {@code tag} as submitted (e.g. the
 * window slot a read filled), {@code result} the byte count (0 for a data sync) or {@code -errno}.
 */
@FunctionalInterface
public interface DiskCompletion {
    void onDiskComplete(long tag, int result);

    /**
     * {@link #onDiskComplete} threw: the owner's own bug, reported here (after it was counted and printed) so the
     * owner fails its one request instead of the core stopping. The disk is done with the buffer by now.
     */
    default void onCompletionFailed(long tag, RuntimeException failure) {
    }
}
