package atlas.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the real {@code curl} binary: {@code curl -sS --max-time 60 -D HEADERS -o BODY args…} and returns the
 * exit code, stderr, the final response's status and headers (1xx interim responses skipped) and the body.
 */
final class HttpCurl {
    static final int MAX_TIME_SECONDS = 60;
    private static final AtomicInteger RUNS = new AtomicInteger();

    private final Path workDir;

    HttpCurl(Path workDir) {
        this.workDir = workDir;
    }

    /** The outcome of one curl run. Header names are case-insensitive; {@code headers} keeps every value. */
    record Response(int exit, String stderr, String statusLine, int status, Map<String, List<String>> headers,
                    byte[] body, String rawHeaders) {
        /** The single value of {@code name}, or null when absent; several values are joined with ", ". */
        String header(String name) {
            List<String> values = headers.get(name);
            return values == null ? null : String.join(", ", values);
        }

        String bodyText() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder("curl exit ").append(exit).append(", ").append(statusLine).append('\n');
            headers.forEach((k, v) -> v.forEach(value -> s.append(k).append(": ").append(value).append('\n')));
            s.append("body ").append(body.length).append(" bytes");
            if (body.length > 0 && body.length <= 300) {
                s.append(": ").append(bodyText());
            }
            if (!stderr.isEmpty()) {
                s.append("\nstderr: ").append(stderr);
            }
            return s.toString();
        }
    }

    Response run(String... args) throws IOException, InterruptedException {
        int n = RUNS.incrementAndGet();
        Path headerFile = workDir.resolve("curl-" + n + ".headers");
        Path bodyFile = workDir.resolve("curl-" + n + ".body");
        Path errFile = workDir.resolve("curl-" + n + ".err");
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", String.valueOf(MAX_TIME_SECONDS),
                "-D", headerFile.toString(), "-o", bodyFile.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(errFile.toFile()).start();
        if (!p.waitFor(MAX_TIME_SECONDS + 10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("curl " + String.join(" ", args) + " did not finish");
        }
        String stderr = Files.exists(errFile) ? Files.readString(errFile) : "";
        String rawHeaders = Files.exists(headerFile) ? Files.readString(headerFile, StandardCharsets.ISO_8859_1) : "";
        byte[] body = Files.exists(bodyFile) ? Files.readAllBytes(bodyFile) : new byte[0];
        for (Path f : List.of(headerFile, bodyFile, errFile)) {
            Files.deleteIfExists(f);
        }
        String statusLine = "";
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (String line : rawHeaders.split("\r\n")) {
            if (line.startsWith("HTTP/")) {
                statusLine = line;
                headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER); // a later response replaces a 1xx
            } else if (!line.isEmpty()) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    headers.computeIfAbsent(line.substring(0, colon), k -> new ArrayList<>())
                            .add(line.substring(colon + 1).trim());
                }
            }
        }
        int status = -1;
        String[] parts = statusLine.split(" ");
        if (parts.length >= 2) {
            status = Integer.parseInt(parts[1]);
        }
        return new Response(p.exitValue(), stderr, statusLine, status, headers, body, rawHeaders);
    }
}
