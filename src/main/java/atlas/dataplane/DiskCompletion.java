package atlas.dataplane;

/**
 * Receives the outcome of one {@link DiskIo} request on the core's thread: {@code tag} as submitted (e.g. the
 * window slot a read filled), {@code result} the byte count (0 for a data sync) or {@code -errno}.
 */
@FunctionalInterface
public interface DiskCompletion {
    void onDiskComplete(long tag, int result);
}
