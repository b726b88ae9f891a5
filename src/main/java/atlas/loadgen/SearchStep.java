package atlas.loadgen;

import java.util.Locale;

/**
 * One step of an SLO search: the rate it targeted, the run's report, the latency at the SLO's percentile and the
 * verdict ({@link StepVerdict#judge}).
 */
public record SearchStep(int number, long targetRate, BenchReport report, long percentileUs, StepVerdict verdict) {

    static SearchStep of(int number, long targetRate, BenchReport report, Slo slo) {
        long percentileUs = report.latencyUs(slo.percentile());
        StepVerdict verdict = StepVerdict.judge(slo, report.arrivalsDue(), report.requests(), report.errorsTotal(),
                percentileUs, report.clientBusy(), report.sendDelayUs(99));
        return new SearchStep(number, targetRate, report, percentileUs, verdict);
    }

    /**
     * The progress line: {@code step  3/12  target    4000/s  achieved    3991/s  p50 210 us  p99 480 us
     * p99.9 1.10 ms  errors 0  client 12%  ok}, the verdict with its reason when not met.
     */
    public String line(Slo slo, int maxSteps) {
        return String.format(Locale.ROOT, "step %2d/%d  target %8d/s  achieved %8.0f/s  p50 %s  p99 %s  p99.9 %s  "
                        + "errors %d  client %.0f%%  %s", number, maxSteps, targetRate, report.requestsPerSecond(),
                BenchReport.micros(report.latencyUs(50)), BenchReport.micros(report.latencyUs(99)),
                BenchReport.micros(report.latencyUs(99.9)), report.errorsTotal(), report.clientBusy() * 100,
                verdictText(slo));
    }

    /** The verdict and the figure behind it: {@code over SLO: p99 1.30 ms > 500 us}. */
    public String verdictText(Slo slo) {
        return switch (verdict) {
            case MET -> verdict.label();
            case SLO_EXCEEDED -> String.format(Locale.ROOT, "%s: %s %s > %s", verdict.label(), slo.percentileLabel(),
                    BenchReport.micros(percentileUs), slo.latency(false));
            case SERVER_BEHIND -> String.format(Locale.ROOT, "%s: %.0f%% of %d arrivals answered", verdict.label(),
                    report.arrivalsDue() == 0 ? 0 : 100.0 * report.requests() / report.arrivalsDue(),
                    report.arrivalsDue());
            case CLIENT_BEHIND -> report.clientBusy() >= StepVerdict.CLIENT_BUSY_LIMIT
                    ? String.format(Locale.ROOT, "%s: busiest thread %.0f%% busy", verdict.label(),
                    report.clientBusy() * 100)
                    // Idle yet late: the thread was ready but not run, the machine's other work came first.
                    : String.format(Locale.ROOT, "%s: send delay p99 %s, its thread not run on time (a busy machine?)",
                    verdict.label(), BenchReport.micros(report.sendDelayUs(99)));
            case ERRORS -> String.format(Locale.ROOT, "%s: %d in %d responses", verdict.label(), report.errorsTotal(),
                    report.requests());
            case TOO_FEW -> String.format(Locale.ROOT, "%s: %d for a %s, needs %d (raise --step-duration)",
                    verdict.label(), report.requests(), slo.percentileLabel(), StepVerdict.minSamples(slo));
        };
    }

    void appendJson(StringBuilder s) {
        s.append("{\"step\":").append(number)
                .append(",\"targetRate\":").append(targetRate)
                .append(",\"requestsPerSecond\":").append(BenchReport.number(report.requestsPerSecond()))
                .append(",\"due\":").append(report.arrivalsDue())
                .append(",\"sent\":").append(report.sent())
                .append(",\"completed\":").append(report.requests())
                .append(",\"latencyMicros\":{\"p50\":").append(report.latencyUs(50))
                .append(",\"p99\":").append(report.latencyUs(99))
                .append(",\"p99.9\":").append(report.latencyUs(99.9))
                .append(",\"slo\":").append(percentileUs).append('}')
                .append(",\"errors\":").append(report.errorsTotal())
                .append(",\"clientBusy\":").append(BenchReport.number(report.clientBusy()))
                .append(",\"sendDelayP99Micros\":").append(report.sendDelayUs(99))
                .append(",\"verdict\":\"").append(verdict.key()).append("\"}");
    }
}
