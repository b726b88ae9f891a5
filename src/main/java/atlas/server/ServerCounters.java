package atlas.server;

import java.util.concurrent.atomic.LongAdder;

/**
 * One core's counters. Each core owns one instance (so every counter carries the {@code core} label in
 * {@code /metrics}); only that core's thread adds to it, and {@link Metrics} reads it from the scraping thread at
 * collection time. An uncontended {@link LongAdder} is one CAS on its base field: no allocation, no sharing.
 */
final class ServerCounters {
    final LongAdder connectionsOpened = new LongAdder();
    /** Connections whose buffers came back to the core: {@code opened - closed} are open now. */
    final LongAdder connectionsClosed = new LongAdder();
    final LongAdder requests = new LongAdder();
    final LongAdder bytesSent = new LongAdder();
    final LongAdder bytesReceived = new LongAdder();
    final LongAdder clientErrors = new LongAdder();
    final LongAdder serverErrors = new LongAdder();
    final LongAdder timeouts = new LongAdder();
    final LongAdder commits = new LongAdder();
    final LongAdder commitEntries = new LongAdder();
    final LongAdder commitFailures = new LongAdder();
    /** PUTs whose body rode in their journal entry (one flush for both). */
    final LongAdder inlineCommits = new LongAdder();
    /** Data-file syncs that made inline PUTs' extents durable. */
    final LongAdder dataSyncs = new LongAdder();
    final LongAdder diskErrors = new LongAdder();
    /** Object reads from flash: started minus ended is the core's disk queue depth. */
    final LongAdder diskReadsStarted = new LongAdder();
    final LongAdder diskReadsEnded = new LongAdder();
    final LongAdder diskReadBytes = new LongAdder();
    /** Writes refused for missing or wrong credentials (401). */
    final LongAdder unauthorized = new LongAdder();
    /** Writes refused as out of scope, or from a non-loopback peer without an auth file (403). */
    final LongAdder forbidden = new LongAdder();
    /** Playlist requests held for a later version (blocking reload), and those that gave up after 3 targets. */
    final LongAdder playlistHolds = new LongAdder();
    final LongAdder playlistHoldsExpired = new LongAdder();
    /** Held playlist requests no longer held (answered, expired or closed): holds minus this are held now. */
    final LongAdder playlistHoldsEnded = new LongAdder();
    /** GETs streamed while their upload still arrived (read while ingest), and those that ended abnormally. */
    final LongAdder growingReads = new LongAdder();
    final LongAdder growingReadsFailed = new LongAdder();
}
