package atlas.server;

import atlas.ingest.IngestMetrics;
import atlas.stream.ReadWhileIngestMetrics;
import atlas.stream.StreamMetrics;

import atlas.dataplane.BufferPool;
import atlas.tls.TlsCounters;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;

/**
 * One core's share of the metrics and its {@link ExchangeObserver}: counts each finished exchange by status code,
 * records its duration, keeps the last errors for the dashboard and writes its access-log line.
 * <p>
 * Data path: the Prometheus data points carrying this core's {@code core} label are resolved once — the histogram
 * at construction, a status code's counter the first time that code is seen — and cached in fields and an array,
 * so an exchange costs a few adder increments and allocates nothing. Runs on the core's thread only; scrapes read
 * the adders from other threads, which is what they are for.
 */
final class MetricsCore implements ExchangeObserver, StreamMetrics, IngestMetrics, ReadWhileIngestMetrics {
    final int coreIndex;
    final String coreLabel;
    final ServerCounters counters = new ServerCounters();
    final BufferPool buffers;
    /** The core's small buffers: counted with the others as lent out, so the stop-time leak check covers them. */
    private final BufferPool smallBuffers;
    /** This core's TLS counters; null without an HTTPS listener. */
    final TlsCounters tls;
    private final Metrics metrics;
    private final AccessLogFormat accessLog;
    private final CounterDataPoint[] byStatus = new CounterDataPoint[600];
    private final CounterDataPoint[] byCacheOutcome = new CounterDataPoint[CacheOutcome.values().length];
    private final CounterDataPoint aborted;
    final MetricsHistogram duration = new MetricsHistogram(Metrics.DURATION_BOUNDS);
    final MetricsHistogram diskReads = new MetricsHistogram(Metrics.DISK_BOUNDS);
    /** Object reads by device (an {@link atlas.store.Extent#device()} indexes it). */
    final DeviceReadCounters[] devices;
    /** Disk writes by {@link DiskWrite} kind, submission to completion. */
    final MetricsHistogram[] diskWrites = new MetricsHistogram[DiskWrite.values().length];

    MetricsCore(Metrics metrics, int coreIndex, BufferPool buffers, BufferPool smallBuffers, AccessLogFormat accessLog,
                TlsCounters tls, int deviceCount) {
        this.devices = DeviceReadCounters.forDevices(deviceCount);
        this.smallBuffers = smallBuffers;
        this.metrics = metrics;
        this.tls = tls;
        this.coreIndex = coreIndex;
        this.coreLabel = Integer.toString(coreIndex);
        this.buffers = buffers;
        this.accessLog = accessLog;
        this.aborted = metrics.aborted.labelValues(coreLabel);
        for (int i = 0; i < diskWrites.length; i++) {
            diskWrites[i] = new MetricsHistogram(Metrics.DISK_BOUNDS);
        }
    }

    @Override
    public void diskWritten(DiskWrite kind, long durationNs) {
        diskWrites[kind.ordinal()].record(Math.max(0, durationNs));
    }

    @Override
    public void groupCommitted(int entries) {
        counters.commits.increment();
        counters.commitEntries.add(entries);
    }

    @Override
    public void commitFailed() {
        counters.commitFailures.increment();
    }

    @Override
    public void inlineCommitted() {
        counters.inlineCommits.increment();
    }

    @Override
    public void dataSyncStarted() {
        counters.dataSyncs.increment();
    }

    @Override
    public void diskError() {
        counters.diskErrors.increment();
    }

    Metrics server() {
        return metrics;
    }

    /** A write refused by access control: 401, 403 or 503 (verifier overloaded). */
    void accessRefused(int status) {
        switch (status) {
            case 401 -> counters.unauthorized.increment();
            case 403 -> counters.forbidden.increment();
            default -> { }
        }
    }

    @Override
    public void onRequest(HttpConnection connection) {
        accessLog.onRequest(connection);
    }

    @Override
    public void onExchangeEnd(HttpConnection c, boolean completed) {
        int status = c.status();
        long durationNs = c.transport().nowNs() - c.exchangeStartNs();
        if (status >= 100 && status < byStatus.length) {
            CounterDataPoint point = byStatus[status];
            if (point == null) {
                point = metrics.responses.labelValues(coreLabel, (status / 100) + "xx", Integer.toString(status));
                byStatus[status] = point;
            }
            point.inc();
        }
        if (!completed) {
            aborted.inc();
        }
        CacheOutcome cache = c.cacheOutcome();
        if (cache != CacheOutcome.NONE) {
            CounterDataPoint point = byCacheOutcome[cache.ordinal()];
            if (point == null) {
                point = metrics.cacheOutcomes.labelValues(coreLabel, cache.metricLabel());
                byCacheOutcome[cache.ordinal()] = point;
            }
            point.inc();
        }
        duration.record(Math.max(0, durationNs));
        AccessLogFormat.Pending p = accessLog.take(c);
        if (status >= 400 || !completed) {
            // Error path: allocating a line for the dashboard is fine here.
            metrics.recentErrors.add(coreIndex, status, completed, p == null ? "-" : p.requestLine(),
                    c.transport().remoteAddress());
        }
        accessLog.write(c, p, completed, durationNs);
    }

    @Override
    public void diskReadStarted(int device, int bytes) {
        counters.diskReadsStarted.increment();
        counters.diskReadBytes.add(bytes);
        DeviceReadCounters d = devices[device];
        d.started.increment();
        d.bytes.add(bytes);
    }

    @Override
    public void diskReadEnded(int device, long durationNs) {
        counters.diskReadsEnded.increment();
        diskReads.record(Math.max(0, durationNs));
        DeviceReadCounters d = devices[device];
        d.ended.increment();
        d.latency.record(Math.max(0, durationNs));
    }

    @Override
    public void diskReadFailed(int device) {
        counters.diskErrors.increment();
        devices[device].failed.increment();
    }

    @Override
    public void growingReadStarted() {
        counters.growingReads.increment();
    }

    @Override
    public void growingReadFailed() {
        counters.growingReadsFailed.increment();
    }

    void playlistHeld() {
        counters.playlistHolds.increment();
    }

    void playlistHoldEnded(boolean expired) {
        counters.playlistHoldsEnded.increment();
        if (expired) {
            counters.playlistHoldsExpired.increment();
        }
    }

    long playlistsHeld() {
        return Math.max(0, counters.playlistHolds.sum() - counters.playlistHoldsEnded.sum());
    }

    long activeConnections() {
        return Math.max(0, counters.connectionsOpened.sum() - counters.connectionsClosed.sum());
    }

    /**
     * I/O buffers lent out, read from another thread: the pool's counts are plain fields of the core, so this is
     * a racy but harmless snapshot (at worst one loop turn old), clamped to sane bounds.
     */
    int buffersInUse() {
        return Math.max(0, buffers.inUse()) + Math.max(0, smallBuffers.inUse());
    }

    int buffersAllocated() {
        return Math.max(0, buffers.allocated());
    }

    int buffersWaiting() {
        return Math.max(0, buffers.waiting());
    }
}
