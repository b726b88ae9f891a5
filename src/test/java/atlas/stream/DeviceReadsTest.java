package atlas.stream;

import atlas.dataplane.BufferPool;
import atlas.dataplane.FakeDisk;
import atlas.dataplane.FakeTransport;
import atlas.dataplane.IoBuffer;
import atlas.store.ObjectRecord;
import atlas.store.TestRecords;
import atlas.store.Volume;
import atlas.store.VolumeConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Per-device read slots of one core: a device at its limit makes readers wait without a buffer, hands its slot to
 * the longest waiter as a read completes, and a failed device's objects are refused before any byte (503).
 */
class DeviceReadsTest {
    private static final int BUFFER_BYTES = 64 * 1024 + IoBuffer.HEADROOM;
    private static final long STALL_NS = 30_000_000_000L;
    private static final byte[] HEAD = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;
    private Volume volume;
    private final FakeDisk disk = new FakeDisk();
    private final BufferPool pool = new BufferPool(BUFFER_BYTES, 4096, 8);
    private final BufferPool small = new BufferPool(atlas.dataplane.CoreContext.SMALL_BUFFER_BYTES, 4096, 2);

    @BeforeEach
    void openTwoDevices() throws Exception {
        List<Path> devices = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Path p = dir.resolve("dev" + i);
            try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                f.setLength(1 << 20);
            }
            devices.add(p);
        }
        volume = Volume.open(new VolumeConfig(dir.resolve("data"), 1 << 20, 1 << 20, 1 << 20).withDevices(devices));
        disk.file(new byte[200 * 1024]);
    }

    @AfterEach
    void close() throws Exception {
        volume.close();
    }

    /** One GET: its socket, its endings, its transmitter on the shared core resources. */
    private final class Get implements BodyExchange {
        final FakeTransport socket = new FakeTransport();
        final ObjectTransmitter transmitter;
        int sent;
        int unreadable;
        int status;

        Get(TransmitResources core) {
            transmitter = new ObjectTransmitter(this, core);
            socket.open(new BodySocketSide(transmitter::onSent, transmitter::onTimeout, () -> { }));
        }

        void start(ObjectRecord record) {
            ByteBuffer out = ByteBuffer.allocateDirect(4096);
            out.put(HEAD);
            assertThat(record.pin()).isTrue();
            transmitter.start(socket, out, HEAD.length, record, null);
        }

        @Override
        public void onBodySent() {
            sent++;
        }

        @Override
        public void onBodyRefused() {
        }

        @Override
        public void onBodyFailed() {
        }

        @Override
        public void onBodyUnreadable(int status, String reason) {
            unreadable++;
            this.status = status;
        }

        @Override
        public void countSent(long bytes) {
        }
    }

    private TransmitResources core(DeviceReads reads) {
        return new TransmitResources(disk, reads, pool, small, new NoStreamMetrics(), STALL_NS, null);
    }

    @Test
    void shouldMakeAReaderWaitWithoutABufferWhileItsDeviceIsAtItsLimit() {
        DeviceReads reads = new DeviceReads(volume.devices(), 1);
        TransmitResources core = core(reads);
        Get first = new Get(core);
        Get second = new Get(core);
        first.start(TestRecords.record("a.ts", 8192, 100_000, "video/mp2t"));
        second.start(TestRecords.record("b.ts", 8192, 100_000, "video/mp2t"));
        assertThat(disk.inFlight()).as("one read: the device's one slot").isEqualTo(1);
        assertThat(pool.inUse()).as("the waiter holds no buffer").isEqualTo(1);
        assertThat(reads.inFlight(0)).isEqualTo(1);
        disk.complete(); // the first's read: its slot goes straight to the waiter
        assertThat(disk.inFlight()).isEqualTo(1);
        assertThat(disk.next().completion()).isSameAs(second.transmitter);
        assertThat(reads.inFlight(0)).isEqualTo(1);
        while (disk.inFlight() > 0 || first.socket.sendPending() || second.socket.sendPending()) {
            if (disk.inFlight() > 0) {
                disk.complete();
            } else if (first.socket.sendPending()) {
                first.socket.completeSend();
            } else {
                second.socket.completeSend();
            }
        }
        assertThat(first.sent).isEqualTo(1);
        assertThat(second.sent).isEqualTo(1);
        assertThat(reads.inFlight(0)).isZero();
        assertThat(pool.inUse()).isZero();
    }

    @Test
    void shouldLetAWaiterGoWhenItsConnectionCloses() {
        DeviceReads reads = new DeviceReads(volume.devices(), 1);
        TransmitResources core = core(reads);
        Get first = new Get(core);
        Get second = new Get(core);
        first.start(TestRecords.record("a.ts", 8192, 100_000, "video/mp2t"));
        second.start(TestRecords.record("b.ts", 8192, 100_000, "video/mp2t"));
        second.transmitter.abandon();
        disk.complete();
        assertThat(disk.inFlight()).as("nobody waits any more: the first reads ahead").isEqualTo(1);
        assertThat(disk.next().completion()).isSameAs(first.transmitter);
    }

    @Test
    void shouldAnswerEveryWaiterOfADeviceThatFailsWithoutDeepRecursion() {
        DeviceReads reads = new DeviceReads(volume.devices(), 1);
        TransmitResources core = core(reads);
        Get first = new Get(core);
        first.start(TestRecords.record("a.ts", 8192, 100_000, "video/mp2t"));
        List<Get> waiting = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) { // deep enough to overflow the stack if each hand-out nested the next
            Get g = new Get(core);
            g.start(TestRecords.record("w" + i + ".ts", 8192, 100_000, "video/mp2t"));
            waiting.add(g);
        }
        volume.device(0).fail("test");
        disk.complete();
        assertThat(waiting).allSatisfy(g -> assertThat(g.status).isEqualTo(503));
        assertThat(reads.inFlight(0)).isZero();
        assertThat(pool.inUse()).as("only the first's chunk, being sent").isEqualTo(1);
    }

    @Test
    void shouldNotLimitASingleDevice() {
        DeviceReads reads = new DeviceReads(volume.devices().subList(0, 1), 1);
        TransmitResources core = core(reads);
        Get first = new Get(core);
        Get second = new Get(core);
        first.start(TestRecords.record("a.ts", 8192, 100_000, "video/mp2t"));
        second.start(TestRecords.record("b.ts", 8192, 100_000, "video/mp2t"));
        assertThat(disk.inFlight()).isEqualTo(2);
    }

    @Test
    void shouldRefuseAnObjectOfAFailedDeviceBeforeAnyByteIsSent() {
        volume.device(0).fail("test");
        Get get = new Get(core(new DeviceReads(volume.devices(), 4)));
        get.start(TestRecords.record("a.ts", 8192, 100_000, "video/mp2t"));
        assertThat(disk.inFlight()).isZero();
        assertThat(get.unreadable).isEqualTo(1);
        assertThat(get.status).isEqualTo(503);
        assertThat(get.socket.sends()).isZero();
        assertThat(pool.inUse()).isZero();
    }

    @Test
    void shouldAnswer500ForAReadErrorBeforeTheHeadWentOut() {
        Get get = new Get(core(new DeviceReads(volume.devices(), 4)));
        get.start(TestRecords.record("a.ts", 8192, 100_000, "video/mp2t"));
        disk.completeWith(-5); // EIO
        assertThat(get.unreadable).isEqualTo(1);
        assertThat(get.status).isEqualTo(500);
        assertThat(volume.device(0).readErrors()).isEqualTo(1);
        assertThat(volume.device(0).failed()).as("one bad extent is not a bad device").isFalse();
        assertThat(pool.inUse()).isZero();
    }

    private static final class NoStreamMetrics implements StreamMetrics {
        @Override
        public void diskReadStarted(int device, int bytes) {
        }

        @Override
        public void diskReadEnded(int device, long durationNs) {
        }

        @Override
        public void diskReadFailed(int device) {
        }
    }
}
