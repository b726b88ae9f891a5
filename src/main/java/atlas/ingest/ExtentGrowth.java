package atlas.ingest;

import atlas.dataplane.BufferPool;
import atlas.dataplane.DiskCompletion;
import atlas.dataplane.IoBuffer;
import atlas.store.Extent;
import atlas.store.ObjectKey;
import atlas.store.Volume;
import atlas.store.VolumeFullException;
import atlas.store.Volume.AllocationListener;

/**
 * Moves a growing chunked upload to a larger extent when its reserve is exhausted. Objects are contiguous (one
 * disk read per chunk when served), so growing means copying what was written so far — rare by construction (the
 * reserve covers live segments) but tens of megabytes when it happens, so the copy is ring work like any other:
 * O_DIRECT reads and O_DSYNC writes through the core's disk, one buffer of the pool at a time, never a wait on the
 * core thread.
 * <pre>
 *  grow --> allocate 2x --> [wait for a buffer] --> read chunk of old --> durable write at new --> ... --> done:
 *           old extent released, new one the upload's          (any failure: new released, old kept for the caller)
 * </pre>
 * Ownership: the copy buffer is this class's from acquire to the end of the copy; the new extent is its own until
 * {@link Listener#onGrown} hands it over. Abandoned mid-copy, it waits for the request in flight before releasing
 * both. Thread: the core's.
 */
final class ExtentGrowth implements DiskCompletion, BufferPool.Waiter, AllocationListener {
    /** The upload waiting for the bigger extent. */
    interface Listener {
        /** The first bytes are in {@code grown} now; {@code old} was released. */
        void onGrown(Extent grown);

        /** Growth failed with {@code status} (507 when the volume is full); the old extent is still the caller's. */
        void onGrowthFailed(int status, String detail);

        /** The copy got its buffer and runs: from here on it is disk work, not a wait for the client or memory. */
        void onCopyStarted();
    }

    private static final int READ = 0;
    private static final int WRITE = 1;

    private final UploadResources core;
    private final Listener listener;
    private Extent from;
    private Extent to;
    private long copyBytes;
    private long done;
    private int chunk;
    private IoBuffer buffer;
    private boolean active;
    private boolean waitingForBuffer;
    private boolean requestInFlight;
    /** Waiting for the volume's grower to find (or make) room for the new extent. */
    private boolean allocating;
    private boolean abandoned;

    ExtentGrowth(UploadResources core, Listener listener) {
        this.core = core;
        this.listener = listener;
    }

    boolean isActive() {
        return active;
    }

    /** The copy has not started: every buffer of the pool is lent out (the upload bounds this wait). */
    boolean isWaitingForBuffer() {
        return waitingForBuffer;
    }

    /** Starts moving the first {@code writtenBytes} of {@code from} to a new extent of at least {@code neededBytes}. */
    void grow(ObjectKey name, Extent from, long writtenBytes, long neededBytes) {
        long capacity = Math.max(from.capacityBytes() * 2, neededBytes);
        this.from = from;
        this.copyBytes = (writtenBytes + Volume.BLOCK_SIZE - 1) & -Volume.BLOCK_SIZE;
        this.done = 0;
        active = true;
        abandoned = false;
        to = core.volume().tryAllocate(name, capacity);
        if (to == null) {
            allocating = true; // the data file must grow first: off the core, answered through its inbox
            core.volume().allocateLater(name, capacity, core.inbox(), this);
            return;
        }
        startCopy();
    }

    @Override
    public void onAllocated(Extent extent) {
        allocating = false;
        to = extent;
        if (abandoned) {
            finish();
            core.volume().release(to);
            to = null;
            return;
        }
        try {
            startCopy();
        } catch (RuntimeException failure) {
            // Run from the core's inbox: fail the growth here, the upload answers its client.
            finish();
            core.volume().release(to);
            to = null;
            listener.onGrowthFailed(500, "moving the body to a larger extent failed: " + failure);
        }
    }

    @Override
    public void onVolumeFull(VolumeFullException e) {
        allocating = false;
        active = false;
        if (!abandoned) {
            listener.onGrowthFailed(507, e.getMessage());
        }
    }

    private void startCopy() {
        IoBuffer b = core.buffers().acquire();
        if (b == null) {
            // Bounded by the upload's own deadline, like every other wait for a buffer.
            waitingForBuffer = true;
            core.buffers().await(this);
            return;
        }
        onBuffer(b);
    }

    @Override
    public void onBuffer(IoBuffer b) {
        boolean waited = waitingForBuffer;
        waitingForBuffer = false;
        buffer = b;
        if (waited) {
            listener.onCopyStarted();
        }
        next();
    }

    @Override
    public void onCompletionFailed(long tag, RuntimeException failure) {
        requestInFlight = false;
        finish();
        if (to != null) {
            core.volume().release(to);
            to = null;
        }
        if (!abandoned) {
            listener.onGrowthFailed(500, "moving the body to a larger extent failed: " + failure);
        }
    }

    @Override
    public void onBufferFailed(RuntimeException failure) {
        finish();
        core.volume().release(to);
        to = null;
        listener.onGrowthFailed(500, "moving the body to a larger extent failed: " + failure);
    }

    private void next() {
        if (done == copyBytes) {
            finish();
            core.volume().release(from);
            from = null;
            Extent grown = to;
            to = null;
            listener.onGrown(grown);
            return;
        }
        chunk = (int) Math.min(buffer.dataCapacity(), copyBytes - done);
        requestInFlight = true;
        core.disk().read(core.volume().device(from.device()).readFd(), buffer.segment(), IoBuffer.HEADROOM, chunk, from.offsetBytes() + done,
                this, READ);
    }

    @Override
    public void onDiskComplete(long tag, int result) {
        requestInFlight = false;
        if (abandoned) {
            finish();
            core.volume().release(to);
            to = null;
            return;
        }
        if (result < (tag == READ ? chunk : 0) || (tag == WRITE && result != chunk)) {
            core.metrics().diskError();
            finish();
            core.volume().release(to);
            to = null;
            listener.onGrowthFailed(500, "moving the body to a larger extent failed");
            return;
        }
        if (tag == READ) {
            requestInFlight = true;
            core.disk().writeDurable(core.volume().device(to.device()).writeFd(), buffer.segment(), IoBuffer.HEADROOM, chunk,
                    to.offsetBytes() + done, this, WRITE);
            return;
        }
        done += chunk;
        next();
    }

    /**
     * The upload is abandoned: the caller still owns and releases the old extent; the new one and the buffer go
     * back here — now, or when the request in flight completes.
     */
    void abandon() {
        if (!active) {
            return;
        }
        if (waitingForBuffer) {
            core.buffers().cancel(this);
            waitingForBuffer = false;
        }
        if (requestInFlight || allocating) {
            abandoned = true;
            return;
        }
        finish();
        core.volume().release(to);
        to = null;
    }

    private void finish() {
        active = false;
        if (buffer != null) {
            core.buffers().release(buffer);
            buffer = null;
        }
    }
}
