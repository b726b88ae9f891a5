package atlas.server;

import atlas.dataplane.BlockStore;
import atlas.store.Volume;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/** The volume's data file as the dataplane sees it: aligned O_DIRECT reads and writes (durable or lazy), syncs. */
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
    public void writeLazy(MemorySegment src, long fileOffset) throws IOException {
        volume.writeLazy(src, fileOffset);
    }

    @Override
    public void syncData() throws IOException {
        volume.syncData();
    }

    @Override
    public int lazyWriteFd() {
        return volume.lazyWriteFd();
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
