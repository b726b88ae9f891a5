package atlas.stream;

/** What the read window reports, per core: object reads from flash (their depth and latency) and their failures. */
public interface StreamMetrics {
    /** An object read of {@code bytes} was submitted to the disk. */
    void diskReadStarted(int bytes);

    /** A read submitted by {@link #diskReadStarted} completed after {@code durationNs}. */
    void diskReadEnded(long durationNs);

    /** A read failed or came back short inside an object's extent. */
    void diskReadFailed();
}
