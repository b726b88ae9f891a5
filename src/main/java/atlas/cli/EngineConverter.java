package atlas.cli;

import atlas.server.ServerConfig.EngineKind;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.util.Locale;

/** {@code auto|uring|nio}, any case; written in lower case because that is how the help and README show it. */
final class EngineConverter implements ITypeConverter<EngineKind> {
    static final String EXPECTED = "expected auto, uring or nio";

    @Override
    public EngineKind convert(String value) {
        try {
            return EngineKind.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(EXPECTED);
        }
    }
}
