package atlas.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A full disk (issue 6, point 5: "ENOSPC → 507 and nothing lost"). The volume lives on a small tmpfs (O_DIRECT works
 * there) and may grow, by {@code --volume-size}, far beyond it: the data file is created at its initial 256 MiB
 * (written zeros), the zero-ahead does not grow it because that would leave the file system less than its reserve
 * for the journals, and when the 256 MiB are used up the next growth step's fallocate fails with ENOSPC. The server must answer 507, keep
 * every object it acknowledged intact, keep serving, accept a PUT again once a DELETE freed space, and still have
 * everything after a restart.
 */
class DiskFullIT {
    /** Room for the initial 256 MiB data file and the journals, not for one more 256 MiB growth step. */
    private static final String TMPFS_SIZE = "300m";
    private static final int OBJECT_BYTES = 4 << 20;
    private static final int MAX_PUTS = 200;

    private static Path workDir;
    private static Path mountPoint;
    private static boolean mounted;
    private static ServerProcess server;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void mountAndStart() throws Exception {
        workDir = HttpTestServers.workDir(DiskFullIT.class);
        mountPoint = workDir.resolve("data");
        Files.createDirectories(mountPoint);
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + TMPFS_SIZE, "tmpfs",
                mountPoint.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        mounted = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        Assumptions.assumeTrue(mounted, "cannot mount a tmpfs here (needs root): " + out.strip());
        server = HttpTestServers.start(workDir, "--no-demo", "--access-log", "off", "--volume-size", "1g");
    }

    @AfterAll
    static void stopAndUnmount() throws Exception {
        HTTP.close(); // first: its pooled connection would keep the server's leak check from judging
        if (server != null) {
            server.close();
        }
        if (mounted) {
            Process p = new ProcessBuilder("umount", mountPoint.toString()).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            p.waitFor(30, TimeUnit.SECONDS);
        }
        HttpTestServers.deleteTree(workDir);
    }

    private static byte[] body(long seed) {
        byte[] b = new byte[OBJECT_BYTES];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    /**
     * PUT with {@code Expect: 100-continue}, as large uploads do: a server that cannot place the body answers with
     * the final status before the client sends it.
     */
    private static int put(String name, byte[] data) throws Exception {
        return putResponse(name, data).statusCode();
    }

    private static HttpResponse<String> putResponse(String name, byte[] data) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.url(name))).expectContinue(true)
                .timeout(Duration.ofSeconds(60)).PUT(HttpRequest.BodyPublishers.ofByteArray(data)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static HttpResponse<byte[]> get(String name) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.url(name))).timeout(Duration.ofSeconds(60))
                .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static int delete(String name) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.url(name))).DELETE().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static void assertIntact(Map<String, Long> acknowledged) throws Exception {
        for (Map.Entry<String, Long> e : acknowledged.entrySet()) {
            HttpResponse<byte[]> r = get(e.getKey());
            assertThat(r.statusCode()).as(e.getKey()).isEqualTo(200);
            assertThat(r.body()).as(e.getKey()).isEqualTo(body(e.getValue()));
        }
    }

    @Test
    void shouldAnswer507WhenTheDiskIsFullAndLoseNothing() throws Exception {
        Map<String, Long> acknowledged = new LinkedHashMap<>();
        int status = 0;
        int i = 0;
        for (; i < MAX_PUTS; i++) {
            String name = "fill/obj-" + i + ".bin";
            status = put(name, body(i));
            if (status != 201 && status != 204) {
                break;
            }
            acknowledged.put(name, (long) i);
        }
        assertThat(status).as("after %d acknowledged PUTs; server output:%n%s", acknowledged.size(),
                server.output()).isEqualTo(507);
        assertThat(acknowledged.size()).as("objects that fit the initial 256 MiB").isBetween(40, 64);
        // Another attempt fails the same way (nothing was half-allocated), and it is the file system that is full:
        // the data file could not grow, although the volume's own limit is far away.
        HttpResponse<String> again = putResponse("fill/again.bin", body(9999));
        assertThat(again.statusCode()).isEqualTo(507);
        assertThat(again.body()).contains("cannot grow the data file").containsIgnoringCase("no space left");
        assertIntact(acknowledged);

        // Freeing space makes room again.
        String victim = acknowledged.keySet().iterator().next();
        assertThat(delete(victim)).isIn(200, 204);
        acknowledged.remove(victim);
        assertThat(get(victim).statusCode()).isEqualTo(404);
        assertThat(put("fill/after-delete.bin", body(7777))).isIn(201, 204);
        acknowledged.put("fill/after-delete.bin", 7777L);
        assertIntact(acknowledged);

        // Everything acknowledged is still there after a restart on the full file system.
        server.restart();
        assertIntact(acknowledged);
        assertThat(put("fill/after-restart.bin", body(8888))).isEqualTo(507);
    }
}
