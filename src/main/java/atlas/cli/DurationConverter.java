package atlas.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.time.Duration;
import java.util.Locale;

/**
 * DURATION values such as {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}, {@code 365d}: a non-negative integer
 * and a mandatory unit. The unit is mandatory because a bare "30" is ambiguous between the seconds people mean and
 * the milliseconds some tools use.
 */
final class DurationConverter implements ITypeConverter<Duration> {
    static final String EXPECTED = "expected DURATION, e.g. 500ms, 10s, 2m, 1h or 365d";

    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    /** The inverse of {@link #parse} to the millisecond: the largest exact unit, so 365d, 2m, 75s, 500ms, 0s. */
    static String format(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0s";
        }
        if (ms % 86_400_000 == 0) {
            return ms / 86_400_000 + "d";
        }
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    static Duration parse(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        int digits = 0;
        while (digits < v.length() && Character.isDigit(v.charAt(digits))) {
            digits++;
        }
        if (digits == 0 || digits == v.length()) {
            throw new TypeConversionException(EXPECTED);
        }
        long number;
        try {
            number = Long.parseLong(v.substring(0, digits));
        } catch (NumberFormatException e) {
            throw new TypeConversionException("too large");
        }
        try {
            return switch (v.substring(digits)) {
                case "ms" -> Duration.ofMillis(number);
                case "s" -> Duration.ofSeconds(number);
                case "m", "min" -> Duration.ofMinutes(number);
                case "h" -> Duration.ofHours(number);
                case "d" -> Duration.ofDays(number); // 24 h: what HSTS max-age and retention mean by a day
                default -> throw new TypeConversionException(EXPECTED);
            };
        } catch (ArithmeticException e) {
            throw new TypeConversionException("too large");
        }
    }
}
