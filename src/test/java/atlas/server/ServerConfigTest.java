package atlas.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServerConfigTest {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    @Test
    void shouldGiveEachCoreAQuarterOfTheMemoryWithinBounds() {
        assertThat(ServerConfig.defaultBufferBytesPerCore(24 * GIB, 2)).as("large box: the ceiling").isEqualTo(256 * MIB);
        assertThat(ServerConfig.defaultBufferBytesPerCore(1 * GIB, 2)).isEqualTo(128 * MIB);
        assertThat(ServerConfig.defaultBufferBytesPerCore(512 * MIB, 4)).as("a 512 MiB container").isEqualTo(32 * MIB);
        assertThat(ServerConfig.defaultBufferBytesPerCore(100 * MIB, 8)).as("the floor").isEqualTo(16 * MIB);
        assertThat(ServerConfig.defaultBufferBytesPerCore(1_000_000_000L, 1)).as("whole MiB, rounded down")
                .isEqualTo(238 * MIB);
        assertThat(ServerConfig.defaultBufferBytesPerCore(1 * GIB, 0)).as("no cores given: one").isEqualTo(256 * MIB);
    }
}
