package atlas.store;

/** One decoded journal entry (recovery only; the write path encodes straight into the staging buffer). */
record JournalEntry(short type, long sequence, byte[] name, String contentType, long extentOffset,
                    long extentCapacity, long objectLength, int objectCrc, long mtimeMillis) {
    boolean isPut() {
        return type == JournalLayout.TYPE_PUT;
    }
}
