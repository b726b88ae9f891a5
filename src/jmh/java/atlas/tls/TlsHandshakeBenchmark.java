package atlas.tls;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Full TLS handshakes on one thread: our {@link TlsHandshake} (BouncyCastle) against a JDK {@link
 * javax.net.ssl.SSLEngine} client, in memory ({@link JdkClientLink}: one record per {@code offerRecord}, output
 * drained through native memory, as the dataplane does). No resumption: the factory keeps no sessions, so every op
 * is a full handshake with a fresh ECDHE key exchange and signature ({@link TlsResumptionBenchmark} has TLS 1.2's
 * resumed one next to a full one).
 * <p>
 * The score (handshakes/s, wall clock) includes the <b>client's</b> cost too — the JDK's ECDHE, signature
 * verification and PKIX validation of our certificate — so it understates what one core can serve. The aux counters
 * are this thread's CPU time (so a busy shared machine does not inflate them; JIT and GC threads are not in them):
 * {@code cpuNanos / handshakes} per full handshake, {@code serverCpuNanos / handshakes} inside {@code TlsHandshake}
 * calls only — the server's share; 1e9 over that is the server-only rate of one core.
 * <p>
 * {@code crypto}: {@code bc} = {@link TlsHandshakeFactory#forCore()} (BC's own crypto), {@code jdk} =
 * {@link TlsHandshakeFactory#forCoreWithJdkCrypto()} (JCA over the JDK's providers). {@code key}: ec256 (the
 * demo identity's type), ec384, rsa2048.
 * <pre>
 *   bench/jmh.sh atlas.tls.TlsHandshake -wi 2 -i 3 -f 1
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class TlsHandshakeBenchmark {
    @Param({"bc", "jdk"})
    public String crypto;

    @Param({"ec256"})
    public String key;

    @Param({"TLSv1.3"})
    public String protocol;

    private TlsIdentity identity;
    private SSLContext client;
    private TlsHandshakeFactory factory;

    /** CPU time of the benchmark thread, all and the server's share; summed per iteration by JMH. */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class CpuTime {
        public long cpuNanos;
        public long serverCpuNanos;
        public long handshakes;
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Path dir = Files.createTempDirectory("atlas-tls-bench");
        identity = TestCertificates.write(dir, key);
        client = JdkClientLink.trusting(identity);
        factory = crypto.equals("bc") ? TlsHandshakeFactory.forCore() : TlsHandshakeFactory.forCoreWithJdkCrypto();
    }

    @Benchmark
    public TlsHandshake fullHandshake(CpuTime cpu) throws Exception {
        return timedHandshake(factory, identity, client, protocol, cpu);
    }

    /** One handshake of {@code client} against a new server side of {@code factory}, its CPU time in {@code cpu}. */
    static TlsHandshake timedHandshake(TlsHandshakeFactory factory, TlsIdentity identity, SSLContext client,
                                       String protocol, CpuTime cpu) throws Exception {
        long start = JdkClientLink.cpuNanos();
        TlsHandshake server = factory.newHandshake(identity);
        cpu.serverCpuNanos += JdkClientLink.cpuNanos() - start;
        try (JdkClientLink link = new JdkClientLink(client, server, p -> p.setProtocols(new String[] {protocol}))) {
            link.handshake();
            if (!server.isComplete() || link.clientFailure != null) {
                throw new IllegalStateException("handshake failed: server " + server.failure() + ", client "
                        + link.clientFailure);
            }
            cpu.serverCpuNanos += link.serverCpuNanos;
        }
        server.destroy();
        cpu.cpuNanos += JdkClientLink.cpuNanos() - start;
        cpu.handshakes++;
        return server;
    }
}
