package atlas.live;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

import static org.assertj.core.api.Assertions.assertThat;

class PlaylistHoldsTest {
    /** Inboxes that run what was posted when the test says: the cores' turns, in order. */
    private final List<Runnable> posted = new ArrayList<>();
    private final Executor inbox = posted::add;
    private final PlaylistBoard board = new PlaylistBoard();
    private final PlaylistHolds core0 = new PlaylistHolds(board);
    private final PlaylistHolds core1 = new PlaylistHolds(board);
    private final List<String> released = new ArrayList<>();

    PlaylistHoldsTest() {
        board.register(inbox, core0::onChanged);
        board.register(inbox, core1::onChanged);
    }

    private PlaylistHolds.Waiter waiter(String label, long segment, int part) {
        return new PlaylistHolds.Waiter() {
            @Override
            public long awaitedSegment() {
                return segment;
            }

            @Override
            public int awaitedPart() {
                return part;
            }

            @Override
            public void release() {
                released.add(label);
            }
        };
    }

    private void runInboxes() {
        List<Runnable> now = new ArrayList<>(posted);
        posted.clear();
        now.forEach(Runnable::run);
    }

    @Test
    void shouldReleaseOnEveryCoreExactlyTheRequestsTheCommitSatisfies() {
        board.publish("live/a.m3u8", new PlaylistPosition(10, 0, 2000, false));
        runInboxes();
        core0.hold("live/a.m3u8", waiter("11", 11, -1));
        core1.hold("live/a.m3u8", waiter("11.1", 11, 1));
        core1.hold("live/a.m3u8", waiter("12", 12, -1));
        core0.hold("live/b.m3u8", waiter("b", 1, -1));
        board.publish("live/a.m3u8", new PlaylistPosition(10, 1, 2000, false));
        runInboxes();
        assertThat(released).as("one part of 11 is not two").isEmpty();
        board.publish("live/a.m3u8", new PlaylistPosition(10, 2, 2000, false));
        runInboxes();
        assertThat(released).containsExactly("11.1");
        board.publish("live/a.m3u8", new PlaylistPosition(11, 0, 2000, false));
        runInboxes();
        assertThat(released).containsExactly("11.1", "11");
        assertThat(core0.count()).as("b still waits").isEqualTo(1);
        assertThat(core1.count()).isEqualTo(1);
        board.publish("live/a.m3u8", new PlaylistPosition(11, 0, 2000, true));
        runInboxes();
        assertThat(released).as("the end releases everyone").containsExactly("11.1", "11", "12");
    }

    @Test
    void shouldForgetACancelledRequestAndReleaseAllOnDeletion() {
        board.publish("live/a.m3u8", new PlaylistPosition(10, 0, 2000, false));
        PlaylistHolds.Waiter gone = waiter("gone", 11, -1);
        core0.hold("live/a.m3u8", gone);
        core0.hold("live/a.m3u8", waiter("kept", 11, -1));
        assertThat(core0.cancel("live/a.m3u8", gone)).isTrue();
        assertThat(core0.cancel("live/a.m3u8", gone)).isFalse();
        board.remove("live/a.m3u8");
        runInboxes();
        assertThat(released).containsExactly("kept");
        assertThat(core0.count()).isZero();
    }

    @Test
    void shouldHearOfACommitThatLandedBetweenItsCheckAndItsHold() {
        board.publish("live/a.m3u8", new PlaylistPosition(10, 0, 2000, false));
        runInboxes();
        // Core 1 read position 10 and decided to hold; meanwhile core 0 committed 11 (posted, not yet run).
        board.publish("live/a.m3u8", new PlaylistPosition(11, 0, 2000, false));
        core1.hold("live/a.m3u8", waiter("late", 11, -1));
        runInboxes();
        assertThat(released).containsExactly("late");
    }
}
