package atlas.dataplane;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The connection table both engines share: ids with generations, the deadline sweep, failures kept local. */
class ConnectionTableTest {
    private final List<String> events = new ArrayList<>();
    private final ConnectionTable<Conn> table = new ConnectionTable<>(0);

    @Test
    void shouldGiveAReusedIdANewGenerationSoLateCompletionsFindNothing() {
        Conn a = new Conn("a");
        table.add(a);
        int id = a.id;
        int generation = a.generation;
        table.remove(a);
        Conn b = new Conn("b");
        table.add(b);
        assertThat(b.id).as("ids are reused").isEqualTo(id);
        assertThat(b.generation).isNotEqualTo(generation);
        assertThat(table.find(id, generation)).as("a completion for a's operation").isNull();
        assertThat(table.find(id, b.generation)).isSameAs(b);
    }

    @Test
    void shouldFireOnlyDeadlinesThatPassedAndCloseAConnectionWhoseHandlerThrows() {
        Conn early = new Conn("early");
        Conn late = new Conn("late");
        Conn broken = new Conn("broken");
        broken.throwOnTimeout = true;
        table.add(early);
        table.add(late);
        table.add(broken);
        early.deadline(100);
        late.deadline(300);
        broken.deadline(100);
        table.expireDeadlines(200);
        assertThat(events).containsExactlyInAnyOrder("timeout early", "timeout broken", "close broken");
        assertThat(early.deadlineNs).as("a fired deadline is disarmed").isZero();
        assertThat(late.deadlineNs).isEqualTo(300);
        assertThat(table.handlerFailures()).isEqualTo(1);
        assertThat(table.size()).as("only the broken one left").isEqualTo(2);
    }

    @Test
    void shouldDrainAndCloseEveryConnectionEvenWhenTheyLeaveTheTableMeanwhile() {
        for (int i = 0; i < 5; i++) {
            table.add(new Conn("c" + i));
        }
        table.drainAll();
        assertThat(events).hasSize(5).allMatch(e -> e.startsWith("drain"));
        table.closeAll();
        assertThat(table.isEmpty()).isTrue();
    }

    private final class Conn extends EngineConnection {
        private final String name;
        boolean throwOnTimeout;
        private boolean closing;

        Conn(String name) {
            super(new Handler(), "peer-" + name);
            this.name = name;
            ((Handler) handler).owner = this;
        }

        @Override
        boolean isClosing() {
            return closing;
        }

        @Override
        public void receive(ByteBuffer dst, int offset, int length) {
        }

        @Override
        public void send(ByteBuffer src, int offset, int length) {
        }

        @Override
        public void sendShared(ByteBuffer prefix, int prefixLength, java.lang.foreign.MemorySegment body, long offset,
                               int length, int fileFd, long fileOffset) {
        }

        @Override
        public void sendGather(IoBuffer buffer, GatherList pieces) {
        }

        @Override
        public long nowNs() {
            return 0;
        }

        @Override
        public void close() {
            if (!closing) {
                closing = true;
                events.add("close " + name);
                table.remove(this);
            }
        }
    }

    private final class Handler implements TransportHandler<SocketTransport> {
        Conn owner;

        @Override
        public void onOpen(SocketTransport transport) {
        }

        @Override
        public void onReceived(int bytes) {
        }

        @Override
        public void onSent(int bytes) {
        }

        @Override
        public void onTimeout() {
            events.add("timeout " + owner.name);
            if (owner.throwOnTimeout) {
                throw new IllegalStateException("handler bug");
            }
        }

        @Override
        public void onDrain() {
            events.add("drain " + owner.name);
        }

        @Override
        public void onClosed() {
        }
    }
}
