package atlas.evict;

/**
 * What the eviction policy keeps per cached object; implemented by the server's cache entry.
 * <p>
 * Threads: {@link #frequency(int)} and the reads are called by the evictor thread that owns the policy. The cores
 * that serve hits touch only the frequency, with {@link #bumped}: a plain or opaque write that may race with the
 * evictor's and lose an increment or a decrement. A lost step moves one object by one pass of the queues, which is
 * noise next to what a lock or a message per hit would cost the data path.
 */
public interface Evictable {
    /** Where the frequency saturates: S3-FIFO's 2-bit counter (Yang et al., SOSP'23, §4.2). */
    int MAX_FREQUENCY = 3;

    /** Size on flash. */
    long bytes();

    /** A stable 64-bit hash of the object's name: the ghost filter remembers evicted objects by it. */
    long hash();

    /** Hits since the policy last looked, saturating at {@link #MAX_FREQUENCY}. */
    int frequency();

    /** Set by the policy: it lowers the count when it gives the object another pass. */
    void frequency(int frequency);

    /** Overwritten (a new version was stored) or deleted by someone else: the policy skips and forgets it. */
    boolean gone();

    /** The frequency after one more hit: what a core writes back on a hit. */
    static int bumped(int frequency) {
        return frequency < MAX_FREQUENCY ? frequency + 1 : MAX_FREQUENCY;
    }
}
