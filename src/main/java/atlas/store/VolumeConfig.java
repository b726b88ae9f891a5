package atlas.store;

import java.nio.file.Path;

/**
 * Sizing of a volume. The data file starts at {@code initialBytes} and grows by {@code growStepBytes}
 * (preallocated with fallocate) up to {@code maxBytes}. While serving, the journals are checkpointed away once
 * they exceed {@code checkpointJournalBytes} (and twice the last checkpoint).
 */
public record VolumeConfig(Path directory, long initialBytes, long growStepBytes, long maxBytes,
                           long checkpointJournalBytes) {
    public static final long DEFAULT_INITIAL_BYTES = 256L << 20;
    public static final long DEFAULT_GROW_STEP_BYTES = 256L << 20;
    public static final long DEFAULT_MAX_BYTES = 64L << 30;
    public static final long DEFAULT_CHECKPOINT_JOURNAL_BYTES = 256L << 20;

    public VolumeConfig(Path directory, long initialBytes, long growStepBytes, long maxBytes) {
        this(directory, initialBytes, growStepBytes, maxBytes, DEFAULT_CHECKPOINT_JOURNAL_BYTES);
    }

    public VolumeConfig withCheckpointJournalBytes(long bytes) {
        return new VolumeConfig(directory, initialBytes, growStepBytes, maxBytes, bytes);
    }

    public static VolumeConfig defaults(Path directory) {
        return new VolumeConfig(directory, DEFAULT_INITIAL_BYTES, DEFAULT_GROW_STEP_BYTES, DEFAULT_MAX_BYTES);
    }
}
