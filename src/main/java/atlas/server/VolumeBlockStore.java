package atlas.server;

import atlas.dataplane.BlockStore;
import atlas.store.Volume;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/** The volume's data file as the dataplane sees it: aligned O_DIRECT reads and durable writes, nothing else. */
final class VolumeBlockStore implements BlockStore {
    private final Volume volume;

    VolumeBlockStore(Volume volume) {
        this.volume = volume;
    }

    @Override
    public int read(MemorySegment dst, long fileOffset) throws IOException {
        return volume.read(dst, fileOffset);
    }

    @Override
    public void writeDurable(MemorySegment src, long fileOffset) throws IOException {
        volume.writeDurable(src, fileOffset);
    }

    @Override
    public int readFd() {
        return volume.readFd();
    }

    @Override
    public int writeFd() {
        return volume.writeFd();
    }
}
