package atlas.dataplane;

import atlas.posix.Libc;
import atlas.posix.PosixException;

/**
 * Pins an event-loop thread to its CPU (IX: one dataplane per hardware thread, flows stay on their core, caches
 * stay warm). Failure is not fatal — a container may forbid it — but it is said once per core.
 */
final class CpuPinning {
    private CpuPinning() {
    }

    static void pinCurrentThread(int cpu) {
        try {
            Libc.pinCurrentThreadToCpu(cpu);
        } catch (PosixException | RuntimeException e) {
            System.err.println("atlas: could not pin " + Thread.currentThread().getName() + " to cpu " + cpu + ": "
                    + e.getMessage());
        }
    }
}
