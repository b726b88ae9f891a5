package atlas.store;

import java.nio.file.Path;
import java.util.List;

/**
 * Sizing of a volume. Without {@code devices}, objects live in the data directory's {@code volume.dat}, which starts
 * at {@code initialBytes} and grows by {@code growStepBytes} (written zeros, or fallocate) up to {@code maxBytes};
 * with them, on those devices (block devices or preallocated files, each of the size it has), see
 * {@link VolumeDevices}. While serving, the journals are checkpointed away once they exceed
 * {@code checkpointJournalBytes} (and twice the last checkpoint).
 */
public record VolumeConfig(Path directory, long initialBytes, long growStepBytes, long maxBytes,
                           long checkpointJournalBytes, List<Path> devices) {
    public static final long DEFAULT_INITIAL_BYTES = 256L << 20;
    public static final long DEFAULT_GROW_STEP_BYTES = 256L << 20;
    public static final long DEFAULT_MAX_BYTES = 64L << 30;
    public static final long DEFAULT_CHECKPOINT_JOURNAL_BYTES = 256L << 20;

    public VolumeConfig {
        devices = List.copyOf(devices);
    }

    public VolumeConfig(Path directory, long initialBytes, long growStepBytes, long maxBytes) {
        this(directory, initialBytes, growStepBytes, maxBytes, DEFAULT_CHECKPOINT_JOURNAL_BYTES, List.of());
    }

    public VolumeConfig withCheckpointJournalBytes(long bytes) {
        return new VolumeConfig(directory, initialBytes, growStepBytes, maxBytes, bytes, devices);
    }

    /** The same sizing with objects on {@code paths} (empty: in {@code volume.dat}). */
    public VolumeConfig withDevices(List<Path> paths) {
        return new VolumeConfig(directory, initialBytes, growStepBytes, maxBytes, checkpointJournalBytes, paths);
    }

    public static VolumeConfig defaults(Path directory) {
        return new VolumeConfig(directory, DEFAULT_INITIAL_BYTES, DEFAULT_GROW_STEP_BYTES, DEFAULT_MAX_BYTES);
    }
}
