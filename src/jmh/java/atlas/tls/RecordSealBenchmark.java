package atlas.tls;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The HTTPS bulk path's cost per 16 KiB record: {@link RecordSealer#sealApart} over a 256 KiB chunk, as
 * {@code TlsTransport.sendBody} does it — payload encrypted in place, header and trailer in the headroom — with one
 * key ({@code connections = 1}) or alternating between connections sharing the core's {@link AesGcm}, which makes
 * it re-key on every record. Scores are records per second on one core (× 16 KiB = bytes); {@code -prof gc}
 * answers whether the {@code asSlice} views allocate after JIT.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class RecordSealBenchmark {
    /** Connections whose records interleave on the core's one AES-GCM context. */
    @Param({"1", "8"})
    int connections;

    private Arena arena;
    private AesGcm gcm;
    private RecordSealer[] sealers;
    private MemorySegment chunk;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofConfined();
        gcm = new AesGcm();
        sealers = new RecordSealer[connections];
        for (int i = 0; i < connections; i++) {
            byte[] secret = new byte[32];
            secret[0] = (byte) i;
            sealers[i] = RecordSealer.tls13(gcm, KeySchedule.Suite.TLS_AES_128_GCM_SHA256, secret);
        }
        chunk = arena.allocate(4096 + 256 * 1024, 4096);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (RecordSealer s : sealers) {
            s.close();
        }
        gcm.close();
        arena.close();
    }

    @Benchmark
    public long sealOneRecord() {
        int i = next++;
        RecordSealer sealer = sealers[i % connections];
        long data = 4096 + (long) (i & 15) * RecordLayout.MAX_PLAINTEXT;
        sealer.sealApart(chunk, 1024, data, RecordLayout.MAX_PLAINTEXT, 1024 + 5);
        return sealer.sequence();
    }
}
