package atlas.store;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** What recovery says (the stream {@link Volume#open(VolumeConfig, PrintStream)} writes to), kept for assertions. */
final class CapturedWarnings {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    /** Pass this to {@link Volume#open(VolumeConfig, PrintStream)}. */
    final PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    void reset() {
        bytes.reset();
    }
}
