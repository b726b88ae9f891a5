package atlas.loadgen;

/**
 * What one step of an SLO search ({@link RateSearch}) found at its rate. Only {@link #MET} counts as meeting the
 * SLO; the others say why not, and which side to blame, since a search that hits the client's own limit has not
 * found the server's.
 */
public enum StepVerdict {
    /** The percentile stayed within the SLO, the arrivals were served and neither side fell behind. */
    MET("met", "ok"),
    /** Everything kept up but the percentile was over the SLO. */
    SLO_EXCEEDED("slo-exceeded", "over SLO"),
    /** Fewer than {@link #KEEP_UP_FRACTION} of the arrivals due were answered, and not for the client's sake. */
    SERVER_BEHIND("server-behind", "server could not keep up"),
    /** The client's own loop was saturated or held sends back: the figures would be the client's, not the server's. */
    CLIENT_BEHIND("client-behind", "client could not keep up"),
    /** More than {@link #ERROR_BUDGET} of the responses were errors (or nothing but errors came back). */
    ERRORS("errors", "errors"),
    /**
     * Fewer responses than {@link #minSamples} for the SLO's percentile: with 20 responses a "p99" is their maximum,
     * luck rather than a measurement, so the step cannot count as meeting the SLO.
     */
    TOO_FEW("too-few", "too few responses");

    /** Responses completed over arrivals due below this: someone is not keeping up with the schedule. */
    static final double KEEP_UP_FRACTION = 0.95;
    /** The busiest client thread above this share of the step is saturated: its loop delays sends and reads. */
    static final double CLIENT_BUSY_LIMIT = 0.90;
    /**
     * The client's own send delay at p99 above this share of the SLO: the measured latency would be a large part
     * the client's. A quarter leaves the server three quarters of the budget however the two add up.
     */
    static final double CLIENT_DELAY_SHARE = 0.25;
    /** Errors (transport failures, timeouts, non-2xx) above this share of the responses fail a step. */
    static final double ERROR_BUDGET = 0.001;

    private final String key;
    private final String label;

    StepVerdict(String key, String label) {
        this.key = key;
        this.label = label;
    }

    /** For JSON. */
    public String key() {
        return key;
    }

    /** For the step line. */
    public String label() {
        return label;
    }

    /**
     * Judges one step, in this order: errors, then the client, then the schedule, then latency: a client that
     * fell behind makes the latency meaningless, and so does a server that answered only part of the arrivals
     * (the percentile of the answered ones hides the rest).
     *
     * @param due             arrivals whose intended time fell in the step
     * @param completed       responses in the step
     * @param errors          failed requests and non-2xx responses in the step
     * @param percentileUs    latency at the SLO's percentile
     * @param clientBusy      the busiest client thread's busy share of the step, 0-1
     * @param sendDelayP99Us  the client's own send delay at p99
     */
    public static StepVerdict judge(Slo slo, long due, long completed, long errors, long percentileUs,
                                    double clientBusy, long sendDelayP99Us) {
        if (errors > 0 && errors > completed * ERROR_BUDGET) {
            return ERRORS;
        }
        if (clientBusy >= CLIENT_BUSY_LIMIT || sendDelayP99Us > slo.latencyUs() * CLIENT_DELAY_SHARE) {
            return CLIENT_BEHIND;
        }
        if (completed == 0 || completed < due * KEEP_UP_FRACTION) {
            return SERVER_BEHIND;
        }
        if (percentileUs > slo.latencyUs()) {
            return SLO_EXCEEDED; // a few responses suffice to show a percentile is too high, not that it is low
        }
        return completed < minSamples(slo) ? TOO_FEW : MET;
    }

    /** Responses needed for the percentile to be more than the maximum: 100 for p99, 1000 for p99.9. */
    public static long minSamples(Slo slo) {
        return (long) Math.ceil(100 / (100 - slo.percentile()) - 1e-9);
    }
}
