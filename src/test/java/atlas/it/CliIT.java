package atlas.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The CLI as users run it: the shaded jar in a child JVM, checked by exit code, stdout and stderr. */
class CliIT {
    @TempDir
    Path tmp;

    record Run(int exit, String out, String err) {
        List<String> errLines() {
            return err.isEmpty() ? List.of() : Arrays.asList(err.split("\n"));
        }

        List<String> outLines() {
            return out.isEmpty() ? List.of() : Arrays.asList(out.split("\n"));
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private Run atlas(String... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        Process p = new ProcessBuilder(ServerProcess.atlasCommand(List.of(args)))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("atlas " + String.join(" ", args) + " did not finish within 120 s");
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** A small catalogue: playlist + segments in a subfolder + a name that needs URL encoding. */
    private Path catalogue() throws IOException {
        Path dir = tmp.resolve("catalogue");
        Random random = new Random(42);
        write(dir.resolve("vod/title/index.m3u8"), "#EXTM3U\n#EXT-X-ENDLIST\n".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 3; i++) {
            byte[] segment = new byte[10_000 + 70_000 * i];
            random.nextBytes(segment);
            write(dir.resolve("vod/title/seg" + i + ".ts"), segment);
        }
        write(dir.resolve("notes with space.txt"), "hello".getBytes(StandardCharsets.UTF_8));
        return dir;
    }

    private static void write(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
    }

    private static final List<String> CATALOGUE_NAMES = List.of("notes with space.txt", "vod/title/index.m3u8",
            "vod/title/seg0.ts", "vod/title/seg1.ts", "vod/title/seg2.ts");

    /** The names column (last) of `atlas ls` output. */
    private static List<String> names(Run ls) {
        List<String> names = new ArrayList<>();
        for (String line : ls.outLines()) {
            // Columns are separated by two spaces and the name is last (test names contain no double space).
            names.add(line.substring(line.lastIndexOf("  ") + 2));
        }
        return names;
    }

    @Test
    void shouldRejectABadFlagWithOneLineAndExitCode2() throws Exception {
        Run run = atlas("serve", "--listen", "abc");
        assertThat(run.exit()).as(run.toString()).isEqualTo(2);
        assertThat(run.errLines()).as(run.toString()).containsExactly("atlas serve: invalid value for --listen: 'abc' "
                + "(expected HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080); see 'atlas serve --help'");
        assertThat(run.out()).isEmpty();

        Run unknown = atlas("ls", "--frobnicate");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.errLines()).hasSize(1);
    }

    @Test
    void shouldPrintHelpForEveryCommand() throws Exception {
        for (String command : List.of("serve", "put", "import", "ls", "rm", "verify")) {
            Run run = atlas(command, "--help");
            assertThat(run.exit()).as(command + ": " + run).isZero();
            assertThat(run.out()).startsWith("Usage: atlas " + command);
        }
        Run top = atlas("--help");
        assertThat(top.exit()).isZero();
        assertThat(top.out()).contains("serve", "put", "import", "ls", "rm", "verify");
        Run version = atlas("--version");
        assertThat(version.exit()).isZero();
        assertThat(version.out()).startsWith("atlas ");
    }

    @Test
    void shouldImportOfflineThenListVerifyAndRemove() throws Exception {
        Path data = tmp.resolve("data");
        Run imported = atlas("import", "--data", data.toString(), catalogue().toString());
        assertThat(imported.exit()).as(imported.toString()).isZero();
        assertThat(imported.err()).contains("imported 5 files");

        Run ls = atlas("ls", "--data", data.toString());
        assertThat(ls.exit()).as(ls.toString()).isZero();
        assertThat(names(ls)).containsExactlyElementsOf(CATALOGUE_NAMES);
        assertThat(ls.outLines().get(2)).matches("\\s*10000  \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ  vod/title/seg0.ts");

        Run prefixed = atlas("ls", "--long", "--data", data.toString(), "vod/title/seg");
        assertThat(names(prefixed)).containsExactly("vod/title/seg0.ts", "vod/title/seg1.ts", "vod/title/seg2.ts");
        assertThat(prefixed.out()).contains("video/mp2t");

        Run verify = atlas("verify", "--data", data.toString());
        assertThat(verify.exit()).as(verify.toString()).isZero();
        assertThat(verify.out()).contains("verified 5 objects, 240028 bytes: 0 bad");

        Run rm = atlas("rm", "--data", data.toString(), "vod/title/seg1.ts", "nope.ts");
        assertThat(rm.exit()).as(rm.toString()).isEqualTo(1);
        assertThat(rm.errLines()).containsExactly("nope.ts: no such object");
        assertThat(names(atlas("ls", "--data", data.toString()))).doesNotContain("vod/title/seg1.ts").hasSize(4);
    }

    @Test
    void shouldPutADirectoryToARunningServerThenListAndRemoveThroughIt() throws Exception {
        Path data = tmp.resolve("data");
        Path catalogue = catalogue();
        try (ServerProcess server = ServerProcess.start(data, "--no-demo")) {
            // No --server: the CLI finds the server that holds the --data volume.
            Run put = atlas("put", "--data", data.toString(), "--parallel", "2", catalogue.toString());
            assertThat(put.exit()).as(put.toString()).isZero();
            assertThat(put.err()).contains("put 5 files");

            HttpResponse<byte[]> got;
            try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
                got = http.send(HttpRequest.newBuilder(URI.create(server.url("vod/title/seg2.ts"))).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
            }
            assertThat(got.statusCode()).isEqualTo(200);
            assertThat(got.body()).isEqualTo(Files.readAllBytes(catalogue.resolve("vod/title/seg2.ts")));

            Run ls = atlas("ls", "--data", data.toString());
            assertThat(ls.exit()).as(ls.toString()).isZero();
            assertThat(names(ls)).containsExactlyElementsOf(CATALOGUE_NAMES);
            assertThat(names(atlas("ls", "--server", server.adminBaseUrl(), "vod/"))).hasSize(4);

            Run busy = atlas("import", "--data", data.toString(), catalogue.toString());
            assertThat(busy.exit()).isEqualTo(1);
            assertThat(busy.errLines()).hasSize(1);
            assertThat(busy.err()).contains("atlas put");
            Run verifyBusy = atlas("verify", "--data", data.toString());
            assertThat(verifyBusy.exit()).isEqualTo(1);
            assertThat(verifyBusy.err()).contains("stop it first");

            Run rm = atlas("rm", "--data", data.toString(), "notes with space.txt", "missing.ts");
            assertThat(rm.exit()).as(rm.toString()).isEqualTo(1);
            assertThat(rm.errLines()).containsExactly("missing.ts: no such object");
            assertThat(names(atlas("ls", "--data", data.toString()))).doesNotContain("notes with space.txt");

            assertThat(server.terminate()).isIn(0, 143);
        }
        Run verify = atlas("verify", "--data", data.toString());
        assertThat(verify.exit()).as(verify.toString()).isZero();
        assertThat(verify.out()).contains("verified 4 objects");
    }

    @Test
    void shouldKeepAcknowledgedUploadsAcrossKill9AndRestart() throws Exception {
        Path data = tmp.resolve("data");
        Path catalogue = catalogue();
        try (ServerProcess server = ServerProcess.start(data, "--no-demo", "--cores", "1")) {
            long firstPid = server.pid();
            Run put = atlas("put", "--server", server.baseUrl(), catalogue.toString());
            assertThat(put.exit()).as(put.toString()).isZero();
            server.kill9();
            assertThat(server.isAlive()).isFalse();

            server.restart();
            assertThat(server.pid()).isNotEqualTo(firstPid);
            assertThat(names(atlas("ls", "--server", server.adminBaseUrl()))).containsExactlyElementsOf(CATALOGUE_NAMES);
            server.terminate();
        }
        Run verify = atlas("verify", "--data", data.toString());
        assertThat(verify.exit()).as(verify.toString()).isZero();
        assertThat(verify.out()).contains("verified 5 objects, 240028 bytes: 0 bad");
    }

    @Test
    void shouldReportAnUnreachableServerOnce() throws Exception {
        Path file = Files.writeString(tmp.resolve("a.ts"), "x");
        Path other = Files.writeString(tmp.resolve("b.ts"), "y");
        // Port 9 (discard) on loopback: nothing listens in the test environment.
        Run put = atlas("put", "--server", "http://127.0.0.1:9/", file.toString(), other.toString());
        assertThat(put.exit()).isEqualTo(1);
        assertThat(put.errLines()).as(put.toString()).hasSize(1);
        assertThat(put.err()).startsWith("atlas put: cannot connect to http://127.0.0.1:9/");
    }

    @Test
    void shouldServeTheDemoOnAnEmptyVolume() throws Exception {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"));
             HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> playlist = http.send(
                    HttpRequest.newBuilder(URI.create(server.url("demo/index.m3u8"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(playlist.statusCode()).isEqualTo(200);
            assertThat(playlist.body()).startsWith("#EXTM3U").contains("#EXT-X-ENDLIST");
            assertThat(server.output()).contains("demo/");
        }
    }
}
