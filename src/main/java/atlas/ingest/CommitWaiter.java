package atlas.ingest;

/** A request waiting for its journal entry to commit: an upload or a delete of one connection. */
public interface CommitWaiter {
    /** The one answer to the request's commit. Called on the core's thread, from {@link GroupCommit} only. */
    void onCommitted(CommitOutcome outcome);

    /** {@link #onCommitted} threw: the waiter's own bug, reported here so it can close its connection. */
    void onAnswerFailed(RuntimeException failure);
}
