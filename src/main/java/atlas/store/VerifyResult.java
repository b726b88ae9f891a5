package atlas.store;

import java.util.List;

/**
 * Outcome of {@link Volume#verify}: how many objects and bytes were re-read, and the names of those whose
 * bytes no longer match their CRC32C (or could not be read in full).
 */
public record VerifyResult(long objects, long bytes, List<String> badObjects) {
    public VerifyResult {
        badObjects = List.copyOf(badObjects);
    }

    public boolean ok() {
        return badObjects.isEmpty();
    }

    /** Told after each object; lets a CLI print progress. */
    @FunctionalInterface
    public interface Listener {
        Listener NONE = (record, ok, objectsDone, objectsTotal) -> { };

        void onObject(ObjectRecord record, boolean ok, long objectsDone, long objectsTotal);
    }
}
