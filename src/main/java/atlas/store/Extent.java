package atlas.store;

/**
 * A run of whole blocks in the volume's data file: {@code offsetBytes} and {@code capacityBytes} are
 * multiples of {@link Volume#BLOCK_SIZE}. An object occupies the first {@code length} bytes of its extent.
 */
public record Extent(long offsetBytes, long capacityBytes) {
    public Extent {
        if ((offsetBytes | capacityBytes) % Volume.BLOCK_SIZE != 0 || capacityBytes < 0) {
            throw new IllegalArgumentException("unaligned extent " + offsetBytes + "+" + capacityBytes);
        }
    }

    public long endBytes() {
        return offsetBytes + capacityBytes;
    }
}
