package atlas.uring;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

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
}
