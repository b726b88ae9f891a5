package atlas.loadgen;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class IdleConnectionsTest {
    private static LoadConnection idle() {
        LoadConnection c = new LoadConnection(16);
        c.state = LoadConnection.State.IDLE;
        return c;
    }

    @Test
    void shouldHandOutTheConnectionIdleLongestFirst() {
        IdleConnections queue = new IdleConnections(3);
        LoadConnection a = idle();
        LoadConnection b = idle();
        LoadConnection c = idle();
        queue.offer(a);
        queue.offer(b);
        queue.offer(c);
        assertThat(queue.poll()).isSameAs(a);
        queue.offer(a);
        assertThat(queue.poll()).isSameAs(b);
        assertThat(queue.poll()).isSameAs(c);
        assertThat(queue.poll()).isSameAs(a);
        assertThat(queue.poll()).isNull();
        assertThat(queue.isEmpty()).isTrue();
    }

    @Test
    void shouldQueueAConnectionOnceAndSkipOnesNoLongerIdle() {
        IdleConnections queue = new IdleConnections(2);
        LoadConnection a = idle();
        LoadConnection b = idle();
        queue.offer(a);
        queue.offer(a); // idle again (reconnected) before its entry came up: keeps the one entry, no overflow
        queue.offer(b);
        a.state = LoadConnection.State.CONNECTING; // the server closed it meanwhile
        assertThat(queue.poll()).isSameAs(b);
        assertThat(queue.poll()).isNull();
        a.state = LoadConnection.State.IDLE;
        queue.offer(a);
        assertThat(queue.poll()).isSameAs(a);
    }
}
