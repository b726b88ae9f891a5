package atlas.store;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What recovery decided about objects it could not simply replay, worded for an operator: which unacknowledged
 * PUTs were dropped and what each name resolves to now, and what a corrupt journal range cost. One warning line
 * per dropped object, one summary line per recovery that checked any body.
 */
final class RecoveryReport {
    private static final int MAX_NAMES_LISTED = 20;

    private final Path directory;
    private final PrintStream warnings;
    private long checked;
    private long intact;
    private long dropped;
    private long droppedAfterCorruption;
    private long repaired;
    private final List<String> lostNames = new ArrayList<>();

    RecoveryReport(Path directory, PrintStream warnings) {
        this.directory = directory;
        this.warnings = warnings;
    }

    PrintStream warnings() {
        return warnings;
    }

    void checked(boolean ok) {
        checked++;
        if (ok) {
            intact++;
        }
    }

    /** Objects dropped so far (both kinds). */
    long dropped() {
        return dropped;
    }

    long droppedAfterCorruption() {
        return droppedAfterCorruption;
    }

    /** Newest first: PUTs of one name whose bodies did not land; {@code now} is what the name resolves to. */
    void droppedUnacknowledged(List<ObjectRecord> puts, ObjectRecord now) {
        for (ObjectRecord r : puts) {
            dropped++;
            warnings.println("atlas: warning: " + directory + ": dropping the unacknowledged PUT of '" + r.name()
                    + "' (sequence " + r.sequence() + ", " + r.length() + " bytes): its body did not reach the disk"
                    + " before the crash (CRC mismatch); " + resolution(r.name(), now));
        }
    }

    private static String resolution(String name, ObjectRecord now) {
        return now == null ? "'" + name + "' has no earlier version and stays absent"
                : "'" + name + "' keeps its earlier version (sequence " + now.sequence() + ", " + now.length()
                        + " bytes)";
    }

    /** An inline PUT's extent did not hold its bytes (its write had not reached the disk): rewritten from the entry. */
    void repaired() {
        repaired++;
    }

    /** An inline PUT's extent differs from its entry and could not be rewritten: kept, so it fails when served. */
    void unrepairable(ObjectRecord r, String why) {
        warnings.println("atlas: warning: " + directory + ": could not rewrite the extent of '" + r.name()
                + "' (sequence " + r.sequence() + ", extent " + r.extent() + ") from its journal entry: " + why
                + "; kept as it is");
    }

    /** A body that could not be read to check it (EIO): kept, so that it fails visibly when served. */
    void unreadable(ObjectRecord r) {
        warnings.println("atlas: warning: " + directory + ": could not read the body of '" + r.name() + "' (sequence "
                + r.sequence() + ", extent " + r.extent() + ") to check it: read error; kept as it is");
    }

    /** A live object whose extent no longer matches its CRC, found after a corrupt journal range. */
    void droppedAfterCorruption(ObjectRecord r) {
        dropped++;
        droppedAfterCorruption++;
        if (lostNames.size() < MAX_NAMES_LISTED) {
            lostNames.add(r.name());
        }
        warnings.println("atlas: warning: " + directory + ": dropping '" + r.name() + "' (sequence " + r.sequence()
                + "): its extent no longer holds its bytes (CRC mismatch), so the entry that replaced or deleted it"
                + " was probably in the corrupt journal range");
    }

    /** Summary of the full body check that follows skipped (corrupt) journal ranges. */
    void corruption(List<JournalReader.Skipped> skipped, int liveChecked) {
        StringBuilder b = new StringBuilder("atlas: warning: " + directory + ": " + skipped.size()
                + " corrupt journal range(s) skipped (");
        for (int i = 0; i < skipped.size(); i++) {
            JournalReader.Skipped k = skipped.get(i);
            b.append(i == 0 ? "" : "; ").append(k.file().getFileName()).append(" [").append(k.from()).append(", ")
                    .append(k.to()).append("): ").append(k.describe());
        }
        b.append("); the effect of those entries is lost. Re-read all ").append(liveChecked)
                .append(" live objects: ").append(liveChecked - droppedAfterCorruption).append(" intact, ")
                .append(droppedAfterCorruption).append(" dropped");
        if (!lostNames.isEmpty()) {
            b.append(" (").append(String.join(", ", lostNames))
                    .append(droppedAfterCorruption > lostNames.size() ? ", …" : "").append(')');
        }
        warnings.println(b);
    }

    /** One line when bodies written concurrently with (or carried in) their entries had to be checked. */
    void printSummary() {
        if (checked == 0) {
            return;
        }
        warnings.println("atlas: recovery of " + directory + ": checked " + checked + " object bodies against their"
                + " CRC: " + intact + " intact, " + (repaired > 0 ? repaired + " rewritten from their journal entries, "
                : "") + dropped + " dropped");
    }
}
