package atlas.loadgen;

import org.HdrHistogram.Histogram;

import java.util.Locale;

/**
 * The end of a run: counts, rates and latency percentiles. Units: bytes are everything read from the sockets
 * (status lines, headers and bodies, as wrk's "Transfer/sec" counts them), MB is 10^6 bytes, Gbit is 10^9 bits,
 * latencies are microseconds from a request's first byte written to its response's last byte read (with a target
 * rate, corrected for coordinated omission).
 */
public final class BenchReport {
    private static final double[] PERCENTILES = {50, 90, 99, 99.9};
    private static final String[] PERCENTILE_NAMES = {"p50", "p90", "p99", "p99.9"};

    private final String origin;
    private final int targets;
    private final int connections;
    private final int threads;
    private final long ratePerSecond;
    private final long warmupNs;
    private final long durationNs;
    private final long[] counters;
    private final Histogram latencyUs;
    private final Histogram sendDelayUs;
    private final double clientBusy;
    private final long backlogAtEnd;

    /**
     * @param sendDelayUs  with a target rate, per send the delay the client added (see {@link LoadWorker})
     * @param clientBusy   the busiest worker thread's busy fraction of the measured time, 0-1
     * @param backlogAtEnd with a target rate, arrivals due by the end and never sent
     */
    BenchReport(String origin, int targets, int connections, int threads, long ratePerSecond, long warmupNs,
                long durationNs, long[] counters, Histogram latencyUs, Histogram sendDelayUs, double clientBusy,
                long backlogAtEnd) {
        this.origin = origin;
        this.targets = targets;
        this.connections = connections;
        this.threads = threads;
        this.ratePerSecond = ratePerSecond;
        this.warmupNs = warmupNs;
        this.durationNs = durationNs;
        this.counters = counters.clone();
        this.latencyUs = latencyUs.copy();
        this.sendDelayUs = sendDelayUs.copy();
        this.clientBusy = clientBusy;
        this.backlogAtEnd = backlogAtEnd;
    }

    int connections() {
        return connections;
    }

    /** The target rate, 0 for a closed loop. */
    public long ratePerSecond() {
        return ratePerSecond;
    }

    /** Requests started in the measured time. */
    public long sent() {
        return counters[LoadCounters.SENT];
    }

    /** With a target rate: arrivals whose intended time fell in the measured time (sent or not). */
    public long arrivalsDue() {
        return counters[LoadCounters.ARRIVALS];
    }

    /** With a target rate: arrivals that found every connection busy and waited for one. */
    public long waitedForConnection() {
        return counters[LoadCounters.WAITED];
    }

    /** With a target rate: arrivals due by the end and never sent (the client queue left over). */
    public long backlogAtEnd() {
        return backlogAtEnd;
    }

    /** How busy the busiest client thread was, 0-1: near 1, the client is what limits the rate. */
    public double clientBusy() {
        return clientBusy;
    }

    /** With a target rate: the delay the client itself added to sends, at {@code percentile} (µs). */
    public long sendDelayUs(double percentile) {
        return sendDelayUs.getTotalCount() == 0 ? 0 : sendDelayUs.getValueAtPercentile(percentile);
    }

    public long requests() {
        return counters[LoadCounters.REQUESTS];
    }

    public long bytesReceived() {
        return counters[LoadCounters.BYTES_RECEIVED];
    }

    public long bodyBytes() {
        return counters[LoadCounters.BODY_BYTES];
    }

    public long errors(ErrorKind kind) {
        return counters[LoadCounters.errorSlot(kind)];
    }

    public long errorsTotal() {
        return LoadCounters.errorsIn(counters);
    }

    /** Responses with a 2xx status. */
    public long successes() {
        return requests() - errors(ErrorKind.STATUS);
    }

    public double durationSeconds() {
        return durationNs / 1e9;
    }

    public double requestsPerSecond() {
        return durationNs == 0 ? 0 : requests() * 1e9 / durationNs;
    }

    public double megabytesPerSecond() {
        return durationNs == 0 ? 0 : bytesReceived() * 1e3 / durationNs;
    }

    public double gigabitsPerSecond() {
        return durationNs == 0 ? 0 : bytesReceived() * 8.0 / durationNs;
    }

    /** Latency at {@code percentile} (0-100) in µs; 0 without responses. */
    public long latencyUs(double percentile) {
        return latencyUs.getTotalCount() == 0 ? 0 : latencyUs.getValueAtPercentile(percentile);
    }

    /** Latencies recorded: one per response. */
    public long latencySamples() {
        return latencyUs.getTotalCount();
    }

    public long maxLatencyUs() {
        return latencyUs.getTotalCount() == 0 ? 0 : latencyUs.getMaxValue();
    }

    /** The human-readable report, several lines, each ending in a newline. */
    public String text() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "target    %s, %d %s%n", origin, targets, targets == 1 ? "object" : "objects"));
        s.append(String.format(Locale.ROOT, "load      %d connections on %d %s, %s%n", connections, threads,
                threads == 1 ? "thread" : "threads", ratePerSecond > 0
                        ? "open loop, Poisson arrivals at " + ratePerSecond + " req/s (latency from each arrival's time)"
                        : "closed loop"));
        s.append(String.format(Locale.ROOT, "duration  %.2f s%s%n", durationSeconds(), warmupNs == 0 ? ""
                : String.format(Locale.ROOT, " (after a %.1f s warm-up, not counted)", warmupNs / 1e9)));
        s.append(String.format(Locale.ROOT, "requests  %d (%.1f req/s)%n", requests(), requestsPerSecond()));
        s.append(String.format(Locale.ROOT, "received  %s (bodies %s): %.1f MB/s, %.3f Gbit/s%n",
                bytes(bytesReceived()), bytes(bodyBytes()), megabytesPerSecond(), gigabitsPerSecond()));
        s.append("latency  ");
        for (int i = 0; i < PERCENTILES.length; i++) {
            s.append(i == 0 ? " " : ", ").append(PERCENTILE_NAMES[i]).append(' ').append(micros(latencyUs(PERCENTILES[i])));
        }
        s.append(", max ").append(micros(maxLatencyUs())).append(System.lineSeparator());
        if (ratePerSecond > 0) {
            s.append(String.format(Locale.ROOT, "arrivals  %d due, %d sent (%d waited for a free connection), "
                    + "%d left unsent at the end%n", arrivalsDue(), sent(), waitedForConnection(), backlogAtEnd));
        }
        s.append(String.format(Locale.ROOT, "client    busiest thread %.0f%% busy%s%n", clientBusy * 100,
                ratePerSecond > 0 ? ", send delay p99 " + micros(sendDelayUs(99)) + " (due requests held back by it)" : ""));
        s.append("errors    ");
        if (errorsTotal() == 0) {
            s.append("none");
        } else {
            boolean first = true;
            for (ErrorKind kind : ErrorKind.values()) {
                if (errors(kind) > 0) {
                    s.append(first ? "" : ", ").append(kind.label()).append(' ').append(errors(kind));
                    first = false;
                }
            }
        }
        return s.append(System.lineSeparator()).toString();
    }

    /** The same report as one JSON object (no trailing newline). */
    public String json() {
        StringBuilder s = new StringBuilder("{");
        appendJsonFields(s);
        return s.append('}').toString();
    }

    /** The members of {@link #json()} without the braces, for a larger object that embeds them. */
    void appendJsonFields(StringBuilder s) {
        s.append("\"target\":\"").append(jsonEscape(origin)).append('"');
        s.append(",\"objects\":").append(targets);
        s.append(",\"connections\":").append(connections);
        s.append(",\"threads\":").append(threads);
        s.append(",\"rate\":").append(ratePerSecond > 0 ? Long.toString(ratePerSecond) : "null");
        s.append(",\"warmupSeconds\":").append(number(warmupNs / 1e9));
        s.append(",\"durationSeconds\":").append(number(durationSeconds()));
        s.append(",\"requests\":").append(requests());
        s.append(",\"requestsPerSecond\":").append(number(requestsPerSecond()));
        s.append(",\"bytes\":").append(bytesReceived());
        s.append(",\"bodyBytes\":").append(bodyBytes());
        s.append(",\"megabytesPerSecond\":").append(number(megabytesPerSecond()));
        s.append(",\"gigabitsPerSecond\":").append(number(gigabitsPerSecond()));
        s.append(",\"latencyMicros\":{");
        for (int i = 0; i < PERCENTILES.length; i++) {
            s.append('"').append(PERCENTILE_NAMES[i]).append("\":").append(latencyUs(PERCENTILES[i])).append(',');
        }
        s.append("\"max\":").append(maxLatencyUs());
        s.append(",\"mean\":").append(number(latencyUs.getTotalCount() == 0 ? 0 : latencyUs.getMean())).append('}');
        s.append(",\"errors\":{");
        for (ErrorKind kind : ErrorKind.values()) {
            s.append('"').append(kind.label()).append("\":").append(errors(kind)).append(',');
        }
        s.append("\"total\":").append(errorsTotal()).append('}');
        if (ratePerSecond > 0) {
            s.append(",\"arrivals\":{\"process\":\"poisson\",\"due\":").append(arrivalsDue())
                    .append(",\"sent\":").append(sent())
                    .append(",\"waitedForConnection\":").append(waitedForConnection())
                    .append(",\"unsentAtEnd\":").append(backlogAtEnd).append('}');
            s.append(",\"sendDelayMicros\":{\"p99\":").append(sendDelayUs(99))
                    .append(",\"max\":").append(sendDelayUs.getTotalCount() == 0 ? 0 : sendDelayUs.getMaxValue())
                    .append('}');
        }
        s.append(",\"clientBusy\":").append(number(clientBusy));
    }

    /** 812 us, 1.02 ms, 1.20 s: three significant figures, as the histogram records them. */
    public static String micros(long us) {
        if (us < 1_000) {
            return us + " us";
        }
        if (us < 1_000_000) {
            return String.format(Locale.ROOT, "%.2f ms", us / 1e3);
        }
        return String.format(Locale.ROOT, "%.2f s", us / 1e6);
    }

    private static String bytes(long n) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? n + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    static String number(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    static String jsonEscape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
