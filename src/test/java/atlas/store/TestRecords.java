package atlas.store;

/** Records for tests above the store that need one without a volume (a transmitter's, say). */
public final class TestRecords {
    private TestRecords() {
    }

    /** A record of {@code length} bytes at {@code offsetBytes}; its extent is never reclaimed anywhere. */
    public static ObjectRecord record(String name, long offsetBytes, long length, String contentType) {
        long capacity = Math.max(Volume.BLOCK_SIZE, (length + Volume.BLOCK_SIZE - 1) & -Volume.BLOCK_SIZE);
        return new ObjectRecord(ObjectKey.of(name), new Extent(offsetBytes, capacity), length, contentType, 0, 0L, 1,
                extent -> { });
    }

    /** What the index does when a newer write or a delete replaces {@code record}. */
    public static void retire(ObjectRecord record) {
        record.retire();
    }
}
