package atlas.stream;

import atlas.store.Device;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One core's reads of the volume's devices: the descriptor of each, how many of this core's object reads are in
 * flight on it, and who waits for a read slot there. With several devices each may have at most
 * {@code limit} reads of this core in flight (each holding one of its I/O buffers), so a device that slows down
 * or hangs takes at most that many buffers and the others keep streaming; with one device there is no limit
 * (the buffer pool is the only bound, as before).
 * <p>
 * A reader takes a slot before it takes a buffer ({@link #enterOrWait}), and gives it back when its read
 * completes ({@link #leave}), which hands it straight to the longest waiter. Thread: the core's only; no
 * allocation once each queue has grown to its peak.
 */
public final class DeviceReads {
    /** A reader waiting for a read slot of a device. */
    public interface Waiter {
        /** The slot is this waiter's now (counted in flight): go on with the read. */
        void onReadSlot();
    }

    private final Device[] devices;
    private final int[] fds;
    private final int[] inFlight;
    /** A {@link #leave} of the device is handing slots out (see there). */
    private final boolean[] handingOut;
    private final List<ArrayDeque<Waiter>> waiting;
    private final int limit;

    /** {@code limit}: reads in flight per device from this core (ignored with a single device). */
    public DeviceReads(List<Device> devices, int limit) {
        this.devices = devices.toArray(new Device[0]);
        this.fds = new int[this.devices.length];
        this.inFlight = new int[this.devices.length];
        this.handingOut = new boolean[this.devices.length];
        this.waiting = new ArrayList<>(this.devices.length);
        for (int i = 0; i < this.devices.length; i++) {
            fds[i] = this.devices[i].readFd();
            waiting.add(new ArrayDeque<>());
        }
        this.limit = this.devices.length == 1 ? Integer.MAX_VALUE : Math.max(1, limit);
    }

    /** One device that answers reads with {@code fd} (tests with a fake disk). */
    public static DeviceReads single(int fd) {
        return new DeviceReads(fd);
    }

    private DeviceReads(int fd) {
        this.devices = new Device[1];
        this.fds = new int[]{fd};
        this.inFlight = new int[1];
        this.handingOut = new boolean[1];
        this.waiting = List.of(new ArrayDeque<>());
        this.limit = Integer.MAX_VALUE;
    }

    public int fd(int device) {
        return fds[device];
    }

    /** True when the device failed: its objects are not read at all. */
    public boolean failed(int device) {
        Device d = devices[device];
        return d != null && d.failed();
    }

    /** Takes a slot if one is free now; never waits (read-ahead). */
    public boolean tryEnter(int device) {
        if (inFlight[device] >= limit) {
            return false;
        }
        inFlight[device]++;
        return true;
    }

    /** Takes a slot now (true), or queues {@code waiter} for the next one (false: {@link Waiter#onReadSlot} later). */
    public boolean enterOrWait(int device, Waiter waiter) {
        if (waiting.get(device).isEmpty() && tryEnter(device)) {
            return true;
        }
        waiting.get(device).addLast(waiter);
        return false;
    }

    /** {@code waiter} no longer wants a slot (its connection went, or it timed out). */
    public void cancel(int device, Waiter waiter) {
        waiting.get(device).remove(waiter);
    }

    /**
     * Gives a slot back; the longest waiter gets it at once. A waiter that gives its slot straight back (its device
     * failed meanwhile, say) is not answered by a nested hand-out but by this loop, so a long queue never turns into
     * deep recursion.
     */
    public void leave(int device) {
        inFlight[device]--;
        if (handingOut[device]) {
            return;
        }
        handingOut[device] = true;
        try {
            ArrayDeque<Waiter> queue = waiting.get(device);
            while (inFlight[device] < limit && !queue.isEmpty()) {
                inFlight[device]++;
                queue.pollFirst().onReadSlot();
            }
        } finally {
            handingOut[device] = false;
        }
    }

    /** A read of {@code device} ended: {@code result} bytes or -errno, {@code shortOfWanted} if it fell short. */
    public void readEnded(int device, int result, boolean shortOfWanted) {
        Device d = devices[device];
        if (d != null) {
            d.readEnded(result, shortOfWanted);
        }
    }

    /** This core's reads in flight on {@code device} (metrics: its queue depth from here). */
    public int inFlight(int device) {
        return inFlight[device];
    }

}
