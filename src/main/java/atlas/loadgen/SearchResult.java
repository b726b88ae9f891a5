package atlas.loadgen;

import java.util.List;
import java.util.Locale;

/**
 * The outcome of a {@link RateSearch}: every step, the highest rate that met the SLO, and the step that bounds it
 * from above (the lowest rate that did not), whose verdict says whether the limit found is the server's.
 */
public final class SearchResult {
    private final Slo slo;
    private final long startRate;
    private final int maxSteps;
    private final List<SearchStep> steps;
    private final long elapsedNs;
    private final SearchStep best;
    private final SearchStep limit;

    SearchResult(Slo slo, long startRate, int maxSteps, List<SearchStep> steps, long elapsedNs) {
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("a search has at least one step");
        }
        this.slo = slo;
        this.startRate = startRate;
        this.maxSteps = maxSteps;
        this.steps = List.copyOf(steps);
        this.elapsedNs = elapsedNs;
        SearchStep met = null;
        SearchStep failed = null;
        SearchStep lowest = steps.getFirst();
        for (SearchStep s : steps) {
            if (s.verdict() == StepVerdict.MET) {
                met = met == null || s.targetRate() > met.targetRate() ? s : met;
            } else if (s.verdict() != StepVerdict.TOO_FEW) { // inconclusive, not a limit
                failed = failed == null || s.targetRate() < failed.targetRate() ? s : failed;
            }
            lowest = s.targetRate() < lowest.targetRate() ? s : lowest;
        }
        // Without a rate that met the SLO, the lowest that failed says the most about why (below it, if anything,
        // only steps with too few responses to tell).
        this.best = met != null ? met : failed != null ? failed : lowest;
        this.limit = failed;
    }

    public List<SearchStep> steps() {
        return steps;
    }

    /** The highest target rate that met the SLO, 0 if none did. */
    public long highestRate() {
        return best.verdict() == StepVerdict.MET ? best.targetRate() : 0;
    }

    /** The step at that rate; if none met the SLO, the lowest-rate step that failed, else the lowest tried. */
    public SearchStep best() {
        return best;
    }

    /**
     * The lowest-rate step that did not meet the SLO, or null if every step did (steps with too few responses to
     * tell do not count either way).
     */
    public SearchStep limit() {
        return limit;
    }

    /**
     * The best step's report, then the search, ending in {@code highest rate meeting p99 ≤ 500 µs: N req/s}.
     *
     * @param unicode whether the output can show ≤ and µ
     */
    public String text(boolean unicode) {
        StringBuilder s = new StringBuilder(best.report().text());
        s.append(String.format(Locale.ROOT, "search    %d %s in %.1f s from %d req/s", steps.size(),
                steps.size() == 1 ? "step" : "steps", elapsedNs / 1e9, startRate));
        if (limit != null) {
            s.append(String.format(Locale.ROOT, "; lowest rate not meeting it: %d req/s (%s)", limit.targetRate(),
                    limit.verdictText(slo)));
        }
        s.append(System.lineSeparator());
        String note = note();
        if (note != null) {
            s.append("note      ").append(note).append(System.lineSeparator());
        }
        s.append("highest rate meeting ").append(slo.describe(unicode)).append(": ");
        if (highestRate() > 0) {
            s.append(highestRate()).append(" req/s");
        } else {
            s.append(String.format(Locale.ROOT, "none (lowest tried: %d req/s)", lowestTried()));
        }
        return s.append(System.lineSeparator()).toString();
    }

    /** When the limit found may not be the server's, why. */
    private String note() {
        if (limit == null) {
            return steps.size() >= maxSteps
                    ? "every step met the SLO, so the server may do more: start higher with --rate"
                    : null;
        }
        return switch (limit.verdict()) {
            case CLIENT_BEHIND -> limit.report().clientBusy() >= StepVerdict.CLIENT_BUSY_LIMIT
                    ? String.format(Locale.ROOT, "at %d req/s this client was the bottleneck, not necessarily the "
                    + "server: add --threads, or load from more boxes", limit.targetRate())
                    : String.format(Locale.ROOT, "at %d req/s this client's thread, though mostly idle, was not run on "
                    + "time: other work on this machine (the server's too, if it runs here) came first; the server "
                    + "may do more", limit.targetRate());
            case SERVER_BEHIND -> limit.report().waitedForConnection() * 20 > limit.report().arrivalsDue()
                    ? String.format(Locale.ROOT, "at %d req/s many arrivals waited for one of the %d connections: "
                    + "more --connections may get further", limit.targetRate(), connections())
                    : null;
            default -> null;
        };
    }

    /** Why no rate met the SLO: the lowest rate that failed, else the lowest tried (too few responses there). */
    public String noRateReason() {
        return "at " + best.targetRate() + " req/s: " + best.verdictText(slo);
    }

    private long lowestTried() {
        long lowest = Long.MAX_VALUE;
        for (SearchStep s : steps) {
            lowest = Math.min(lowest, s.targetRate());
        }
        return lowest;
    }

    private int connections() {
        return best.report().connections();
    }

    /**
     * The best step's report as JSON ({@link BenchReport#json()}), plus {@code highestRateMeetingSlo} and a
     * {@code search} object with the SLO and every step.
     */
    public String json() {
        StringBuilder s = new StringBuilder("{");
        best.report().appendJsonFields(s);
        s.append(",\"highestRateMeetingSlo\":").append(highestRate());
        s.append(",\"search\":{\"slo\":{\"percentile\":").append(BenchReport.number(slo.percentile()))
                .append(",\"latencyMicros\":").append(slo.latencyUs()).append('}')
                .append(",\"startRate\":").append(startRate)
                .append(",\"maxSteps\":").append(maxSteps)
                .append(",\"elapsedSeconds\":").append(BenchReport.number(elapsedNs / 1e9))
                .append(",\"limitedBy\":").append(limit == null ? "null" : "\"" + limit.verdict().key() + "\"")
                .append(",\"lowestFailedRate\":").append(limit == null ? "null" : Long.toString(limit.targetRate()))
                .append(",\"steps\":[");
        for (int i = 0; i < steps.size(); i++) {
            if (i > 0) {
                s.append(',');
            }
            steps.get(i).appendJson(s);
        }
        return s.append("]}}").toString();
    }
}
