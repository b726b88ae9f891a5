package atlas.ingest;

/** What ingest reports, per core: group commits and their size, failures, and each disk write by kind. */
public interface IngestMetrics {
    /** What a disk write was for: the label of {@code atlas_disk_write_duration_seconds}. */
    enum DiskWrite {
        /** A body chunk, O_DSYNC (a durable write and a flush). */
        BODY,
        /** The extent copy of an inline body: no flush, the journal entry is its durable copy. */
        INLINE_EXTENT,
        /** A journal group, O_DSYNC. */
        JOURNAL,
        /** An fdatasync of the data file confirming inline bodies' extents. */
        DATA_SYNC;

        public final String label = name().toLowerCase(java.util.Locale.ROOT);
    }

    /** A group of {@code entries} staged requests went to the journal. */
    void groupCommitted(int entries);

    /** A group's journal write failed. */
    void commitFailed();

    /** A PUT's body rode in its journal entry. */
    void inlineCommitted();

    /** A data sync of the data file started. */
    void dataSyncStarted();

    /** A disk write (or sync) failed. */
    void diskError();

    /** A disk write of {@code kind} took {@code durationNs} from submission to completion. */
    void diskWritten(DiskWrite kind, long durationNs);
}
