package atlas.store;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Free space of the data file: best fit, coalescing neighbours, growing the file when nothing fits.
 * <p>
 * Two views of the same free extents: {@code byOffset} (start -> length) finds the neighbours to merge with on
 * free; {@code bySize} (ordered by length, then offset) finds the smallest extent that fits, and the lowest such
 * one, so allocation stays compact at the front of the file. One lock: allocation is the ingest control path,
 * never the GET path, and a lock keeps the two maps trivially consistent.
 * <p>
 * Free space is never journaled: at open it is derived from the live records ({@link #rebuild}), so a crash can
 * at worst leak nothing and double-allocate nothing.
 */
final class ExtentAllocator {
    /**
     * Grows the backing file to at least {@code newSizeBytes}, ready to be written (blocks reserved and the size
     * durable). Called without the allocator lock: the data file's own growth lock orders it with the background
     * zero-ahead, which publishes its space through {@link #extendTo} (lock order: growth, then allocator).
     */
    interface Grower {
        void growTo(long newSizeBytes) throws IOException;
    }

    private final TreeMap<Long, Long> byOffset = new TreeMap<>();
    private final TreeSet<Extent> bySize = new TreeSet<>((a, b) -> {
        int c = Long.compare(a.capacityBytes(), b.capacityBytes());
        return c != 0 ? c : Long.compare(a.offsetBytes(), b.offsetBytes());
    });
    private final Grower grower;
    private final long growStepBytes;
    private final long maxBytes;
    private final String description;
    /** The device whose space this is: every extent handed out names it. */
    private final int device;
    private long sizeBytes;
    private long freeBytes;

    /**
     * @param sizeBytes   current file size; {@code [BLOCK_SIZE, sizeBytes)} is the allocatable area
     * @param description names the volume in {@link VolumeFullException} messages
     */
    ExtentAllocator(int device, long sizeBytes, long growStepBytes, long maxBytes, Grower grower,
                    String description) {
        this.device = device;
        this.sizeBytes = sizeBytes;
        this.growStepBytes = Math.max(Layouts.roundUpToBlock(growStepBytes), Volume.BLOCK_SIZE);
        this.maxBytes = maxBytes & -(long) Volume.BLOCK_SIZE;
        this.grower = grower;
        this.description = description;
    }

    /**
     * Resets the free space to everything in {@code [block 1, size)} not covered by {@code used}, which must be
     * sorted by offset and must not overlap.
     */
    synchronized void rebuild(List<Extent> used) {
        byOffset.clear();
        bySize.clear();
        freeBytes = 0;
        long cursor = Volume.BLOCK_SIZE;
        for (Extent e : used) {
            if (e.offsetBytes() < cursor || e.device() != device) {
                throw new IllegalArgumentException("overlapping or unsorted extent " + e);
            }
            addFree(cursor, e.offsetBytes() - cursor);
            cursor = e.endBytes();
        }
        addFree(cursor, sizeBytes - cursor);
    }

    /**
     * A free extent of at least {@code lengthBytes} if one exists now, else null — never grows the file, so it never
     * waits for the disk (what a core's thread may call).
     */
    synchronized Extent tryAllocate(long lengthBytes) {
        if (lengthBytes < 0) {
            throw new IllegalArgumentException("negative length " + lengthBytes);
        }
        long need = Math.max(Layouts.roundUpToBlock(lengthBytes), Volume.BLOCK_SIZE);
        Extent fit = bySize.ceiling(new Extent(0, need));
        if (fit == null) {
            return null;
        }
        removeFree(fit);
        addFree(fit.offsetBytes() + need, fit.capacityBytes() - need);
        return new Extent(device, fit.offsetBytes(), need);
    }

    Extent allocate(long lengthBytes) throws VolumeFullException {
        if (lengthBytes < 0) {
            throw new IllegalArgumentException("negative length " + lengthBytes);
        }
        // Even an empty object gets one block, so every record owns a distinct, non-empty extent.
        long need = Math.max(Layouts.roundUpToBlock(lengthBytes), Volume.BLOCK_SIZE);
        while (true) {
            long target;
            synchronized (this) {
                Extent fit = bySize.ceiling(new Extent(0, need));
                if (fit != null) {
                    removeFree(fit);
                    addFree(fit.offsetBytes() + need, fit.capacityBytes() - need);
                    return new Extent(device, fit.offsetBytes(), need);
                }
                target = growthTarget(need);
            }
            // Outside the lock: another core may allocate from what is free meanwhile, or grow too (the file's
            // growth lock makes the second grower find the work done); then look again.
            try {
                grower.growTo(target);
            } catch (IOException e) {
                VolumeFullException full = new VolumeFullException("volume " + description + ": cannot grow the data"
                        + " file from " + sizeBytes() + " to " + target + " bytes: " + e.getMessage());
                full.initCause(e);
                throw full;
            }
            extendTo(target);
        }
    }

    /** The file size that leaves a free extent of {@code need} bytes at its end; throws when over the maximum. */
    private long growthTarget(long need) throws VolumeFullException {
        // The free extent touching the end of the file (if any) becomes part of the new space.
        Map.Entry<Long, Long> last = byOffset.lastEntry();
        long tailFree = last != null && last.getKey() + last.getValue() == sizeBytes ? last.getValue() : 0;
        long minSize = sizeBytes - tailFree + need;
        if (minSize > maxBytes) {
            throw new VolumeFullException("volume " + description + " is full: no free extent of " + need
                    + " bytes (free " + freeBytes + " bytes, largest free extent " + largestFree()
                    + " bytes) and the data file is at " + sizeBytes + " of its maximum " + maxBytes + " bytes");
        }
        long steps = (minSize - sizeBytes + growStepBytes - 1) / growStepBytes;
        return Math.min(sizeBytes + steps * growStepBytes, maxBytes);
    }

    /**
     * Adds {@code [size, newSizeBytes)} to the free space once the file has that much ready (after a grower
     * returned, or the zero-ahead wrote it). Growth only ever moves the end forward; a smaller value is a no-op.
     */
    synchronized void extendTo(long newSizeBytes) {
        if (newSizeBytes <= sizeBytes) {
            return;
        }
        if (newSizeBytes > maxBytes) {
            throw new IllegalArgumentException("size " + newSizeBytes + " over the maximum " + maxBytes);
        }
        long oldSize = sizeBytes;
        sizeBytes = newSizeBytes;
        free(new Extent(device, oldSize, newSizeBytes - oldSize));
    }

    /** The most the file may grow to. */
    long maxBytes() {
        return maxBytes;
    }

    /** Keeps the first {@code usedBytes} (rounded up to blocks, at least one) of {@code extent}, frees the rest. */
    synchronized Extent trim(Extent extent, long usedBytes) {
        long keep = Math.max(Layouts.roundUpToBlock(usedBytes), Volume.BLOCK_SIZE);
        if (keep >= extent.capacityBytes()) {
            return extent;
        }
        free(new Extent(device, extent.offsetBytes() + keep, extent.capacityBytes() - keep));
        return new Extent(device, extent.offsetBytes(), keep);
    }

    /** Returns {@code extent} to the free space, merging it with free neighbours. */
    synchronized void free(Extent extent) {
        long start = extent.offsetBytes();
        long length = extent.capacityBytes();
        if (length == 0) {
            return;
        }
        if (extent.device() != device) {
            throw new IllegalArgumentException("extent " + extent + " freed into device " + device + "'s space");
        }
        if (start < Volume.BLOCK_SIZE || extent.endBytes() > sizeBytes) {
            throw new IllegalArgumentException("extent " + extent + " outside the data area [" + Volume.BLOCK_SIZE
                    + ", " + sizeBytes + ")");
        }
        Map.Entry<Long, Long> before = byOffset.floorEntry(start);
        if (before != null && before.getKey() + before.getValue() > start) {
            throw new IllegalStateException("double free of " + extent + " (overlaps free " + before.getKey() + "+"
                    + before.getValue() + ")");
        }
        Map.Entry<Long, Long> after = byOffset.ceilingEntry(start);
        if (after != null && after.getKey() < start + length) {
            throw new IllegalStateException("double free of " + extent + " (overlaps free " + after.getKey() + "+"
                    + after.getValue() + ")");
        }
        if (before != null && before.getKey() + before.getValue() == start) {
            removeFree(new Extent(before.getKey(), before.getValue()));
            start = before.getKey();
            length += before.getValue();
        }
        if (after != null && after.getKey() == start + length) {
            removeFree(new Extent(after.getKey(), after.getValue()));
            length += after.getValue();
        }
        addFree(start, length);
    }

    private void addFree(long start, long length) {
        if (length > 0) {
            byOffset.put(start, length);
            bySize.add(new Extent(start, length));
            freeBytes += length;
        }
    }

    private void removeFree(Extent e) {
        byOffset.remove(e.offsetBytes());
        bySize.remove(e);
        freeBytes -= e.capacityBytes();
    }

    synchronized long freeBytes() {
        return freeBytes;
    }

    synchronized long sizeBytes() {
        return sizeBytes;
    }

    synchronized long largestFree() {
        return bySize.isEmpty() ? 0 : bySize.last().capacityBytes();
    }

    /** The free extents by offset (tests and diagnostics). */
    synchronized List<Extent> freeExtents() {
        List<Extent> out = new ArrayList<>(byOffset.size());
        byOffset.forEach((start, length) -> out.add(new Extent(start, length)));
        return out;
    }
}
