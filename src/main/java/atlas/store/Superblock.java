package atlas.store;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.zip.CRC32C;

/**
 * Block 0 of every device of a volume (of {@code volume.dat} in a one-file volume): identifies it as an Atlas
 * device, names the volume it belongs to and its index among that volume's devices.
 * <pre>
 *  0               8       12      16                              32              40      44      48
 *  +---------------+-------+-------+-------------------------------+---------------+-------+-------+------+
 *  | MAGIC         |VERSION|BLOCK  | VOLUME_ID (128-bit, hi, lo)   | CREATED_MILLIS| CRC32C|DEVICE | zero |
 *  | "ATLASVOL"    | int   |SIZE   | the same on every device      | long          |       |INDEX  | ...  |
 *  +---------------+-------+-------+-------------------------------+---------------+-------+-------+------+
 * </pre>
 * Little endian. The CRC covers {@code [0, 40)} and, from version 2, {@code [44, 64)} too; a version-1 block
 * (written before volumes had devices) is device 0. Written once, when the device joins the volume, with O_DIRECT
 * from an aligned segment like every other device write.
 */
record Superblock(long volumeIdHi, long volumeIdLo, long createdMillis, int deviceIndex) {
    static final int FORMAT_VERSION = 2;
    /** "ATLASVOL" read as a little-endian long. */
    static final long MAGIC = 0x4C4F5653414C5441L;

    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 8;
    static final int BLOCK_SIZE_OFFSET = 12;
    static final int VOLUME_ID_HI_OFFSET = 16;
    static final int VOLUME_ID_LO_OFFSET = 24;
    static final int CREATED_MILLIS_OFFSET = 32;
    static final int CRC_OFFSET = 40;
    static final int DEVICE_INDEX_OFFSET = 44;
    private static final int COVERED_END = 64;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(Layouts.ORDER);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(Layouts.ORDER);

    Superblock(long volumeIdHi, long volumeIdLo, long createdMillis) {
        this(volumeIdHi, volumeIdLo, createdMillis, 0);
    }

    /** The same volume's superblock for device {@code index}. */
    Superblock forDevice(int index) {
        return new Superblock(volumeIdHi, volumeIdLo, createdMillis, index);
    }

    boolean sameVolume(Superblock other) {
        return volumeIdHi == other.volumeIdHi && volumeIdLo == other.volumeIdLo;
    }

    /** True when {@code block} starts with the Atlas magic (whatever else it holds). */
    static boolean hasMagic(MemorySegment block) {
        return block.get(LONG, MAGIC_OFFSET) == MAGIC;
    }

    /** Fills {@code block} (one zeroed block) with this superblock. */
    void encode(MemorySegment block) {
        block.fill((byte) 0);
        block.set(LONG, MAGIC_OFFSET, MAGIC);
        block.set(INT, VERSION_OFFSET, FORMAT_VERSION);
        block.set(INT, BLOCK_SIZE_OFFSET, Volume.BLOCK_SIZE);
        block.set(LONG, VOLUME_ID_HI_OFFSET, volumeIdHi);
        block.set(LONG, VOLUME_ID_LO_OFFSET, volumeIdLo);
        block.set(LONG, CREATED_MILLIS_OFFSET, createdMillis);
        block.set(INT, DEVICE_INDEX_OFFSET, deviceIndex);
        block.set(INT, CRC_OFFSET, crc(block, FORMAT_VERSION));
    }

    static Superblock decode(MemorySegment block, String file) throws IOException {
        if (!hasMagic(block)) {
            throw new IOException(file + " is not an Atlas volume (bad superblock magic)");
        }
        int version = block.get(INT, VERSION_OFFSET);
        if (version != 1 && version != FORMAT_VERSION) {
            throw new IOException(file + ": unsupported volume format version " + version);
        }
        if (block.get(INT, CRC_OFFSET) != crc(block, version)) {
            throw new IOException(file + ": superblock checksum mismatch");
        }
        int blockSize = block.get(INT, BLOCK_SIZE_OFFSET);
        if (blockSize != Volume.BLOCK_SIZE) {
            throw new IOException(file + ": block size " + blockSize + ", this build supports " + Volume.BLOCK_SIZE);
        }
        int device = version == 1 ? 0 : block.get(INT, DEVICE_INDEX_OFFSET);
        if (device < 0 || device >= Extent.MAX_DEVICES) {
            throw new IOException(file + ": impossible device index " + device);
        }
        return new Superblock(block.get(LONG, VOLUME_ID_HI_OFFSET), block.get(LONG, VOLUME_ID_LO_OFFSET),
                block.get(LONG, CREATED_MILLIS_OFFSET), device);
    }

    String volumeIdHex() {
        return String.format("%016x%016x", volumeIdHi, volumeIdLo);
    }

    private static int crc(MemorySegment block, int version) {
        CRC32C crc = new CRC32C();
        crc.update(block.asSlice(0, CRC_OFFSET).asByteBuffer());
        if (version >= 2) {
            crc.update(block.asSlice(DEVICE_INDEX_OFFSET, COVERED_END - DEVICE_INDEX_OFFSET).asByteBuffer());
        }
        return (int) crc.getValue();
    }
}
