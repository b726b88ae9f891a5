package atlas.live;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The one place every core learns where each live playlist stands. The core that commits a playlist upload
 * publishes its {@link PlaylistPosition} here, then tells every core, through that core's inbox, the playlist's
 * name: each core then answers the requests it holds for it ({@link PlaylistHolds}) in one pass, on its own thread.
 * <p>
 * Threads: {@link #publish} from the committing core — a shared write, but on the control path: once per playlist
 * commit, a few per second per stream, not per request; {@link #position} from any core, lock-free. Because the
 * position is published before the cores are told, a core that holds a request after reading an older position
 * still hears of the newer one: nothing is lost between its check and its hold.
 */
public final class PlaylistBoard {
    private final Map<String, PlaylistPosition> positions = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    private record Listener(Executor inbox, Consumer<String> onChanged) {
    }

    /** A core's interest: {@code onChanged} runs on that core (through {@code inbox}) after each publish. */
    public void register(Executor inbox, Consumer<String> onChanged) {
        listeners.add(new Listener(inbox, onChanged));
    }

    /** Where {@code name} stands, or null when no upload of it was scanned since the server started. */
    public PlaylistPosition position(String name) {
        return positions.get(name);
    }

    /** {@code name} was committed (durably) at {@code position}. */
    public void publish(String name, PlaylistPosition position) {
        positions.put(name, position);
        tell(name);
    }

    /** {@code name} was deleted: nothing will be held for it, and what is held is answered (a 404). */
    public void remove(String name) {
        if (positions.remove(name) != null) {
            tell(name);
        }
    }

    private void tell(String name) {
        for (Listener l : listeners) {
            l.inbox().execute(() -> l.onChanged().accept(name));
        }
    }
}
