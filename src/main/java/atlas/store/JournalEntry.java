package atlas.store;

/**
 * One decoded journal entry (recovery only; the write path encodes straight into the staging buffer). For a
 * CONFIRM ({@link JournalLayout#TYPE_CONFIRM}) {@code sequence} is the first and {@code extentOffset} the last
 * sequence it covers. {@code inlineBodyAt} is where an inline body starts in the journal file, or -1: the body is
 * re-read from there only if recovery must repair the extent, so a long journal of small objects is never held in
 * memory.
 */
record JournalEntry(short type, short flags, long sequence, byte[] name, String contentType, long extentOffset,
                    long extentCapacity, long objectLength, int objectCrc, long mtimeMillis, long inlineBodyAt) {
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

    /** A PUT that carries its body ({@link JournalLayout#FLAG_BODY_INLINE}): its extent is checked, not trusted. */
    boolean bodyInline() {
        return isPut() && (flags & JournalLayout.FLAG_BODY_INLINE) != 0;
    }

    /** A PUT whose extent may not be durable: trusted only when a CONFIRM covers it. */
    boolean needsConfirm() {
        return bodyInFlight() || bodyInline();
    }

    /** A CONFIRM's last covered sequence. */
    long confirmLast() {
        return extentOffset;
    }
}
