package atlas.store;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Reads one journal file at open and repairs it.
 * <ul>
 *   <li>The log ends at the first offset holding no valid entry. Zeros from there to the end of the file are the
 *       preallocated room ({@link Journal}) and are left alone.</li>
 *   <li>A torn tail (the last write of a crashed process: non-zero bytes that form no valid entry, with no valid
 *       entry after them) is truncated away, with a one-line warning.</li>
 *   <li>A bad entry followed by valid ones (mid-file corruption) is skipped: the reader resyncs by trying every
 *       8-byte-aligned offset for an entry whose magic and CRC check, warns with the byte range it skipped and
 *       what the damaged bytes still seem to say (type, sequence, name — unverified), and keeps going. Losing one
 *       entry is better than refusing to start or dropping everything after it; {@link Volume} then re-checks the
 *       bodies of the objects that entry may have shadowed.</li>
 *   <li>CONFIRM entries are gathered: a PUT whose body was written concurrently with it
 *       ({@link JournalEntry#bodyInFlight()}) or that carries its body ({@link JournalEntry#bodyInline()}) and
 *       that no CONFIRM of this journal covers is reported as unconfirmed, for {@link Volume} to check its extent
 *       against its CRC (and, for an inline body, to repair it).</li>
 * </ul>
 * The file is mapped read-only (journals are metadata; the page cache is fine for them).
 */
final class JournalReader {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(Layouts.ORDER);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(Layouts.ORDER);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(Layouts.ORDER);

    /**
     * What one journal file holds after repair: its PUT and DELETE entries in file order, the PUTs among them that
     * need a CONFIRM, the CONFIRM ranges {first, last} it holds, where the log ends (the next append goes there),
     * and the damaged ranges that were skipped. A journal id's CONFIRMs may sit in a later file than their PUTs
     * (after a {@link Journal#rotate}): {@link #unconfirmed} takes all files of one id.
     */
    record Result(int journalId, List<JournalEntry> entries, List<JournalEntry> needConfirm, List<long[]> confirms,
                  long endBytes, List<Skipped> skipped) {
    }

    /** The PUTs of {@code files} (all of one journal id) that need a CONFIRM and that none of their CONFIRMs covers. */
    static Set<JournalEntry> unconfirmed(List<Result> files) {
        List<long[]> confirms = new ArrayList<>();
        for (Result r : files) {
            confirms.addAll(r.confirms());
        }
        Set<JournalEntry> unconfirmed = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Result r : files) {
            for (JournalEntry e : r.needConfirm()) {
                if (!covered(confirms, e.sequence())) {
                    unconfirmed.add(e);
                }
            }
        }
        return unconfirmed;
    }

    /**
     * Bytes {@code [from, to)} skipped as corrupt, and what they seem to hold: the name, type and sequence read
     * from where an entry's fields would be, when those look plausible (null / 0 otherwise). Unverified: the CRC
     * failed, so this is a hint for the operator, never used to change the index.
     */
    record Skipped(Path file, long from, long to, String probableName, short probableType, long probableSequence) {
        String describe() {
            String what = probableType == JournalLayout.TYPE_PUT ? "a PUT"
                    : probableType == JournalLayout.TYPE_DELETE ? "a DELETE" : "an entry";
            return probableName == null ? "unreadable" : "probably " + what + " of '" + probableName + "'"
                    + (probableSequence > 0 ? " (sequence " + probableSequence + ")" : "");
        }
    }

    private JournalReader() {
    }

    static Result readAndRepair(Path file, Superblock volume, PrintStream warnings) throws IOException {
        List<JournalEntry> entries = new ArrayList<>();
        List<JournalEntry> flagged = new ArrayList<>();
        List<long[]> confirms = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        long end;
        int journalId;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
             Arena arena = Arena.ofConfined()) {
            long size = ch.size();
            if (size < JournalLayout.HEADER_SIZE) {
                // Crashed while creating the journal: nothing was ever committed to it.
                if (size > 0) {
                    warnings.println("atlas: warning: " + file + ": incomplete journal header, resetting it");
                }
                ch.truncate(0);
                ch.force(true);
                return new Result(-1, entries, flagged, confirms, 0, skipped);
            }
            MemorySegment map = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            String problem = JournalLayout.headerProblem(map, volume);
            if (problem != null) {
                throw new IOException(file + ": " + problem + "; refusing to open the volume");
            }
            journalId = map.get(INT, JournalLayout.HEADER_JOURNAL_ID_OFFSET);
            long pos = JournalLayout.HEADER_SIZE;
            long truncateAt = -1;
            while (pos < size) {
                int n = JournalLayout.validEntrySize(map, pos);
                if (n > 0) {
                    JournalEntry e = JournalLayout.decodeEntry(map, pos);
                    if (e.isConfirm()) {
                        confirms.add(new long[] {e.sequence(), e.confirmLast()});
                    } else {
                        entries.add(e);
                        if (e.needsConfirm()) {
                            flagged.add(e);
                        }
                    }
                    pos += n;
                    continue;
                }
                long next = resync(map, pos + 8);
                if (next < 0) {
                    if (!allZero(map, pos)) {
                        truncateAt = pos;
                    }
                    break;
                }
                Skipped k = probe(file, map, pos, next);
                skipped.add(k);
                warnings.println("atlas: warning: " + file + ": corrupt journal bytes [" + pos + ", " + next
                        + ") skipped (" + k.describe() + "); later entries kept");
                pos = next;
            }
            end = pos;
            if (truncateAt >= 0) {
                warnings.println("atlas: warning: " + file + ": torn tail [" + truncateAt + ", " + size
                        + ") truncated (an interrupted last write)");
                ch.truncate(truncateAt);
                ch.force(true);
                end = truncateAt;
            }
        }
        return new Result(journalId, entries, flagged, confirms, end, skipped);
    }

    private static boolean covered(List<long[]> confirms, long sequence) {
        for (long[] c : confirms) {
            if (sequence >= c[0] && sequence <= c[1]) {
                return true;
            }
        }
        return false;
    }

    /** True when {@code map[from, end)} is all zero bytes: the preallocated room after the last entry. */
    private static boolean allZero(MemorySegment map, long from) {
        long size = map.byteSize();
        long at = from;
        for (; at + 8 <= size; at += 8) {
            if (map.get(ValueLayout.JAVA_LONG_UNALIGNED, at) != 0) {
                return false;
            }
        }
        for (; at < size; at++) {
            if (map.get(ValueLayout.JAVA_BYTE, at) != 0) {
                return false;
            }
        }
        return true;
    }

    /** The first 8-aligned offset at or after {@code from} holding a valid entry, or -1. */
    private static long resync(MemorySegment map, long from) {
        long size = map.byteSize();
        for (long at = from; at + JournalLayout.FIXED_SIZE <= size; at += 8) {
            if (JournalLayout.validEntrySize(map, at) > 0) {
                return at;
            }
        }
        return -1;
    }

    /** Reads what a damaged entry at {@code [from, to)} still seems to say, for the warning only. */
    private static Skipped probe(Path file, MemorySegment map, long from, long to) {
        long length = to - from;
        if (length < JournalLayout.FIXED_SIZE) {
            return new Skipped(file, from, to, null, (short) 0, 0);
        }
        short type = map.get(SHORT, from + JournalLayout.TYPE_OFFSET);
        long sequence = map.get(LONG, from + JournalLayout.SEQUENCE_OFFSET);
        int nameLength = Short.toUnsignedInt(map.get(SHORT, from + JournalLayout.NAME_LENGTH_OFFSET));
        String name = null;
        if (nameLength > 0 && nameLength <= ObjectNames.MAX_LENGTH && JournalLayout.FIXED_SIZE + nameLength <= length) {
            byte[] bytes = map.asSlice(from + JournalLayout.FIXED_SIZE, nameLength).toArray(ValueLayout.JAVA_BYTE);
            CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder();
            try {
                name = utf8.decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                name = null;
            }
        }
        return new Skipped(file, from, to, name, type, sequence > 0 ? sequence : 0);
    }
}
