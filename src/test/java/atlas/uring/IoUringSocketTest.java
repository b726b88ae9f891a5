package atlas.uring;

import atlas.posix.Errno;
import static atlas.uring.IoUringConstants.*;
import static org.assertj.core.api.Assertions.assertThat;

import atlas.posix.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IoUringSocketTest {
    private static final String LOOPBACK = "127.0.0.1";
    private static final int ACCEPT = 1_000_000;

    private IoUring ring;
    private Arena arena;
    private int listenFd = -1;
    private int port;
    private final List<Integer> opened = new ArrayList<>();
    private final CompletionLog log = new CompletionLog();

    @BeforeEach
    void setUp() throws Exception {
        ring = IoUring.open(64);
        arena = Arena.ofConfined();
        listenFd = Sockets.listenTcp(LOOPBACK, 0, 1024, true);
        port = Sockets.localPort(listenFd);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int fd : opened) {
            Libc.close(fd);
        }
        Libc.close(listenFd);
        ring.close();
        arena.close();
    }

    /** {client, server}: a loopback TCP connection, accepted through the ring. */
    private int[] connectedPair() throws Exception {
        ring.prepAccept(ring.nextSqe(), listenFd, Sockets.SOCK_CLOEXEC, ACCEPT);
        ring.submit();
        int client = Sockets.connectTcp(LOOPBACK, port);
        opened.add(client);
        CompletionLog.Cqe accepted = log.awaitMore(ring, 1).get(0);
        assertThat(accepted.userData()).isEqualTo(ACCEPT);
        assertThat(accepted.res()).as(Errno.describe(accepted.res())).isNotNegative();
        opened.add(accepted.res());
        return new int[] {client, accepted.res()};
    }

    private MemorySegment text(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
        MemorySegment m = arena.allocate(bytes.length);
        MemorySegment.copy(bytes, 0, m, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return m;
    }

    private static String text(MemorySegment m, long offset, int length) {
        return new String(m.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII);
    }

    @Test
    void shouldAcceptManyConnectionsWithOneMultishotAccept() throws Exception {
        ring.prepAcceptMultishot(ring.nextSqe(), listenFd, Sockets.SOCK_CLOEXEC | Sockets.SOCK_NONBLOCK, ACCEPT);
        ring.submit();
        for (int i = 0; i < 3; i++) {
            opened.add(Sockets.connectTcp(LOOPBACK, port));
        }
        List<CompletionLog.Cqe> accepts = log.awaitMore(ring, 3);
        for (CompletionLog.Cqe c : accepts) {
            assertThat(c.userData()).isEqualTo(ACCEPT);
            assertThat(c.res()).isNotNegative();
            assertThat(c.more()).as("still armed").isTrue();
            opened.add(c.res());
        }
        ring.prepCancelFd(ring.nextSqe(), listenFd, IORING_ASYNC_CANCEL_ALL, 2);
        List<CompletionLog.Cqe> end = log.awaitMore(ring, 2);
        assertThat(end).contains(new CompletionLog.Cqe(2, 1, 0), new CompletionLog.Cqe(ACCEPT, -Errno.ECANCELED, 0));
    }

    @Test
    void shouldSendAndRecvBetweenTwoSockets() throws Exception {
        int[] pair = connectedPair();
        MemorySegment in = arena.allocate(64);
        ring.prepRecv(ring.nextSqe(), pair[1], in, 0, 10);
        ring.prepSend(ring.nextSqe(), pair[0], text("GET /a HTTP/1.1\r\n"), MSG_NOSIGNAL, 20);
        log.awaitMore(ring, 2);
        assertThat(log.only(20).res()).isEqualTo(17);
        assertThat(log.only(10).res()).isEqualTo(17);
        assertThat(text(in, 0, 17)).isEqualTo("GET /a HTTP/1.1\r\n");

        Sockets.shutdown(pair[0], Sockets.SHUT_WR); // orderly close: recv returns 0
        ring.prepRecv(ring.nextSqe(), pair[1], in, 0, 11);
        log.awaitMore(ring, 1);
        assertThat(log.only(11).res()).isZero();
    }

    @Test
    void shouldSendZeroCopyWithResultThenNotification() throws Exception {
        int[] pair = connectedPair();
        int length = 64 * 1024;
        MemorySegment out = arena.allocate(length, 4096);
        for (int i = 0; i < length; i++) {
            out.set(ValueLayout.JAVA_BYTE, i, (byte) i);
        }
        MemorySegment in = arena.allocate(length, 4096);
        ring.registerBuffers(out);
        ring.prepSendZc(ring.nextSqe(), pair[0], out.address(), length, MSG_NOSIGNAL, 0, 0, 60);
        int received = 0;
        boolean result = false;
        boolean notified = false;
        long deadline = System.nanoTime() + 5_000_000_000L;
        while ((received < length || !notified) && System.nanoTime() < deadline) {
            if (received < length) {
                ring.prepRecv(ring.nextSqe(), pair[1], in.address() + received, length - received, 0, 61);
            }
            for (CompletionLog.Cqe c : log.awaitMore(ring, 1)) {
                if (c.userData() == 61) {
                    assertThat(c.res()).isPositive();
                    received += c.res();
                } else if (c.userData() == 60 && !c.notif()) {
                    assertThat(result).as("one result CQE").isFalse();
                    assertThat(c.res()).isEqualTo(length);
                    assertThat(c.more()).as("a notification follows").isTrue();
                    result = true;
                } else if (c.userData() == 60) {
                    assertThat(result).as("result before notification").isTrue();
                    notified = true;
                }
            }
        }
        assertThat(result).isTrue();
        assertThat(notified).isTrue();
        assertThat(received).isEqualTo(length);
        assertThat(in.mismatch(out)).isEqualTo(-1);
    }

    @Test
    void shouldReapDeferredCompletionsWithoutBlockingWait() throws Exception {
        int[] pair = connectedPair();
        MemorySegment in = arena.allocate(16);
        ring.prepRecv(ring.nextSqe(), pair[1], in, 0, 100);
        ring.submit();
        assertThat(ring.forEachCompletion(log)).isZero(); // nothing sent yet
        ring.prepSend(ring.nextSqe(), pair[0], text("ping"), MSG_NOSIGNAL, 101);
        ring.submit();
        // With DEFER_TASKRUN the recv completion is task work until we enter the kernel; the TASKRUN flag
        // tells forEachCompletion to do so. Poll without ever calling submitAndWait.
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (log.cqes.size() < 2 && System.nanoTime() < deadline) {
            ring.forEachCompletion(log);
            Thread.onSpinWait();
        }
        assertThat(log.only(100).res()).isEqualTo(4);
        assertThat(log.only(101).res()).isEqualTo(4);
    }

    @Test
    void shouldReportEconnresetThenEpipeWhenPeerIsGone() throws Exception {
        int[] pair = connectedPair();
        Sockets.setLinger(pair[0], true, 0); // close sends RST
        Libc.close(pair[0]);
        opened.remove(Integer.valueOf(pair[0]));
        MemorySegment buf = arena.allocate(64);
        ring.prepRecv(ring.nextSqe(), pair[1], buf, 0, 70);
        log.awaitMore(ring, 1);
        assertThat(log.only(70).res()).as(Errno.describe(log.only(70).res())).isEqualTo(-Errno.ECONNRESET);
        ring.prepSend(ring.nextSqe(), pair[1], buf, MSG_NOSIGNAL, 71);
        log.awaitMore(ring, 1);
        assertThat(log.only(71).res()).as(Errno.describe(log.only(71).res())).isEqualTo(-Errno.EPIPE);
    }

    @Test
    void shouldReportEpipeWhenSendingAfterShutdown() throws Exception {
        int[] pair = connectedPair();
        Sockets.shutdown(pair[0], Sockets.SHUT_WR);
        ring.prepSend(ring.nextSqe(), pair[0], text("late"), MSG_NOSIGNAL, 72);
        log.awaitMore(ring, 1);
        assertThat(log.only(72).res()).isEqualTo(-Errno.EPIPE);
    }

    @Test
    void shouldCancelEverythingOnAFdAtShutdown() throws Exception {
        int[] pair = connectedPair();
        ring.prepRecv(ring.nextSqe(), pair[1], arena.allocate(64), 0, 90);
        ring.prepAcceptMultishot(ring.nextSqe(), listenFd, Sockets.SOCK_CLOEXEC, 91);
        ring.submit();
        ring.prepCancelFd(ring.nextSqe(), pair[1], IORING_ASYNC_CANCEL_ALL, 92);
        ring.prepCancelFd(ring.nextSqe(), listenFd, IORING_ASYNC_CANCEL_ALL, 93);
        log.awaitMore(ring, 4);
        assertThat(log.only(90).res()).isEqualTo(-Errno.ECANCELED);
        assertThat(log.only(91).res()).isEqualTo(-Errno.ECANCELED);
        assertThat(log.only(92).res()).isEqualTo(1); // number cancelled
        assertThat(log.only(93).res()).isEqualTo(1);
    }

    @Test
    void shouldOpenAndCloseThousandConnectionsWithoutLeakingFds() throws Exception {
        long socketsBefore = FdCensus.sockets();
        ring.prepAcceptMultishot(ring.nextSqe(), listenFd, Sockets.SOCK_CLOEXEC | Sockets.SOCK_NONBLOCK, ACCEPT);
        ring.submit();
        for (int i = 0; i < 1000; i++) {
            int client = Sockets.connectTcp(LOOPBACK, port);
            CompletionLog.Cqe accepted = log.awaitMore(ring, 1).get(0);
            assertThat(accepted.res()).as("connection %d: %s", i, Errno.describe(accepted.res())).isNotNegative();
            assertThat(accepted.more()).isTrue();
            Libc.close(accepted.res()); // as the engine closes a connection
            Libc.close(client);
        }
        ring.prepCancelFd(ring.nextSqe(), listenFd, IORING_ASYNC_CANCEL_ALL, 3);
        log.awaitMore(ring, 2);
        assertThat(FdCensus.sockets()).isEqualTo(socketsBefore);
    }
}
