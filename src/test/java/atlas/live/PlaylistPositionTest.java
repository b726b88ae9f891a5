package atlas.live;

import org.junit.jupiter.api.Test;

import static atlas.live.PlaylistPosition.HOLD;
import static atlas.live.PlaylistPosition.READY;
import static atlas.live.PlaylistPosition.TOO_FAR_AHEAD;
import static org.assertj.core.api.Assertions.assertThat;

/** draft-pantos-hls-rfc8216bis §6.2.5.2, against a playlist whose last segment is 267 and which has 2 parts of 268. */
class PlaylistPositionTest {
    private final PlaylistPosition at = new PlaylistPosition(267, 2, 2000, false);

    @Test
    void shouldAnswerAtOnceWhatThePlaylistHasAlready() {
        assertThat(at.check(267, -1)).isEqualTo(READY);
        assertThat(at.check(100, -1)).as("long gone: the current playlist").isEqualTo(READY);
        assertThat(at.check(267, 5)).as("a part of a complete segment").isEqualTo(READY);
        assertThat(at.check(268, 0)).isEqualTo(READY);
        assertThat(at.check(268, 1)).isEqualTo(READY);
    }

    @Test
    void shouldHoldForTheNextSegmentOrPartAndTheOneAfter() {
        assertThat(at.check(268, -1)).isEqualTo(HOLD);
        assertThat(at.check(268, 2)).isEqualTo(HOLD);
        assertThat(at.check(269, -1)).isEqualTo(HOLD);
        assertThat(at.check(269, 0)).isEqualTo(HOLD);
    }

    @Test
    void shouldRefuseMoreThanTwoSegmentsAheadAndNeverHoldOnAnEndedPlaylist() {
        assertThat(at.check(270, -1)).isEqualTo(TOO_FAR_AHEAD);
        assertThat(new PlaylistPosition(267, 0, 2000, true).check(300, 0)).isEqualTo(READY);
    }

    @Test
    void shouldHoldAtMostThreeTargetDurations() {
        assertThat(at.holdLimitMillis()).isEqualTo(6000);
        assertThat(new PlaylistPosition(0, 0, 0, false).holdLimitMillis()).as("no target: a second's").isEqualTo(3000);
    }
}
