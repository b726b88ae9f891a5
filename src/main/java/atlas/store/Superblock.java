package atlas.store;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.zip.CRC32C;

/**
 * Block 0 of {@code volume.dat}: identifies the file as an Atlas volume and names it.
 * <pre>
 *  0               8               16                              32              40      44
 *  +---------------+-------+-------+-------------------------------+---------------+-------+----------+
 *  | MAGIC         |VERSION|BLOCK  | VOLUME_ID (128-bit, hi, lo)   | CREATED_MILLIS| CRC32C| zero ... |
 *  | "ATLASVOL"    | int   |SIZE   |                               | long          |[0,40) | to 4096  |
 *  +---------------+-------+-------+-------------------------------+---------------+-------+----------+
 * </pre>
 * Little endian. Written once, at creation, with O_DIRECT from an aligned segment like every other data-file write.
 */
record Superblock(long volumeIdHi, long volumeIdLo, long createdMillis) {
    static final int FORMAT_VERSION = 1;
    /** "ATLASVOL" read as a little-endian long. */
    static final long MAGIC = 0x4C4F5653414C5441L;

    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 8;
    static final int BLOCK_SIZE_OFFSET = 12;
    static final int VOLUME_ID_HI_OFFSET = 16;
    static final int VOLUME_ID_LO_OFFSET = 24;
    static final int CREATED_MILLIS_OFFSET = 32;
    static final int CRC_OFFSET = 40;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(Layouts.ORDER);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(Layouts.ORDER);

    /** Fills {@code block} (one zeroed block) with this superblock. */
    void encode(MemorySegment block) {
        block.fill((byte) 0);
        block.set(LONG, MAGIC_OFFSET, MAGIC);
        block.set(INT, VERSION_OFFSET, FORMAT_VERSION);
        block.set(INT, BLOCK_SIZE_OFFSET, Volume.BLOCK_SIZE);
        block.set(LONG, VOLUME_ID_HI_OFFSET, volumeIdHi);
        block.set(LONG, VOLUME_ID_LO_OFFSET, volumeIdLo);
        block.set(LONG, CREATED_MILLIS_OFFSET, createdMillis);
        block.set(INT, CRC_OFFSET, crc(block));
    }

    static Superblock decode(MemorySegment block, String file) throws IOException {
        if (block.get(LONG, MAGIC_OFFSET) != MAGIC) {
            throw new IOException(file + " is not an Atlas volume (bad superblock magic)");
        }
        if (block.get(INT, CRC_OFFSET) != crc(block)) {
            throw new IOException(file + ": superblock checksum mismatch");
        }
        int version = block.get(INT, VERSION_OFFSET);
        if (version != FORMAT_VERSION) {
            throw new IOException(file + ": unsupported volume format version " + version);
        }
        int blockSize = block.get(INT, BLOCK_SIZE_OFFSET);
        if (blockSize != Volume.BLOCK_SIZE) {
            throw new IOException(file + ": block size " + blockSize + ", this build supports " + Volume.BLOCK_SIZE);
        }
        return new Superblock(block.get(LONG, VOLUME_ID_HI_OFFSET), block.get(LONG, VOLUME_ID_LO_OFFSET),
                block.get(LONG, CREATED_MILLIS_OFFSET));
    }

    String volumeIdHex() {
        return String.format("%016x%016x", volumeIdHi, volumeIdLo);
    }

    private static int crc(MemorySegment block) {
        CRC32C crc = new CRC32C();
        crc.update(block.asSlice(0, CRC_OFFSET).asByteBuffer());
        return (int) crc.getValue();
    }
}
