package atlas.store;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Opens the devices of a volume. Without {@code --device} that is {@code volume.dat} in the data directory, as
 * before devices existed. With them, the data directory keeps the journals, the checkpoint and a {@code devices}
 * file naming the volume and its members by index; each device carries the volume's id and its index in its own
 * superblock, so a device is recognised by what it holds, not by a path that may be renumbered at boot:
 * <pre>
 *  # Atlas volume devices (written at start-up when a device joins; objects name their device by index)
 *  volume 5f0c...e1 1764800000000
 *  device 0 68719476736 /dev/nvme1n1
 *  device 1 68719476736 /dev/nvme2n1
 * </pre>
 * A given device that holds zeros joins as the next index (its superblock written before the {@code devices} file
 * names it). Start-up refuses, with one line naming the device and the way out: a device that holds a file
 * system, another volume or unrecognised data (erase it with {@code atlas format --device}); a mounted one; a
 * member of this volume that is not among the paths given (its objects would be lost); {@code --device} over a
 * data directory whose objects live in {@code volume.dat}. Without {@code --device}, a directory with a
 * {@code devices} file opens the devices it names (offline tools need no flags).
 */
final class VolumeDevices {
    static final String MEMBERS_FILE = "devices";

    private VolumeDevices() {
    }

    /** What {@link #open} returns: the devices by index and the volume's identity. */
    record Opened(Device[] devices, Superblock identity) {
    }

    static Opened open(VolumeConfig config, PrintStream notes) throws IOException {
        Path dir = config.directory();
        Members members = Members.read(dir.resolve(MEMBERS_FILE));
        if (config.devices().isEmpty() && members != null) {
            // Offline tools (ls, verify, rm, import) and a restart without flags: the devices the directory names.
            config = config.withDevices(members.paths.values().stream().map(Path::of).toList());
        }
        if (config.devices().isEmpty()) {
            DataFile file = DataFile.openOrCreate(dir, config.initialBytes(), notes);
            Superblock sb = file.superblock();
            return new Opened(new Device[]{new Device(0, file, config.growStepBytes(), config.maxBytes())},
                    sb.forDevice(0));
        }
        if (Files.exists(dir.resolve(DataFile.FILE_NAME))) {
            throw new IOException(dir + " holds a one-file volume (" + DataFile.FILE_NAME + "): its objects cannot "
                    + "move to --device; serve it without --device, or give a new --data-dir");
        }
        if (config.devices().size() > Placement.MAX_DEVICES) {
            throw new IOException(config.devices().size() + " devices given; a volume has at most "
                    + Placement.MAX_DEVICES);
        }
        List<DeviceProbe> probes = new ArrayList<>();
        Map<String, Path> seen = new HashMap<>();
        for (Path p : config.devices()) {
            DeviceProbe probe = DeviceProbe.of(p);
            Path before = seen.put(p.toRealPath().toString(), p);
            if (before != null) {
                throw new IOException("device " + p + " is given twice (as " + before + ")");
            }
            if (probe.mounted()) {
                throw new IOException("device " + p + " holds a mounted file system; unmount it and erase it with "
                        + "atlas format --device " + p + " first");
            }
            probes.add(probe);
        }
        // A directory without a devices file starts a new volume: a device of any existing one is refused, never
        // adopted (without that volume's journals its objects are unreachable, and new ones would overwrite them).
        Superblock identity = members == null ? null : members.identity;
        if (identity == null) {
            SecureRandom random = new SecureRandom();
            identity = new Superblock(random.nextLong(), random.nextLong(), System.currentTimeMillis(), 0);
        }
        TreeMap<Integer, DeviceProbe> byIndex = new TreeMap<>();
        List<DeviceProbe> joining = new ArrayList<>();
        for (DeviceProbe probe : probes) {
            switch (probe.content()) {
                case ATLAS -> {
                    Superblock sb = probe.superblock();
                    if (!sb.sameVolume(identity)) {
                        throw new IOException("device " + probe.path() + " belongs to another Atlas volume ("
                                + sb.volumeIdHex() + ", not " + identity.volumeIdHex() + " of " + dir + "); erase it "
                                + "with atlas format --device " + probe.path() + " to reuse it (its objects are lost)");
                    }
                    DeviceProbe twin = byIndex.put(sb.deviceIndex(), probe);
                    if (twin != null) {
                        throw new IOException("devices " + twin.path() + " and " + probe.path() + " both claim index "
                                + sb.deviceIndex() + " of volume " + identity.volumeIdHex() + " (a copied device?)");
                    }
                }
                case FILE_SYSTEM -> throw new IOException("device " + probe.path() + " holds " + probe.signature()
                        + "; atlas format --device " + probe.path() + " erases it for Atlas");
                case UNKNOWN -> throw new IOException("device " + probe.path() + " holds data Atlas does not "
                        + "recognise; atlas format --device " + probe.path() + " erases it for Atlas");
                case BLANK -> joining.add(probe);
            }
        }
        if (members != null) {
            for (Map.Entry<Integer, String> m : members.paths.entrySet()) {
                if (!byIndex.containsKey(m.getKey())) {
                    throw new IOException("device " + m.getKey() + " of volume " + identity.volumeIdHex() + " (last "
                            + "seen as " + m.getValue() + ") is not among the --device paths; give it: the objects "
                            + "on it would be lost");
                }
            }
        }
        int next = byIndex.isEmpty() ? 0 : byIndex.lastKey() + 1;
        if (members != null && !members.paths.isEmpty()) {
            next = Math.max(next, members.paths.lastKey() + 1);
        }
        if (next + joining.size() > Placement.MAX_DEVICES) {
            throw new IOException("volume " + identity.volumeIdHex() + " would have " + (next + joining.size())
                    + " devices; a volume has at most " + Placement.MAX_DEVICES);
        }
        for (DeviceProbe probe : joining) {
            int index = next++;
            DataFile.writeSuperblock(probe.path(), identity.forDevice(index));
            byIndex.put(index, probe);
            notes.println("atlas: device " + index + " (" + probe.path() + ", " + (probe.sizeBytes() >> 20)
                    + " MiB) joined volume " + identity.volumeIdHex());
        }
        if (byIndex.lastKey() + 1 != byIndex.size()) {
            throw new IOException("volume " + identity.volumeIdHex() + " has devices " + byIndex.keySet()
                    + ": some index is missing and no devices file names it");
        }
        if (members == null || !joining.isEmpty() || !members.matches(byIndex)) {
            Members.write(dir, identity, byIndex);
        }
        Device[] devices = new Device[byIndex.size()];
        try {
            for (Map.Entry<Integer, DeviceProbe> e : byIndex.entrySet()) {
                DeviceProbe p = e.getValue();
                DataFile file = DataFile.openDevice(p.path(), p.sizeBytes());
                devices[e.getKey()] = new Device(e.getKey(), file, config.growStepBytes(), p.sizeBytes());
            }
        } catch (IOException | RuntimeException failure) {
            for (Device d : devices) {
                if (d != null) {
                    try {
                        d.close();
                    } catch (IOException suppressed) {
                        failure.addSuppressed(suppressed);
                    }
                }
            }
            throw failure;
        }
        return new Opened(devices, identity);
    }

    /** How many bytes {@link #format} zeroes at each end: past every signature {@link DeviceProbe} knows. */
    static final long ERASE_BYTES = 1L << 20;

    /**
     * Erases {@code device}'s signatures (its first and last MiB: a file system's superblock, a partition table and
     * its backup, another volume's superblock), so that a later start with {@code --device} takes it as blank.
     * Refuses a mounted device and a device of the volume in {@code dataDir} (its objects would be lost). Returns
     * what the device held.
     */
    static String format(Path device, Path dataDir) throws IOException {
        DeviceProbe probe = DeviceProbe.of(device);
        if (probe.mounted()) {
            throw new IOException("device " + device + " holds a mounted file system; unmount it first");
        }
        if (probe.content() == DeviceProbe.Content.ATLAS && dataDir != null) {
            Members members = Members.read(dataDir.resolve(MEMBERS_FILE));
            if (members != null && probe.superblock().sameVolume(members.identity)) {
                throw new IOException("device " + device + " is device " + probe.superblock().deviceIndex()
                        + " of the volume in " + dataDir + "; erasing it would lose its objects");
            }
        }
        DataFile.erase(device, 0, Math.min(ERASE_BYTES, probe.sizeBytes()));
        if (probe.sizeBytes() > 2 * ERASE_BYTES) {
            DataFile.erase(device, probe.sizeBytes() - ERASE_BYTES, ERASE_BYTES);
        }
        return probe.content() == DeviceProbe.Content.ATLAS
                ? "Atlas volume " + probe.superblock().volumeIdHex() + " (device " + probe.superblock().deviceIndex()
                + ")" : probe.signature();
    }

    /** The {@code devices} file: the volume's identity and where each member was seen last. */
    private record Members(Superblock identity, TreeMap<Integer, String> paths) {
        static Members read(Path file) throws IOException {
            if (!Files.exists(file)) {
                return null;
            }
            Superblock identity = null;
            TreeMap<Integer, String> paths = new TreeMap<>();
            int lineNo = 0;
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                lineNo++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split(" ", 4);
                try {
                    if (f[0].equals("volume") && f.length >= 3 && f[1].length() == 32) {
                        identity = new Superblock(Long.parseUnsignedLong(f[1].substring(0, 16), 16),
                                Long.parseUnsignedLong(f[1].substring(16), 16), Long.parseLong(f[2]), 0);
                        continue;
                    }
                    if (f[0].equals("device") && f.length == 4) {
                        paths.put(Integer.parseInt(f[1]), f[3]);
                        continue;
                    }
                } catch (NumberFormatException e) {
                    // reported below
                }
                throw new IOException(file + ":" + lineNo + ": not a volume or device line: " + line);
            }
            if (identity == null) {
                throw new IOException(file + ": no volume line");
            }
            return new Members(identity, paths);
        }

        boolean matches(Map<Integer, DeviceProbe> now) {
            if (now.size() != paths.size()) {
                return false;
            }
            for (Map.Entry<Integer, DeviceProbe> e : now.entrySet()) {
                if (!e.getValue().path().toString().equals(paths.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }

        static void write(Path dir, Superblock identity, Map<Integer, DeviceProbe> devices) throws IOException {
            StringBuilder text = new StringBuilder("# Atlas volume devices (written at start-up when a device joins;"
                    + " objects name their device by index)\n");
            text.append("volume ").append(identity.volumeIdHex()).append(' ').append(identity.createdMillis())
                    .append('\n');
            devices.forEach((index, p) -> text.append("device ").append(index).append(' ').append(p.sizeBytes())
                    .append(' ').append(p.path()).append('\n'));
            Path temp = dir.resolve(MEMBERS_FILE + ".new");
            Files.writeString(temp, text, StandardCharsets.UTF_8);
            try (var ch = java.nio.channels.FileChannel.open(temp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(temp, dir.resolve(MEMBERS_FILE), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            DataFile.syncDirectory(dir);
        }
    }
}
