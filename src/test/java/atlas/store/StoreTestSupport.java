package atlas.store;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/** Small helpers shared by the store tests: a tiny volume config and put/get through the real write path. */
final class StoreTestSupport {
    static final long B = Volume.BLOCK_SIZE;

    private StoreTestSupport() {
    }

    static VolumeConfig smallConfig(Path dir) {
        return new VolumeConfig(dir, 64 * B, 64 * B, 4096 * B);
    }

    /** {@link #smallConfig} over {@code count} preallocated files of {@code blocks} blocks each, made here. */
    static VolumeConfig deviceConfig(Path dir, Path deviceDir, int count, long blocks) throws IOException {
        java.util.List<Path> devices = new java.util.ArrayList<>();
        java.nio.file.Files.createDirectories(deviceDir);
        for (int i = 0; i < count; i++) {
            Path d = deviceDir.resolve("dev" + i + ".img");
            if (!java.nio.file.Files.exists(d)) {
                try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(d.toFile(), "rw")) {
                    f.setLength(blocks * B);
                }
            }
            devices.add(d);
        }
        return smallConfig(dir).withDevices(devices);
    }

    static byte[] bytes(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    static int crc(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b);
        return (int) c.getValue();
    }

    /** The ingest path: allocate, write the padded bytes durably, stage, commit. */
    static ObjectRecord put(Volume v, Journal j, String name, byte[] content) throws IOException {
        Extent e = v.allocate(ObjectKey.of(name), content.length);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(e.capacityBytes(), Volume.BLOCK_SIZE);
            MemorySegment.copy(content, 0, buf, ValueLayout.JAVA_BYTE, 0, content.length);
            v.writeDurable(e.device(), buf, e.offsetBytes());
        }
        ObjectRecord r = j.stagePut(ObjectKey.of(name), e, content.length, "video/mp2t", crc(content), 1234L);
        j.commit();
        return r;
    }

    /** Writes the staged group the way the io_uring engine does: the returned image at the returned offset. */
    static void flush(Journal j) throws IOException {
        MemorySegment bytes = j.beginFlush();
        long n = atlas.posix.Libc.pwrite(j.fd(), bytes, bytes.byteSize(), j.flushOffset());
        if (n != bytes.byteSize()) {
            throw new IOException("short journal write: " + n + " of " + bytes.byteSize());
        }
        j.journalWritten(true);
        j.completeFlush();
    }

    /** The serving path: O_DIRECT read of the whole extent, then cut to the object's length. */
    static byte[] get(Volume v, ObjectRecord r) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(r.extent().capacityBytes(), B), Volume.BLOCK_SIZE);
            v.read(r.extent().device(), buf, r.offsetBytes());
            return buf.asSlice(0, r.length()).toArray(ValueLayout.JAVA_BYTE);
        }
    }
}
