package atlas.it;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of a {@code multipart/byteranges} body (RFC 9110 §14.6, RFC 2046 §5.1.1):
 * <pre>
 *   [preamble CRLF] "--" boundary CRLF  headers CRLF CRLF  data
 *   CRLF "--" boundary CRLF  headers CRLF CRLF  data
 *   CRLF "--" boundary "--" [CRLF epilogue]
 * </pre>
 */
final class HttpMultipart {
    private static final Pattern BOUNDARY = Pattern.compile("boundary=(\"?)([^\";]+)\\1");

    private HttpMultipart() {
    }

    record Part(Map<String, String> headers, byte[] data) {
    }

    static String boundary(String contentType) {
        Matcher m = BOUNDARY.matcher(contentType);
        if (!m.find()) {
            throw new AssertionError("no boundary parameter in Content-Type: " + contentType);
        }
        return m.group(2);
    }

    static List<Part> parse(String contentType, byte[] body) {
        byte[] delimiter = ("\r\n--" + boundary(contentType)).getBytes(StandardCharsets.ISO_8859_1);
        // The first delimiter may open the body without the leading CRLF.
        int pos = startsWith(body, 0, Arrays.copyOfRange(delimiter, 2, delimiter.length)) ? delimiter.length - 2
                : indexOf(body, delimiter, 0) + delimiter.length;
        if (pos < delimiter.length - 2) {
            throw new AssertionError("no opening boundary in the multipart body");
        }
        List<Part> parts = new ArrayList<>();
        while (true) {
            if (startsWith(body, pos, "--".getBytes(StandardCharsets.ISO_8859_1))) {
                return parts; // close delimiter
            }
            expect(body, pos, "\r\n");
            pos += 2;
            int headEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), pos);
            if (headEnd < 0) {
                throw new AssertionError("part " + parts.size() + " has no end of headers");
            }
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            String head = new String(body, pos, headEnd - pos, StandardCharsets.ISO_8859_1);
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    throw new AssertionError("bad part header line '" + line + "'");
                }
                headers.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
            int dataStart = headEnd + 4;
            int next = indexOf(body, delimiter, dataStart);
            if (next < 0) {
                throw new AssertionError("part " + parts.size() + " is not followed by a boundary");
            }
            parts.add(new Part(headers, Arrays.copyOfRange(body, dataStart, next)));
            pos = next + delimiter.length;
        }
    }

    private static void expect(byte[] body, int pos, String text) {
        if (!startsWith(body, pos, text.getBytes(StandardCharsets.ISO_8859_1))) {
            throw new AssertionError("expected " + text.replace("\r", "\\r").replace("\n", "\\n") + " at " + pos);
        }
    }

    private static boolean startsWith(byte[] body, int pos, byte[] prefix) {
        if (pos + prefix.length > body.length) {
            return false;
        }
        return Arrays.equals(body, pos, pos + prefix.length, prefix, 0, prefix.length);
    }

    /** Naive search: bodies here are a few kilobytes. The boundary is chosen not to occur in the data. */
    private static int indexOf(byte[] body, byte[] needle, int from) {
        for (int i = from; i + needle.length <= body.length; i++) {
            if (startsWith(body, i, needle)) {
                return i;
            }
        }
        return -1;
    }
}
