package atlas.bench;

import atlas.http.HttpDate;
import atlas.http.ResponseHeadWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
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
 * Writing the head of a 200 for an object with the eight fields the server sends (Server, Date, Content-Type,
 * Content-Length, Accept-Ranges, ETag, Last-Modified, Cache-Control — as HttpConnection and ObjectTransmitter
 * do), into a reused direct out buffer with a reused {@link ResponseHeadWriter}. The Date and Last-Modified
 * bytes are formatted once, as the server caches them. Scores are heads per second on one thread;
 * {@code -prof gc} should show ~0 B/op.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class ResponseHeadBenchmark {
    private final ResponseHeadWriter writer = new ResponseHeadWriter();
    private final byte[] date = new byte[HttpDate.LENGTH];
    private final byte[] lastModified = new byte[HttpDate.LENGTH];
    private final byte[] etag = "\"5f3a9c1e-4b000\"".getBytes(StandardCharsets.US_ASCII);
    private final long contentLength = 307_200;
    private ByteBuffer out;

    @Setup(Level.Trial)
    public void prepare() {
        HttpDate.format(1_767_225_600L, date, 0);
        HttpDate.format(1_767_139_200L, lastModified, 0);
        out = ByteBuffer.allocateDirect(4096);
    }

    /** Returns the head's length in bytes. */
    @Benchmark
    public int writeHead() {
        ByteBuffer o = out;
        o.clear();
        writer.begin(o, 200)
                .field("Server", "atlas")
                .field("Date", date)
                .field("Content-Type", "video/iso.segment")
                .field("Content-Length", contentLength)
                .field("Accept-Ranges", "bytes")
                .field("ETag", etag)
                .field("Last-Modified", lastModified)
                .field("Cache-Control", "public, max-age=31536000, immutable")
                .end();
        return o.position();
    }
}
