package atlas.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.util.Locale;

/**
 * SIZE values such as {@code 64g}, {@code 512m}, {@code 4096}: a non-negative integer with an optional binary
 * suffix k, m, g or t (KiB..TiB; "kb", "kib" and upper case accepted too). Binary because volume and buffer
 * sizes are block multiples, and a "64g" volume that is not 64 GiB would surprise an operator sizing a disk.
 */
final class SizeConverter implements ITypeConverter<Long> {
    static final String EXPECTED = "expected SIZE, e.g. 64g, 512m or 4096; suffixes k, m, g, t are powers of 1024";

    @Override
    public Long convert(String value) {
        return parse(value);
    }

    /** The inverse of {@link #parse}: the largest exact binary unit, so 64g, 4g, 1536m, 12345. */
    static String format(long bytes) {
        String[] units = {"t", "g", "m", "k"};
        int[] shifts = {40, 30, 20, 10};
        for (int i = 0; i < units.length; i++) {
            long unit = 1L << shifts[i];
            if (bytes >= unit && bytes % unit == 0) {
                return (bytes / unit) + units[i];
            }
        }
        return Long.toString(bytes);
    }

    static long parse(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        int digits = 0;
        while (digits < v.length() && Character.isDigit(v.charAt(digits))) {
            digits++;
        }
        if (digits == 0) {
            throw new TypeConversionException(EXPECTED);
        }
        int shift = switch (v.substring(digits)) {
            case "", "b" -> 0;
            case "k", "kb", "kib" -> 10;
            case "m", "mb", "mib" -> 20;
            case "g", "gb", "gib" -> 30;
            case "t", "tb", "tib" -> 40;
            default -> throw new TypeConversionException(EXPECTED);
        };
        try {
            long number = Long.parseLong(v.substring(0, digits));
            if (number > (Long.MAX_VALUE >> shift)) {
                throw new TypeConversionException("too large");
            }
            return number << shift;
        } catch (NumberFormatException e) {
            throw new TypeConversionException("too large");
        }
    }
}
