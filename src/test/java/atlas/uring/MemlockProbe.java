package atlas.uring;

import java.lang.foreign.Arena;

/** Registers more than RLIMIT_MEMLOCK; run as a child JVM without CAP_IPC_LOCK. Prints the failure message. */
public final class MemlockProbe {
    private MemlockProbe() {
    }

    static String registerTooMuch() throws IoUringException {
        long limit = IoUringSupport.readMemlockBytes();
        long ask = limit == Long.MAX_VALUE ? 1L << 30 : limit + (1L << 20);
        try (IoUring ring = IoUring.open(8); Arena arena = Arena.ofConfined()) {
            ring.registerBuffers(arena.allocate(ask, 4096));
            return "registered " + ask + " bytes: RLIMIT_MEMLOCK not enforced";
        } catch (IoUringException e) {
            return e.getMessage();
        }
    }

    public static void main(String[] args) throws Exception {
        System.out.println(registerTooMuch());
    }
}
