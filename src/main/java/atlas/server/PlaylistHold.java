package atlas.server;

import atlas.http.RequestHead;
import atlas.live.PlaylistHolds;
import atlas.live.PlaylistPosition;
import atlas.live.PlaylistScanner;
import atlas.live.ReloadQuery;

import java.nio.charset.StandardCharsets;

/**
 * One connection's blocking playlist reload (draft-pantos-hls-rfc8216bis §6.2.5.2): a GET of a live HLS playlist
 * with {@code _HLS_msn} (and {@code _HLS_part}) is answered at once when the playlist already has that segment or
 * part, 400 when the directives are malformed or more than two segments ahead, and otherwise held — no buffer, no
 * receive, only an entry in the core's {@link PlaylistHolds} — until the commit of a playlist upload that has it,
 * which answers it from that committed version; after three target durations it gets 503. A playlist the server has
 * not seen uploaded since it started (a VOD playlist, one from before a restart) is served at once, as are plain
 * polls and HEADs. The owner of the held state; the connection hands the request here and takes it back on release.
 * <p>
 * Thread: the connection's core.
 */
final class PlaylistHold implements PlaylistHolds.Waiter {
    private final HttpConnection connection;
    private final ReloadQuery query = new ReloadQuery();
    private String playlist;

    PlaylistHold(HttpConnection connection) {
        this.connection = connection;
    }

    /**
     * Decides a GET of an object: true when this took the request (held it, or answered 400); false to serve it now.
     */
    boolean takes(RequestHead head) {
        byte[] path = head.pathBytes();
        int length = head.pathLength();
        if (head.queryLength() <= 0 || !PlaylistScanner.isPlaylist(path, length)) {
            return false;
        }
        int directive = query.parse(head.buffer(), head.queryOffset(), head.queryLength());
        if (directive == ReloadQuery.NONE) {
            return false;
        }
        if (directive == ReloadQuery.MALFORMED) {
            connection.respondError(400, "_HLS_msn and _HLS_part take decimal integers, and _HLS_part needs _HLS_msn");
            return true;
        }
        HttpCore core = connection.core();
        String name = new String(path, 0, length, StandardCharsets.UTF_8);
        PlaylistPosition now = core.playlists.position(name);
        if (now == null) {
            return false;
        }
        switch (now.check(query.segment(), query.part())) {
            case PlaylistPosition.READY -> {
                return false;
            }
            case PlaylistPosition.TOO_FAR_AHEAD -> {
                connection.respondError(400, "_HLS_msn " + query.segment() + " is more than two segments after the "
                        + "playlist's last (" + now.lastSegment() + ")");
                return true;
            }
            default -> {
                playlist = name;
                core.playlistHolds.hold(name, this);
                core.metrics.playlistHeld();
                connection.enterHold(now.holdLimitMillis() * 1_000_000L);
                return true;
            }
        }
    }

    @Override
    public long awaitedSegment() {
        return query.segment();
    }

    @Override
    public int awaitedPart() {
        return query.part();
    }

    /** The playlist has it now: answered from the version just committed. */
    @Override
    public void release() {
        playlist = null;
        connection.core().metrics.playlistHoldEnded(false);
        connection.leaveHold();
    }

    /** Held three target durations: 503, as §6.2.5.2 says. */
    void onTimeout() {
        if (playlist != null) {
            connection.core().playlistHolds.cancel(playlist, this);
            playlist = null;
            connection.core().metrics.playlistHoldEnded(true);
        }
        connection.respondError(503, "the playlist did not reach the requested segment in three target durations");
    }

    /** The connection is going (closed, or the server drains): nothing more to wait for. */
    void cancel() {
        if (playlist != null) {
            connection.core().playlistHolds.cancel(playlist, this);
            playlist = null;
            connection.core().metrics.playlistHoldEnded(false);
        }
    }
}
