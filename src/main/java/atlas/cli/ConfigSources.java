package atlas.cli;

import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where each setting of {@code atlas serve} comes from. One precedence order, highest first:
 * <ol>
 *   <li>the command line ({@code --listen 127.0.0.1:8080});</li>
 *   <li>the environment: {@code ATLAS_} + the flag's name in upper case with {@code _} for {@code -}
 *       ({@code ATLAS_LISTEN}, {@code ATLAS_IDLE_TIMEOUT}, {@code ATLAS_DATA});</li>
 *   <li>the config file ({@code --config FILE}, {@code ATLAS_CONFIG}, else {@code DATA/atlas.conf} when it exists);</li>
 *   <li>the built-in default.</li>
 * </ol>
 * File format: UTF-8 text, one {@code key = value} per line, keys being the long flag names without {@code --};
 * {@code #} starts a comment line; blank lines are ignored; flags without a value take {@code true} or
 * {@code false} ({@code no-demo = true}). A value from the environment or the file goes through the very
 * converter the flag uses, so it is accepted and refused exactly as on the command line; every mistake is one
 * line naming where it was ({@code /etc/atlas.conf:3: invalid value for listen: 'abc' (expected HOST:PORT …)}).
 */
final class ConfigSources {
    /** Where one value came from and what it said. */
    record Origin(String where, String raw) {
        static final Origin FLAG = new Origin("flag", null);
        static final Origin DEFAULT = new Origin("default", null);
    }

    /** A {@code key = value} of the file and its line number. */
    record Setting(String value, int line) {
    }

    static final String FILE_NAME = "atlas.conf";

    private final CommandSpec spec;
    private final Map<String, Origin> origins = new LinkedHashMap<>();

    ConfigSources(CommandSpec spec) {
        this.spec = spec;
    }

    static String envName(String key) {
        return "ATLAS_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /**
     * Fills each option of {@code keys} (long names without {@code --}) not given on the command line from the
     * environment, else from {@code fileSettings} (read from {@code file}).
     */
    void apply(List<String> keys, Map<String, String> env, Path file, Map<String, Setting> fileSettings) {
        for (String key : keys) {
            OptionSpec option = spec.findOption("--" + key);
            if (spec.commandLine().getParseResult() != null
                    && spec.commandLine().getParseResult().hasMatchedOption(option)) {
                origins.put(key, Origin.FLAG);
                continue;
            }
            String envValue = env.get(envName(key));
            if (envValue != null) {
                set(option, key, envValue, envName(key));
                origins.put(key, new Origin("environment " + envName(key), envValue));
                continue;
            }
            Setting s = fileSettings.get(key);
            if (s != null) {
                String where = file + ":" + s.line();
                set(option, key, s.value(), where);
                origins.put(key, new Origin("file " + where, s.value()));
                continue;
            }
            origins.put(key, Origin.DEFAULT);
        }
    }

    /**
     * Marks {@code key}'s value as a default computed at start-up and says {@code how}, for {@code --print-config}:
     * {@code # default: a quarter of 23.5 GiB of memory over 2 cores, within 16m-256m}.
     */
    void derived(String key, String how) {
        origins.put(key, new Origin(Origin.DEFAULT.where() + ": " + how, null));
    }

    Origin origin(String key) {
        return origins.getOrDefault(key, Origin.DEFAULT);
    }

    /**
     * The problem with a value that converted but is out of range, worded for where it came from: a flag keeps the
     * command line's wording, an environment variable or a file line is named.
     */
    ParameterException invalid(String key, String why) {
        Origin o = origin(key);
        if (o.raw() != null) {
            String where = o.where().startsWith("file ") ? o.where().substring(5) : o.where().substring(12);
            return new ParameterException(spec.commandLine(),
                    where + ": invalid value for " + key + ": '" + o.raw() + "' (" + why + ")");
        }
        List<String> typed = spec.findOption("--" + key).originalStringValues();
        String value = typed.isEmpty() ? "" : typed.getLast();
        return new ParameterException(spec.commandLine(),
                "invalid value for --" + key + ": '" + value + "' (" + why + ")");
    }

    private void set(OptionSpec option, String key, String value, String where) {
        try {
            option.setValue(convert(option, value.strip()));
        } catch (TypeConversionException e) {
            throw new ParameterException(spec.commandLine(),
                    where + ": invalid value for " + key + ": '" + value + "' (" + expected(option, e) + ")");
        } catch (Exception e) {
            throw new ParameterException(spec.commandLine(),
                    where + ": invalid value for " + key + ": '" + value + "' (" + e.getMessage() + ")");
        }
    }

    private static String expected(OptionSpec option, TypeConversionException e) {
        Class<?> type = option.type();
        if (option.converters().length == 0 && (type == int.class || type == Integer.class)) {
            return "expected a whole number";
        }
        return e.getMessage();
    }

    private static Object convert(OptionSpec option, String value) throws Exception {
        if (option.isMultiValue()) {
            // A repeatable option (--retain) from one file line or variable: its values separated by commas.
            return java.util.Arrays.stream(value.split(",")).map(String::strip).filter(v -> !v.isEmpty())
                    .collect(java.util.stream.Collectors.toCollection(java.util.ArrayList::new));
        }
        ITypeConverter<?>[] converters = option.converters();
        if (converters.length > 0) {
            return converters[0].convert(value);
        }
        Class<?> type = option.type();
        if (type == boolean.class || type == Boolean.class) {
            return switch (value.toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on", "1" -> true;
                case "false", "no", "off", "0" -> false;
                default -> throw new TypeConversionException("expected true or false");
            };
        }
        if (type == int.class || type == Integer.class) {
            try {
                return Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new TypeConversionException("expected a whole number");
            }
        }
        if (type == Path.class) {
            return Path.of(value);
        }
        if (type == String.class) {
            return value;
        }
        throw new TypeConversionException("cannot be set here");
    }

    /**
     * Reads {@code key = value} lines; each malformed line, unknown key or repeated key is refused with
     * {@code FILE:LINE: why}.
     */
    static Map<String, Setting> readFile(CommandLine cmd, Path file, List<String> keys, List<String> notInFile) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ParameterException(cmd, "cannot read config file " + file + ": "
                    + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()));
        }
        Map<String, Setting> settings = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            String where = file + ":" + lineNo + ": ";
            if (eq < 0) {
                throw new ParameterException(cmd, where + "expected 'key = value', got '" + line + "'");
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            if (key.startsWith("--")) {
                key = key.substring(2);
            }
            if (notInFile.contains(key)) {
                throw new ParameterException(cmd, where + "'" + key + "' cannot be set in the config file "
                        + "(use --" + key + " or " + envName(key) + ")");
            }
            if (!keys.contains(key)) {
                throw new ParameterException(cmd, where + "unknown setting '" + key + "' (known: "
                        + String.join(", ", keys.stream().filter(k -> !notInFile.contains(k)).toList()) + ")");
            }
            if (value.isEmpty()) {
                throw new ParameterException(cmd, where + "no value for '" + key + "'");
            }
            Setting earlier = settings.putIfAbsent(key, new Setting(value, lineNo));
            if (earlier != null) {
                throw new ParameterException(cmd, where + "'" + key + "' already set on line " + earlier.line());
            }
        }
        return settings;
    }
}
