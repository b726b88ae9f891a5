package atlas.server;

import atlas.dataplane.CoreContext;
import atlas.metrics.AccessLogWriter;
import atlas.store.Volume;
import atlas.tls.TlsCore;
import atlas.hot.HotShard;
import atlas.hot.HotTier;
import atlas.tls.TlsCounters;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * The server's metrics: one Prometheus registry holding every family, the per-core {@link MetricsCore}s that feed
 * them, and the two renderings — {@code /_atlas/metrics} (Prometheus text format, through the client's own
 * exposition writer) and {@code /_atlas/stats} (JSON for the dashboard).
 * <p>
 * Families fed by the cores' {@link ServerCounters} are callback metrics: a scrape sums nothing, it reads each
 * core's adders and reports them with that core's label. Families observed per exchange (status codes, duration)
 * are ordinary Prometheus counters and histograms whose data points each core caches. Control path: scrapes
 * allocate freely.
 */
final class Metrics {
    /** Request-duration buckets, seconds: a cached segment answers in well under a millisecond. */
    static final double[] DURATION_BOUNDS =
            {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
    private static final double[] DURATION_BOUNDS_WITH_INF = withInfinity(DURATION_BOUNDS);
    /** Flash read buckets, seconds: this device answers a 256 KiB O_DIRECT read in about 0.1–1 ms when idle. */
    static final double[] DISK_BOUNDS =
            {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};
    static final double[] DISK_BOUNDS_WITH_INF = withInfinity(DISK_BOUNDS);
    /** Upstream response-head buckets, seconds: a nearby origin answers in milliseconds, a far one in 100s of them. */
    static final double[] UPSTREAM_BOUNDS =
            {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
    private static final double[] UPSTREAM_BOUNDS_WITH_INF = withInfinity(UPSTREAM_BOUNDS);
    private static final PrometheusTextFormatWriter TEXT = PrometheusTextFormatWriter.create();

    final PrometheusRegistry registry = new PrometheusRegistry();
    final Counter responses;
    final Counter cacheOutcomes;
    final Counter aborted;
    final RecentErrors recentErrors = new RecentErrors(50);
    private final List<MetricsCore> cores = new CopyOnWriteArrayList<>();
    private final String engine;
    /** "off", or what the HTTPS listener offers (e.g. "TLSv1.3,TLSv1.2"). */
    private final String tls;
    private final Volume volume;
    private final AccessLogWriter accessLog;
    /** Null when the tier is off. */
    private final HotTier hot;
    private final long startMillis = System.currentTimeMillis();
    private volatile boolean draining;

    /** {@code accessLog} null when the access log is off. */
    Metrics(String engine, String tls, Volume volume, AccessLogWriter accessLog, HotTier hot) {
        this.hot = hot;
        this.engine = engine;
        this.tls = tls;
        this.volume = volume;
        this.accessLog = accessLog;
        responses = Counter.builder().name("atlas_responses").help("Responses by status code")
                .labelNames("core", "class", "code").withoutExemplars().register(registry);
        cacheOutcomes = Counter.builder().name("atlas_cache_requests").help("Edge mode: reads by what the "
                        + "cache did: hit (fresh copy), miss (started a fill), fill (joined one in flight), stale "
                        + "(served stale: while revalidating or on an upstream error), revalidated (304 first), "
                        + "negative (a remembered upstream 404)")
                .labelNames("core", "result").withoutExemplars().register(registry);
        aborted = Counter.builder().name("atlas_exchanges_aborted")
                .help("Exchanges whose connection closed before the response was fully sent")
                .labelNames("core").withoutExemplars().register(registry);
        // The cores record into their own MetricsHistogram (allocation-free); a scrape turns them into this family.
        registry.register(() -> {
            HistogramSnapshot.Builder h = HistogramSnapshot.builder().name("atlas_request_duration_seconds")
                    .help("From the complete request head to the last response byte handed to the socket");
            for (MetricsCore c : cores) {
                h.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                        .classicHistogramBuckets(ClassicHistogramBuckets.of(DURATION_BOUNDS_WITH_INF,
                                c.duration.counts()))
                        .sum(c.duration.sumSeconds()).labels(Labels.of("core", c.coreLabel)).build());
            }
            return h.build();
        });

        registry.register(() -> {
            HistogramSnapshot.Builder h = HistogramSnapshot.builder().name("atlas_disk_read_duration_seconds")
                    .help("O_DIRECT reads of object bytes, from submission to completion (queueing in the device "
                            + "included)");
            for (MetricsCore c : cores) {
                h.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                        .classicHistogramBuckets(ClassicHistogramBuckets.of(DISK_BOUNDS_WITH_INF,
                                c.diskReads.counts()))
                        .sum(c.diskReads.sumSeconds()).labels(Labels.of("core", c.coreLabel)).build());
            }
            return h.build();
        });
        registry.register(() -> {
            HistogramSnapshot.Builder h = HistogramSnapshot.builder().name("atlas_disk_write_duration_seconds")
                    .help("Ingest's disk writes by kind, from submission to completion: body (O_DSYNC body "
                            + "chunks), inline_extent (extent copies of bodies carried in their journal entry, no "
                            + "flush), journal (group commits, O_DSYNC), data_sync (fdatasync confirming those copies)");
            for (MetricsCore c : cores) {
                for (atlas.ingest.IngestMetrics.DiskWrite kind : atlas.ingest.IngestMetrics.DiskWrite.values()) {
                    MetricsHistogram w = c.diskWrites[kind.ordinal()];
                    h.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                            .classicHistogramBuckets(ClassicHistogramBuckets.of(DISK_BOUNDS_WITH_INF, w.counts()))
                            .sum(w.sumSeconds()).labels(Labels.of("core", c.coreLabel, "kind", kind.label)).build());
                }
            }
            return h.build();
        });
        perCore("atlas_disk_read_bytes", "Bytes read from flash for responses (block-aligned reads)",
                c -> c.diskReadBytes);
        gaugePerCore("atlas_disk_reads_in_flight", "O_DIRECT reads submitted and not completed: the core's disk "
                + "queue depth", c -> (double) Math.max(0, c.counters.diskReadsStarted.sum()
                - c.counters.diskReadsEnded.sum()));
        perCore("atlas_requests", "Requests whose head was read (valid or not)", c -> c.requests);
        perCore("atlas_sent_bytes", "Response bytes handed to sockets, heads included", c -> c.bytesSent);
        perCore("atlas_received_bytes", "Bytes received from sockets", c -> c.bytesReceived);
        perCore("atlas_connections_opened", "HTTP connections opened (HTTPS: once the handshake finished)", c -> c.connectionsOpened);
        perCore("atlas_commits", "Group commits: durable journal writes", c -> c.commits);
        perCore("atlas_commit_entries", "Journal entries (PUTs and DELETEs) made durable by group commits; "
                + "divided by atlas_commits_total it is the mean group size", c -> c.commitEntries);
        perCore("atlas_commit_inline_bodies", "PUTs of at most one block whose body rode in their journal entry: "
                + "one durable write for body and commit", c -> c.inlineCommits);
        perCore("atlas_data_syncs", "fdatasyncs of the data file that made inline PUTs' extent copies durable "
                + "(each confirms up to a few hundred)", c -> c.dataSyncs);
        CounterWithCallback.builder().name("atlas_errors").help("Errors by kind: client (4xx answers), server "
                        + "(5xx answers), timeout, disk (failed reads or writes), commit (failed journal writes)")
                .labelNames("core", "kind").callback(cb -> {
                    for (MetricsCore c : cores) {
                        ServerCounters s = c.counters;
                        cb.call(s.clientErrors.sum(), c.coreLabel, "client");
                        cb.call(s.serverErrors.sum(), c.coreLabel, "server");
                        cb.call(s.timeouts.sum(), c.coreLabel, "timeout");
                        cb.call(s.diskErrors.sum(), c.coreLabel, "disk");
                        cb.call(s.commitFailures.sum(), c.coreLabel, "commit");
                    }
                }).register(registry);
        perCore("atlas_playlist_holds", "Live playlist requests held for a later version (_HLS_msn blocking "
                + "reload); each is answered by the commit that satisfies it or, 3 target durations on, 503",
                c -> c.playlistHolds);
        perCore("atlas_playlist_hold_timeouts", "Held playlist requests answered 503: the playlist did not reach "
                + "the segment asked for in 3 target durations", c -> c.playlistHoldsExpired);
        perCore("atlas_growing_reads", "GETs streamed from an upload still arriving (read while ingest, under a "
                + "live rule)", c -> c.growingReads);
        perCore("atlas_growing_reads_failed", "Reads of an upload still arriving that ended abnormally: the upload "
                + "failed, or the client stopped reading", c -> c.growingReadsFailed);
        gaugePerCore("atlas_playlist_requests_held", "Playlist requests held now", c -> (double) c.playlistsHeld());
        gaugePerCore("atlas_connections_active", "Open connections", c -> (double) c.activeConnections());
        gaugePerCore("atlas_io_buffers_in_use", "I/O buffers lent to connections", c -> (double) c.buffersInUse());
        gaugePerCore("atlas_io_buffers_waiting", "Connections queued for an I/O buffer",
                c -> (double) c.buffersWaiting());
        gaugePerCore("atlas_io_buffer_bytes_in_use", "Bytes of I/O buffers lent to connections",
                c -> (double) c.buffersInUse() * c.buffers.bufferBytes());
        gaugePerCore("atlas_io_buffer_bytes_allocated", "Bytes of I/O buffers that exist (lent or free): buffers "
                + "come into being as the load needs them, up to the limit, and are kept",
                c -> (double) c.buffersAllocated() * c.buffers.bufferBytes());
        gaugePerCore("atlas_io_buffer_bytes_limit", "Cap of I/O buffer bytes (--buffer-memory); connections beyond "
                + "it wait for a buffer", c -> (double) c.buffers.capacity() * c.buffers.bufferBytes());
        GaugeWithCallback.builder().name("atlas_info").help("The running server: engine and TLS")
                .labelNames("engine", "tls").callback(cb -> cb.call(1, engine, tls)).register(registry);
        CounterWithCallback.builder().name("atlas_tls_handshakes").help("TLS handshakes by outcome: tls13 and tls12 "
                        + "completed (tls12_resumed: of the tls12 ones, sessions resumed by ID); failed (refused by "
                        + "the handshake library), timeout, plaintext_http (HTTP sent to the HTTPS port, answered "
                        + "400), not_tls (anything else)")
                .labelNames("core", "result").callback(cb -> {
                    for (MetricsCore c : cores) {
                        TlsCounters t = c.tls;
                        if (t != null) {
                            cb.call(t.handshakesTls13.sum(), c.coreLabel, "tls13");
                            cb.call(t.handshakesTls12.sum(), c.coreLabel, "tls12");
                            cb.call(t.handshakesResumed.sum(), c.coreLabel, "tls12_resumed");
                            cb.call(t.handshakeFailures.sum(), c.coreLabel, "failed");
                            cb.call(t.handshakeTimeouts.sum(), c.coreLabel, "timeout");
                            cb.call(t.plaintextRequests.sum(), c.coreLabel, "plaintext_http");
                            cb.call(t.notTls.sum(), c.coreLabel, "not_tls");
                        }
                    }
                }).register(registry);
        CounterWithCallback.builder().name("atlas_tls_events").help("TLS after the handshake: record_error (a "
                        + "record failed to open: fatal alert sent), alert_received (fatal alerts from peers), "
                        + "key_update (KeyUpdates received)")
                .labelNames("core", "kind").callback(cb -> {
                    for (MetricsCore c : cores) {
                        TlsCounters t = c.tls;
                        if (t != null) {
                            cb.call(t.recordErrors.sum(), c.coreLabel, "record_error");
                            cb.call(t.alertsReceived.sum(), c.coreLabel, "alert_received");
                            cb.call(t.keyUpdates.sum(), c.coreLabel, "key_update");
                        }
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("atlas_draining").help("1 while the server drains (health answers 503)")
                .callback(cb -> cb.call(draining ? 1 : 0)).register(registry);
        GaugeWithCallback.builder().name("atlas_volume_objects").help("Objects in the volume")
                .callback(cb -> cb.call(volume.objectCount())).register(registry);
        GaugeWithCallback.builder().name("atlas_volume_live_bytes").help("Bytes held by live objects")
                .callback(cb -> cb.call(volume.liveBytes())).register(registry);
        GaugeWithCallback.builder().name("atlas_volume_size_bytes").help("Largest size of the volume's data file")
                .callback(cb -> cb.call(volume.sizeBytes())).register(registry);
        GaugeWithCallback.builder().name("atlas_journal_bytes").help("Bytes of the journal files on disk, sealed and "
                        + "live (preallocated room included); checkpoints keep it near --checkpoint-journal")
                .callback(cb -> cb.call(volume.journalFileBytesOrZero())).register(registry);
        CounterWithCallback.builder().name("atlas_checkpoints").help("Checkpoints written while serving; each "
                        + "deletes the sealed journal files it covers")
                .callback(cb -> cb.call(volume.onlineCheckpoints())).register(registry);
        if (volume != null) {
            DeviceMetrics.register(registry, volume, cores);
        }
        if (hot != null) {
            registerHotTier(hot);
        }
        if (accessLog != null) {
            CounterWithCallback.builder().name("atlas_access_log_dropped_lines")
                    .help("Access-log lines dropped because a core's ring was full")
                    .callback(cb -> cb.call(accessLog.dropped())).register(registry);
        }
    }

    /** Edge mode: fills from the upstream (atlas_fills_total by result, coalesced misses, upstream exchanges). */
    void registerFills(atlas.fill.FillRegistry fills) {
        CounterWithCallback.builder().name("atlas_fills").help("Upstream fills by how they ended: stored, "
                        + "not_found (the upstream has no such object), failed (no upstream delivered it)")
                .labelNames("result").callback(cb -> {
                    long[] c = fills.counts();
                    cb.call(c[2], "stored");
                    cb.call(c[3], "not_found");
                    cb.call(c[4], "failed");
                }).register(registry);
        CounterWithCallback.builder().name("atlas_fill_coalesced").help("Misses that joined a fill already in "
                + "flight instead of asking the upstream again").callback(cb -> cb.call(fills.counts()[1]))
                .register(registry);
        GaugeWithCallback.builder().name("atlas_fills_in_flight").help("Objects being fetched from the upstream")
                .callback(cb -> cb.call(fills.inFlight())).register(registry);
        CounterWithCallback.builder().name("atlas_upstream_requests").help("GETs sent to upstreams (a fill that "
                + "fails over asks the next one)").callback(cb -> cb.call(fills.counts()[5])).register(registry);
        CounterWithCallback.builder().name("atlas_upstream_errors").help("Upstream exchanges that failed: no "
                + "connection, a timeout, a 5xx, a body cut short").callback(cb -> cb.call(fills.counts()[6]))
                .register(registry);
        CounterWithCallback.builder().name("atlas_revalidations").help("Stale copies revalidated with the "
                        + "upstream, by result: refreshed (304: kept, no body fetched), or replaced, gone, failed "
                        + "(counted under atlas_fills_total)").labelNames("result").callback(cb -> {
                    long[] c = fills.counts();
                    cb.call(c[7], "started");
                    cb.call(c[8], "refreshed");
                }).register(registry);
        CounterWithCallback.builder().name("atlas_fill_slices").help("Fills stored as a slice of a large object "
                + "(--fill-slice; counted under atlas_fills_total too)").callback(cb -> cb.call(fills.counts()[10]))
                .register(registry);
        CounterWithCallback.builder().name("atlas_fill_slice_mismatches").help("Sliced responses cut off because a "
                + "slice was of another upstream version than the response's first (the object changed upstream)")
                .callback(cb -> cb.call(fills.counts()[11])).register(registry);
        CounterWithCallback.builder().name("atlas_upstream_wait_seconds").help("Time spent waiting for upstream "
                + "response heads, all fills").callback(cb -> cb.call(fills.upstreamSeconds())).register(registry);
        // Recorded on the fills' own threads (the histogram's adders take that); an SRE's p99 of the upstream.
        MetricsHistogram upstream = new MetricsHistogram(UPSTREAM_BOUNDS);
        fills.measureUpstreamResponseHeads(upstream::record);
        registry.register(() -> HistogramSnapshot.builder().name("atlas_upstream_response_seconds")
                .help("Upstream exchanges (fills, revalidations, each failover try) from the request to the "
                        + "response head, or to the failure")
                .dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                        .classicHistogramBuckets(ClassicHistogramBuckets.of(UPSTREAM_BOUNDS_WITH_INF,
                                upstream.counts()))
                        .sum(upstream.sumSeconds()).build())
                .build());
    }

    /** Edge mode: the volume as a cache (copies held, evictions). */
    void registerEviction(atlas.fill.CacheEvictor evictor) {
        GaugeWithCallback.builder().name("atlas_cache_copies").help("Upstream copies the volume holds (evictable; "
                + "origin content is not counted)").callback(cb -> cb.call(evictor.copies())).register(registry);
        GaugeWithCallback.builder().name("atlas_cache_copy_bytes").help("Bytes of the upstream copies the volume "
                + "holds").callback(cb -> cb.call(evictor.heldBytes())).register(registry);
        CounterWithCallback.builder().name("atlas_evictions").help("Copies evicted to keep the volume below its "
                + "high watermark (S3-FIFO)").callback(cb -> cb.call(evictor.evictions())).register(registry);
        CounterWithCallback.builder().name("atlas_evicted_bytes").help("Bytes of the copies evicted")
                .callback(cb -> cb.call(evictor.evictedBytes())).register(registry);
    }

    /**
     * Access control: writes refused (401 unauthorized, 403 forbidden), clients refused at accept, requests over the
     * rate limit, uploads over a credential's limit.
     */
    void registerAccess(atlas.access.AccessControl access) {
        CounterWithCallback.builder().name("atlas_access_refused").help("Requests and connections refused by "
                        + "access control: unauthorized (401: no or wrong credentials), forbidden (403: out of "
                        + "scope, or a non-loopback writer without an auth file), rate_limited (429), "
                        + "uploads (429: a credential's uploads in flight), connections (closed at accept: the "
                        + "client's connection limit)")
                .labelNames("reason").callback(cb -> {
                    long unauthorized = 0, forbidden = 0;
                    for (MetricsCore c : cores) {
                        unauthorized += c.counters.unauthorized.sum();
                        forbidden += c.counters.forbidden.sum();
                    }
                    cb.call(unauthorized, "unauthorized");
                    cb.call(forbidden, "forbidden");
                    cb.call(access.clients().requestsLimited.sum(), "rate_limited");
                    cb.call(access.uploads().refused.sum(), "uploads");
                    cb.call(access.clients().connectionsRefused.sum(), "connections");
                }).register(registry);
        GaugeWithCallback.builder().name("atlas_access_clients").help("Client addresses tracked by the "
                        + "per-client limits (those with connections, or whose rate bucket is still refilling)")
                .callback(cb -> cb.call(access.clients().size())).register(registry);
    }

    /** The hot tier's families, per core shard: its hit ratio is hits / accesses. */
    private void registerHotTier(HotTier tier) {
        hotCounter(tier, "atlas_hot_accesses", "Chunk accesses served (from memory or flash); a small object is one "
                + "chunk", HotShard::accesses);
        hotCounter(tier, "atlas_hot_hits", "Chunk accesses sent from the hot tier's memory", HotShard::hits);
        hotCounter(tier, "atlas_hot_admissions", "Chunks copied into the hot tier after proving popular",
                HotShard::admissions);
        hotCounter(tier, "atlas_hot_rejections", "Popular chunks not admitted: what they would evict was at least "
                + "as popular", HotShard::rejections);
        hotCounter(tier, "atlas_hot_evictions", "Chunks evicted from the hot tier", HotShard::evictions);
        GaugeWithCallback.builder().name("atlas_hot_bytes").help("Object bytes the hot tier holds, by owning core")
                .labelNames("core").callback(cb -> {
                    for (int c = 0; c < tier.shards(); c++) {
                        cb.call(tier.shard(c).bytesHeld(), Integer.toString(c));
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("atlas_hot_chunks").help("Chunks the hot tier holds, by owning core")
                .labelNames("core").callback(cb -> {
                    for (int c = 0; c < tier.shards(); c++) {
                        cb.call(tier.shard(c).chunksHeld(), Integer.toString(c));
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("atlas_hot_pins").help("Hot chunks a core is sending from now (pinned until "
                        + "the send completes); 0 on an idle server").labelNames("core").callback(cb -> {
                    for (int c = 0; c < tier.shards(); c++) {
                        cb.call(tier.shard(c).pinsHeld(), Integer.toString(c));
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("atlas_hot_capacity_bytes").help("The hot tier's memory (--hot-memory)")
                .callback(cb -> cb.call(tier.capacityBytes())).register(registry);
    }

    private void hotCounter(HotTier tier, String name, String help, ToLongFunction<HotShard> f) {
        CounterWithCallback.builder().name(name).help(help).labelNames("core").callback(cb -> {
            for (int c = 0; c < tier.shards(); c++) {
                cb.call(f.applyAsLong(tier.shard(c)), Integer.toString(c));
            }
        }).register(registry);
    }

    private static double[] withInfinity(double[] bounds) {
        double[] out = java.util.Arrays.copyOf(bounds, bounds.length + 1);
        out[bounds.length] = Double.POSITIVE_INFINITY;
        return out;
    }

    private void perCore(String name, String help, Function<ServerCounters, LongAdder> counter) {
        CounterWithCallback.builder().name(name).help(help).labelNames("core").callback(cb -> {
            for (MetricsCore c : cores) {
                cb.call(counter.apply(c.counters).sum(), c.coreLabel);
            }
        }).register(registry);
    }

    private void gaugePerCore(String name, String help, Function<MetricsCore, Double> value) {
        GaugeWithCallback.builder().name(name).help(help).labelNames("core").callback(cb -> {
            for (MetricsCore c : cores) {
                cb.call(value.apply(c), c.coreLabel);
            }
        }).register(registry);
    }

    /** The metrics of one more core (called once per core, possibly from the cores' threads). */
    MetricsCore newCore(CoreContext context, TlsCore tls) {
        AccessLogFormat format = new AccessLogFormat(accessLog == null ? null : accessLog.newRing(), engine,
                context.clock());
        MetricsCore core = new MetricsCore(this, context.coreIndex(), context.buffers(), context.smallBuffers(), format,
                tls == null ? null : tls.counters, volume == null ? 1 : volume.deviceCount());
        cores.add(core);
        return core;
    }

    void draining(boolean value) {
        draining = value;
    }

    boolean draining() {
        return draining;
    }

    /** The Prometheus text exposition of everything registered. */
    byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            TEXT.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The hot tier's totals for the dashboard, or null when it is off. */
    private String hotJson() {
        if (hot == null) {
            return "null";
        }
        long accesses = 0, hits = 0, admissions = 0, evictions = 0, chunks = 0;
        for (int c = 0; c < hot.shards(); c++) {
            HotShard s = hot.shard(c);
            accesses += s.accesses();
            hits += s.hits();
            admissions += s.admissions();
            evictions += s.evictions();
            chunks += s.chunksHeld();
        }
        return "{\"capacity\":" + hot.capacityBytes() + ",\"bytes\":" + hot.bytesHeld() + ",\"chunks\":" + chunks
                + ",\"accesses\":" + accesses + ",\"hits\":" + hits + ",\"admissions\":" + admissions
                + ",\"evictions\":" + evictions + "}";
    }

    static String textContentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }

    /**
     * Totals and per-core values for the dashboard, which turns consecutive samples into rates:
     * <pre>
     * {"timeMillis":…,"startMillis":…,"engine":"io_uring","tls":"off","draining":false,"requests":…,
     *  "sentBytes":…,"receivedBytes":…,"connections":…,"buffersInUse":…,"buffersWaiting":…,"bufferBytes":…,
     *  "errors":{"client":…,…},"commits":…,"commitEntries":…,"objects":…,"liveBytes":…,
     *  "cores":[{"core":0,"requests":…,"sentBytes":…,"connections":…,"buffersInUse":…,"buffersWaiting":…},…],
     *  "recentErrors":[{"timeMillis":…,"core":0,"status":404,"outcome":"ok","request":"GET /x HTTP/1.1","remote":"…"},…]}
     * </pre>
     */
    String statsJson() {
        List<MetricsCore> sorted = new ArrayList<>(cores);
        sorted.sort(Comparator.comparingInt(c -> c.coreIndex));
        long requests = 0, sent = 0, received = 0, connections = 0, inUse = 0, waiting = 0, bufferBytes = 0;
        long client = 0, server = 0, timeouts = 0, disk = 0, commit = 0, commits = 0, entries = 0;
        StringBuilder perCore = new StringBuilder();
        for (MetricsCore c : sorted) {
            ServerCounters s = c.counters;
            long r = s.requests.sum();
            long b = s.bytesSent.sum();
            long a = c.activeConnections();
            int u = c.buffersInUse();
            int w = c.buffersWaiting();
            requests += r;
            sent += b;
            received += s.bytesReceived.sum();
            connections += a;
            inUse += u;
            waiting += w;
            bufferBytes += (long) u * c.buffers.bufferBytes();
            client += s.clientErrors.sum();
            server += s.serverErrors.sum();
            timeouts += s.timeouts.sum();
            disk += s.diskErrors.sum();
            commit += s.commitFailures.sum();
            commits += s.commits.sum();
            entries += s.commitEntries.sum();
            if (!perCore.isEmpty()) {
                perCore.append(',');
            }
            perCore.append("{\"core\":").append(c.coreIndex).append(",\"requests\":").append(r)
                    .append(",\"sentBytes\":").append(b).append(",\"connections\":").append(a)
                    .append(",\"buffersInUse\":").append(u).append(",\"buffersWaiting\":").append(w).append('}');
        }
        StringBuilder sb = new StringBuilder(1024);
        sb.append("{\"timeMillis\":").append(System.currentTimeMillis())
                .append(",\"startMillis\":").append(startMillis)
                .append(",\"engine\":").append(json(engine)).append(",\"tls\":").append(json(tls))
                .append(",\"draining\":").append(draining)
                .append(",\"requests\":").append(requests).append(",\"sentBytes\":").append(sent)
                .append(",\"receivedBytes\":").append(received).append(",\"connections\":").append(connections)
                .append(",\"buffersInUse\":").append(inUse).append(",\"buffersWaiting\":").append(waiting)
                .append(",\"bufferBytes\":").append(bufferBytes)
                .append(",\"errors\":{\"client\":").append(client).append(",\"server\":").append(server)
                .append(",\"timeout\":").append(timeouts).append(",\"disk\":").append(disk)
                .append(",\"commit\":").append(commit).append('}')
                .append(",\"commits\":").append(commits).append(",\"commitEntries\":").append(entries)
                .append(",\"objects\":").append(volume.objectCount())
                .append(",\"liveBytes\":").append(volume.liveBytes())
                .append(",\"hot\":").append(hotJson())
                .append(",\"cores\":[").append(perCore).append(']')
                .append(",\"recentErrors\":[");
        List<RecentErrors.Entry> errors = recentErrors.snapshot();
        for (int i = 0; i < errors.size(); i++) {
            RecentErrors.Entry e = errors.get(i);
            if (i > 0) {
                sb.append(',');
            }
            sb.append("{\"timeMillis\":").append(e.timeMillis()).append(",\"core\":").append(e.core())
                    .append(",\"status\":").append(e.status())
                    .append(",\"outcome\":").append(e.completed() ? "\"ok\"" : "\"aborted\"")
                    .append(",\"request\":").append(json(e.request()))
                    .append(",\"remote\":").append(json(e.remote())).append('}');
        }
        return sb.append("]}").toString();
    }

    static String json(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (ch < 0x20) {
                        sb.append(String.format("\\u%04x", (int) ch));
                    } else {
                        sb.append(ch);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /** The last few failed exchanges, newest last; written by any core on its error path, read by the dashboard. */
    static final class RecentErrors {
        record Entry(long timeMillis, int core, int status, boolean completed, String request, String remote) {
        }

        private final Entry[] ring;
        private long count;

        RecentErrors(int capacity) {
            ring = new Entry[capacity];
        }

        synchronized void add(int core, int status, boolean completed, String request, String remote) {
            ring[(int) (count++ % ring.length)] =
                    new Entry(System.currentTimeMillis(), core, status, completed, request, remote);
        }

        synchronized List<Entry> snapshot() {
            List<Entry> out = new ArrayList<>(ring.length);
            long first = Math.max(0, count - ring.length);
            for (long i = first; i < count; i++) {
                out.add(ring[(int) (i % ring.length)]);
            }
            return out;
        }
    }
}
