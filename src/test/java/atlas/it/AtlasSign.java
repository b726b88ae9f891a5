package atlas.it;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs {@code atlas sign} as an operator does, to make the signed links the integration tests fetch. */
final class AtlasSign {
    private AtlasSign() {
    }

    /**
     * {@code atlas sign --key KEY --base BASE EXPIRY… NAME}: its three lines — the token, the URL with it in the
     * query and the URL with it as the first path segment.
     */
    static List<String> sign(ServerProcess server, String key, String expiry, String name) throws Exception {
        List<String> args = new ArrayList<>(List.of("sign", "--key", key, "--base", server.baseUrl()));
        args.addAll(List.of(expiry.split(" ")));
        args.add(name);
        Process p = new ProcessBuilder(ServerProcess.atlasCommand(args)).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(err).isZero();
        List<String> lines = out.lines().toList();
        assertThat(lines).as(out).hasSize(3);
        return lines;
    }
}
