package atlas.ingest;

/** How a staged PUT or DELETE ended; told once per request by {@link GroupCommit}. */
public enum CommitOutcome {
    /** Journal entry (and body) durable: the object is published; the client may hear 201/204. */
    DURABLE,
    /** The body's last write failed: nothing was published, whatever the journal did. */
    BODY_FAILED,
    /** The group's journal write failed: nothing of the group was published. */
    JOURNAL_FAILED
}
