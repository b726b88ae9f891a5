package atlas.fill;

import atlas.store.ObjectRecord;
import atlas.store.UpstreamCopy;
import atlas.store.Volume;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * An edge's cache of its upstream, assembled: the fetcher (upstream exchanges, stored through this node's own
 * ingest), the registry of fills in flight (one per object), the ledger of which stored versions are copies and
 * on what terms, and the evictor that keeps the volume below its watermark. Made at start-up, before the cores;
 * closed after them.
 */
public final class EdgeCache implements FillRegistry.CopyKeeper, AutoCloseable {
    private final UpstreamFetcher fetcher;
    private final CopyLedger ledger;
    private final FillRegistry fills;
    private final CacheEvictor evictor;
    private final int restoredCopies;

    private EdgeCache(UpstreamFetcher fetcher, CopyLedger ledger, Volume volume, List<UpstreamCopy> restored) {
        this.fetcher = fetcher;
        this.ledger = ledger;
        this.fills = new FillRegistry(fetcher, volume, this);
        this.evictor = new CacheEvictor(volume::capacityBytes, volume::liveBytes,
                copy -> fills.evict((UpstreamCopy) copy), ledger::dropped, restored);
        this.restoredCopies = restored.size();
        fetcher.whenVolumeFull(evictor::kick);
    }

    /** Opens the edge cache of the volume in {@code directory}; its ledger marks the copies a previous run kept. */
    public static EdgeCache open(List<URI> upstreams, Duration timeout, CachePolicy policy, String upstreamToken,
                                 javax.net.ssl.SSLContext upstreamTls, SliceLayout slices, Path directory,
                                 Volume volume) throws IOException {
        List<UpstreamCopy> restored = new ArrayList<>();
        CopyLedger ledger = CopyLedger.open(directory, volume, restored);
        return new EdgeCache(new UpstreamFetcher(upstreams, timeout, policy, upstreamToken, upstreamTls, slices),
                ledger, volume, restored);
    }

    public FillRegistry fills() {
        return fills;
    }

    /** Copies kept from the previous run (start-up line). */
    public int restoredCopies() {
        return restoredCopies;
    }

    public CacheEvictor evictor() {
        return evictor;
    }

    /**
     * This node's own listener (loopback), known once it listens: where fills are stored and evictions deleted —
     * so the evictor starts now.
     */
    public void storeThrough(URI selfBase) {
        fetcher.storeThrough(selfBase);
        evictor.start();
    }

    @Override
    public void stored(ObjectRecord record, UpstreamCopy.Terms terms) {
        evictor.stored(ledger.stored(record, terms));
    }

    @Override
    public void refreshed(UpstreamCopy copy, UpstreamCopy.Terms terms) {
        ledger.refreshed(copy, terms);
    }

    @Override
    public void close() throws IOException {
        evictor.close();
        fetcher.close(); // fills in flight are cut off: their uploads stored nothing
        ledger.close();
    }
}
