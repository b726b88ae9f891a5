package atlas.stream;

import atlas.dataplane.CoreInbox;
import atlas.dataplane.FakeTransport;
import atlas.hot.GrowingObject;
import atlas.hot.HotTier;
import atlas.hot.LiveCapture;
import atlas.store.ObjectKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The growing transmitter against a fake transport and a real live capture: what goes on the wire as an upload
 * arrives (chunk framing, the head at once, a chunk closed before waiting), wake-ups through the core's inbox, and
 * the endings — a failed upload, a reader gone while waiting, the arrival backstop.
 */
class GrowingTransmitterTest {
    private static final String NAME = "live/a/seg1.m4s";
    private static final String HEAD = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";

    private HotTier tier;
    private final CoreInbox inbox = new CoreInbox();
    private final FakeTransport transport = new FakeTransport();
    private final Exchange exchange = new Exchange();
    private final Counts metrics = new Counts();
    private final GrowingTransmitter transmitter = new GrowingTransmitter(exchange, 0, 30_000_000_000L,
            20_000_000_000L, metrics);
    private final MemorySegment body = Arena.ofAuto().allocate(1 << 20);
    private LiveCapture capture;
    private long received;

    @BeforeEach
    void setUp() {
        tier = HotTier.create(8L * HotTier.CHUNK_BYTES, 1, List.of("live/"));
        tier.growingObjects().register(0, inbox);
        capture = tier.shard(0).newLiveCapture();
        for (int i = 0; i < body.byteSize(); i++) {
            body.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) ('a' + i % 26));
        }
        transport.open(new BodySocketSide(transmitter::onSent, transmitter::onTimeout, transmitter::abandon));
    }

    @AfterEach
    void tearDown() {
        tier.close();
    }

    private GrowingObject begin(long declaredLength) {
        capture.begin(ObjectKey.of(NAME), NAME, declaredLength, "video/mp4", true);
        GrowingObject g = tier.growingObjects().find(ObjectKey.of(NAME));
        assertThat(g.pin(0)).isTrue();
        return g;
    }

    private void arrive(int n) {
        capture.capture(received, body, received, n);
        received += n;
    }

    private void start(GrowingObject g, long from, long to, boolean chunked) {
        ByteBuffer out = ByteBuffer.allocateDirect(4096);
        out.put(HEAD.getBytes(StandardCharsets.US_ASCII));
        transmitter.start(transport, out, out.position(), g, from, to, chunked);
    }

    private String bodyText(long from, int n) {
        byte[] b = new byte[n];
        MemorySegment.copy(body, java.lang.foreign.ValueLayout.JAVA_BYTE, from, b, 0, n);
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    @Test
    void streamsEachArrivalAsAChunkAndClosesItBeforeWaiting() {
        GrowingObject g = begin(-1);
        arrive(100);
        start(g, 0, -1, true);
        assertThat(transport.wireText()).isEqualTo(HEAD + "64\r\n" + bodyText(0, 100));
        transport.completeSend();
        assertThat(transport.wireText()).as("the chunk is closed before the response waits")
                .endsWith(bodyText(0, 100) + "\r\n");
        transport.completeSend();
        assertThat(transport.sendPending()).as("waiting: nothing new").isFalse();
        assertThat(transport.deadlineNs()).as("the arrival backstop").isPositive();

        arrive(300);
        assertThat(transport.sendPending()).as("woken through the inbox, not in the writer's call").isFalse();
        assertThat(inbox.drain()).isEqualTo(1);
        assertThat(transport.wireText()).endsWith("\r\n12c\r\n" + bodyText(100, 300));
        transport.completeSend();
        transport.completeSend();
        assertThat(metrics.started).isEqualTo(1);
        assertThat(exchange.sent).isFalse();
    }

    @Test
    void aLateReaderSendsWhatIsThereAtOnceThenWaitsWithTheHeadOut() {
        GrowingObject g = begin(-1);
        start(g, 0, -1, true);
        assertThat(transport.wireText()).as("the head goes out before any byte arrived").isEqualTo(HEAD);
        transport.completeSend();
        assertThat(transport.sendPending()).isFalse();
        arrive(10);
        arrive(20);
        assertThat(inbox.drain()).as("one wake for the waiting core, however many arrivals").isEqualTo(1);
        assertThat(transport.wireText()).isEqualTo(HEAD + "1e\r\n" + bodyText(0, 30));
    }

    @Test
    void aDeclaredLengthIsSentUnframedAndEndsAtItsLastByte() {
        GrowingObject g = begin(1000);
        arrive(400);
        start(g, 100, 600, false);
        assertThat(transport.wireText()).isEqualTo(HEAD + bodyText(100, 300));
        transport.completeSend();
        arrive(600);
        inbox.drain();
        assertThat(transport.wireText()).isEqualTo(HEAD + bodyText(100, 500));
        transport.completeSend();
        assertThat(exchange.sent).as("the range is complete: the exchange is over").isTrue();
        assertThat(g.pin(0)).isTrue(); // our pin is gone, a new one is fine
        g.unpin(0);
    }

    @Test
    void aFailedUploadEndsTheResponseWithoutItsLastChunk() {
        GrowingObject g = begin(-1);
        arrive(50);
        start(g, 0, -1, true);
        transport.drainSends();
        capture.discard();
        inbox.drain();
        assertThat(exchange.failed).as("the connection closes: no terminating chunk").isTrue();
        assertThat(transport.wireText()).doesNotContain("0\r\n\r\n");
        assertThat(metrics.failed).isEqualTo(1);
        tier.shard(0).onTurnEnd();
        assertThat(tier.shard(0).blocksHeldForReaders()).isZero();
    }

    @Test
    void aReaderGoneWhileWaitingIsNotWokenAndLetsGoOfTheMemory() {
        GrowingObject g = begin(-1);
        arrive(50);
        start(g, 0, -1, true);
        transport.drainSends();
        transmitter.abandon();
        arrive(50);
        assertThat(inbox.drain()).as("no core waits any more: no wake posted").isZero();
        assertThat(g.pin(0)).as("another reader, still sending").isTrue();
        capture.discard();
        tier.shard(0).onTurnEnd();
        assertThat(tier.shard(0).blocksHeldForReaders()).as("held by the other reader only").isEqualTo(1);
        g.unpin(0);
        tier.shard(0).onTurnEnd();
        assertThat(tier.shard(0).blocksHeldForReaders()).isZero();
    }

    @Test
    void anUploadThatStopsArrivingEndsItsReadersAtTheBackstop() {
        GrowingObject g = begin(-1);
        arrive(50);
        start(g, 0, -1, true);
        transport.drainSends();
        transport.expireDeadline();
        assertThat(exchange.failed).isTrue();
        arrive(10);
        assertThat(inbox.drain()).isZero();
        assertThat(g.pin(0)).isTrue();
        g.unpin(0);
    }

    private static final class Exchange implements BodyExchange {
        boolean sent;
        boolean failed;

        @Override
        public void onBodySent() {
            sent = true;
        }

        @Override
        public void onBodyRefused() {
            throw new AssertionError("a growing body never waits for a buffer");
        }

        @Override
        public void onBodyFailed() {
            failed = true;
        }

        @Override
        public void countSent(long bytes) {
        }
    }

    private static final class Counts implements ReadWhileIngestMetrics {
        int started;
        int failed;

        @Override
        public void growingReadStarted() {
            started++;
        }

        @Override
        public void growingReadFailed() {
            failed++;
        }
    }
}
