package atlas.stream;

/**
 * What the read window reports, per core: object reads from flash (their depth and latency) and their failures,
 * each for the device ({@link atlas.store.Extent#device()}) it went to.
 */
public interface StreamMetrics {
    /** An object read of {@code bytes} was submitted to {@code device}. */
    void diskReadStarted(int device, int bytes);

    /** A read submitted by {@link #diskReadStarted} completed after {@code durationNs}. */
    void diskReadEnded(int device, long durationNs);

    /** A read failed or came back short inside an object's extent, or its device had failed. */
    void diskReadFailed(int device);
}
