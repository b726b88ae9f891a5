package atlas.server;

import atlas.store.Extent;
import atlas.store.Volume;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Moves a growing chunked upload to a larger extent when its reserve is exhausted. Objects are contiguous (one
 * disk read per chunk when served), so growing means copying what was written so far. Rare by construction —
 * the reserve covers live segments — and done synchronously with O_DIRECT through a private aligned buffer.
 */
final class ExtentRelocation {
    private static final int COPY_BYTES = 1 << 20;

    private ExtentRelocation() {
    }

    /** A new extent of at least {@code neededBytes} holding the first {@code writtenBytes} of {@code from}. */
    static Extent grow(Volume volume, Extent from, long writtenBytes, long neededBytes) throws IOException {
        long capacity = Math.max(from.capacityBytes() * 2, neededBytes);
        Extent to = volume.allocate(capacity);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(COPY_BYTES, Volume.BLOCK_SIZE);
            long copyBytes = (writtenBytes + Volume.BLOCK_SIZE - 1) & -Volume.BLOCK_SIZE;
            for (long done = 0; done < copyBytes; done += COPY_BYTES) {
                MemorySegment slice = buffer.asSlice(0, Math.min(COPY_BYTES, copyBytes - done));
                volume.read(slice, from.offsetBytes() + done);
                volume.writeDurable(slice, to.offsetBytes() + done);
            }
        } catch (IOException | RuntimeException e) {
            volume.release(to);
            throw e;
        }
        volume.release(from);
        return to;
    }
}
