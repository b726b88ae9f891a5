package atlas.stream;

import atlas.dataplane.BufferPool;
import atlas.dataplane.FakeDisk;
import atlas.dataplane.FakeTransport;
import atlas.dataplane.IoBuffer;
import atlas.hot.HotTier;
import atlas.http.RangeSet;
import atlas.posix.Errno;
import atlas.store.ObjectRecord;
import atlas.store.TestRecords;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The read window driven turn by turn against a fake disk and a fake socket, with the clock in the test's hand:
 * what is read when, what reaches the wire, and that every buffer and the pin come back on every ending.
 */
class ObjectTransmitterTest {
    private static final int BUFFER_BYTES = 64 * 1024 + IoBuffer.HEADROOM;
    private static final long OBJECT_OFFSET = 8192;
    private static final int OBJECT_LENGTH = 150_000;
    private static final long STALL_NS = 30_000_000_000L;
    private static final byte[] HEAD = "HTTP/1.1 200 OK\r\nContent-Length: 150000\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    private final FakeDisk disk = new FakeDisk();
    private final FakeTransport socket = new FakeTransport();
    private final Endings endings = new Endings();
    private final CountingMetrics metrics = new CountingMetrics();
    private BufferPool pool;
    private final BufferPool small = new BufferPool(atlas.dataplane.CoreContext.SMALL_BUFFER_BYTES, 4096, 2);
    private ObjectTransmitter transmitter;
    private byte[] object;
    private final ByteBuffer out = ByteBuffer.allocateDirect(4096);

    @BeforeEach
    void setUp() {
        pool = new BufferPool(BUFFER_BYTES, 4096, 8);
        object = new byte[OBJECT_LENGTH];
        for (int i = 0; i < object.length; i++) {
            object[i] = (byte) (i * 7 + i / 251);
        }
        byte[] file = new byte[(int) OBJECT_OFFSET + 160 * 1024];
        System.arraycopy(object, 0, file, (int) OBJECT_OFFSET, object.length);
        disk.file(file);
        transmitter = new ObjectTransmitter(endings, new TransmitResources(disk, DeviceReads.single(3), pool, small, metrics, STALL_NS, null));
        socket.open(new BodySocketSide(() -> transmitter.onSent(), () -> transmitter.onTimeout(), () -> { }));
    }

    private ObjectRecord pinnedRecord() {
        ObjectRecord r = TestRecords.record("vod/seg1.ts", OBJECT_OFFSET, OBJECT_LENGTH, "video/mp2t");
        assertThat(r.pin()).isTrue();
        return r;
    }

    private void startWholeObject(ObjectRecord record) {
        out.clear().put(HEAD);
        transmitter.start(socket, out, HEAD.length, record, null);
    }

    @Test
    void shouldSendTheHeadAndTheWholeObjectReadChunkByChunk() {
        startWholeObject(pinnedRecord());
        assertThat(disk.inFlight()).as("one read to start").isEqualTo(1);
        assertThat(disk.next().fileOffset()).isEqualTo(OBJECT_OFFSET);
        while (disk.inFlight() > 0 || socket.sendPending()) {
            if (disk.inFlight() > 0) {
                disk.complete();
            } else {
                socket.completeSend();
            }
        }
        byte[] wire = socket.wireBytes();
        assertThat(Arrays.copyOf(wire, HEAD.length)).isEqualTo(HEAD);
        assertThat(Arrays.copyOfRange(wire, HEAD.length, wire.length)).isEqualTo(object);
        assertThat(endings.sent).isEqualTo(1);
        assertThat(endings.refused + endings.failed).isZero();
        assertThat(endings.bytes).isEqualTo(wire.length);
        assertThat(pool.inUse()).as("every window buffer back").isZero();
        assertThat(transmitter.isActive()).isFalse();
        assertThat(metrics.started).isEqualTo(metrics.ended).isEqualTo(3);
    }

    @Test
    void shouldReadAheadIntoTheSecondBufferButNotBeyondUntilASendCompletes() {
        startWholeObject(pinnedRecord());
        disk.complete();
        assertThat(socket.sendPending()).as("head and first chunk in one send").isTrue();
        assertThat(socket.sends()).isEqualTo(1);
        assertThat(disk.inFlight()).as("the next chunk is read while the first is sent").isEqualTo(1);
        disk.complete();
        assertThat(disk.inFlight()).as("window full: the socket clocks the disk").isZero();
        assertThat(pool.inUse()).isEqualTo(2);
        socket.completeSend();
        assertThat(socket.sends()).as("the chunk read ahead goes out at once").isEqualTo(2);
        assertThat(disk.inFlight()).as("the freed buffer takes the next read").isEqualTo(1);
    }

    @Test
    void shouldReadNoMoreThanTheCongestionWindowPerChunk() {
        socket.congestionWindowBytes = 10_000;
        startWholeObject(pinnedRecord());
        assertThat(disk.next().length()).as("small window: the minimum read").isEqualTo(ObjectTransmitter.MIN_READ_BYTES);
    }

    @Test
    void shouldFrameSeveralRangesAsMultipartByteranges() {
        RangeSet ranges = new RangeSet(ObjectTransmitter.MAX_RANGES);
        ByteBuffer header = ByteBuffer.wrap("bytes=0-9,100000-100099".getBytes(StandardCharsets.US_ASCII));
        assertThat(ranges.parse(header, 0, header.limit(), OBJECT_LENGTH)).isEqualTo(RangeSet.SATISFIABLE);
        out.clear().put(HEAD);
        transmitter.start(socket, out, HEAD.length, pinnedRecord(), ranges);
        while (disk.inFlight() > 0 || socket.sendPending()) {
            if (disk.inFlight() > 0) {
                disk.complete();
            } else {
                socket.completeSend();
            }
        }
        String body = socket.wireText().substring(HEAD.length);
        assertThat(body).startsWith("--atlas")
                .contains("Content-Type: video/mp2t\r\nContent-Range: bytes 0-9/150000\r\n\r\n"
                        + new String(object, 0, 10, StandardCharsets.ISO_8859_1) + "\r\n--atlas")
                .contains("Content-Range: bytes 100000-100099/150000\r\n\r\n"
                        + new String(object, 100000, 100, StandardCharsets.ISO_8859_1))
                .endsWith("--\r\n");
        assertThat(body.length()).isEqualTo(MultipartFraming.bodyLength(ranges, "video/mp2t", OBJECT_LENGTH));
        assertThat(endings.sent).isEqualTo(1);
        assertThat(pool.inUse()).isZero();
    }

    @Test
    void shouldAnswerBusyWhenNoBufferFreesBeforeTheDeadline() {
        BufferPool tiny = new BufferPool(BUFFER_BYTES, 4096, 1);
        IoBuffer taken = tiny.acquire();
        transmitter = new ObjectTransmitter(endings, new TransmitResources(disk, DeviceReads.single(3), tiny, small, metrics, STALL_NS, null));
        startWholeObject(pinnedRecord());
        assertThat(tiny.waiting()).isEqualTo(1);
        assertThat(socket.deadlineNs()).isEqualTo(socket.nowNs() + STALL_NS);
        socket.expireDeadline();
        assertThat(endings.refused).isEqualTo(1);
        assertThat(tiny.waiting()).as("no longer queued for a buffer").isZero();
        assertThat(socket.sends()).as("nothing of the void head was sent").isZero();
        tiny.release(taken);
        assertThat(tiny.inUse()).isZero();
    }

    @Test
    void shouldStartOnceABufferComesBack() {
        BufferPool tiny = new BufferPool(BUFFER_BYTES, 4096, 1);
        IoBuffer taken = tiny.acquire();
        transmitter = new ObjectTransmitter(endings, new TransmitResources(disk, DeviceReads.single(3), tiny, small, metrics, STALL_NS, null));
        startWholeObject(pinnedRecord());
        assertThat(disk.inFlight()).isZero();
        tiny.release(taken);
        assertThat(disk.inFlight()).as("granted, not handed over inside the release").isZero();
        tiny.deliverGranted();
        assertThat(disk.inFlight()).as("the released buffer went to the waiting body").isEqualTo(1);
        assertThat(socket.deadlineNs()).as("no longer waiting").isZero();
    }

    @Test
    void shouldKeepABufferUnderAnAbandonedReadUntilTheReadCompletes() {
        ObjectRecord record = pinnedRecord();
        startWholeObject(record);
        transmitter.abandon();
        assertThat(pool.inUse()).as("the disk is still writing into it").isEqualTo(1);
        disk.complete();
        assertThat(pool.inUse()).isZero();
        assertThat(socket.sends()).isZero();
        assertThat(endings.sent + endings.failed + endings.refused).as("nobody to tell").isZero();
        assertThat(record.pin()).as("the pin was given back: a retire would reclaim").isTrue();
    }

    @Test
    void shouldFailTheBodyOnAShortOrFailedRead() {
        startWholeObject(pinnedRecord());
        disk.completeWith(-Errno.EIO);
        assertThat(endings.failed).isEqualTo(1);
        assertThat(metrics.failed).isEqualTo(1);
        assertThat(pool.inUse()).isZero();
        assertThat(socket.sends()).as("the head is not sent without its body").isZero();
    }

    @Test
    void shouldDropAClientThatAcceptsNothingForTheSendTimeout() {
        startWholeObject(pinnedRecord());
        disk.complete();
        assertThat(socket.deadlineNs()).isEqualTo(socket.nowNs() + STALL_NS);
        socket.advance(STALL_NS / 2);
        disk.complete();
        socket.expireDeadline();
        assertThat(endings.failed).isEqualTo(1);
        assertThat(pool.inUse()).as("the read-ahead buffer is back; the one under the send is the kernel's")
                .isEqualTo(1);
        transmitter.abandon(); // the engine's close completed: the send is over
        assertThat(pool.inUse()).isZero();
    }

    @Test
    void aSmallBodyTakesASmallBufferNotAWindowBuffer() {
        ObjectRecord playlist = TestRecords.record("live/index.m3u8", OBJECT_OFFSET, 1000, "application/vnd.apple.mpegurl");
        assertThat(playlist.pin()).isTrue();
        out.clear().put(HEAD);
        transmitter.start(socket, out, HEAD.length, playlist, null);
        assertThat(small.inUse()).isEqualTo(1);
        assertThat(pool.inUse()).as("no 256 KiB-class buffer for 1000 bytes").isZero();
        assertThat(disk.next().length()).isEqualTo(4096);
        disk.complete();
        socket.completeSend();
        assertThat(endings.sent).isEqualTo(1);
        assertThat(small.inUse()).isZero();
        byte[] wire = socket.wireBytes();
        assertThat(Arrays.copyOfRange(wire, HEAD.length, wire.length)).isEqualTo(Arrays.copyOf(object, 1000));
    }

    @Test
    void withNoSmallBufferFreeASmallBodyUsesTheWindowPool() {
        IoBuffer a = small.acquire();
        IoBuffer b = small.acquire();
        ObjectRecord playlist = TestRecords.record("live/index.m3u8", OBJECT_OFFSET, 1000, "application/vnd.apple.mpegurl");
        assertThat(playlist.pin()).isTrue();
        out.clear().put(HEAD);
        transmitter.start(socket, out, HEAD.length, playlist, null);
        assertThat(pool.inUse()).isEqualTo(1);
        disk.complete();
        socket.completeSend();
        assertThat(pool.inUse()).isZero();
        small.release(a);
        small.release(b);
    }

    // ---------------------------------------------------------------- with the hot tier

    /** A transmitter over 256 KiB buffers (a whole chunk fits one read) and a two-core tier; core 0's shard. */
    private HotTier hotTransmitter() {
        HotTier tier = HotTier.create(8L * HotTier.CHUNK_BYTES, 2, java.util.List.of());
        pool = new BufferPool(256 * 1024 + IoBuffer.HEADROOM, 4096, 8);
        transmitter = new ObjectTransmitter(endings, new TransmitResources(disk, DeviceReads.single(3), pool, small, metrics, STALL_NS,
                tier.shard(0)));
        return tier;
    }

    /** One whole GET (or of {@code ranges}) run to its end; returns the body bytes on the wire. */
    private byte[] get(ObjectRecord record, RangeSet ranges) {
        int before = socket.wireBytes().length;
        assertThat(record.pin()).isTrue();
        out.clear().put(HEAD);
        transmitter.start(socket, out, HEAD.length, record, ranges);
        while (disk.inFlight() > 0 || socket.sendPending()) {
            if (disk.inFlight() > 0) {
                disk.complete();
            } else {
                socket.completeSend();
            }
        }
        byte[] wire = socket.wireBytes();
        assertThat(Arrays.copyOfRange(wire, before, before + HEAD.length)).isEqualTo(HEAD);
        return Arrays.copyOfRange(wire, before + HEAD.length, wire.length);
    }

    private static RangeSet ranges(String spec) {
        RangeSet ranges = new RangeSet(ObjectTransmitter.MAX_RANGES);
        ByteBuffer header = ByteBuffer.wrap(spec.getBytes(StandardCharsets.US_ASCII));
        assertThat(ranges.parse(header, 0, header.limit(), OBJECT_LENGTH)).isEqualTo(RangeSet.SATISFIABLE);
        return ranges;
    }

    @Test
    void aSecondGetOffersTheChunksItReadAndTheThirdIsSentFromMemoryWithNoRead() {
        try (HotTier tier = hotTransmitter()) {
            ObjectRecord record = TestRecords.record("live/seg1.m4s", OBJECT_OFFSET, OBJECT_LENGTH, "video/mp4");
            assertThat(get(record, null)).isEqualTo(object);
            assertThat(tier.bytesHeld()).as("asked for once: not admitted").isZero();
            int readsBefore = disk.submitted().size();
            assertThat(get(record, null)).isEqualTo(object);
            assertThat(disk.submitted().subList(readsBefore, disk.submitted().size()))
                    .extracting(FakeDisk.Request::length).as("one read as without the tier; both chunks offered")
                    .containsExactly(151_552); // 150 000 bytes, block-rounded
            assertThat(tier.bytesHeld()).isEqualTo(OBJECT_LENGTH);
            int reads = disk.submitted().size();
            int shared = socket.sharedSends();
            assertThat(get(record, null)).isEqualTo(object);
            assertThat(disk.submitted()).as("a hit reads nothing").hasSize(reads);
            assertThat(socket.sharedSends() - shared).as("head + chunk 0, then chunk 1, from the tier").isEqualTo(2);
            assertThat(endings.sent).isEqualTo(3);
            assertThat(pool.inUse()).as("a hit takes no window buffer").isZero();
        }
    }

    @Test
    void aPopularRangeInsideAChunkIsReadFromTheChunkStartSoTheChunkCanBeKept() {
        try (HotTier tier = hotTransmitter()) {
            ObjectRecord record = TestRecords.record("vod/seg5.ts", OBJECT_OFFSET, OBJECT_LENGTH, "video/mp2t");
            get(record, ranges("bytes=140000-140099"));
            int reads = disk.submitted().size();
            assertThat(get(record, ranges("bytes=140000-140099")))
                    .isEqualTo(Arrays.copyOfRange(object, 140000, 140100));
            FakeDisk.Request read = disk.submitted().get(reads);
            assertThat(read.fileOffset()).as("from chunk 1's start").isEqualTo(OBJECT_OFFSET + HotTier.CHUNK_BYTES);
            assertThat(tier.bytesHeld()).isEqualTo(OBJECT_LENGTH - HotTier.CHUNK_BYTES);
            assertThat(get(record, ranges("bytes=140000-140099")))
                    .isEqualTo(Arrays.copyOfRange(object, 140000, 140100));
            assertThat(disk.submitted()).hasSize(reads + 1);
        }
    }

    @Test
    void rangesAndMultipartFromTheTierAreByteExact() {
        try (HotTier tier = hotTransmitter()) {
            ObjectRecord record = TestRecords.record("live/seg2.m4s", OBJECT_OFFSET, OBJECT_LENGTH, "video/mp4");
            get(record, null);
            get(record, null);
            int reads = disk.submitted().size();
            assertThat(get(record, ranges("bytes=100000-100099")))
                    .isEqualTo(Arrays.copyOfRange(object, 100000, 100100));
            String body = new String(get(record, ranges("bytes=0-9,131000-131099")), StandardCharsets.ISO_8859_1);
            assertThat(body).contains("Content-Range: bytes 0-9/150000\r\n\r\n"
                            + new String(object, 0, 10, StandardCharsets.ISO_8859_1) + "\r\n--atlas")
                    .contains("Content-Range: bytes 131000-131099/150000\r\n\r\n"
                            + new String(object, 131000, 100, StandardCharsets.ISO_8859_1))
                    .endsWith("--\r\n");
            assertThat(disk.submitted()).as("all from memory").hasSize(reads);
            assertThat(tier.bytesHeld()).isEqualTo(OBJECT_LENGTH);
        }
    }

    @Test
    void aHotChunkThenAColdOneLeaveInOrder() {
        try (HotTier tier = hotTransmitter()) {
            ObjectRecord record = TestRecords.record("vod/seg3.ts", OBJECT_OFFSET, OBJECT_LENGTH, "video/mp2t");
            get(record, ranges("bytes=0-99"));
            get(record, ranges("bytes=0-99")); // chunk 0 is now popular and admitted; chunk 1 never asked for
            assertThat(tier.bytesHeld()).isEqualTo(HotTier.CHUNK_BYTES);
            int reads = disk.submitted().size();
            assertThat(get(record, null)).isEqualTo(object);
            assertThat(disk.submitted()).as("only chunk 1 from flash").hasSize(reads + 1);
            assertThat(disk.submitted().get(reads).fileOffset()).isEqualTo(OBJECT_OFFSET + HotTier.CHUNK_BYTES);
            assertThat(pool.inUse()).isZero();
        }
    }

    @Test
    void aClientGoneDuringAHotSendGivesThePinBack() {
        try (HotTier tier = hotTransmitter()) {
            ObjectRecord record = TestRecords.record("live/seg4.m4s", OBJECT_OFFSET, OBJECT_LENGTH, "video/mp4");
            get(record, null);
            get(record, null);
            assertThat(record.pin()).isTrue();
            out.clear().put(HEAD);
            transmitter.start(socket, out, HEAD.length, record, null);
            assertThat(socket.sendPending()).isTrue();
            socket.expireDeadline(); // the client accepts nothing: the body fails, the send is still the kernel's
            assertThat(endings.failed).isEqualTo(1);
            transmitter.abandon(); // the engine closed the connection
            socket.finishClose();
            // With every pin gone, replacing the record lets its chunks go: nothing stays retiring.
            atlas.store.TestRecords.retire(record);
            for (int f = 0; f < 3; f++) { // more than the shard holds: the replaced record's chunk 0 goes first
                ObjectRecord filler = TestRecords.record("filler" + f, OBJECT_OFFSET, OBJECT_LENGTH, "video/mp4");
                for (int i = 0; i < 3; i++) {
                    get(filler, null);
                }
            }
            tier.shard(0).onTurnEnd();
            assertThat(tier.shard(0).evictions()).isGreaterThanOrEqualTo(1);
            assertThat(tier.shard(0).retiringChunks()).as("no pin left behind").isZero();
        }
    }

    private static final class Endings implements BodyExchange {
        int sent;
        int refused;
        int failed;
        long bytes;

        @Override
        public void onBodySent() {
            sent++;
        }

        @Override
        public void onBodyRefused() {
            refused++;
        }

        @Override
        public void onBodyFailed() {
            failed++;
        }

        @Override
        public void countSent(long n) {
            bytes += n;
        }
    }

    private static final class CountingMetrics implements StreamMetrics {
        int started;
        int ended;
        int failed;

        @Override
        public void diskReadStarted(int device, int bytes) {
            started++;
        }

        @Override
        public void diskReadEnded(int device, long durationNs) {
            ended++;
        }

        @Override
        public void diskReadFailed(int device) {
            failed++;
        }
    }
}
