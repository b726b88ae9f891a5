package atlas.uring;

import static atlas.uring.IoUringConstants.*;

import atlas.posix.Libc;
import atlas.posix.PosixException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Whether this process can run the io_uring engine, and why not when it cannot. {@link #detect()} checks, in order:
 * Linux x86_64; {@code /proc/sys/kernel/io_uring_disabled}; an actual {@code io_uring_setup} (with the same flag
 * ladder as {@link IoUring#open}); the features we depend on (NODROP, EXT_ARG); the opcodes the engine issues
 * (IORING_REGISTER_PROBE); the kernel version for what the probe cannot see (multishot accept and cancelling by fd,
 * both 5.19); and RLIMIT_MEMLOCK, which caps registered buffers unless we hold CAP_IPC_LOCK.
 *
 * @param usable          the io_uring engine can run
 * @param summary         one line: what is there, or the precise reason it is unusable
 * @param features        IORING_FEAT_* of the test ring (0 if none could be set up)
 * @param setupFlags      IORING_SETUP_* the kernel granted
 * @param sendZc          IORING_OP_SEND_ZC is supported
 * @param memlockBytes    RLIMIT_MEMLOCK soft limit, {@link Long#MAX_VALUE} when unlimited
 * @param memlockEnforced false when CAP_IPC_LOCK lifts the limit
 */
public record IoUringSupport(boolean usable, String summary, int features, int setupFlags, boolean sendZc,
                             long memlockBytes, boolean memlockEnforced) {

    /**
     * The opcodes the io_uring engine issues. SEND_ZC (6.0) is among them: the engine sends from registered
     * buffers with it to every non-loopback peer unless told not to, without asking the ring first.
     */
    static final int[] REQUIRED_OPS = {
        IORING_OP_READ, IORING_OP_WRITE, IORING_OP_READ_FIXED, IORING_OP_WRITE_FIXED, IORING_OP_FSYNC,
        IORING_OP_ACCEPT, IORING_OP_RECV, IORING_OP_SEND, IORING_OP_SENDMSG, IORING_OP_SEND_ZC,
        IORING_OP_ASYNC_CANCEL,
    };

    private static final int CAP_IPC_LOCK = 14;
    private static final Path DISABLED_SYSCTL = Path.of("/proc/sys/kernel/io_uring_disabled");

    /** Probes this machine; never throws. Control path: takes a few syscalls and sets up one small ring. */
    public static IoUringSupport detect() {
        long memlock = readMemlockBytes();
        boolean enforced = readMemlockEnforced();
        String os = System.getProperty("os.name", "?");
        String arch = System.getProperty("os.arch", "?");
        if (!os.equals("Linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return unusable("the io_uring binding needs Linux x86_64, this is " + os + ' ' + arch, memlock, enforced);
        }
        String disabled = readDisabledSysctl();
        if (disabled.equals("2")) {
            return unusable("disabled by sysctl kernel.io_uring_disabled=2", memlock, enforced);
        }
        int features;
        int flags;
        boolean sendZc;
        List<String> missing = new ArrayList<>();
        try (IoUring ring = IoUring.open(8)) {
            features = ring.features();
            flags = ring.setupFlags();
            for (int op : REQUIRED_OPS) {
                if (!ring.isSupported(op)) {
                    missing.add("IORING_OP_" + opName(op));
                }
            }
            sendZc = ring.isSupported(IORING_OP_SEND_ZC);
        } catch (IoUringException e) {
            return unusable(e.getMessage(), memlock, enforced);
        } catch (RuntimeException | LinkageError e) {
            return unusable("FFM binding failed: " + e, memlock, enforced);
        }
        if ((features & IORING_FEAT_NODROP) == 0) {
            missing.add("IORING_FEAT_NODROP");
        }
        if ((features & IORING_FEAT_EXT_ARG) == 0) {
            missing.add("IORING_FEAT_EXT_ARG");
        }
        int[] version = kernelVersion();
        if (!atLeast(version, 5, 19)) {
            missing.add("multishot ACCEPT and ASYNC_CANCEL by fd (kernel 5.19+)");
        }
        String kernel = System.getProperty("os.version", "?");
        if (!missing.isEmpty()) {
            return new IoUringSupport(false, "io_uring unusable: kernel " + kernel + " lacks " + String.join(", ",
                    missing), features, flags, sendZc, memlock, enforced);
        }
        StringBuilder s = new StringBuilder("io_uring: kernel ").append(kernel)
                .append(", features 0x").append(Integer.toHexString(features))
                .append(", ").append(describeSetup(flags))
                .append(", SEND_ZC, multishot accept, ") // both required to get here
                .append(describeMemlock());
        return new IoUringSupport(true, s.toString(), features, flags, sendZc, memlock, enforced);
    }

    private static IoUringSupport unusable(String reason, long memlock, boolean enforced) {
        return new IoUringSupport(false, "io_uring unusable: " + reason, 0, 0, false, memlock, enforced);
    }

    private static String describeSetup(int flags) {
        if ((flags & IORING_SETUP_DEFER_TASKRUN) != 0) {
            return "SINGLE_ISSUER+DEFER_TASKRUN";
        }
        if ((flags & IORING_SETUP_SINGLE_ISSUER) != 0) {
            return "SINGLE_ISSUER+COOP_TASKRUN";
        }
        return (flags & IORING_SETUP_COOP_TASKRUN) != 0 ? "COOP_TASKRUN" : "plain setup";
    }

    /** The sysctl's content ("0", "1", "2"), or "absent" on kernels before 6.6. */
    static String readDisabledSysctl() {
        try {
            return Files.readString(DISABLED_SYSCTL).strip();
        } catch (IOException e) {
            return "absent";
        }
    }

    /** RLIMIT_MEMLOCK soft limit in bytes; {@link Long#MAX_VALUE} when unlimited or unreadable. */
    static long readMemlockBytes() {
        try {
            long soft = Libc.getrlimit(Libc.RLIMIT_MEMLOCK)[0];
            return soft == Libc.RLIM_INFINITY ? Long.MAX_VALUE : soft;
        } catch (PosixException e) {
            return Long.MAX_VALUE;
        }
    }

    /** False when the effective capabilities include CAP_IPC_LOCK (pinning is then not limited). */
    static boolean readMemlockEnforced() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    long caps = Long.parseUnsignedLong(line.substring(7).strip(), 16);
                    return (caps & (1L << CAP_IPC_LOCK)) == 0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through: assume the limit applies
        }
        return true;
    }

    /** "RLIMIT_MEMLOCK is 8 MiB", with a note when CAP_IPC_LOCK lifts it. */
    static String describeMemlock() {
        long bytes = readMemlockBytes();
        String limit = "RLIMIT_MEMLOCK is " + (bytes == Long.MAX_VALUE ? "unlimited" : humanBytes(bytes));
        return readMemlockEnforced() ? limit : limit + " (not enforced: CAP_IPC_LOCK)";
    }

    static String humanBytes(long bytes) {
        String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return (value == Math.rint(value) ? String.valueOf((long) value) : String.format(Locale.ROOT, "%.1f", value))
                + ' ' + units[unit];
    }

    /** {major, minor} from os.version ("6.18.44-fc-v782" gives {6, 18}); {0, 0} if unparseable. */
    static int[] kernelVersion() {
        String v = System.getProperty("os.version", "");
        String[] parts = v.split("[.\\-]");
        try {
            return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
        } catch (RuntimeException e) {
            return new int[] {0, 0};
        }
    }

    private static boolean atLeast(int[] version, int major, int minor) {
        return version[0] > major || (version[0] == major && version[1] >= minor);
    }
}
