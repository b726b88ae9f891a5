package atlas.live;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;

/**
 * One core's requests held for a later version of a playlist (blocking playlist reload, draft-pantos-hls-rfc8216bis
 * §6.2.5.2): by playlist name, each with the segment and part it waits for. When the {@link PlaylistBoard} says a
 * playlist changed, every request it now satisfies is released in one pass; the others keep waiting until their
 * own deadline (the connection's, three target durations: a 503).
 * <p>
 * Threads: the core's only. Holding allocates a list per playlist name the first time; a held request costs an
 * entry in it.
 */
public final class PlaylistHolds {
    /** A request held for a playlist: what it waits for, and how to answer it. */
    public interface Waiter {
        long awaitedSegment();

        /** The awaited Partial Segment of {@link #awaitedSegment}, or -1 for the whole segment. */
        int awaitedPart();

        /** The playlist has it now (or changed in a way that ends the wait): answer from the committed version. */
        void release();
    }

    private final PlaylistBoard board;
    private final Map<String, ArrayList<Waiter>> held = new HashMap<>();
    private final ArrayList<Waiter> releasing = new ArrayList<>();
    private int count;

    public PlaylistHolds(PlaylistBoard board) {
        this.board = board;
    }

    public void hold(String playlist, Waiter waiter) {
        held.computeIfAbsent(playlist, n -> new ArrayList<>()).add(waiter);
        count++;
    }

    /** {@code waiter} no longer waits (its connection timed out or closed); true when it was held. */
    public boolean cancel(String playlist, Waiter waiter) {
        ArrayList<Waiter> list = held.get(playlist);
        if (list != null && list.remove(waiter)) {
            count--;
            return true;
        }
        return false;
    }

    /** Requests held now, on this core. */
    public int count() {
        return count;
    }

    /** From the board, on this core's thread: releases every request the new position satisfies. */
    public void onChanged(String playlist) {
        ArrayList<Waiter> list = held.get(playlist);
        if (list == null || list.isEmpty()) {
            return;
        }
        PlaylistPosition now = board.position(playlist);
        releasing.clear();
        for (int i = list.size() - 1; i >= 0; i--) {
            Waiter w = list.get(i);
            if (now == null || now.check(w.awaitedSegment(), w.awaitedPart()) != PlaylistPosition.HOLD) {
                list.remove(i);
                count--;
                releasing.add(w);
            }
        }
        // Released after the list is settled: answering may hold the connection's next request again.
        for (int i = releasing.size() - 1; i >= 0; i--) {
            releasing.get(i).release();
        }
        releasing.clear();
    }
}
