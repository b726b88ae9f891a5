package atlas.it;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The dashboard and the player in headless Chromium (Debian's {@code chromium}, driven by npm's
 * {@code playwright-core} from {@code web/}): the dashboard's request counter moves after traffic, and the player's
 * {@code <video>} advances {@code currentTime} on the demo stream. Screenshots land in
 * {@code target/screenshots/<engine>/}. Skipped where chromium or node is missing ({@code ./atlas test} installs
 * them).
 */
class DashboardIT {
    @Test
    void shouldShowMovingNumbersAndPlayTheDemoInChromium() throws Exception {
        Path chromium = Path.of("/usr/bin/chromium");
        assumeTrue(Files.isExecutable(chromium), "chromium is not installed");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/node")), "node is not installed");
        Path repo = Path.of(System.getProperty("atlas.repo", ".")).toAbsolutePath();
        assumeTrue(Files.isDirectory(repo.resolve("web/node_modules/playwright-core")),
                "web/node_modules missing: the build's npm ci did not run");
        Path dir = HttpTestServers.workDir(DashboardIT.class);
        Path shots = repo.resolve("target").resolve("screenshots").resolve(HttpTestServers.engine());
        try (ServerProcess server = HttpTestServers.start(dir)) {
            Process p = new ProcessBuilder(List.of("node", repo.resolve("web/test/dashboard-check.mjs").toString(),
                    server.adminBaseUrl(), shots.toString()))
                    .directory(repo.resolve("web").toFile()).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            byte[] output = p.getInputStream().readAllBytes();
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            String out = new String(output, StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).contains("\"ok\":true");
            assertThat(shots.resolve("dashboard.png")).isNotEmptyFile();
            assertThat(shots.resolve("player.png")).isNotEmptyFile();
        } finally {
            HttpTestServers.deleteTree(dir);
        }
    }
}
