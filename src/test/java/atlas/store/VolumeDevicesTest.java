package atlas.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static atlas.store.StoreTestSupport.B;
import static atlas.store.StoreTestSupport.bytes;
import static atlas.store.StoreTestSupport.deviceConfig;
import static atlas.store.StoreTestSupport.get;
import static atlas.store.StoreTestSupport.put;
import static atlas.store.StoreTestSupport.smallConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A volume over several devices (preallocated files here; the loop-device ITs do block devices). */
class VolumeDevicesTest {
    @TempDir
    Path dir;

    private Path data() {
        return dir.resolve("data");
    }

    @Test
    void shouldSpreadObjectsOverTheDevicesAndKeepThemAcrossARestart() throws Exception {
        VolumeConfig config = deviceConfig(data(), dir, 2, 2048);
        Map<String, byte[]> content = new HashMap<>();
        int[] perDevice = new int[2];
        try (Volume v = Volume.open(config, quiet())) {
            assertThat(v.deviceCount()).isEqualTo(2);
            assertThat(v.capacityBytes()).isEqualTo(2 * 2048 * B);
            Journal j = v.journal(0);
            for (int i = 0; i < 200; i++) {
                byte[] b = bytes(3000 + i * 7, i);
                ObjectRecord r = put(v, j, "seg/" + i + ".ts", b);
                perDevice[r.extent().device()]++;
                assertThat(r.extent().device()).isEqualTo(v.preferredDevice("seg/" + i + ".ts"));
                content.put("seg/" + i + ".ts", b);
            }
            j.close();
        }
        // Equal capacities: each device gets about half (binomial, 200 draws: 100 ± 3 sigma = ±21).
        assertThat(perDevice[0]).isBetween(79, 121);
        assertThat(Files.readString(data().resolve("devices"))).contains("device 0 ").contains("device 1 ");
        assertThat(data().resolve("volume.dat")).doesNotExist();
        // Offline tools give no --device: the directory's devices file names them.
        try (Volume v = Volume.open(smallConfig(data()), quiet())) {
            assertThat(v.objectCount()).isEqualTo(200);
            for (Map.Entry<String, byte[]> e : content.entrySet()) {
                assertThat(get(v, v.lookup(e.getKey()))).isEqualTo(e.getValue());
            }
            assertThat(v.verify(null).ok()).isTrue();
        }
        // A crash (no checkpoint at close) replays the journal with the device in each entry's offset.
        try (Volume v = Volume.open(config, quiet())) {
            Journal j = v.journal(0);
            put(v, j, "late.ts", bytes(5000, 9));
            j.close();
            v.close(false);
        }
        try (Volume v = Volume.open(config, quiet())) {
            ObjectRecord late = v.lookup("late.ts");
            assertThat(late.extent().device()).isEqualTo(v.preferredDevice("late.ts"));
            assertThat(get(v, late)).isEqualTo(bytes(5000, 9));
        }
    }

    @Test
    void shouldWeighPlacementByCapacity() throws Exception {
        Path small = file("small.img", 1024);
        Path large = file("large.img", 3072);
        int[] perDevice = new int[2];
        try (Volume v = Volume.open(smallConfig(data()).withDevices(List.of(small, large)), quiet())) {
            for (int i = 0; i < 4000; i++) {
                perDevice[v.preferredDevice("vod/title-" + i + "/seg.m4s")]++;
            }
        }
        // Three times the capacity, three times the objects: 3000 ± 3 sigma (27) of 4000.
        assertThat(perDevice[1]).isBetween(2900, 3100);
    }

    @Test
    void shouldPlaceOnTheNextDeviceWhenTheFirstChoiceIsFullOrFailed() throws Exception {
        try (Volume v = Volume.open(deviceConfig(data(), dir, 2, 64), quiet())) {
            ObjectKey name = ObjectKey.of("a.ts");
            int first = v.preferredDevice("a.ts");
            v.device(first).fail("test");
            Extent e = v.tryAllocate(name, 4096);
            assertThat(e.device()).isEqualTo(1 - first);
            v.release(e);
            assertThat(v.healthy()).isFalse();
        }
        Files.delete(data().resolve("devices"));
        deleteTree(data());
        try (Volume v = Volume.open(deviceConfig(data(), dir.resolve("x"), 2, 64), quiet())) {
            ObjectKey name = ObjectKey.of("b.ts");
            int first = v.preferredDevice("b.ts");
            Extent fill = v.tryAllocate(name, 63 * B); // all of the first device's data area
            assertThat(fill.device()).isEqualTo(first);
            Extent next = v.tryAllocate(name, B);
            assertThat(next.device()).isEqualTo(1 - first);
            assertThat(v.tryAllocate(name, 63 * B)).isNull();
            assertThatThrownBy(() -> v.allocate(name, 63 * B)).isInstanceOf(VolumeFullException.class)
                    .hasMessageContaining("no healthy device of 2");
        }
    }

    @Test
    void shouldSteerIngestAwayFromADeviceWhoseWritesPileUp() throws Exception {
        try (Volume v = Volume.open(deviceConfig(data(), dir, 2, 256), quiet())) {
            ObjectKey name = ObjectKey.of("c.ts");
            int first = v.preferredDevice("c.ts");
            for (int i = 0; i < Placement.CONGESTED_WRITES; i++) {
                v.device(first).writeStarted();
            }
            Extent elsewhere = v.tryAllocate(name, B);
            assertThat(elsewhere.device()).as("the slow device is passed over").isEqualTo(1 - first);
            v.device(1 - first).fail("test");
            Extent congested = v.tryAllocate(name, B);
            assertThat(congested.device()).as("but used when it is the only one left").isEqualTo(first);
            v.device(first).writeEnded(4096);
            assertThat(v.device(first).writesInFlight()).isEqualTo(Placement.CONGESTED_WRITES - 1);
        }
    }

    @Test
    void shouldRefuseADeviceHoldingAFileSystemUntilFormatted() throws Exception {
        Path dev = file("fs.img", 256);
        try (RandomAccessFile f = new RandomAccessFile(dev.toFile(), "rw")) {
            f.seek(1080);
            f.write(new byte[]{0x53, (byte) 0xEF}); // ext4's magic
        }
        assertThatThrownBy(() -> Volume.open(smallConfig(data()).withDevices(List.of(dev)), quiet()))
                .hasMessage("device " + dev + " holds ext2/3/4; atlas format --device " + dev + " erases it for Atlas");
        assertThat(Volume.formatDevice(dev, data())).isEqualTo("ext2/3/4");
        try (Volume v = Volume.open(smallConfig(data()).withDevices(List.of(dev)), quiet())) {
            assertThat(v.deviceCount()).isEqualTo(1);
        }
        // Now it is this volume's: format refuses to lose its objects.
        assertThatThrownBy(() -> Volume.formatDevice(dev, data())).hasMessageContaining("is device 0 of the volume");
    }

    @Test
    void shouldRefuseUnknownDataAndAnotherVolumesDevice() throws Exception {
        Path junk = file("junk.img", 256);
        try (RandomAccessFile f = new RandomAccessFile(junk.toFile(), "rw")) {
            f.write("some bytes".getBytes(StandardCharsets.US_ASCII));
        }
        assertThatThrownBy(() -> Volume.open(smallConfig(data()).withDevices(List.of(junk)), quiet()))
                .hasMessageContaining("holds data Atlas does not recognise; atlas format --device");
        Path other = file("other.img", 256);
        try (Volume v = Volume.open(smallConfig(dir.resolve("other")).withDevices(List.of(other)), quiet())) {
            assertThat(v.deviceCount()).isEqualTo(1);
        }
        assertThatThrownBy(() -> Volume.open(smallConfig(data()).withDevices(List.of(other)), quiet()))
                .hasMessageContaining("belongs to another Atlas volume");
    }

    @Test
    void shouldRefuseToStartWithoutAMemberAndAcceptANewDevice() throws Exception {
        Path a = file("a.img", 256);
        Path b = file("b.img", 256);
        try (Volume v = Volume.open(smallConfig(data()).withDevices(List.of(a, b)), quiet())) {
            assertThat(v.deviceCount()).isEqualTo(2);
        }
        assertThatThrownBy(() -> Volume.open(smallConfig(data()).withDevices(List.of(a)), quiet()))
                .hasMessageContaining("device 1 of volume").hasMessageContaining("(last seen as " + b + ")")
                .hasMessageContaining("is not among the --device paths");
        // Order on the command line does not matter: devices are known by their superblocks.
        Path c = file("c.img", 512);
        try (Volume v = Volume.open(smallConfig(data()).withDevices(List.of(c, b, a)), quiet())) {
            assertThat(v.deviceCount()).isEqualTo(3);
            assertThat(v.device(2).path()).isEqualTo(c);
            assertThat(v.device(0).path()).isEqualTo(a);
        }
        assertThatThrownBy(() -> Volume.open(smallConfig(data()).withDevices(List.of(a, a)), quiet()))
                .hasMessageContaining("is given twice");
    }

    @Test
    void shouldRefuseDevicesOverAOneFileVolume() throws Exception {
        try (Volume v = Volume.open(smallConfig(data()), quiet())) {
            assertThat(v.device(0).path()).isEqualTo(data().resolve("volume.dat"));
        }
        Path a = file("a.img", 256);
        assertThatThrownBy(() -> Volume.open(smallConfig(data()).withDevices(List.of(a)), quiet()))
                .hasMessageContaining("holds a one-file volume (volume.dat)");
    }

    @Test
    void shouldRefuseAMissingOrUndersizedDeviceFile() {
        Path missing = dir.resolve("nope.img");
        assertThatThrownBy(() -> Volume.open(smallConfig(data()).withDevices(List.of(missing)), quiet()))
                .hasMessageContaining("does not exist").hasMessageContaining("fallocate -l");
    }

    private Path file(String name, long blocks) throws IOException {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(blocks * B);
        }
        return p;
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

    private static void deleteTree(Path root) throws IOException {
        try (var walk = Files.walk(root)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
