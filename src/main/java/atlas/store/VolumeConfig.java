package atlas.store;

import java.nio.file.Path;

/**
 * Sizing of a volume. The data file starts at {@code initialBytes} and grows by {@code growStepBytes}
 * (preallocated with fallocate) up to {@code maxBytes}.
 */
public record VolumeConfig(Path directory, long initialBytes, long growStepBytes, long maxBytes) {
    public static final long DEFAULT_INITIAL_BYTES = 256L << 20;
    public static final long DEFAULT_GROW_STEP_BYTES = 256L << 20;
    public static final long DEFAULT_MAX_BYTES = 64L << 30;

    public static VolumeConfig defaults(Path directory) {
        return new VolumeConfig(directory, DEFAULT_INITIAL_BYTES, DEFAULT_GROW_STEP_BYTES, DEFAULT_MAX_BYTES);
    }
}
