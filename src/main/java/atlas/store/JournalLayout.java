package atlas.store;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Byte layout of a journal file ({@code journal-<id>.log}): one header, then entries back to back, each a
 * multiple of 8 bytes. Little endian.
 * <pre>
 * Header (64 bytes)
 *  0               8       12      16                              32                      60      64
 *  +---------------+-------+-------+-------------------------------+-----------------------+-------+
 *  | MAGIC         |VERSION|JOURNAL| VOLUME_ID (hi, lo)            | reserved, zero        | CRC32C|
 *  | "ATLASJNL"    | int   |ID int | must match the superblock     |                       |[0,60) |
 *  +---------------+-------+-------+-------------------------------+-----------------------+-------+
 *
 * Entry (64 bytes + name + content type [+ inline body], padded to 8)
 *  0       4       8       12      14      16              24      26      28      32
 *  +-------+-------+-------+-------+-------+---------------+-------+-------+-------+
 *  | MAGIC |LENGTH | CRC32C| TYPE  |NAME_  | SEQUENCE      |CTYPE_ | FLAGS |OBJECT_|
 *  | "AJE1"| total | of    | 1 PUT |LENGTH | global, long  |LENGTH | short |CRC32C |
 *  |       | bytes |[12,L) | 2 DEL | short |               | short |       | int   |
 *  |       |       |       | 3 CNF |       |               |       |       |       |
 *  +-------+-------+-------+-------+-------+---------------+-------+-------+-------+
 *  32              40              48              56              64
 *  +---------------+---------------+---------------+---------------+--------------------------------------+-----+
 *  | EXTENT_OFFSET | EXTENT_CAPAC. | OBJECT_LENGTH | MTIME_MILLIS  | name (UTF-8) | ctype | inline body  | pad |
 *  +---------------+---------------+---------------+---------------+--------------------------------------+-----+
 * </pre>
 * EXTENT_OFFSET is the extent's {@link Extent#address()}: its block-aligned byte offset with the device index in the
 * low 12 bits (zero, device 0, in volumes written before devices existed).
 * The CRC covers everything after itself, padding included, so a torn or partly overwritten entry never
 * passes. A DELETE carries only the name (the extent, length and object CRC fields are zero).
 * <p>
 * <b>Bodies written concurrently with their entry.</b> A PUT with {@link #FLAG_BODY_IN_FLIGHT} was staged while
 * its body's last write was still on its way to the volume: the server writes both at once and answers only when
 * both completed, so a crash may leave a durable entry whose body never landed (that PUT was never
 * acknowledged). Such an entry is trusted at recovery only once a CONFIRM entry of the <i>same journal</i> covers
 * its sequence; otherwise recovery checks the extent against OBJECT_CRC32C and drops the entry if they differ.
 * A CONFIRM (type 3, no name, no content type) says "every flagged PUT of this journal with a sequence in
 * [FIRST, LAST] has its body durable"; it takes no sequence of its own and changes nothing in the index:
 * <pre>
 *  CONFIRM: SEQUENCE field = FIRST, EXTENT_OFFSET field = LAST; TYPE 3; all other fields zero
 * </pre>
 * A journal group written after the one holding a PUT carries its CONFIRM (see {@link Journal}).
 * <p>
 * <b>Small bodies inline.</b> A PUT with {@link #FLAG_BODY_INLINE} carries its whole body (OBJECT_LENGTH bytes, at
 * most {@link #INLINE_MAX_BYTES}) after the content type, covered by the entry CRC: the group write that makes the
 * entry durable makes the body durable too, so a small PUT costs one flush instead of two (PASTE keeps small
 * objects in the log for the same reason). The body is also written to its extent, without a flush of its own;
 * a later CONFIRM says that write is durable (after a data-file sync). Recovery rewrites the extent of an
 * unconfirmed inline PUT from the entry if the two differ — the entry is the durable copy, never dropped.
 * Journals without flags or CONFIRM entries (format 1 as first written) read exactly as before.
 * <p>
 * The file is preallocated with written zeros past the last entry (see {@link Journal}): the log ends at the
 * first offset that holds no valid entry; zeros from there to the end of the file are free room, anything else
 * there is a torn last write.
 */
final class JournalLayout {
    // --- header ---
    /** "ATLASJNL" read as a little-endian long. */
    static final long HEADER_MAGIC = 0x4C4E4A53414C5441L;
    static final int HEADER_VERSION = 1;
    static final int HEADER_MAGIC_OFFSET = 0;
    static final int HEADER_VERSION_OFFSET = 8;
    static final int HEADER_JOURNAL_ID_OFFSET = 12;
    static final int HEADER_VOLUME_ID_HI_OFFSET = 16;
    static final int HEADER_VOLUME_ID_LO_OFFSET = 24;
    static final int HEADER_CRC_OFFSET = 60;
    static final int HEADER_SIZE = 64;

    // --- entry ---
    /** "AJE1" read as a little-endian int. */
    static final int ENTRY_MAGIC = 0x31454A41;
    static final int MAGIC_OFFSET = 0;
    static final int LENGTH_OFFSET = 4;
    static final int CRC_OFFSET = 8;
    /** The entry CRC covers [CRC_START, LENGTH). */
    static final int CRC_START = 12;
    static final int TYPE_OFFSET = 12;
    static final int NAME_LENGTH_OFFSET = 14;
    static final int SEQUENCE_OFFSET = 16;
    static final int CONTENT_TYPE_LENGTH_OFFSET = 24;
    static final int FLAGS_OFFSET = 26;
    static final int OBJECT_CRC_OFFSET = 28;
    static final int EXTENT_OFFSET_OFFSET = 32;
    static final int EXTENT_CAPACITY_OFFSET = 40;
    static final int OBJECT_LENGTH_OFFSET = 48;
    static final int MTIME_MILLIS_OFFSET = 56;
    static final int FIXED_SIZE = 64;

    static final short TYPE_PUT = 1;
    static final short TYPE_DELETE = 2;
    static final short TYPE_CONFIRM = 3;
    /** CONFIRM: the first and last sequence it covers (re-used fixed fields, see the class comment). */
    static final int CONFIRM_FIRST_OFFSET = SEQUENCE_OFFSET;
    static final int CONFIRM_LAST_OFFSET = EXTENT_OFFSET_OFFSET;
    /** Size of a CONFIRM entry: the fixed part only. */
    static final int CONFIRM_SIZE = FIXED_SIZE;

    /** PUT flag: the body's last write was issued concurrently with this entry's (see the class comment). */
    static final short FLAG_BODY_IN_FLIGHT = 1;
    /** PUT flag: the whole body follows the content type (see the class comment). */
    static final short FLAG_BODY_INLINE = 2;
    /**
     * Largest inline body: one block. Above it the body's own durable write costs no more than copying it into
     * the log would save, and the log stays a log of metadata for the bulk of the bytes.
     */
    static final int INLINE_MAX_BYTES = 4096;

    /** Content types are short ASCII tokens; a bound keeps entries small and the length field meaningful. */
    static final int MAX_CONTENT_TYPE_LENGTH = 255;
    static final int MAX_ENTRY_SIZE =
            Layouts.align8(FIXED_SIZE + ObjectNames.MAX_LENGTH + MAX_CONTENT_TYPE_LENGTH + INLINE_MAX_BYTES);

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(Layouts.ORDER);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(Layouts.ORDER);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(Layouts.ORDER);

    private JournalLayout() {
    }

    static int entrySize(int nameLength, int contentTypeLength) {
        return entrySize(nameLength, contentTypeLength, 0);
    }

    static int entrySize(int nameLength, int contentTypeLength, int inlineLength) {
        return Layouts.align8(FIXED_SIZE + nameLength + contentTypeLength + inlineLength);
    }

    static void encodeHeader(MemorySegment dst, int journalId, Superblock volume) {
        dst.asSlice(0, HEADER_SIZE).fill((byte) 0);
        dst.set(LONG, HEADER_MAGIC_OFFSET, HEADER_MAGIC);
        dst.set(INT, HEADER_VERSION_OFFSET, HEADER_VERSION);
        dst.set(INT, HEADER_JOURNAL_ID_OFFSET, journalId);
        dst.set(LONG, HEADER_VOLUME_ID_HI_OFFSET, volume.volumeIdHi());
        dst.set(LONG, HEADER_VOLUME_ID_LO_OFFSET, volume.volumeIdLo());
        dst.set(INT, HEADER_CRC_OFFSET, crc(dst, 0, HEADER_CRC_OFFSET));
    }

    /** Null when the header is valid and belongs to {@code volume}, else why not. */
    static String headerProblem(MemorySegment src, Superblock volume) {
        if (src.byteSize() < HEADER_SIZE || src.get(LONG, HEADER_MAGIC_OFFSET) != HEADER_MAGIC) {
            return "not an Atlas journal (bad magic)";
        }
        if (src.get(INT, HEADER_CRC_OFFSET) != crc(src, 0, HEADER_CRC_OFFSET)) {
            return "journal header checksum mismatch";
        }
        if (src.get(INT, HEADER_VERSION_OFFSET) != HEADER_VERSION) {
            return "unsupported journal version " + src.get(INT, HEADER_VERSION_OFFSET);
        }
        if (src.get(LONG, HEADER_VOLUME_ID_HI_OFFSET) != volume.volumeIdHi()
                || src.get(LONG, HEADER_VOLUME_ID_LO_OFFSET) != volume.volumeIdLo()) {
            return String.format("journal belongs to volume %016x%016x, not to this volume %s",
                    src.get(LONG, HEADER_VOLUME_ID_HI_OFFSET), src.get(LONG, HEADER_VOLUME_ID_LO_OFFSET),
                    volume.volumeIdHex());
        }
        return null;
    }

    /**
     * Encodes one entry at {@code dst[at]} (which must have {@link #entrySize} bytes) and returns its size.
     * {@code inlineBody} (null for none) is the body of a {@link #FLAG_BODY_INLINE} PUT, {@code objectLength} bytes.
     * Allocates an {@link Encoder}: for tools and tests; the journal keeps one.
     */
    static int encodeEntry(MemorySegment dst, long at, short type, short flags, long sequence, ObjectKey name,
                           byte[] contentType, long extentOffset, long extentCapacity, long objectLength,
                           int objectCrc, long mtimeMillis, MemorySegment inlineBody) {
        if (inlineBody != null && inlineBody.byteSize() != objectLength) {
            throw new IllegalArgumentException("inline body of " + inlineBody.byteSize() + " bytes for an object of "
                    + objectLength);
        }
        Encoder encoder = new Encoder();
        encoder.target(dst);
        return encoder.entry(at, type, flags, sequence, name, contentType, extentOffset, extentCapacity, objectLength,
                objectCrc, mtimeMillis, inlineBody, 0);
    }

    /**
     * Encodes entries into one staging segment on the commit path without allocating: fields at absolute offsets,
     * one reused CRC32C, one ByteBuffer view of the segment (made again only when the journal grows its staging
     * memory). Owned by the journal's thread.
     */
    static final class Encoder {
        private final CRC32C crc = new CRC32C();
        private MemorySegment dst;
        private ByteBuffer view;

        /** Encode into {@code segment} from now on. */
        void target(MemorySegment segment) {
            if (segment != dst) {
                dst = segment;
                view = segment.asByteBuffer();
            }
        }

        /**
         * As {@link JournalLayout#encodeEntry}, into the target; an inline body is the {@code objectLength} bytes of
         * {@code inlineSource} at {@code inlineOffset} (null: none).
         */
        int entry(long at, short type, short flags, long sequence, ObjectKey name, byte[] contentType,
                  long extentOffset, long extentCapacity, long objectLength, int objectCrc, long mtimeMillis,
                  MemorySegment inlineSource, long inlineOffset) {
            int nameLength = name.length();
            int ctLength = contentType.length;
            int inlineLength = inlineSource == null ? 0 : (int) objectLength;
            if (inlineSource != null && ((flags & FLAG_BODY_INLINE) == 0 || objectLength > INLINE_MAX_BYTES)) {
                throw new IllegalArgumentException("inline body of " + inlineLength + " bytes for an object of "
                        + objectLength + " (flags " + flags + ")");
            }
            int size = entrySize(nameLength, ctLength, inlineLength);
            MemorySegment e = dst;
            e.set(INT, at + MAGIC_OFFSET, ENTRY_MAGIC);
            e.set(INT, at + LENGTH_OFFSET, size);
            e.set(SHORT, at + TYPE_OFFSET, type);
            e.set(SHORT, at + NAME_LENGTH_OFFSET, (short) nameLength);
            e.set(LONG, at + SEQUENCE_OFFSET, sequence);
            e.set(SHORT, at + CONTENT_TYPE_LENGTH_OFFSET, (short) ctLength);
            e.set(SHORT, at + FLAGS_OFFSET, flags);
            e.set(INT, at + OBJECT_CRC_OFFSET, objectCrc);
            e.set(LONG, at + EXTENT_OFFSET_OFFSET, extentOffset);
            e.set(LONG, at + EXTENT_CAPACITY_OFFSET, extentCapacity);
            e.set(LONG, at + OBJECT_LENGTH_OFFSET, objectLength);
            e.set(LONG, at + MTIME_MILLIS_OFFSET, mtimeMillis);
            long p = at + FIXED_SIZE;
            for (int i = 0; i < nameLength; i++) {
                e.set(ValueLayout.JAVA_BYTE, p + i, name.byteAt(i));
            }
            p += nameLength;
            MemorySegment.copy(contentType, 0, e, ValueLayout.JAVA_BYTE, p, ctLength);
            p += ctLength;
            if (inlineLength > 0) {
                MemorySegment.copy(inlineSource, inlineOffset, e, p, inlineLength);
                p += inlineLength;
            }
            for (long end = at + size; p < end; p++) {
                e.set(ValueLayout.JAVA_BYTE, p, (byte) 0); // at most 7 bytes of padding
            }
            e.set(INT, at + CRC_OFFSET, checksum(at + CRC_START, at + size));
            return size;
        }

        /** As {@link JournalLayout#encodeConfirm}, into the target. */
        int confirm(long at, long first, long last) {
            MemorySegment e = dst;
            for (long p = at; p < at + CONFIRM_SIZE; p += Long.BYTES) {
                e.set(LONG, p, 0L);
            }
            e.set(INT, at + MAGIC_OFFSET, ENTRY_MAGIC);
            e.set(INT, at + LENGTH_OFFSET, CONFIRM_SIZE);
            e.set(SHORT, at + TYPE_OFFSET, TYPE_CONFIRM);
            e.set(LONG, at + CONFIRM_FIRST_OFFSET, first);
            e.set(LONG, at + CONFIRM_LAST_OFFSET, last);
            e.set(INT, at + CRC_OFFSET, checksum(at + CRC_START, at + CONFIRM_SIZE));
            return CONFIRM_SIZE;
        }

        private int checksum(long from, long to) {
            view.limit((int) to).position((int) from);
            crc.reset();
            crc.update(view);
            view.clear();
            return (int) crc.getValue();
        }
    }

    /** Encodes a CONFIRM of {@code [first, last]} at {@code dst[at]} and returns its size (tools and tests). */
    static int encodeConfirm(MemorySegment dst, long at, long first, long last) {
        Encoder encoder = new Encoder();
        encoder.target(dst);
        return encoder.confirm(at, first, last);
    }

    /**
     * The size of the valid entry at {@code src[at]}, or -1 if there is none (wrong magic, impossible lengths,
     * past {@code src}'s end, or a CRC mismatch).
     */
    static int validEntrySize(MemorySegment src, long at) {
        long available = src.byteSize() - at;
        if (available < FIXED_SIZE || src.get(INT, at + MAGIC_OFFSET) != ENTRY_MAGIC) {
            return -1;
        }
        int size = src.get(INT, at + LENGTH_OFFSET);
        if (size < FIXED_SIZE || size > MAX_ENTRY_SIZE || (size & 7) != 0 || size > available) {
            return -1;
        }
        int nameLength = Short.toUnsignedInt(src.get(SHORT, at + NAME_LENGTH_OFFSET));
        int ctLength = Short.toUnsignedInt(src.get(SHORT, at + CONTENT_TYPE_LENGTH_OFFSET));
        int inlineLength = 0;
        if ((src.get(SHORT, at + FLAGS_OFFSET) & FLAG_BODY_INLINE) != 0) {
            long objectLength = src.get(LONG, at + OBJECT_LENGTH_OFFSET);
            if (objectLength < 0 || objectLength > INLINE_MAX_BYTES) {
                return -1;
            }
            inlineLength = (int) objectLength;
        }
        if (entrySize(nameLength, ctLength, inlineLength) != size) {
            return -1;
        }
        if (src.get(INT, at + CRC_OFFSET) != crc(src, at + CRC_START, at + size)) {
            return -1;
        }
        return size;
    }

    /** Decodes the entry at {@code src[at]}, which {@link #validEntrySize} accepted. */
    static JournalEntry decodeEntry(MemorySegment src, long at) {
        int nameLength = Short.toUnsignedInt(src.get(SHORT, at + NAME_LENGTH_OFFSET));
        int ctLength = Short.toUnsignedInt(src.get(SHORT, at + CONTENT_TYPE_LENGTH_OFFSET));
        byte[] name = src.asSlice(at + FIXED_SIZE, nameLength).toArray(ValueLayout.JAVA_BYTE);
        byte[] ct = src.asSlice(at + FIXED_SIZE + nameLength, ctLength).toArray(ValueLayout.JAVA_BYTE);
        short flags = src.get(SHORT, at + FLAGS_OFFSET);
        long inlineAt = (flags & FLAG_BODY_INLINE) != 0 ? at + FIXED_SIZE + nameLength + ctLength : -1;
        return new JournalEntry(src.get(SHORT, at + TYPE_OFFSET), flags,
                src.get(LONG, at + SEQUENCE_OFFSET), name,
                new String(ct, StandardCharsets.UTF_8),
                src.get(LONG, at + EXTENT_OFFSET_OFFSET), src.get(LONG, at + EXTENT_CAPACITY_OFFSET),
                src.get(LONG, at + OBJECT_LENGTH_OFFSET), src.get(INT, at + OBJECT_CRC_OFFSET),
                src.get(LONG, at + MTIME_MILLIS_OFFSET), inlineAt);
    }

    private static int crc(MemorySegment src, long from, long to) {
        CRC32C crc = new CRC32C();
        crc.update(src.asSlice(from, to - from).asByteBuffer());
        return (int) crc.getValue();
    }
}
