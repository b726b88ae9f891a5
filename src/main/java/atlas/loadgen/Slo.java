package atlas.loadgen;

import java.math.BigDecimal;
import java.util.Locale;

/**
 * A latency objective for {@code atlas bench --slo}: the latency at {@code percentile} (0-100, exclusive) must be at
 * most {@code latencyUs}. Written {@code LATENCY[@PERCENTILE]}, e.g. {@code 500us} (p99) or {@code 1ms@99.9}, as
 * mutilate's {@code --search 99:500} but with the unit spelled out.
 */
public record Slo(long latencyUs, double percentile) {
    public static final double DEFAULT_PERCENTILE = 99;
    static final String EXPECTED = "expected LATENCY[@PERCENTILE], e.g. 500us, 2ms or 1ms@99.9";

    public Slo {
        if (latencyUs < 1 || latencyUs > LoadWorker.MAX_LATENCY_US) {
            throw new IllegalArgumentException("latency must be 1us-1h, got " + latencyUs + " us");
        }
        if (!(percentile > 0 && percentile < 100)) {
            throw new IllegalArgumentException("percentile must be between 0 and 100 (exclusive), got " + percentile);
        }
    }

    /**
     * Parses {@code 500us}, {@code 500µs}, {@code 0.5ms}, {@code 2ms@99.9}, {@code 1s@50}.
     *
     * @throws IllegalArgumentException with a one-line reason
     */
    public static Slo parse(String text) {
        String v = text.trim().toLowerCase(Locale.ROOT);
        double percentile = DEFAULT_PERCENTILE;
        int at = v.indexOf('@');
        if (at >= 0) {
            String p = v.substring(at + 1).trim();
            if (p.startsWith("p")) {
                p = p.substring(1);
            }
            try {
                percentile = Double.parseDouble(p);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(EXPECTED + "; '" + p + "' is not a percentile");
            }
            if (!(percentile > 0 && percentile < 100)) {
                throw new IllegalArgumentException(EXPECTED + "; the percentile must be between 0 and 100");
            }
            v = v.substring(0, at).trim();
        }
        int unit = 0;
        while (unit < v.length() && (Character.isDigit(v.charAt(unit)) || v.charAt(unit) == '.')) {
            unit++;
        }
        if (unit == 0 || unit == v.length()) {
            throw new IllegalArgumentException(EXPECTED);
        }
        long microsPerUnit = switch (v.substring(unit).trim()) {
            case "us", "µs", "μs" -> 1; // µ is MICRO SIGN, μ GREEK SMALL LETTER MU: both get typed
            case "ms" -> 1_000;
            case "s" -> 1_000_000;
            default -> throw new IllegalArgumentException(EXPECTED);
        };
        BigDecimal micros;
        try {
            micros = new BigDecimal(v.substring(0, unit)).multiply(BigDecimal.valueOf(microsPerUnit));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(EXPECTED);
        }
        if (micros.compareTo(BigDecimal.ONE) < 0
                || micros.compareTo(BigDecimal.valueOf(LoadWorker.MAX_LATENCY_US)) > 0) {
            throw new IllegalArgumentException(EXPECTED + "; the latency must be 1us-1h");
        }
        return new Slo(micros.setScale(0, java.math.RoundingMode.HALF_UP).longValueExact(), percentile);
    }

    /** {@code p99}, {@code p99.9}. */
    public String percentileLabel() {
        return "p" + BigDecimal.valueOf(percentile).stripTrailingZeros().toPlainString();
    }

    /**
     * {@code p99 ≤ 500 µs}, or {@code p99 <= 500 us} where the output cannot encode those characters (a C locale
     * turns them into question marks).
     */
    public String describe(boolean unicode) {
        return percentileLabel() + (unicode ? " ≤ " : " <= ") + latency(unicode);
    }

    /** {@code 500 µs}, {@code 1 ms}, {@code 2.5 ms}, {@code 1 s}: exact, unlike the reports' three figures. */
    public String latency(boolean unicode) {
        if (latencyUs < 1_000) {
            return latencyUs + (unicode ? " µs" : " us");
        }
        if (latencyUs < 1_000_000) {
            return BigDecimal.valueOf(latencyUs, 3).stripTrailingZeros().toPlainString() + " ms";
        }
        return BigDecimal.valueOf(latencyUs, 6).stripTrailingZeros().toPlainString() + " s";
    }
}
