package atlas.tls;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * TLS 1.2, full against resumed, in one run: the same JDK client reconnecting, against a server that keeps
 * sessions ({@link TlsSessionCache}: every connection after the first resumes) and one that keeps none (every
 * connection is a full handshake). The aux counters are as in {@link TlsHandshakeBenchmark}: this thread's CPU
 * time, {@code serverCpuNanos / handshakes} being the server's share.
 * <pre>
 *   bench/jmh.sh atlas.tls.TlsResumption
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class TlsResumptionBenchmark {
    private TlsIdentity identity;
    private SSLContext fullClient;
    private SSLContext resumingClient;
    private TlsHandshakeFactory withoutSessions;
    private TlsHandshakeFactory withSessions;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Path dir = Files.createTempDirectory("atlas-tls-resumption-bench");
        identity = TestCertificates.write(dir, "ec256");
        fullClient = JdkClientLink.trusting(identity);
        resumingClient = JdkClientLink.trusting(identity);
        withoutSessions = TlsHandshakeFactory.forCore();
        withSessions = TlsHandshakeFactory.forCore().sessions(new TlsSessionCache(TlsSessionCache.DEFAULT_CAPACITY,
                atlas.server.ServerConfig.DEFAULT_TLS_SESSION_TIMEOUT.toMillis(), System::currentTimeMillis));
        handshake(withSessions, resumingClient, new TlsHandshakeBenchmark.CpuTime()); // the session to resume
    }

    @Benchmark
    public TlsHandshake fullTls12(TlsHandshakeBenchmark.CpuTime cpu) throws Exception {
        return handshake(withoutSessions, fullClient, cpu);
    }

    @Benchmark
    public TlsHandshake resumedTls12(TlsHandshakeBenchmark.CpuTime cpu) throws Exception {
        TlsHandshake server = handshake(withSessions, resumingClient, cpu);
        if (!server.resumed()) {
            throw new IllegalStateException("not resumed");
        }
        return server;
    }

    private TlsHandshake handshake(TlsHandshakeFactory factory, SSLContext client, TlsHandshakeBenchmark.CpuTime cpu)
            throws Exception {
        return TlsHandshakeBenchmark.timedHandshake(factory, identity, client, "TLSv1.2", cpu);
    }
}
