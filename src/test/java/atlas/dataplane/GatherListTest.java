package atlas.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GatherListTest {
    @Test
    void shouldMergeTouchingPiecesAndSkipEmptyOnes() {
        GatherList g = new GatherList().add(10, 5).add(15, 5).add(30, 0).add(40, 2);
        assertThat(g.count()).isEqualTo(2);
        assertThat(g.offset(0)).isEqualTo(10);
        assertThat(g.length(0)).isEqualTo(10);
        assertThat(g.offset(1)).isEqualTo(40);
        assertThat(g.remaining()).isEqualTo(12);
    }

    @Test
    void shouldConsumeShortSendsAcrossAndInsidePieces() {
        GatherList g = new GatherList().add(0, 4).add(100, 10).add(200, 3);
        g.consume(6); // all of the first piece and 2 bytes of the second
        assertThat(g.count()).isEqualTo(2);
        assertThat(g.offset(0)).isEqualTo(102);
        assertThat(g.length(0)).isEqualTo(8);
        g.consume(8);
        assertThat(g.count()).isEqualTo(1);
        assertThat(g.offset(0)).isEqualTo(200);
        g.consume(3);
        assertThat(g.count()).isZero();
        assertThat(g.remaining()).isZero();
        g.clear().add(7, 1);
        assertThat(g.count()).isEqualTo(1);
        assertThat(g.offset(0)).isEqualTo(7);
    }

    @Test
    void shouldRefuseMorePiecesThanTheDescriptorAreaHolds() {
        GatherList g = new GatherList();
        for (int i = 0; i < GatherList.MAX_PIECES; i++) {
            g.add(i * 10, 1);
        }
        assertThatThrownBy(() -> g.add(10_000, 1)).isInstanceOf(IllegalStateException.class);
    }
}
