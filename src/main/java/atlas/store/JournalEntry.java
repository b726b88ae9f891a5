package atlas.store;

/**
 * One decoded journal entry (recovery only; the write path encodes straight into the staging buffer). For a
 * CONFIRM ({@link JournalLayout#TYPE_CONFIRM}) {@code sequence} is the first and {@code extentOffset} the last
 * sequence it covers.
 */
record JournalEntry(short type, short flags, long sequence, byte[] name, String contentType, long extentOffset,
                    long extentCapacity, long objectLength, int objectCrc, long mtimeMillis) {
    boolean isPut() {
        return type == JournalLayout.TYPE_PUT;
    }

    boolean isDelete() {
        return type == JournalLayout.TYPE_DELETE;
    }

    boolean isConfirm() {
        return type == JournalLayout.TYPE_CONFIRM;
    }

    /** A PUT whose body was written concurrently with it: trusted only when confirmed or checked. */
    boolean bodyInFlight() {
        return isPut() && (flags & JournalLayout.FLAG_BODY_IN_FLIGHT) != 0;
    }

    /** A CONFIRM's last covered sequence. */
    long confirmLast() {
        return extentOffset;
    }
}
