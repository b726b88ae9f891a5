package atlas.evict;

/**
 * A cache entry as the policy sees it, without a volume behind it: for the unit tests here and for the volume
 * simulation ({@code atlas.hot.VolumeCacheSimulation}), which replays its traces through the shipped class.
 */
public class FakeEvictable implements Evictable {
    private final long hash;
    private final long bytes;
    private int frequency;
    private boolean gone;

    public FakeEvictable(long hash, long bytes) {
        this.hash = hash;
        this.bytes = bytes;
    }

    /** What a core does on a hit. */
    public void hit() {
        frequency = Evictable.bumped(frequency);
    }

    /** Overwritten or deleted behind the policy's back. */
    public void markGone() {
        gone = true;
    }

    @Override
    public long bytes() {
        return bytes;
    }

    @Override
    public long hash() {
        return hash;
    }

    @Override
    public int frequency() {
        return frequency;
    }

    @Override
    public void frequency(int frequency) {
        this.frequency = frequency;
    }

    @Override
    public boolean gone() {
        return gone;
    }

    @Override
    public String toString() {
        return "object " + hash;
    }
}
