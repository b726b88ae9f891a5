package atlas.metrics;

import atlas.testing.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class AccessLogRingTest {
    /** Bounds a wait for the writer thread (it flushes every 100 ms); only a failure takes this long. */
    private static final Duration WITHIN = Duration.ofSeconds(10);

    private static byte[] line(String s) {
        return (s + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static String drain(AccessLogRing ring) {
        ByteBuffer dst = ByteBuffer.allocate(ring.capacity());
        ring.drainTo(dst);
        return new String(dst.array(), 0, dst.position(), StandardCharsets.US_ASCII);
    }

    @Test
    void shouldCarryWholeLinesAcrossTheWrap() {
        AccessLogRing ring = new AccessLogRing(1024);
        byte[] a = line("a".repeat(699));
        assertThat(ring.offer(a, a.length)).isTrue();
        assertThat(drain(ring)).hasSize(700);
        byte[] b = line("b".repeat(599)); // starts at 700, wraps past 1024
        assertThat(ring.offer(b, b.length)).isTrue();
        assertThat(drain(ring)).isEqualTo("b".repeat(599) + "\n");
    }

    @Test
    void shouldDropAndCountWhenFullInsteadOfWaiting() {
        AccessLogRing ring = new AccessLogRing(1024);
        byte[] a = line("x".repeat(599));
        assertThat(ring.offer(a, a.length)).isTrue();
        assertThat(ring.offer(a, a.length)).isFalse();
        assertThat(ring.dropped()).isEqualTo(1);
        drain(ring);
        assertThat(ring.offer(a, a.length)).isTrue();
    }

    @Test
    void shouldOfferWithoutAllocating() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        AccessLogRing ring = new AccessLogRing(1 << 16);
        ByteBuffer dst = ByteBuffer.allocate(ring.capacity());
        byte[] l = line("127.0.0.1 - - [01/Jan/2026:00:00:00 +0000] \"GET /a HTTP/1.1\" 200 10");
        for (int i = 0; i < 20_000; i++) {
            if (!ring.offer(l, l.length)) {
                dst.clear();
                ring.drainTo(dst);
            }
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 10_000; i++) {
            if (!ring.offer(l, l.length)) {
                dst.clear();
                ring.drainTo(dst);
            }
        }
        assertThat(threads.getCurrentThreadAllocatedBytes() - before).isLessThan(1024);
    }

    @Test
    void shouldWriteLinesAndReopenAfterTheFileWasMoved(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("access.log");
        try (AccessLogWriter writer = new AccessLogWriter(log)) {
            AccessLogRing ring = writer.newRing();
            writer.start();
            byte[] first = line("first");
            ring.offer(first, first.length);
            Await.until("the first line written", WITHIN, () -> Files.readString(log).contains("first"));
            Files.move(log, dir.resolve("access.log.1"));
            // Noticed within a second, without any signal.
            Await.until("the moved log reopened", WITHIN, () -> Files.exists(log));
            byte[] second = line("second");
            ring.offer(second, second.length);
            Await.until("the second line written", WITHIN, () -> Files.readString(log).contains("second"));
            assertThat(Files.readString(dir.resolve("access.log.1"))).isEqualTo("first\n");
        }
    }

    @Test
    void shouldRefuseAnUnwritablePathWithOneLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("plain-file");
        Files.writeString(file, "x");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new AccessLogWriter(file.resolve("access.log")))
                .hasMessageStartingWith("cannot open the access log " + file.resolve("access.log"));
    }
}
