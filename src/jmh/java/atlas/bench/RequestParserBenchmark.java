package atlas.bench;

import atlas.http.HttpLimits;
import atlas.http.RangeSet;
import atlas.http.RequestHead;
import atlas.http.RequestParser;
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
 * Parsing a typical segment request — a GET with six header fields and a Range — as a connection does it: the
 * head from a direct receive buffer into a reused {@link RequestHead}, then the Range value into a reused
 * {@link RangeSet} against a ~300 KiB object. Scores are requests parsed per second on one thread;
 * {@code -prof gc} should show ~0 B/op (the parser and the range set allocate nothing).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Thread)
public class RequestParserBenchmark {
    /** What hls.js in a browser sends for a segment, give or take the User-Agent. */
    static final String REQUEST = """
            GET /live/channel-7/1080p/segment-000123.m4s HTTP/1.1\r
            Host: cdn.example.net\r
            User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r
            Accept: */*\r
            Accept-Encoding: identity\r
            Referer: https://player.example.net/watch/channel-7\r
            Connection: keep-alive\r
            Range: bytes=65536-131071\r
            \r
            """;
    static final long OBJECT_BYTES = 300 * 1024;

    private final RequestParser parser = new RequestParser(HttpLimits.DEFAULTS);
    private final RequestHead head = new RequestHead(HttpLimits.DEFAULTS);
    private final RangeSet ranges = new RangeSet(8);
    private ByteBuffer receiveBuffer;
    private int length;

    @Setup(Level.Trial)
    public void fill() {
        byte[] bytes = REQUEST.getBytes(StandardCharsets.US_ASCII);
        length = bytes.length;
        receiveBuffer = ByteBuffer.allocateDirect(16 * 1024).put(bytes).flip();
        // Measure the success path, not a refusal: check the fixture once.
        long r = parse();
        if (r != length + RangeSet.SATISFIABLE + 65536 || ranges.count() != 1 || ranges.last(0) != 131071) {
            throw new IllegalStateException("fixture did not parse as expected: " + r);
        }
    }

    /** Returns head length + range outcome + first byte, so nothing can be optimised away. */
    @Benchmark
    public long parse() {
        parser.reset();
        int headLength = parser.parse(receiveBuffer, 0, length, head);
        if (headLength <= 0) {
            throw new IllegalStateException("parse: " + headLength);
        }
        int outcome = ranges.parse(head.buffer(), head.valueOffset(RequestHead.Field.RANGE),
                head.valueLength(RequestHead.Field.RANGE), OBJECT_BYTES);
        return headLength + outcome + (outcome == RangeSet.SATISFIABLE ? ranges.first(0) : 0);
    }
}
