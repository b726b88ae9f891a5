package atlas.server;

import atlas.store.Volume;
import atlas.store.VolumeConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** What HAProxy's agent check is told: weight by the healthy devices' share, drain on SIGTERM, down when none. */
class AgentCheckTest {
    @TempDir
    Path dir;

    @Test
    void shouldWeighByHealthyCapacityAndDrainOnRequest() throws Exception {
        List<Path> devices = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Path p = dir.resolve("d" + i);
            try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                f.setLength(1 << 20);
            }
            devices.add(p);
        }
        AtomicBoolean draining = new AtomicBoolean();
        try (Volume volume = Volume.open(new VolumeConfig(dir.resolve("data"), 1 << 20, 1 << 20, 1 << 20)
                .withDevices(devices));
             AgentCheck agent = AgentCheck.start("127.0.0.1", 0, draining::get, volume)) {
            assertThat(ask(agent.port())).isEqualTo("ready up 100%\n");
            volume.device(2).fail("test");
            assertThat(ask(agent.port())).isEqualTo("ready up 75%\n");
            draining.set(true);
            assertThat(ask(agent.port())).isEqualTo("drain\n");
            draining.set(false);
            for (int i = 0; i < 4; i++) {
                volume.device(i).fail("test");
            }
            assertThat(ask(agent.port())).isEqualTo("down\n");
        }
    }

    private static String ask(int port) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            s.setSoTimeout(2000);
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }
}
