package atlas.uring;

import atlas.posix.Downcalls;
import atlas.posix.Errno;
import atlas.posix.PosixException;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SocketsTest {
    @Test
    void shouldNameThePeerOfAConnectedSocket() throws Exception {
        int listener = Sockets.listenTcp("127.0.0.1", 0, 16, false);
        int client = -1;
        try {
            int port = Sockets.localPort(listener);
            assertThat(port).isPositive();
            client = Sockets.connectTcp("127.0.0.1", port);
            assertThat(Sockets.peerAddress(client)).isEqualTo("127.0.0.1:" + port);
        } finally {
            if (client >= 0) {
                Sockets.close(client);
            }
            Sockets.close(listener);
        }
    }

    @Test
    void shouldRefuseConnectionsToABoundSocketUntilItListens() throws Exception {
        int bound = Sockets.bindTcp("127.0.0.1", 0, true);
        try {
            int port = Sockets.localPort(bound);
            assertThat(port).isPositive();
            assertThatThrownBy(() -> Sockets.connectTcp("127.0.0.1", port)).isInstanceOf(PosixException.class)
                    .satisfies(e -> assertThat(((PosixException) e).errno()).isEqualTo(Errno.ECONNREFUSED));
            Sockets.listen(bound, 16);
            Sockets.close(Sockets.connectTcp("127.0.0.1", port));
        } finally {
            Sockets.close(bound);
        }
    }

    @Test
    void shouldReadTheCongestionWindowOfAConnectedSocketAndFailSoftlyOnAnyOtherFd() throws Exception {
        int listener = Sockets.listenTcp("127.0.0.1", 0, 16, false);
        int client = -1;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(Sockets.TCP_INFO_BYTES, 8);
            MemorySegment length = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment errno = Downcalls.newCaptureArea(arena);
            client = Sockets.connectTcp("127.0.0.1", Sockets.localPort(listener));
            long window = Sockets.congestionWindowBytes(client, info, length, errno);
            // A fresh connection: an initial window of 10 segments (RFC 6928) of loopback's large MSS.
            assertThat(window).isGreaterThanOrEqualTo(10L * 1000).isLessThan(100L << 20);
            assertThat(Sockets.congestionWindowBytes(-1, info, length, errno)).isEqualTo(-1);
        } finally {
            if (client >= 0) {
                Sockets.close(client);
            }
            Sockets.close(listener);
        }
    }

    @Test
    void shouldNameTheCallAndItsTargetWhenConnectIsRefusedAndLeakNoSocket() throws Exception {
        int listener = Sockets.listenTcp("127.0.0.1", 0, 16, false);
        int port = Sockets.localPort(listener);
        Sockets.close(listener); // nothing listens there now
        long socketsBefore = FdCensus.sockets();
        assertThatThrownBy(() -> Sockets.connectTcp("127.0.0.1", port))
                .isInstanceOfSatisfying(PosixException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ECONNREFUSED);
                    assertThat(e.getMessage())
                            .isEqualTo("connect(127.0.0.1:" + port + "): Connection refused (ECONNREFUSED)");
                });
        assertThat(FdCensus.sockets()).isEqualTo(socketsBefore);
    }
}
