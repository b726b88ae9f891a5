package atlas.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final AtomicLong clockNs = new AtomicLong(1_000_000_000L);

    private String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldPrintOneLinePerFileWhenNotATerminal() {
        Progress p = new Progress(out, false, true, "put", 2, 3 << 20, clockNs::get);
        p.succeeded("a.ts", 1 << 20);
        p.failed("b.ts", 2 << 20, "HTTP 413 body too large");
        clockNs.addAndGet(2_000_000_000L);
        p.finish();
        assertThat(text()).isEqualTo("""
                put a.ts (1.0 MiB)
                b.ts: HTTP 413 body too large
                put 1 file, 1.0 MiB in 2.0 s (0.5 MB/s); 1 failed
                """);
        assertThat(text()).doesNotContain("\r");
    }

    @Test
    void shouldRewriteOneLineOnATerminal() {
        Progress p = new Progress(out, true, true, "put", 4, 4096, clockNs::get);
        clockNs.addAndGet(1_000_000_000L);
        p.succeeded("a", 1024);
        p.succeeded("b", 1024); // within 100 ms of the last draw: not redrawn
        clockNs.addAndGet(1_000_000_000L);
        p.succeeded("c", 1024);
        String t = text();
        assertThat(t).startsWith("\rput 1/4 files, 1.0 KiB/4.0 KiB, 0.0 MB/s, ETA 0:03\033[K");
        assertThat(t).doesNotContain("2/4").contains("\rput 3/4 files").doesNotContain("\n");
        p.finish();
        assertThat(text()).endsWith("\r\033[Kput 3 files, 3.0 KiB in 2.0 s (0.0 MB/s)\n");
    }
}
