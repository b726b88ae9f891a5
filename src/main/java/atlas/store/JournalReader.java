package atlas.store;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads one journal file at open and repairs it.
 * <ul>
 *   <li>A torn tail (the last write of a crashed process: a bad CRC or a length past EOF, with no valid entry
 *       after it) is truncated away, with a one-line warning.</li>
 *   <li>A bad entry followed by valid ones (mid-file corruption) is skipped: the reader resyncs by trying every
 *       8-byte-aligned offset for an entry whose magic and CRC check, warns with the byte range it skipped, and
 *       keeps going. Losing one entry is better than refusing to start or dropping everything after it.</li>
 * </ul>
 * The file is mapped read-only (journals are metadata; the page cache is fine for them).
 */
final class JournalReader {
    /** What one journal holds after repair. {@code sizeBytes} is its length after any truncation. */
    record Result(List<JournalEntry> entries, long sizeBytes) {
    }

    private JournalReader() {
    }

    static Result readAndRepair(Path file, Superblock volume, PrintStream warnings) throws IOException {
        List<JournalEntry> entries = new ArrayList<>();
        long truncateAt = -1;
        long size;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
             Arena arena = Arena.ofConfined()) {
            size = ch.size();
            if (size < JournalLayout.HEADER_SIZE) {
                // Crashed while creating the journal: nothing was ever committed to it.
                if (size > 0) {
                    warnings.println("atlas: warning: " + file + ": incomplete journal header, resetting it");
                }
                ch.truncate(0);
                ch.force(true);
                return new Result(entries, 0);
            }
            MemorySegment map = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            String problem = JournalLayout.headerProblem(map, volume);
            if (problem != null) {
                throw new IOException(file + ": " + problem + "; refusing to open the volume");
            }
            long pos = JournalLayout.HEADER_SIZE;
            while (pos < size) {
                int n = JournalLayout.validEntrySize(map, pos);
                if (n > 0) {
                    entries.add(JournalLayout.decodeEntry(map, pos));
                    pos += n;
                    continue;
                }
                long next = resync(map, pos + 8);
                if (next < 0) {
                    truncateAt = pos;
                    break;
                }
                warnings.println("atlas: warning: " + file + ": corrupt journal bytes [" + pos + ", " + next
                        + ") skipped; later entries kept");
                pos = next;
            }
            if (truncateAt >= 0) {
                warnings.println("atlas: warning: " + file + ": torn tail [" + truncateAt + ", " + size
                        + ") truncated (an interrupted last write)");
                ch.truncate(truncateAt);
                ch.force(true);
                size = truncateAt;
            }
        }
        return new Result(entries, size);
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
}
