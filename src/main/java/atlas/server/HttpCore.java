package atlas.server;

import atlas.access.AccessControl;
import atlas.access.ClientTable;
import atlas.access.UrlTokenVerifier;
import atlas.access.WriteAuthorizer;
import atlas.dataplane.ByteBufferStock;
import atlas.dataplane.CoreContext;
import atlas.dataplane.CoreProtocol;
import atlas.dataplane.LoopClock;
import atlas.dataplane.SocketTransport;
import atlas.dataplane.TransportHandler;
import atlas.hot.GrowingObjects;
import atlas.hot.HotShard;
import atlas.http.HttpDate;
import atlas.http.ReceiveBuffer;
import atlas.ingest.GroupCommit;
import atlas.ingest.UploadResources;
import atlas.live.PlaylistBoard;
import atlas.live.PlaylistHolds;
import atlas.fill.FillRegistry;
import atlas.fill.SliceLayout;
import atlas.store.Device;
import atlas.store.Journal;
import atlas.store.ObjectKey;
import atlas.store.ObjectNames;
import atlas.store.ObjectRecord;
import atlas.store.Volume;
import atlas.stream.DeviceReads;
import atlas.stream.TransmitResources;
import atlas.tls.TlsCore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The HTTP side of one core: what its connections share, all of it touched by that core's thread only — the
 * resources lent to response bodies ({@link TransmitResources}) and uploads ({@link UploadResources}), the core's
 * {@link GroupCommit}, the stocks of per-connection buffers, the cached Date header, a lookup probe, counters.
 * At the end of every loop turn it runs the group commit: IX's bounded batching point.
 */
final class HttpCore implements CoreProtocol {
    /**
     * Bytes of a connection's receive buffer: a typical head (well under 1 KiB from players and encoders) and the
     * start of a pipelined one. Every open connection holds one, idle or not, so it is kept small; a head that
     * outgrows it moves to a large one for the rest of its request.
     */
    static final int RECEIVE_BUFFER_BYTES = 4096;
    /**
     * Bytes of a connection's out buffer: a response head (under 1 KiB), a multipart part header, or an error or 100
     * Continue; held by every open connection, so no bigger. A larger body (a long listing) gets a one-off buffer.
     */
    static final int OUT_BUFFER_BYTES = 4 * 1024;
    /** Free per-connection buffers kept per stock: enough for a reconnect storm, not a leak after one. */
    private static final int STOCK = 1024;
    /** Connections accepted on this listener (see {@link AtlasServer}) speak HTTPS. */
    static final int TLS_LISTENER = 1;

    final ServerConfig config;
    final Volume volume;
    final ObjectKey probe = ObjectKey.probe();

    /** The record under {@code key}, pinned for reading, or null. Retries if a writer retired it meanwhile. */
    ObjectRecord lookupPinned(ObjectKey key) {
        while (true) {
            ObjectRecord r = volume.lookup(key);
            if (r == null || r.pin()) {
                return r;
            }
        }
    }

    /**
     * A probe for slice {@code k} of the object named {@code name[0, length)}, valid until the next call on this
     * core (copy it with {@link ObjectKey#toOwned} to keep it).
     */
    ObjectKey sliceKey(byte[] name, int length, int k) {
        return sliceProbe.wrap(sliceKeyScratch, slices.key(name, length, k, sliceKeyScratch));
    }

    /**
     * A probe for the slice an upload's {@code Atlas-Slice} value names (at {@code value[offset, offset+length)}) of
     * the object {@code name[0, length)}; null when the value is malformed. Valid until the next call on this core.
     */
    ObjectKey sliceKeyOfSuffix(byte[] name, int nameLength, java.nio.ByteBuffer value, int offset, int length) {
        int n = SliceLayout.keyOfSuffix(name, nameLength, value, offset, length, sliceKeyScratch);
        return n < 0 ? null : sliceProbe.wrap(sliceKeyScratch, n);
    }

    /** This core's inbox: what other threads post to run on it. */
    java.util.concurrent.Executor inbox() {
        return inbox;
    }
    final ServerCounters counters;
    /** This core's metrics; also the exchange observer (status codes, durations, access log). */
    final MetricsCore metrics;
    final ExchangeObserver observer;
    private final GroupCommit commit;
    private final LoopClock clock;
    private final TransmitResources transmitResources;
    private final UploadResources uploadResources;
    /** This core's TLS state (record protection context, handshakes); null without an HTTPS listener. */
    private final TlsCore tls;
    private final ByteBufferStock receiveBuffers = new ByteBufferStock(RECEIVE_BUFFER_BYTES, STOCK);
    /** A maximal head plus room for the start of a pipelined one. */
    private final ByteBufferStock largeReceiveBuffers;
    private final ByteBufferStock outBuffers = new ByteBufferStock(OUT_BUFFER_BYTES, STOCK);
    private final byte[] date = new byte[HttpDate.LENGTH];
    private long dateSecond = -1;
    private boolean draining;
    /** This core's shard of the hot tier; null when it is off. */
    private final HotShard hot;
    /** Credentials, client limits and upload slots, shared by the cores. */
    final AccessControl access;
    /** This core's write decisions (bcrypt off the core, results cached here). */
    final WriteAuthorizer writes;
    /** This core's signed-URL checks (its own MAC and scratch); null when nothing is protected. */
    final UrlTokenVerifier urlTokens;
    /** Name prefixes whose GETs need a signed URL. */
    private final byte[][] protectedPrefixes;
    /** Live uploads readable while they arrive, every core's (shared); null when the hot tier is off. */
    final GrowingObjects growingObjects;
    private final int coreIndex;
    /** Where every core hears of committed playlists; shared. */
    final PlaylistBoard playlists;
    /** This core's requests held for a later playlist (blocking reload). */
    final PlaylistHolds playlistHolds;
    /** The listener that serves the admin surface, or -1 when every listener does (no separate admin listener). */
    private final int adminListener;
    /** "max-age=N" of the Strict-Transport-Security field for HTTPS responses; null without --hsts. */
    private final byte[] strictTransportSecurity;
    /** An edge's fills from its upstream (shared by the cores); null when not an edge. */
    final FillRegistry fills;
    /** How long a miss waits for its fill's body to start. */
    final long fillTimeoutNs;
    /** An edge's cut of large objects into slices ({@link SliceLayout#OFF} when not an edge). */
    final SliceLayout slices;
    /** Where a slice's key is built to look it up (the object's name, the separator, the index): no allocation. */
    private final byte[] sliceKeyScratch;
    private final ObjectKey sliceProbe = ObjectKey.probe();
    private final java.util.concurrent.Executor inbox;

    HttpCore(ServerConfig config, Volume volume, CoreContext context, MetricsCore metrics, TlsCore tls,
             HotShard hot, AccessControl access, int adminListener, PlaylistBoard playlists, FillRegistry fills) {
        this.fills = fills;
        this.inbox = context.inbox();
        // Held until the fill's body starts arriving: one upstream timeout to connect, one for its head.
        this.fillTimeoutNs = config.edge() == null ? 0 : 2 * config.edge().timeout().toNanos();
        this.slices = config.edge() == null || fills == null ? SliceLayout.OFF : config.edge().slices();
        // Also with slicing off: the evictor still deletes slices an earlier run (with --fill-slice) stored.
        this.sliceKeyScratch = fills == null
                ? null : new byte[config.limits().maxRequestLineBytes() + SliceLayout.KEY_SUFFIX_BYTES];
        this.hot = hot;
        this.coreIndex = context.coreIndex();
        this.growingObjects = hot == null ? null : hot.growingObjects();
        if (growingObjects != null) {
            growingObjects.register(coreIndex, context.inbox());
        }
        this.playlists = playlists;
        this.playlistHolds = new PlaylistHolds(playlists);
        playlists.register(context.inbox(), playlistHolds::onChanged);
        this.access = access;
        this.writes = access.newWriteAuthorizer(context.inbox());
        ServerConfig.Access rules = config.access();
        this.urlTokens = rules.signing() == null ? null : new UrlTokenVerifier(rules.signing());
        this.protectedPrefixes = rules.protect().stream()
                .map(p -> p.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
        this.adminListener = adminListener;
        this.strictTransportSecurity = config.tls() == null || config.tls().hsts() == null ? null
                : ("max-age=" + config.tls().hsts().toSeconds()).getBytes(StandardCharsets.US_ASCII);
        this.config = config;
        this.tls = tls;
        this.volume = volume;
        this.metrics = metrics;
        this.counters = metrics.counters;
        this.observer = metrics;
        this.largeReceiveBuffers = new ByteBufferStock(
                Math.max(RECEIVE_BUFFER_BYTES, config.limits().maxHeadBytes() + 4096), STOCK);
        Journal journal;
        try {
            journal = volume.journal(context.coreIndex());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.clock = context.clock();
        List<Device> devices = volume.devices();
        int[] syncFds = new int[devices.size()];
        int[] fds = new int[devices.size() * 3];
        for (Device d : devices) {
            syncFds[d.index()] = d.lazyWriteFd();
            fds[3 * d.index()] = d.readFd();
            fds[3 * d.index() + 1] = d.writeFd();
            fds[3 * d.index() + 2] = d.lazyWriteFd();
        }
        // Every core reads and writes every device through its own ring: registered once, no fd lookup per I/O.
        context.disk().registerFiles(fds);
        this.commit = new GroupCommit(journal, syncFds, context.disk(), metrics, clock);
        // With several devices one may hold at most half of this core's buffers in reads: a slow device cannot
        // take them all.
        this.transmitResources = new TransmitResources(context.disk(),
                new DeviceReads(devices, context.buffers().capacity() / 2), context.buffers(),
                context.smallBuffers(), metrics,
                config.sendStallTimeout().toNanos(), hot);
        this.uploadResources = new UploadResources(volume, commit, context.disk(), context.buffers(), metrics,
                clock, context.inbox(), config.limits().maxBodyBytes(), config.headerTimeout().toNanos(), hot,
                playlists);
        // Uploads land in space already written with zeros, so their O_DSYNC writes carry no file-system metadata.
        volume.startZeroAhead();
        // Journals are sealed and checkpointed away while serving, so they do not grow without bound.
        volume.startCheckpoints();
    }

    /**
     * A connection from {@code peer}: refused (null) when its client holds all the connections it may. Loopback
     * peers are neither counted nor limited.
     */
    @Override
    public TransportHandler<? super SocketTransport> newConnection(int listener, String peer) {
        String address = ClientTable.clientKey(peer);
        boolean loopback = ClientTable.isLoopback(address);
        ClientTable clients = access.clients();
        ClientTable.Client client = null;
        if (!loopback && clients.counts()) {
            client = clients.open(address);
            if (client == null) {
                return null;
            }
        }
        boolean admin = adminListener < 0 || listener == adminListener;
        boolean secure = listener == TLS_LISTENER && tls != null;
        HttpConnection http = new HttpConnection(this, client, loopback, admin, secure);
        TransportHandler<? super SocketTransport> handler = secure ? tls.wrap(http) : http;
        return client == null ? handler : new ClientCountedHandler(handler, clients, client);
    }

    @Override
    public void onTurnEnd() {
        commit.onTurnEnd();
        if (hot != null) {
            hot.onTurnEnd();
        }
    }

    /** The token name the request parser looks for as a path's first segment; null when nothing is protected. */
    String pathTokenName() {
        return urlTokens == null ? null : config.access().signing().tokenName();
    }

    /** True when a GET of the name {@code path[0, length)} needs a signed URL. */
    boolean isProtected(byte[] path, int length) {
        for (byte[] prefix : protectedPrefixes) {
            if (ObjectNames.hasPrefix(path, length, prefix)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The Strict-Transport-Security value for a response over HTTPS, or null without --hsts. Shared bytes: the
     * connections write them, never change them. RFC 6797 §7.2: the caller must not send it over plain HTTP.
     */
    byte[] strictTransportSecurity() {
        return strictTransportSecurity;
    }

    /** Which core this is (its slot in per-core pins and wake-ups). */
    int coreIndex() {
        return coreIndex;
    }

    /** The core's loop clock: read once per turn, for every request of the turn. */
    LoopClock clock() {
        return clock;
    }

    @Override
    public void onShutdown() {
        draining = true;
    }

    boolean draining() {
        return draining;
    }

    TransmitResources transmitResources() {
        return transmitResources;
    }

    UploadResources uploadResources() {
        return uploadResources;
    }

    /** The IMF-fixdate of now, reformatted at most once a second. Shared bytes: copy, don't keep. */
    byte[] date(long epochSecond) {
        if (epochSecond != dateSecond) {
            HttpDate.format(epochSecond, date, 0);
            dateSecond = epochSecond;
        }
        return date;
    }

    ReceiveBuffer newReceiveBuffer() {
        return new ReceiveBuffer(receiveBuffers, largeReceiveBuffers);
    }

    ByteBuffer takeOutBuffer() {
        return outBuffers.take();
    }

    /** Takes back an out buffer; a one-off oversized one is left to the collector. */
    void giveBackOutBuffer(ByteBuffer out) {
        outBuffers.giveBack(out);
    }

    int outBufferBytes() {
        return OUT_BUFFER_BYTES;
    }

    /**
     * Once per connection, from its onOpen: an HTTPS connection counts from its finished handshake, so that it is
     * counted closed too (a handshake that fails never reaches HTTP).
     */
    void connectionOpened() {
        counters.connectionsOpened.increment();
    }

    /** Once per connection, from its onClosed. */
    void connectionClosed() {
        counters.connectionsClosed.increment();
    }
}
