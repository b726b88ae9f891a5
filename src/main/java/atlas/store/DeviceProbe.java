package atlas.store;

import atlas.posix.Libc;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * What a path given as {@code --device} is before the volume takes it: a block device or a regular file, its size
 * and logical block size (from sysfs for a block device: a block device's {@code st_size} is 0), whether a file
 * system on it is mounted, and what its first blocks hold — an Atlas superblock, a known file-system or
 * partition-table signature, nothing (zeros), or unknown data. Read once with O_DIRECT, so probing puts nothing in
 * the page cache either. Start-up path only.
 */
record DeviceProbe(Path path, boolean blockDevice, long sizeBytes, int logicalBlockSize, boolean mounted,
                   Content content, String signature, Superblock superblock) {
    /** Bytes read from the start: far enough for btrfs' superblock at 64 KiB. */
    static final int PROBE_BYTES = 72 * 1024;

    enum Content { ATLAS, FILE_SYSTEM, BLANK, UNKNOWN }

    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFREG = 0100000;

    static DeviceProbe of(Path path) throws IOException {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(path, "unix:mode");
        } catch (NoSuchFileException e) {
            throw new IOException("device " + path + " does not exist (a regular file must be created first, e.g."
                    + " fallocate -l 64G " + path + ")");
        }
        boolean block = (mode & S_IFMT) == S_IFBLK;
        if (!block && (mode & S_IFMT) != S_IFREG) {
            throw new IOException("device " + path + " is neither a block device nor a regular file");
        }
        long size;
        int logical = 512;
        boolean mounted = false;
        if (block) {
            long rdev = (Long) Files.getAttribute(path, "unix:rdev");
            String majMin = major(rdev) + ":" + minor(rdev);
            Path sys = Path.of("/sys/dev/block", majMin);
            size = Long.parseLong(Files.readString(sys.resolve("size")).trim()) * 512;
            Path queue = Files.exists(sys.resolve("queue")) ? sys.resolve("queue") : sys.resolve("../queue");
            logical = Integer.parseInt(Files.readString(queue.resolve("logical_block_size")).trim());
            mounted = isMounted(majMin);
        } else {
            size = Files.size(path);
        }
        if (logical > Volume.BLOCK_SIZE) {
            throw new IOException("device " + path + " has " + logical + "-byte logical blocks; this build writes "
                    + Volume.BLOCK_SIZE + "-byte blocks");
        }
        size &= -(long) Volume.BLOCK_SIZE;
        if (size < 2L * Volume.BLOCK_SIZE) {
            throw new IOException("device " + path + " holds " + size + " bytes; a device needs at least two blocks"
                    + (block ? "" : " (size the file first, e.g. fallocate -l 64G " + path + ")"));
        }
        try (Arena arena = Arena.ofConfined()) {
            int want = (int) Math.min(PROBE_BYTES, size);
            MemorySegment head = arena.allocate(want, Volume.BLOCK_SIZE);
            int fd = Libc.open(path.toString(), Libc.O_RDONLY | Libc.O_DIRECT | Libc.O_CLOEXEC, 0);
            long n;
            try {
                n = Libc.pread(fd, head, want, 0);
            } finally {
                Libc.close(fd);
            }
            if (n < Volume.BLOCK_SIZE) {
                throw new IOException("device " + path + ": cannot read its first block (" + n + " bytes)");
            }
            MemorySegment read = head.asSlice(0, n);
            if (Superblock.hasMagic(read)) {
                return new DeviceProbe(path, block, size, logical, mounted, Content.ATLAS, "Atlas volume",
                        Superblock.decode(read, path.toString()));
            }
            String fs = signature(read);
            if (fs != null) {
                return new DeviceProbe(path, block, size, logical, mounted, Content.FILE_SYSTEM, fs, null);
            }
            boolean zeros = read.mismatch(arena.allocate(n)) < 0;
            return new DeviceProbe(path, block, size, logical, mounted, zeros ? Content.BLANK : Content.UNKNOWN,
                    zeros ? "zeros" : "unrecognised data", null);
        }
    }

    /** The name of the file system, volume manager or partition table whose signature {@code head} carries. */
    static String signature(MemorySegment head) {
        record Magic(String name, long offset, byte[] bytes) {
        }
        List<Magic> magics = List.of(
                new Magic("ext2/3/4", 1080, new byte[]{0x53, (byte) 0xEF}),
                new Magic("XFS", 0, ascii("XFSB")),
                new Magic("btrfs", 65600, ascii("_BHRfS_M")),
                new Magic("F2FS", 1024, new byte[]{0x10, 0x20, (byte) 0xF5, (byte) 0xF2}),
                new Magic("Linux swap", 4086, ascii("SWAPSPACE2")),
                new Magic("LUKS", 0, new byte[]{'L', 'U', 'K', 'S', (byte) 0xBA, (byte) 0xBE}),
                new Magic("LVM2 physical volume", 536, ascii("LVM2 001")),
                new Magic("GPT partition table", 512, ascii("EFI PART")),
                new Magic("ISO 9660", 32769, ascii("CD001")),
                new Magic("Linux RAID member", 4096, new byte[]{(byte) 0xFC, 0x4E, 0x2B, (byte) 0xA9}),
                new Magic("FAT/MBR boot sector", 510, new byte[]{0x55, (byte) 0xAA}));
        for (Magic m : magics) {
            if (m.offset + m.bytes.length <= head.byteSize()
                    && MemorySegment.ofArray(m.bytes).mismatch(head.asSlice(m.offset, m.bytes.length)) < 0) {
                return m.name;
            }
        }
        return null;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** glibc's dev_t encoding. */
    static long major(long rdev) {
        return ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
    }

    static long minor(long rdev) {
        return (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
    }

    private static boolean isMounted(String majMin) throws IOException {
        // mountinfo's third field is the mounted device's major:minor.
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ", 4);
            if (f.length > 2 && f[2].equals(majMin)) {
                return true;
            }
        }
        return false;
    }

}
