package atlas.cli;

import atlas.store.VolumeConfig;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.List;

/** {@code --volume-size SIZE}: the largest the data file may grow to (used when the volume is created or grows). */
final class VolumeSizeOption {
    /** Below this a volume cannot hold even the demo; someone typing "64" meant something else. */
    static final long MIN_BYTES = 1L << 20;

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--volume-size", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Largest size the volume's data file may grow to, like 64g (default: 64g).")
    Long maxBytes;

    /** The volume configuration for {@code dir}; initial size and growth step never exceed the maximum. */
    VolumeConfig config(Path dir) {
        long max = maxBytes == null ? VolumeConfig.DEFAULT_MAX_BYTES : maxBytes;
        if (max < MIN_BYTES) {
            List<String> typed = mixee.findOption("--volume-size").originalStringValues();
            throw new ParameterException(mixee.commandLine(), "invalid value for --volume-size: '"
                    + typed.getLast() + "' (must be at least 1m)");
        }
        return config(dir, max);
    }

    /** A volume in {@code dir} of at most {@code maxBytes}; initial size and growth step never exceed it. */
    static VolumeConfig config(Path dir, long maxBytes) {
        return new VolumeConfig(dir, Math.min(VolumeConfig.DEFAULT_INITIAL_BYTES, maxBytes),
                Math.min(VolumeConfig.DEFAULT_GROW_STEP_BYTES, maxBytes), maxBytes);
    }
}
