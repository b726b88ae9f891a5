package atlas.uring;

import atlas.posix.Errno;
import static atlas.uring.IoUringConstants.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IoUringTest {

    @Test
    void shouldOpenAndCloseRingsWithoutLeakingFdsOrMappings() throws Exception {
        long fdsBefore = FdCensus.ringFds();
        long mapsBefore = FdCensus.ringMappings();
        for (int i = 0; i < 200; i++) {
            try (IoUring ring = IoUring.open(16)) {
                assertThat(ring.fd()).isNotNegative();
            }
        }
        IoUring open = IoUring.open(16);
        assertThat(FdCensus.ringFds()).isEqualTo(fdsBefore + 1);
        assertThat(FdCensus.ringMappings()).isGreaterThan(mapsBefore);
        open.close();
        open.close(); // idempotent
        assertThat(FdCensus.ringFds()).isEqualTo(fdsBefore);
        assertThat(FdCensus.ringMappings()).isEqualTo(mapsBefore);
    }

    @Test
    void shouldSetUpWithSingleIssuerDeferTaskrunAndNodrop() throws Exception {
        try (IoUring ring = IoUring.open(8)) {
            assertThat(ring.sqEntries()).isEqualTo(8);
            assertThat(ring.cqEntries()).isEqualTo(16);
            assertThat(ring.hasFeature(IORING_FEAT_SINGLE_MMAP | IORING_FEAT_NODROP | IORING_FEAT_EXT_ARG)).isTrue();
            // kernel 6.18 here: the first step of the ladder must be granted
            assertThat(ring.setupFlags() & (IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN))
                    .isEqualTo(IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN);
        }
        try (IoUring ring = IoUring.open(100, 1000, 0)) {
            assertThat(ring.sqEntries()).isEqualTo(128);
            assertThat(ring.cqEntries()).isEqualTo(1024);
        }
    }

    @Test
    void shouldProbeOpcodes() throws Exception {
        try (IoUring ring = IoUring.open(8)) {
            for (int op : IoUringSupport.REQUIRED_OPS) {
                assertThat(ring.isSupported(op)).as(opName(op)).isTrue();
            }
            assertThat(ring.isSupported(IORING_OP_SEND_ZC)).isTrue();
            assertThat(ring.isSupported(255)).isFalse();
            assertThat(ring.isSupported(-1)).isFalse();
        }
    }

    @Test
    void shouldRoundTripNop() throws Exception {
        try (IoUring ring = IoUring.open(8)) {
            long sqe = ring.nextSqe();
            assertThat(sqe).isNotEqualTo(IoUring.NO_SQE);
            ring.prepNop(sqe, 0xCAFE_F00D_1234L);
            assertThat(ring.submitAndWait(1)).isEqualTo(1);
            CompletionLog log = new CompletionLog();
            assertThat(ring.forEachCompletion(log)).isEqualTo(1);
            assertThat(log.cqes).containsExactly(new CompletionLog.Cqe(0xCAFE_F00D_1234L, 0, 0));
            assertThat(ring.forEachCompletion(log)).isZero();
            assertThat(ring.submit()).isZero(); // nothing to do: no syscall, no error
        }
    }

    @Test
    void shouldReturnSentinelWhenSqIsFull() throws Exception {
        try (IoUring ring = IoUring.open(8)) {
            for (int i = 0; i < 8; i++) {
                long sqe = ring.nextSqe();
                assertThat(sqe).isEqualTo((long) i * SQE_SIZE);
                ring.prepNop(sqe, i);
            }
            assertThat(ring.nextSqe()).isEqualTo(IoUring.NO_SQE);
            assertThat(ring.sqSpaceLeft()).isZero();
            assertThat(ring.submit()).isEqualTo(8);
            assertThat(ring.sqSpaceLeft()).isEqualTo(8);
            assertThat(ring.nextSqe()).isNotEqualTo(IoUring.NO_SQE);
        }
    }

    @Test
    void shouldZeroEachSqeBeforeHandingItOut() throws Exception {
        try (IoUring ring = IoUring.open(1)) {
            long sqe = ring.nextSqe();
            ring.prepSendZc(sqe, 3, 0x1000, 10, MSG_NOSIGNAL, 0, 5, 1); // sets ioprio, buf_index, msg_flags
            ring.addSqeFlags(sqe, IOSQE_IO_LINK);
            ring.submitAndWait(1); // SEND_ZC on fd 3 fails; what matters is the next SQE
            ring.forEachCompletion((u, r, f) -> { });
            long again = ring.nextSqe();
            assertThat(again).isEqualTo(sqe);
            ring.prepNop(again, 2);
            CompletionLog log = new CompletionLog();
            log.awaitTotal(ring, 1);
            assertThat(log.cqes).containsExactly(new CompletionLog.Cqe(2, 0, 0)); // no stale LINK, no stale op
        }
    }

    @Test
    void shouldWrapAroundRingsManyTimes() throws Exception {
        try (IoUring ring = IoUring.open(8, 16, 0)) {
            int total = 8 * 16 * 4 + 5; // > 3x both rings, and not a multiple of the SQ size
            long[] next = {0};
            long submitted = 0;
            while (next[0] < total) {
                long sqe;
                while (submitted < total && (sqe = ring.nextSqe()) != IoUring.NO_SQE) {
                    ring.prepNop(sqe, submitted++);
                }
                ring.submitAndWait(1);
                ring.forEachCompletion((userData, res, flags) -> {
                    assertThat(userData).isEqualTo(next[0]); // NOPs complete in order
                    assertThat(res).isZero();
                    next[0]++;
                });
            }
            assertThat(next[0]).isEqualTo(total);
            assertThat(ring.cqReady()).isZero();
            assertThat(ring.sqPending()).isZero();
        }
    }

    @Test
    void shouldLoseNoCompletionOnCqOverflowWithNodrop() throws Exception {
        try (IoUring ring = IoUring.open(8, 16, 0)) {
            int total = 8 * 12; // 96 NOPs into a CQ of 16, nothing reaped in between
            for (int n = 0; n < total; ) {
                long sqe;
                while (n < total && (sqe = ring.nextSqe()) != IoUring.NO_SQE) {
                    ring.prepNop(sqe, n++);
                }
                assertThat(ring.submit()).isPositive();
            }
            assertThat(ring.cqReady()).isEqualTo(16);
            assertThat(ring.sqFlagsOpaque() & IORING_SQ_CQ_OVERFLOW).isEqualTo(IORING_SQ_CQ_OVERFLOW);

            CompletionLog log = new CompletionLog();
            log.awaitTotal(ring, total);
            assertThat(log.cqes).extracting(CompletionLog.Cqe::userData)
                    .containsExactlyElementsOf(LongStream.range(0, total).boxed().toList());
            assertThat(ring.cqOverflowCount()).isZero(); // nothing dropped
            assertThat(ring.sqFlagsOpaque() & IORING_SQ_CQ_OVERFLOW).isZero();
        }
    }

    @Test
    void shouldReturnEtimeSentinelFromTimedWait() throws Exception {
        try (IoUring ring = IoUring.open(8)) {
            long start = System.nanoTime();
            assertThat(ring.submitAndWait(1, 20_000_000L)).isEqualTo(-Errno.ETIME);
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(19_000_000L);
        }
    }

    @Test
    void shouldCancelRestOfLinkChainWhenOneFails() throws Exception {
        try (IoUring ring = IoUring.open(8); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(16);
            long first = ring.nextSqe();
            ring.prepNop(first, 1);
            ring.link(first);
            long failing = ring.nextSqe();
            ring.prepRead(failing, 9999, buf, 0, 2); // no such fd
            ring.link(failing);
            ring.prepNop(ring.nextSqe(), 3);
            CompletionLog log = new CompletionLog();
            log.awaitTotal(ring, 3);
            assertThat(log.only(1).res()).isZero();
            assertThat(log.only(2).res()).isEqualTo(-Errno.EBADF);
            assertThat(log.only(3).res()).isEqualTo(-Errno.ECANCELED);
        }
    }

    @Test
    void shouldReportPreciseRegisterFailure() throws Exception {
        try (IoUring ring = IoUring.open(8); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4096, 4096);
            ring.registerBuffers(buf);
            assertThatThrownBy(() -> ring.registerBuffers(buf))
                    .isInstanceOfSatisfying(IoUringException.class, e -> {
                        assertThat(e.errno()).isEqualTo(Errno.EBUSY);
                        assertThat(e.getMessage()).isEqualTo("io_uring_register(BUFFERS): Device or resource busy "
                                + "(EBUSY) \u2014 buffers are already registered on this ring");
                    });
            ring.unregisterBuffers();
            ring.registerBuffers(buf);
        }
    }

    @Test
    void shouldNameMemlockWhenRegisteringMoreThanItAllows() throws Exception {
        String message;
        if (IoUringSupport.readMemlockEnforced()) {
            message = MemlockProbe.registerTooMuch();
        } else {
            // We hold CAP_IPC_LOCK (root here), which lifts the limit: run the probe in a child JVM without it.
            Path setpriv = Path.of("/usr/bin/setpriv");
            assumeTrue(Files.isExecutable(setpriv), "CAP_IPC_LOCK held and no setpriv to drop it");
            Process child = new ProcessBuilder(setpriv.toString(), "--bounding-set=-ipc_lock",
                    "--inh-caps=-ipc_lock", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    MemlockProbe.class.getName()).redirectErrorStream(true).start();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            message = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        }
        assertThat(message).startsWith("io_uring_register(BUFFERS): Cannot allocate memory (ENOMEM) \u2014 "
                + "RLIMIT_MEMLOCK is ").contains("; registered buffers count against it (1 buffer, ");
    }

    @Test
    void shouldDetectSupportWithOneLineSummary() {
        IoUringSupport support = IoUringSupport.detect();
        assertThat(support.usable()).as(support.summary()).isTrue();
        assertThat(support.summary()).startsWith("io_uring: kernel ").contains("DEFER_TASKRUN")
                .contains("RLIMIT_MEMLOCK").doesNotContain("\n");
        assertThat(support.features() & IORING_FEAT_NODROP).isNotZero();
        assertThat(support.sendZc()).isTrue();
    }

    @Test
    void shouldConfineRingToItsOwnerThread() throws Exception {
        try (IoUring ring = IoUring.open(8)) {
            Throwable[] thrown = new Throwable[1];
            Thread other = Thread.ofPlatform().start(() -> {
                try {
                    ring.nextSqe();
                } catch (Throwable t) {
                    thrown[0] = t;
                }
            });
            other.join();
            assertThat(thrown[0]).isInstanceOf(WrongThreadException.class);
            ring.prepNop(ring.nextSqe(), 1); // still usable by its owner
            assertThat(new CompletionLog().awaitTotal(ring, 1)).hasSize(1);
        }
    }

    @Test
    void shouldKeepDrainingAfterHandlerThrows() throws Exception {
        try (IoUring ring = IoUring.open(8)) {
            for (int i = 0; i < 3; i++) {
                ring.prepNop(ring.nextSqe(), i);
            }
            ring.submitAndWait(3);
            assertThatThrownBy(() -> ring.forEachCompletion((u, r, f) -> {
                if (u == 1) {
                    throw new IllegalStateException("handler fault");
                }
            })).hasMessage("handler fault");
            CompletionLog log = new CompletionLog();
            assertThat(ring.forEachCompletion(log)).isEqualTo(1); // CQEs 0 and 1 consumed, 2 still there
            assertThat(log.only(2).res()).isZero();
        }
    }

    @Test
    void shouldNameErrnos() {
        assertThat(Errno.name(-Errno.ECONNRESET)).isEqualTo("ECONNRESET");
        assertThat(Errno.describe(-Errno.ECANCELED)).isEqualTo("Operation canceled (ECANCELED)");
        assertThat(Errno.describe(Errno.ENOBUFS)).isEqualTo("No buffer space available (ENOBUFS)");
        assertThat(IoUringSupport.humanBytes(8L << 20)).isEqualTo("8 MiB");
        assertThat(opName(IORING_OP_SEND_ZC)).isEqualTo("SEND_ZC");
    }
}
