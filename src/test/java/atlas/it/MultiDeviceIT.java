package atlas.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A volume over raw block devices: loop devices ({@code losetup --direct-io=on} over sparse files) stand in for
 * drives. Objects spread over the devices and survive a restart; {@code atlas verify} names the devices; a device
 * holding a file system is refused until {@code atlas format} erases it; and one of four devices failing under
 * load (its backing file cut to one block and the loop device's capacity shrunk, {@code losetup -c}) costs only
 * the objects on it: they answer 503, everything else keeps being served intact, health says degraded, and the
 * device's metrics say failed. Needs root (losetup); skipped otherwise, saying why.
 */
class MultiDeviceIT {
    private static final long DEVICE_BYTES = 64L << 20;
    private static final int DEVICES = 4;

    private static Path workDir;
    private static final List<String> loops = new ArrayList<>();
    private static final List<Path> images = new ArrayList<>();
    private final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private ServerProcess server;

    record Run(int exit, String output) {
    }

    static Run run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Run(-1, String.join(" ", command) + ": timed out");
        }
        return new Run(p.exitValue(), out);
    }

    @BeforeAll
    static void attachLoopDevices() throws Exception {
        workDir = HttpTestServers.workDir(MultiDeviceIT.class);
        for (int i = 0; i < DEVICES; i++) {
            Path image = workDir.resolve("drive" + i + ".img");
            try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
                f.setLength(DEVICE_BYTES); // sparse: reads as zeros, a blank drive
            }
            Run losetup = run("losetup", "-f", "--show", "--direct-io=on", image.toString());
            Assumptions.assumeTrue(losetup.exit() == 0, "no loop device here (needs root and /dev/loop-control): "
                    + losetup.output().strip());
            loops.add(losetup.output().strip());
            images.add(image);
        }
    }

    @AfterEach
    void stopServer() {
        HTTP.close(); // before the server's stop-time check that no connection is left
        if (server != null) {
            server.close();
            server = null;
        }
    }

    @AfterAll
    static void detach() throws Exception {
        for (String loop : loops) {
            run("losetup", "-d", loop);
        }
        HttpTestServers.deleteTree(workDir);
    }

    /** Zeros over a device's first MiB: blank again for the next test. */
    private static void blank(int device) throws Exception {
        Run dd = run("dd", "if=/dev/zero", "of=" + loops.get(device), "bs=1M", "count=1", "oflag=direct",
                "status=none");
        assertThat(dd.exit()).as(dd.output()).isZero();
    }

    private List<String> deviceArgs(int count) {
        List<String> args = new ArrayList<>(List.of("--listen", "127.0.0.1:0", "--engine", HttpTestServers.engine(),
                "--no-demo", "--access-log", "off", "--hot-memory", "0", "--cores", "2"));
        for (int i = 0; i < count; i++) {
            args.add("--device");
            args.add(loops.get(i));
        }
        return args;
    }

    private static Map<String, byte[]> objects(int count, int seed) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < count; i++) {
            byte[] b = new byte[20_000 + random.nextInt(300_000)];
            random.nextBytes(b);
            out.put("vod/title-" + i + "/seg.m4s", b);
        }
        return out;
    }

    private int put(String name, byte[] body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.url(name))).timeout(Duration.ofSeconds(30))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private HttpResponse<byte[]> get(String name) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.url(name))).timeout(Duration.ofSeconds(30))
                .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private String metrics() throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.adminUrl("_atlas/metrics"))).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static double metric(String exposition, String series) {
        Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(exposition);
        assertThat(m.find()).as(series + " in /metrics").isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void shouldSpreadObjectsOverTwoRawDevicesAndKeepThemAcrossARestart() throws Exception {
        blank(0);
        blank(1);
        Path data = workDir.resolve("two");
        server = ServerProcess.start(data, deviceArgs(2).toArray(String[]::new));
        assertThat(server.output()).contains("device 0: " + loops.get(0)).contains("device 1: " + loops.get(1));
        Map<String, byte[]> content = objects(60, 1);
        for (Map.Entry<String, byte[]> e : content.entrySet()) {
            assertThat(put(e.getKey(), e.getValue())).isEqualTo(201);
        }
        for (Map.Entry<String, byte[]> e : content.entrySet()) {
            assertThat(get(e.getKey()).body()).as(e.getKey()).isEqualTo(e.getValue());
        }
        String m = metrics();
        for (int d = 0; d < 2; d++) {
            assertThat(metric(m, "atlas_device_read_bytes_total{device=\"" + d + "\"}")).as("reads of device " + d)
                    .isGreaterThan(1_000_000);
            assertThat(metric(m, "atlas_device_free_bytes{device=\"" + d + "\"}")).isLessThan(DEVICE_BYTES - 2e6);
            assertThat(metric(m, "atlas_device_up{device=\"" + d + "\"}")).isEqualTo(1.0);
        }
        // Restart without --device: the data directory names its devices.
        server.terminate();
        server = ServerProcess.start(data, "--listen", "127.0.0.1:0", "--engine", HttpTestServers.engine(),
                "--no-demo", "--access-log", "off", "--hot-memory", "0");
        for (Map.Entry<String, byte[]> e : content.entrySet()) {
            assertThat(get(e.getKey()).body()).as(e.getKey()).isEqualTo(e.getValue());
        }
        server.terminate();
        server = null;
        Run verify = run(atlasArgs("verify", "--data", data.toString()));
        assertThat(verify.exit()).as(verify.output()).isZero();
        assertThat(verify.output()).contains("verified 60 objects")
                .containsPattern("device 0 \\(" + Pattern.quote(loops.get(0)) + "\\): [1-9]\\d* objects, \\d+ bytes, 0 bad")
                .containsPattern("device 1 \\(" + Pattern.quote(loops.get(1)) + "\\): [1-9]\\d* objects, \\d+ bytes, 0 bad");
    }

    @Test
    void shouldRefuseADeviceHoldingAFileSystemUntilFormatted() throws Exception {
        Run mkfs = run("mkfs.ext4", "-q", "-F", loops.get(2));
        Assumptions.assumeTrue(mkfs.exit() == 0, "mkfs.ext4 failed: " + mkfs.output());
        Path data = workDir.resolve("refuse");
        List<String> serve = new ArrayList<>(List.of("serve", "--data", data.toString(), "--listen", "127.0.0.1:0",
                "--no-demo", "--device", loops.get(2)));
        Run refused = run(atlasArgs(serve.toArray(String[]::new)));
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.output()).contains("device " + loops.get(2) + " holds ext2/3/4; atlas format --device "
                + loops.get(2) + " erases it for Atlas");
        Run format = run(atlasArgs("format", "--data", data.toString(), "--device", loops.get(2)));
        assertThat(format.exit()).as(format.output()).isZero();
        assertThat(format.output()).contains("erased " + loops.get(2) + " (it held ext2/3/4)");
        server = ServerProcess.start(data, "--listen", "127.0.0.1:0", "--engine", HttpTestServers.engine(),
                "--no-demo", "--access-log", "off", "--device", loops.get(2));
        assertThat(put("a.ts", new byte[5000])).isEqualTo(201);
        assertThat(get("a.ts").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldLoseOnlyTheObjectsOfADeviceThatFailsUnderLoad() throws Exception {
        for (int d = 0; d < DEVICES; d++) {
            blank(d);
        }
        Path data = workDir.resolve("four");
        server = ServerProcess.start(data, deviceArgs(DEVICES).toArray(String[]::new));
        Map<String, byte[]> content = objects(80, 2);
        for (Map.Entry<String, byte[]> e : content.entrySet()) {
            assertThat(put(e.getKey(), e.getValue())).isEqualTo(201);
        }
        // Readers over every object, before, while and after the device goes.
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong served = new AtomicLong();
        AtomicLong corrupt = new AtomicLong();
        List<String> names = new ArrayList<>(content.keySet());
        List<Thread> readers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int offset = t;
            Thread reader = Thread.ofPlatform().start(() -> {
                for (int i = offset; !stop.get(); i++) {
                    String name = names.get(i % names.size());
                    try {
                        HttpResponse<byte[]> r = get(name);
                        if (r.statusCode() == 200) {
                            served.incrementAndGet();
                            if (!java.util.Arrays.equals(r.body(), content.get(name))) {
                                corrupt.incrementAndGet();
                            }
                        }
                    } catch (Exception e) {
                        // a connection closed on a failing read: expected for the failing device's objects only
                    }
                }
            });
            readers.add(reader);
        }
        long before = served.get();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (served.get() < before + 200 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        int failing = DEVICES - 1;
        try (RandomAccessFile f = new RandomAccessFile(images.get(failing).toFile(), "rw")) {
            f.setLength(4096); // the superblock stays: everything after it is gone
        }
        Run shrink = run("losetup", "-c", loops.get(failing));
        assertThat(shrink.exit()).as(shrink.output()).isZero();
        String health = "";
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!health.startsWith("degraded") && System.nanoTime() < deadline) {
            health = HTTP.send(HttpRequest.newBuilder(URI.create(server.url("_atlas/health"))).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }
        long afterFailure = served.get();
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (served.get() < afterFailure + 200 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        stop.set(true);
        for (Thread r : readers) {
            r.join();
        }
        assertThat(health).startsWith("degraded\ndevice " + failing + " (" + loops.get(failing) + ") failed: ");
        assertThat(served.get()).as("the other devices kept serving").isGreaterThan(afterFailure + 100);
        assertThat(corrupt.get()).as("bytes served wrong").isZero();
        TreeSet<String> unavailable = new TreeSet<>();
        for (Map.Entry<String, byte[]> e : content.entrySet()) {
            HttpResponse<byte[]> r = get(e.getKey());
            if (r.statusCode() == 503) {
                unavailable.add(e.getKey());
            } else {
                assertThat(r.statusCode()).as(e.getKey()).isEqualTo(200);
                assertThat(r.body()).as(e.getKey()).isEqualTo(e.getValue());
            }
        }
        assertThat(unavailable.size()).as("about a quarter of 80 objects were on the failed device")
                .isBetween(5, 40);
        String m = metrics();
        assertThat(metric(m, "atlas_device_up{device=\"" + failing + "\"}")).isZero();
        assertThat(metric(m, "atlas_device_read_errors_total{device=\"" + failing + "\"}")).isGreaterThan(0);
        assertThat(m).contains("atlas_device_info{device=\"" + failing + "\",path=\"" + loops.get(failing)
                + "\",state=\"failed\"} 1.0");
        // New objects go to the healthy devices.
        for (int i = 0; i < 20; i++) {
            assertThat(put("after/" + i + ".ts", new byte[10_000 + i])).isEqualTo(201);
            assertThat(get("after/" + i + ".ts").statusCode()).isEqualTo(200);
        }
        assertThat(server.isAlive()).isTrue();
        server.terminate();
        server = null;
        // Offline, verify names exactly those objects and their device.
        try (RandomAccessFile f = new RandomAccessFile(images.get(failing).toFile(), "rw")) {
            f.setLength(DEVICE_BYTES); // the device is back, its data zeros: every object on it is bad
        }
        run("losetup", "-c", loops.get(failing));
        Run verify = run(atlasArgs("verify", "--data", data.toString()));
        assertThat(verify.exit()).isNotZero();
        TreeSet<String> bad = new TreeSet<>();
        Matcher badLine = Pattern.compile("^bad: (\\S+) \\(device (\\d+), ", Pattern.MULTILINE).matcher(verify.output());
        while (badLine.find()) {
            assertThat(badLine.group(2)).isEqualTo(Integer.toString(failing));
            bad.add(badLine.group(1));
        }
        assertThat(bad).isEqualTo(unavailable);
    }

    private static String[] atlasArgs(String... args) {
        return ServerProcess.atlasCommand(List.of(args)).toArray(String[]::new);
    }
}
