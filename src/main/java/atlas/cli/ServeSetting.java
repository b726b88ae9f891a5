package atlas.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * One setting of {@code atlas serve}, declared once ({@link ServeSettings}): its flag, its help, how a value is parsed,
 * checked and written back, and its {@link Default}. The default {@code --help} shows, the one
 * {@code --print-config} prints and the one the server gets are all this one {@link Default}, so they cannot drift
 * apart.
 * <p>
 * The value lives in the picocli option the setting adds to the command: parsing fills it from a flag,
 * {@link ConfigSources} from the environment or the config file; null until one of them sets it. A setting holds no
 * value itself, so one table serves every {@link CommandSpec} (tests build many).
 *
 * @param <T> the value's type, as the option converts it
 */
final class ServeSetting<T> {
    /** What applies when no flag, variable or file line sets a setting. */
    sealed interface Default<T> {
        /** A constant: the one shown by {@code --help}, printed and used. */
        record Fixed<T>(T value) implements Default<T> {
        }

        /** Computed at start-up from the machine or other settings; {@code how} is what {@code --help} says. */
        record Derived<T>(String how) implements Default<T> {
        }

        /**
         * No value, the feature is off: {@code --help} says {@code help} (null: nothing), {@code --print-config}
         * writes the line as a comment, {@code # key = printed}, since an empty value would not be a valid line.
         */
        record Off<T>(String help, String printed) implements Default<T> {
        }
    }

    /** A rule a value that was set must pass, and what the refusal says: "invalid value for … (why)". */
    record Check<T>(Predicate<T> valid, String why) {
    }

    static <T> Default<T> fixed(T value) {
        return new Default.Fixed<>(value);
    }

    static <T> Default<T> derived(String how) {
        return new Default.Derived<>(how);
    }

    static <T> Default<T> off(String help, String printed) {
        return new Default.Off<>(help, printed);
    }

    private final String key;
    private final String paramLabel;
    private final Class<T> type;
    private final ITypeConverter<T> converter;
    private final Function<T, String> format;
    private final Default<T> fallback;
    private final String description;
    private final Check<T> check;
    private final ServeSetting<?> onlyWith;

    private ServeSetting(String key, String paramLabel, Class<T> type, ITypeConverter<T> converter,
                         Function<T, String> format, Default<T> fallback, String description, Check<T> check,
                         ServeSetting<?> onlyWith) {
        this.key = key;
        this.paramLabel = paramLabel;
        this.type = type;
        this.converter = converter;
        this.format = format;
        this.fallback = fallback;
        this.description = description;
        this.check = check;
        this.onlyWith = onlyWith;
    }

    /**
     * A setting taking one value; {@code converter} null means picocli's own for {@code type} (and its "expected a
     * whole number" wording, see {@link UsageErrorHandler}). {@code description} is one sentence without its full
     * stop: the help appends " (default: …)." to it.
     */
    static <T> ServeSetting<T> of(String key, String paramLabel, Class<T> type, ITypeConverter<T> converter,
                                  Function<T, String> format, Default<T> fallback, String description) {
        return new ServeSetting<>(key, paramLabel, type, converter, format, fallback, description, null, null);
    }

    static ServeSetting<Duration> duration(String key, Default<Duration> fallback, String description) {
        return of(key, "DURATION", Duration.class, new DurationConverter(), DurationConverter::format, fallback,
                description);
    }

    static ServeSetting<Long> size(String key, Default<Long> fallback, String description) {
        return of(key, "SIZE", Long.class, new SizeConverter(), SizeConverter::format, fallback, description);
    }

    static ServeSetting<ListenAddress> address(String key, Default<ListenAddress> fallback, String description) {
        return of(key, "HOST:PORT", ListenAddress.class, new ListenAddress.Converter(), ListenAddress::toString,
                fallback, description);
    }

    /** A file; printed absolute, because that is the file the server opens whatever its working directory. */
    static ServeSetting<Path> file(String key, Default<Path> fallback, String description) {
        return of(key, "FILE", Path.class, null, p -> p.toAbsolutePath().toString(), fallback, description);
    }

    /** A flag without a value; its default, false, goes without saying in the help. */
    static ServeSetting<Boolean> flag(String key, String description) {
        return of(key, null, Boolean.class, null, b -> Boolean.toString(b), fixed(false), description);
    }

    /** Repeatable; one file line or variable holds several values separated by commas. */
    @SuppressWarnings("unchecked") // List.class is the class of every List<String>; erasure has no List<String>.class
    static ServeSetting<List<String>> list(String key, String paramLabel, Function<List<String>, String> format,
                                           Default<List<String>> fallback, String description) {
        Class<List<String>> type = (Class<List<String>>) (Class<?>) List.class;
        return of(key, paramLabel, type, null, format, fallback, description);
    }

    /** This setting refusing a value that fails {@code check}. */
    ServeSetting<T> check(Check<T> check) {
        return new ServeSetting<>(key, paramLabel, type, converter, format, fallback, description, check, onlyWith);
    }

    /** This setting printed by {@code --print-config} only when {@code other} has a value (it applies only then). */
    ServeSetting<T> onlyWith(ServeSetting<?> other) {
        return new ServeSetting<>(key, paramLabel, type, converter, format, fallback, description, check, other);
    }

    /** The long flag name without {@code --}, which is also the config file's key. */
    String key() {
        return key;
    }

    Default<T> fallback() {
        return fallback;
    }

    /** The picocli option this setting adds to the command. */
    OptionSpec option() {
        OptionSpec.Builder b = OptionSpec.builder("--" + key).type(type).description(help());
        if (paramLabel == null) {
            b.arity("0");
        } else {
            b.paramLabel(paramLabel);
        }
        if (type == List.class) {
            b.auxiliaryTypes(String.class).splitRegex(",");
        }
        if (converter != null) {
            b.converters(converter);
        }
        return b.build();
    }

    /** The help text: the description and what applies when nothing sets the setting. */
    String help() {
        String shown = switch (fallback) {
            case Default.Fixed<T> f -> paramLabel == null ? null : format.apply(f.value());
            case Default.Derived<T> d -> d.how();
            case Default.Off<T> o -> o.help();
        };
        // picocli reads descriptions as format strings: a literal % (as in "up N%") must be doubled.
        return (description + (shown == null ? "" : " (default: " + shown + ")") + ".").replace("%", "%%");
    }

    /** The value set by a flag, a variable or the file, else the fixed default; null when off or not yet derived. */
    T value(CommandSpec spec) {
        T given = type.cast(spec.findOption("--" + key).getValue());
        if (given == null && fallback instanceof Default.Fixed<T> f) {
            return f.value();
        }
        return given;
    }

    /**
     * The value, else the default {@code derive} computes, which is then kept in the option so that
     * {@code --print-config} writes the very value the server got.
     */
    T orDerived(CommandSpec spec, Supplier<T> derive) {
        T v = value(spec);
        if (v == null) {
            v = derive.get();
            spec.findOption("--" + key).setValue(v);
        }
        return v;
    }

    /** Refuses a value that was set and fails this setting's check; defaults are tested to pass (ServeSettingsTest). */
    void check(CommandSpec spec, ConfigSources sources) {
        T given = type.cast(spec.findOption("--" + key).getValue());
        if (check != null && given != null && !check.valid().test(given)) {
            throw sources.invalid(key, check.why());
        }
    }

    /** True when {@code value} passes this setting's check (there may be none). */
    boolean accepts(T value) {
        return check == null || check.valid().test(value);
    }

    /** Whether {@code --print-config} has a line for this setting: not for one that applies only with another. */
    boolean printed(CommandSpec spec) {
        return onlyWith == null || onlyWith.value(spec) != null;
    }

    /** The value as a config file line would have it; null when off (no value, or an empty list). */
    String formatted(CommandSpec spec) {
        T v = value(spec);
        if (v == null || v instanceof Collection<?> c && c.isEmpty()) {
            return null;
        }
        return format.apply(v);
    }

    /** What {@code --print-config} writes, commented out, for a setting that is off. */
    String offText() {
        return fallback instanceof Default.Off<T> o ? o.printed() : "none";
    }

}
