package atlas.ingest;

import atlas.dataplane.BufferPool;
import atlas.dataplane.ByteBufferStock;
import atlas.dataplane.CoreInbox;
import atlas.dataplane.FakeDisk;
import atlas.dataplane.FakeTransport;
import atlas.dataplane.IoBuffer;
import atlas.dataplane.LoopClock;
import atlas.dataplane.Transport;
import atlas.hot.HotChunk;
import atlas.hot.HotShard;
import atlas.hot.GrowingObject;
import atlas.hot.GrowingObjects;
import atlas.hot.HotTier;
import atlas.http.ReceiveBuffer;
import atlas.http.RequestHead;
import atlas.http.RequestParser;
import atlas.store.Journal;
import atlas.store.ObjectKey;
import atlas.store.ObjectRecord;
import atlas.store.Volume;
import atlas.store.VolumeConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One upload driven against a fake socket and a fake disk, with the group commit's turn ends in the test's hand:
 * where the body lands, when the client is answered, and what the upload still holds when it is abandoned.
 */
class ObjectUploadTest {
    private static final long B = Volume.BLOCK_SIZE;

    @TempDir
    Path dir;
    private Volume volume;
    private Journal journal;
    private final FakeDisk disk = new FakeDisk();
    private final LoopClock clock = new LoopClock();
    private final CoreInbox inbox = new CoreInbox();
    private final atlas.live.PlaylistBoard playlists = new atlas.live.PlaylistBoard();
    private final Exchange exchange = new Exchange();
    private BufferPool pool;
    private GroupCommit commit;
    private ObjectUpload upload;

    @BeforeEach
    void setUp() throws Exception {
        // 64 blocks now, growing in 64-block steps: a body larger than that must wait for the data file to grow.
        volume = Volume.open(new VolumeConfig(dir, 64 * B, 64 * B, 16384 * B));
        journal = volume.journal(0);
        pool = new BufferPool(64 * 1024 + IoBuffer.HEADROOM, 4096, 4);
        commit = new GroupCommit(journal, new int[]{volume.device(0).lazyWriteFd()}, disk, new NoMetrics(), clock);
        upload = new ObjectUpload(exchange, new UploadResources(volume, commit, disk, pool, new NoMetrics(), clock,
                inbox, 1L << 30, 10_000_000_000L, null, playlists));
        exchange.socket.open(new atlas.dataplane.TransportHandler<Transport>() {
            @Override
            public void onOpen(Transport t) {
            }

            @Override
            public void onReceived(int bytes) {
                upload.onReceived(bytes);
            }

            @Override
            public void onSent(int bytes) {
            }

            @Override
            public void onTimeout() {
                upload.onTimeout();
            }

            @Override
            public void onDrain() {
            }

            @Override
            public void onClosed() {
                upload.abandon();
            }
        });
        exchange.received.open();
    }

    @AfterEach
    void tearDown() throws Exception {
        journal.close();
        volume.close();
    }

    /** Parses {@code headText} as if it had just arrived, with {@code bodyStart} right behind it. */
    private RequestHead head(String headText, byte[] bodyStart) {
        byte[] head = headText.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer buffer = exchange.received.buffer();
        buffer.put(0, head).put(head.length, bodyStart);
        exchange.received.received(head.length + bodyStart.length);
        RequestHead h = new RequestHead();
        int consumed = new RequestParser(atlas.http.HttpLimits.DEFAULTS).parse(buffer, 0, head.length + bodyStart.length, h);
        assertThat(consumed).isEqualTo(head.length);
        exchange.received.consume(consumed);
        return h;
    }

    private static byte[] body(int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 13 + 5);
        }
        return b;
    }

    private void commitTurns() {
        for (int i = 0; i < 100 && exchange.stored == null && exchange.failedStatus == 0; i++) {
            commit.onTurnEnd();
            if (disk.inFlight() > 0) {
                disk.complete();
            }
        }
    }

    @Test
    void shouldLandTheBodyInItsExtentAndAnswerOnceDurable() {
        byte[] content = body(150_000);
        RequestHead h = head("PUT /vod/x.ts HTTP/1.1\r\nHost: t\r\nContent-Length: 150000\r\n\r\n",
                Arrays.copyOf(content, 1000));
        upload.begin(h, ObjectKey.of("vod/x.ts"), false);
        int at = 1000;
        while (at < content.length) {
            if (exchange.socket.receivePending()) {
                at += exchange.socket.deliver(Arrays.copyOfRange(content, at, content.length));
            } else {
                disk.complete(); // a full buffer's durable write; the next receive follows it
            }
        }
        assertThat(exchange.stored).as("not before the commit").isNull();
        assertThat(exchange.bodyConsumed).isTrue();
        commitTurns();
        assertThat(exchange.stored).isNotNull();
        assertThat(exchange.created).isTrue();
        ObjectRecord r = volume.lookup("vod/x.ts");
        assertThat(r).isNotNull();
        assertThat(r.length()).isEqualTo(content.length);
        byte[] landed = Arrays.copyOfRange(disk.file(), (int) r.offsetBytes(), (int) r.offsetBytes() + content.length);
        assertThat(landed).as("the bytes written to the extent").isEqualTo(content);
        assertThat(pool.inUse()).isZero();
    }

    /** The same upload with a hot tier whose live rule covers {@code live/}: the body is in memory at the ack. */
    @Test
    void aLiveRuleBodyIsInTheHotTierFromItsAcknowledgementOn() {
        uploadWithLiveRule("live/ch1/seg7.m4s");
    }

    @Test
    void aBodyOutsideTheLiveRuleStaysOutOfTheTier() {
        uploadWithLiveRule("vod/y.ts");
    }

    /** The upload under test, now with {@code tier}'s shard; the tier's uploads readable while arriving. */
    private GrowingObjects liveUploadInto(HotTier tier) {
        tier.growingObjects().register(0, inbox);
        upload = new ObjectUpload(exchange, new UploadResources(volume, commit, disk, pool, new NoMetrics(),
                clock, inbox, 1L << 30, 10_000_000_000L, tier.shard(0), playlists));
        return tier.growingObjects();
    }

    private void uploadWithLiveRule(String name) {
        try (HotTier tier = HotTier.create(8L * HotTier.CHUNK_BYTES, 1, java.util.List.of("live/"))) {
            liveUploadInto(tier);
            byte[] content = body(150_000);
            RequestHead h = head("PUT /" + name + " HTTP/1.1\r\nHost: t\r\nContent-Length: 150000\r\n\r\n",
                    Arrays.copyOf(content, 1000));
            upload.begin(h, ObjectKey.of(name), false);
            int at = 1000;
            while (at < content.length) {
                if (exchange.socket.receivePending()) {
                    at += exchange.socket.deliver(Arrays.copyOfRange(content, at, content.length));
                } else {
                    disk.complete();
                }
            }
            commitTurns();
            ObjectRecord r = exchange.stored;
            assertThat(r).isNotNull();
            boolean live = name.startsWith("live/");
            HotShard shard = tier.shard(0);
            assertThat(shard.holds(r, 0)).as(name + " chunk 0 in memory").isEqualTo(live);
            assertThat(shard.holds(r, 1)).as(name + " chunk 1 in memory").isEqualTo(live);
            assertThat(tier.bytesHeld()).isEqualTo(live ? 150_000 : 0);
            if (live) {
                byte[] fromTier = new byte[content.length];
                for (int c = 0; c < 2; c++) {
                    HotChunk chunk = shard.pin(r, c, true);
                    java.lang.foreign.MemorySegment.copy(chunk.bytes(), java.lang.foreign.ValueLayout.JAVA_BYTE,
                            0, fromTier, c * HotTier.CHUNK_BYTES, chunk.length());
                    shard.unpin(chunk);
                }
                assertThat(fromTier).as("the received bytes, not a re-read").isEqualTo(content);
            }
            assertThat(pool.inUse()).isZero();
        }
    }

    /**
     * Read while ingest: every received byte of a live segment is readable before the upload is durable, a waiting
     * reader is told through its core's inbox as bytes come, and the commit ends the growing view.
     */
    @Test
    void aLiveSegmentIsReadableWhileItArrives() {
        try (HotTier tier = HotTier.create(8L * HotTier.CHUNK_BYTES, 1, java.util.List.of("live/"))) {
            GrowingObjects growing = liveUploadInto(tier);
            byte[] content = body(300_000);
            RequestHead h = head("PUT /live/a/seg1.m4s HTTP/1.1\r\nHost: t\r\nContent-Length: 300000\r\n\r\n",
                    Arrays.copyOf(content, 1000));
            upload.begin(h, ObjectKey.of("live/a/seg1.m4s"), false);
            while (!exchange.socket.receivePending()) {
                inbox.drain(); // the extent may need the data file to grow first
            }
            GrowingObject g = growing.find(ObjectKey.of("live/a/seg1.m4s"));
            assertThat(g).as("readable from its first bytes").isNotNull();
            assertThat(g.declaredLength()).isEqualTo(300_000);
            assertThat(g.visibleBytes()).isEqualTo(1000);
            assertThat(readVisible(g)).isEqualTo(Arrays.copyOf(content, 1000));
            int[] told = {0};
            assertThat(g.pin(0)).isTrue();
            assertThat(g.await(0, () -> told[0]++, g.visibleBytes())).isTrue();
            exchange.socket.deliver(Arrays.copyOfRange(content, 1000, 5000));
            assertThat(g.visibleBytes()).as("before any disk write completed").isEqualTo(5000);
            assertThat(inbox.drain()).isEqualTo(1);
            assertThat(told[0]).as("the waiting reader is woken once").isEqualTo(1);
            assertThat(g.await(0, () -> told[0]++, 1000)).as("nothing is missed between look and wait").isFalse();
            int at = 5000;
            while (at < content.length) {
                if (exchange.socket.receivePending()) {
                    at += exchange.socket.deliver(Arrays.copyOfRange(content, at, content.length));
                } else {
                    disk.complete();
                }
            }
            assertThat(readVisible(g)).isEqualTo(content);
            assertThat(g.state()).as("not yet durable").isEqualTo(GrowingObject.GROWING);
            commitTurns();
            assertThat(exchange.stored).isNotNull();
            assertThat(g.state()).isEqualTo(GrowingObject.COMPLETE);
            assertThat(growing.find(ObjectKey.of("live/a/seg1.m4s"))).as("the index has it now").isNull();
            assertThat(readVisible(g)).as("a reader that started on it finishes it").isEqualTo(content);
            g.unpin(0);
            assertThat(tier.shard(0).holds(exchange.stored, 1)).isTrue();
        }
    }

    /** A live upload whose client goes mid-body: readers see it failed; its memory waits for them, then is freed. */
    @Test
    void aFailedLiveUploadEndsItsReadersAndFreesItsMemoryWhenTheyLetGo() {
        try (HotTier tier = HotTier.create(8L * HotTier.CHUNK_BYTES, 1, java.util.List.of("live/"))) {
            GrowingObjects growing = liveUploadInto(tier);
            RequestHead h = head("PUT /live/a/seg2.m4s HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n",
                    "10\r\n0123456789abcdef\r\n".getBytes(StandardCharsets.US_ASCII));
            upload.begin(h, ObjectKey.of("live/a/seg2.m4s"), false);
            while (!exchange.socket.receivePending()) {
                inbox.drain(); // the chunked reserve may need the data file to grow first
                commit.onTurnEnd();
            }
            GrowingObject g = growing.find(ObjectKey.of("live/a/seg2.m4s"));
            assertThat(g).isNotNull();
            assertThat(g.declaredLength()).as("chunked: unknown until the end").isEqualTo(-1);
            assertThat(new String(readVisible(g), StandardCharsets.US_ASCII)).isEqualTo("0123456789abcdef");
            assertThat(g.pin(0)).isTrue();
            exchange.socket.deliverEof();
            upload.abandon();
            assertThat(g.state()).isEqualTo(GrowingObject.FAILED);
            assertThat(growing.find(ObjectKey.of("live/a/seg2.m4s"))).isNull();
            assertThat(g.pin(0)).as("no new reader of a failed upload").isFalse();
            tier.shard(0).onTurnEnd();
            assertThat(tier.shard(0).blocksHeldForReaders()).as("held while a reader sends from it").isEqualTo(1);
            g.unpin(0);
            tier.shard(0).onTurnEnd();
            assertThat(tier.shard(0).blocksHeldForReaders()).isZero();
            assertThat(volume.lookup("live/a/seg2.m4s")).as("nothing stored").isNull();
        }
    }

    private static byte[] readVisible(GrowingObject g) {
        byte[] b = new byte[(int) g.visibleBytes()];
        for (int at = 0; at < b.length; ) {
            int span = at / HotTier.CHUNK_BYTES;
            int n = Math.min(b.length - at, HotTier.CHUNK_BYTES);
            java.lang.foreign.MemorySegment.copy(g.span(span), java.lang.foreign.ValueLayout.JAVA_BYTE, 0, b, at, n);
            at += n;
        }
        return b;
    }

    @Test
    void shouldWaitForTheDataFileToGrowWithoutBlockingTheCore() throws Exception {
        byte[] content = body(100);
        long big = 200 * B; // more than is free: growth needed
        RequestHead h = head("PUT /big HTTP/1.1\r\nHost: t\r\nContent-Length: " + big + "\r\n\r\n", content);
        upload.begin(h, ObjectKey.of("big"), false);
        assertThat(exchange.socket.receivePending()).as("nothing received before the extent exists").isFalse();
        assertThat(pool.inUse()).isZero();
        // The grower thread grows the file and posts the answer to the core's inbox; wait for that post.
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (inbox.drain() == 0) {
            assertThat(System.nanoTime()).as("the grower answers").isLessThan(until);
            Thread.onSpinWait();
        }
        assertThat(exchange.failedStatus).isZero();
        assertThat(pool.inUse()).as("the body is being taken now").isEqualTo(1);
    }

    @Test
    void shouldMoveAChunkedBodyThatOutgrowsItsReserveToALargerExtentWithRingWork() throws Exception {
        byte[] content = body((int) ObjectUpload.CHUNKED_RESERVE_BYTES + 100_000);
        java.io.ByteArrayOutputStream framed = new java.io.ByteArrayOutputStream();
        for (int at = 0; at < content.length; at += 30_000) {
            int n = Math.min(30_000, content.length - at);
            framed.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            framed.write(content, at, n);
            framed.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        framed.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] wire = framed.toByteArray();
        RequestHead h = head("PUT /live/long.mp4 HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n",
                new byte[0]);
        upload.begin(h, ObjectKey.of("live/long.mp4"), false);
        int at = 0;
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int copies = 0;
        while (exchange.stored == null && exchange.failedStatus == 0) {
            assertThat(System.nanoTime()).as("the upload finishes").isLessThan(until);
            if (exchange.socket.receivePending() && at < wire.length) {
                at += exchange.socket.deliver(Arrays.copyOfRange(wire, at, Math.min(wire.length, at + 65536)));
            } else if (disk.inFlight() > 0) {
                if (disk.next().kind() == FakeDisk.Kind.READ) {
                    copies++; // the growth reads what was written so far back from the old extent
                }
                disk.complete();
            } else if (inbox.drain() == 0) {
                commit.onTurnEnd(); // and let the volume's grower answer an allocation meanwhile
                Thread.onSpinWait();
            }
        }
        assertThat(exchange.failedStatus).isZero();
        assertThat(copies).as("the first 16 MiB were copied by disk reads, not on the core thread").isPositive();
        ObjectRecord r = volume.lookup("live/long.mp4");
        assertThat(r.length()).isEqualTo(content.length);
        byte[] landed = Arrays.copyOfRange(disk.file(), (int) r.offsetBytes(), (int) r.offsetBytes() + content.length);
        assertThat(landed).as("every byte in the grown extent, in order").isEqualTo(content);
        assertThat(pool.inUse()).isZero();
    }

    /** RFC 9112 §7.1: a chunked body framed with a bare LF is refused (400, the connection then closes). */
    @Test
    void shouldRefuseAChunkedBodyFramedWithABareLineFeedAndStoreNothing() {
        byte[] wire = "3\nabc\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        RequestHead h = head("PUT /live/lf.ts HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n",
                new byte[0]);
        upload.begin(h, ObjectKey.of("live/lf.ts"), false);
        boolean delivered = false;
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (exchange.stored == null && exchange.failedStatus == 0) {
            assertThat(System.nanoTime()).as("the upload is answered").isLessThan(until);
            if (exchange.socket.receivePending() && !delivered) {
                exchange.socket.deliver(wire);
                delivered = true;
            } else if (disk.inFlight() > 0) {
                disk.complete();
            } else if (inbox.drain() == 0) {
                commit.onTurnEnd(); // the chunked reserve makes the data file grow first, answered via the inbox
                Thread.onSpinWait();
            }
        }
        assertThat(exchange.failedStatus).isEqualTo(400);
        assertThat(exchange.stored).isNull();
        assertThat(volume.lookup("live/lf.ts")).isNull();
        assertThat(pool.inUse()).isZero();
    }

    @Test
    void shouldGiveBackTheBufferAndExtentOnlyWhenAnAbandonedWriteCompletes() {
        byte[] content = body(70_000);
        long free = volume.freeBytes();
        RequestHead h = head("PUT /slow HTTP/1.1\r\nHost: t\r\nContent-Length: 70000\r\n\r\n", new byte[0]);
        upload.begin(h, ObjectKey.of("slow"), false);
        exchange.socket.deliver(Arrays.copyOf(content, 64 * 1024));
        assertThat(disk.next().kind()).isEqualTo(FakeDisk.Kind.WRITE_DURABLE);
        exchange.socket.close();
        exchange.socket.finishClose();
        assertThat(pool.inUse()).as("the disk still reads the buffer").isEqualTo(1);
        assertThat(volume.freeBytes()).as("nor is the extent free while written").isLessThan(free);
        disk.complete();
        assertThat(pool.inUse()).isZero();
        assertThat(volume.freeBytes()).isEqualTo(free);
        assertThat(exchange.stored).isNull();
    }

    @Test
    void shouldAnswerStalledBodiesWith408AndKeepTheBufferForTheClose() {
        RequestHead h = head("PUT /stall HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n", new byte[10]);
        upload.begin(h, ObjectKey.of("stall"), false);
        exchange.socket.expireDeadline();
        assertThat(exchange.failedStatus).isEqualTo(408);
        assertThat(pool.inUse()).as("a receive may still be in the kernel").isEqualTo(1);
        exchange.socket.finishClose();
        assertThat(pool.inUse()).isZero();
    }

    private final class Exchange implements UploadExchange {
        final FakeTransport socket = new FakeTransport(clock);
        final ReceiveBuffer received = new ReceiveBuffer(new ByteBufferStock(16 * 1024, 4),
                new ByteBufferStock(32 * 1024, 4));
        ObjectRecord stored;
        boolean created;
        boolean bodyConsumed;
        int failedStatus;

        @Override
        public Transport transport() {
            return socket;
        }

        @Override
        public ReceiveBuffer received() {
            return received;
        }

        @Override
        public void sendContinue() {
            throw new AssertionError("no 100 Continue expected");
        }

        @Override
        public void onBodyConsumed() {
            bodyConsumed = true;
        }

        @Override
        public void onStored(boolean created, ObjectRecord record) {
            this.created = created;
            this.stored = record;
        }

        @Override
        public void onDeleted() {
        }

        @Override
        public void onUploadFailed(int status, String detail) {
            failedStatus = status;
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    private static final class NoMetrics implements IngestMetrics {
        @Override
        public void groupCommitted(int entries) {
        }

        @Override
        public void commitFailed() {
        }

        @Override
        public void inlineCommitted() {
        }

        @Override
        public void dataSyncStarted() {
        }

        @Override
        public void diskError() {
        }

        @Override
        public void diskWritten(DiskWrite kind, long durationNs) {
        }
    }
}
