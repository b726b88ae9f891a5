package atlas.store;

/**
 * A run of whole blocks on one of the volume's devices: {@code offsetBytes} and {@code capacityBytes} are
 * multiples of {@link Volume#BLOCK_SIZE}, {@code device} is the device's index in the volume (0 for a one-file
 * volume). An object occupies the first {@code length} bytes of its extent.
 * <p>
 * On disk (journal entries, checkpoints) an extent's offset and device travel as one {@link #address()}: offsets
 * are block aligned, so their low 12 bits are free, and they carry the device. A volume written before devices
 * existed has zeros there — device 0, its one file — and reads unchanged.
 */
public record Extent(int device, long offsetBytes, long capacityBytes) {
    /** Devices one volume may have: the low bits of a block-aligned offset that carry the index. */
    public static final int MAX_DEVICES = Volume.BLOCK_SIZE;

    public Extent {
        if ((offsetBytes | capacityBytes) % Volume.BLOCK_SIZE != 0 || capacityBytes < 0) {
            throw new IllegalArgumentException("unaligned extent " + offsetBytes + "+" + capacityBytes);
        }
        if (device < 0 || device >= MAX_DEVICES) {
            throw new IllegalArgumentException("device index " + device + " outside 0.." + (MAX_DEVICES - 1));
        }
    }

    /** An extent of device 0 (a one-file volume, or tests). */
    public Extent(long offsetBytes, long capacityBytes) {
        this(0, offsetBytes, capacityBytes);
    }

    /** The extent whose {@link #address()} is {@code address}. */
    public static Extent atAddress(long address, long capacityBytes) {
        return new Extent((int) (address & (MAX_DEVICES - 1)), address & -(long) MAX_DEVICES, capacityBytes);
    }

    /** Offset and device in one long, as journals and checkpoints store them. */
    public long address() {
        return offsetBytes | device;
    }

    public long endBytes() {
        return offsetBytes + capacityBytes;
    }
}
