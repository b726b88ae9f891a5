package atlas.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The on-disk names of devices: an extent's packed address and the superblock's device index. */
class DeviceFormatsTest {
    @Test
    void shouldPackTheDeviceIntoTheLowBitsOfABlockAlignedOffset() {
        Extent e = new Extent(5, 1L << 40, 8192);
        assertThat(e.address()).isEqualTo((1L << 40) | 5);
        assertThat(Extent.atAddress(e.address(), 8192)).isEqualTo(e);
        // A volume written before devices existed: plain offsets are device 0.
        assertThat(Extent.atAddress(4096 * 7, 4096)).isEqualTo(new Extent(0, 4096 * 7, 4096));
        assertThatThrownBy(() -> new Extent(Extent.MAX_DEVICES, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldReadAVersionOneSuperblockAsDeviceZero() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment block = arena.allocate(Volume.BLOCK_SIZE);
            new Superblock(1, 2, 3, 7).encode(block);
            assertThat(Superblock.decode(block, "x")).isEqualTo(new Superblock(1, 2, 3, 7));
            // Rewrite as format 1: version 1, CRC over [0, 40) only, nothing at 44.
            ValueLayout.OfInt i32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(Layouts.ORDER);
            block.set(i32, Superblock.VERSION_OFFSET, 1);
            block.set(i32, Superblock.DEVICE_INDEX_OFFSET, 0);
            CRC32C crc = new CRC32C();
            crc.update(block.asSlice(0, Superblock.CRC_OFFSET).asByteBuffer());
            block.set(i32, Superblock.CRC_OFFSET, (int) crc.getValue());
            assertThat(Superblock.decode(block, "x")).isEqualTo(new Superblock(1, 2, 3, 0));
            block.set(i32, Superblock.DEVICE_INDEX_OFFSET, 3); // not covered in v1, not read either
            assertThat(Superblock.decode(block, "x").deviceIndex()).isZero();
            block.set(i32, Superblock.VERSION_OFFSET, 2);
            assertThatThrownBy(() -> Superblock.decode(block, "x")).hasMessageContaining("checksum mismatch");
        }
    }

    @Test
    void shouldFailADeviceOnAVanishedMediumOrAStreakOfErrorsOnly(@TempDir Path dir) throws IOException {
        try (Volume v = Volume.open(StoreTestSupport.smallConfig(dir.resolve("a")))) {
            Device device = v.device(0);
            for (int i = 0; i < Device.FAILURE_STREAK - 1; i++) {
                device.readEnded(-5, true);
            }
            device.readEnded(4096, false); // one good read resets the streak
            for (int i = 0; i < Device.FAILURE_STREAK - 1; i++) {
                device.readEnded(0, true);
            }
            assertThat(device.failed()).isFalse();
            assertThat(device.readErrors()).isEqualTo(2L * (Device.FAILURE_STREAK - 1));
            device.readEnded(0, true);
            assertThat(device.failed()).isTrue();
            assertThat(device.failure()).contains(Device.FAILURE_STREAK + " read errors in a row");
            assertThat(v.healthy()).isFalse();
        }
        try (Volume v = Volume.open(StoreTestSupport.smallConfig(dir.resolve("b")))) {
            v.device(0).readEnded(-6, true); // ENXIO: the device went away
            assertThat(v.device(0).state()).isEqualTo(Device.State.FAILED);
            assertThatThrownBy(() -> v.allocate(4096)).isInstanceOf(VolumeFullException.class)
                    .hasMessageContaining("failed");
        }
    }
}
