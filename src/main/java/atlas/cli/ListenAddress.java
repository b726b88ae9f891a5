package atlas.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A {@code HOST:PORT} to listen on. {@code host} is kept without brackets (what socket APIs want); IPv6
 * literals must be written in brackets on the command line ({@code [::1]:8080}) because otherwise the last
 * colon of the address and the port separator cannot be told apart.
 */
record ListenAddress(String host, int port) {
    static final String EXPECTED = "expected HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080";

    static ListenAddress parse(String value) {
        String v = value.trim();
        String host;
        String port;
        if (v.startsWith("[")) {
            int close = v.indexOf(']');
            if (close < 0 || close + 1 >= v.length() || v.charAt(close + 1) != ':') {
                throw new TypeConversionException(EXPECTED);
            }
            host = v.substring(1, close);
            port = v.substring(close + 2);
        } else {
            int colon = v.lastIndexOf(':');
            if (colon < 0) {
                throw new TypeConversionException(EXPECTED);
            }
            host = v.substring(0, colon);
            port = v.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw new TypeConversionException("IPv6 addresses go in brackets, e.g. [::1]:8080");
            }
        }
        if (host.isEmpty()) {
            throw new TypeConversionException("empty host; " + EXPECTED);
        }
        if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(Character::isDigit)) {
            throw new TypeConversionException("port must be a number 0-65535");
        }
        int p = Integer.parseInt(port);
        if (p > 65535) {
            throw new TypeConversionException("port must be a number 0-65535");
        }
        return new ListenAddress(host, p);
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    static final class Converter implements ITypeConverter<ListenAddress> {
        @Override
        public ListenAddress convert(String value) {
            return parse(value);
        }
    }
}
