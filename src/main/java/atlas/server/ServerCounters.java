package atlas.server;

import java.util.concurrent.atomic.LongAdder;

/**
 * Server-wide counters. Each core adds to its own cell of a {@link LongAdder}, so cores do not contend; readers
 * (logs now, {@code /metrics} later) sum the cells.
 */
final class ServerCounters {
    final LongAdder connectionsOpened = new LongAdder();
    final LongAdder requests = new LongAdder();
    final LongAdder bytesSent = new LongAdder();
    final LongAdder bytesReceived = new LongAdder();
    final LongAdder clientErrors = new LongAdder();
    final LongAdder serverErrors = new LongAdder();
    final LongAdder timeouts = new LongAdder();
    final LongAdder commits = new LongAdder();
    final LongAdder commitEntries = new LongAdder();
    final LongAdder commitFailures = new LongAdder();
    final LongAdder diskErrors = new LongAdder();
}
