package atlas.store;

import java.nio.ByteOrder;

/** Shared facts about every on-disk layout of the store. */
final class Layouts {
    /** All on-disk integers are little endian: the native order here, so encoding is a plain store. */
    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private Layouts() {
    }

    static long roundUpToBlock(long bytes) {
        return (bytes + Volume.BLOCK_SIZE - 1) & -(long) Volume.BLOCK_SIZE;
    }

    static int align8(int bytes) {
        return (bytes + 7) & -8;
    }
}
