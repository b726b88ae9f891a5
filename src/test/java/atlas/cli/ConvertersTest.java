package atlas.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConvertersTest {
    @Test
    void shouldParseSizesWithBinarySuffixes() {
        assertThat(SizeConverter.parse("4096")).isEqualTo(4096);
        assertThat(SizeConverter.parse("1k")).isEqualTo(1024);
        assertThat(SizeConverter.parse("512M")).isEqualTo(512L << 20);
        assertThat(SizeConverter.parse("64g")).isEqualTo(64L << 30);
        assertThat(SizeConverter.parse("2TiB")).isEqualTo(2L << 40);
        assertThat(SizeConverter.parse("0")).isZero();
    }

    @Test
    void shouldRefuseMalformedOrOverflowingSizes() {
        for (String bad : new String[] {"", "g", "-1", "1.5g", "12q", "1 g", "k1"}) {
            assertThatThrownBy(() -> SizeConverter.parse(bad)).as(bad)
                    .isInstanceOf(TypeConversionException.class).hasMessageStartingWith("expected SIZE");
        }
        assertThatThrownBy(() -> SizeConverter.parse("9000000000000t")).hasMessage("too large");
        assertThatThrownBy(() -> SizeConverter.parse("99999999999999999999")).hasMessage("too large");
    }

    @Test
    void shouldFormatSizesInTheLargestExactUnitSoTheyParseBack() {
        assertThat(SizeConverter.format(64L << 30)).isEqualTo("64g");
        assertThat(SizeConverter.format(1536L << 20)).isEqualTo("1536m");
        assertThat(SizeConverter.format(12345)).isEqualTo("12345");
        assertThat(SizeConverter.format(0)).isEqualTo("0");
        for (long n : new long[] {0, 1, 1023, 1024, 4L << 30, 3L << 40, (1L << 40) + 1}) {
            assertThat(SizeConverter.parse(SizeConverter.format(n))).as("%d", n).isEqualTo(n);
        }
    }

    @Test
    void shouldFormatDurationsInTheLargestExactUnitSoTheyParseBack() {
        assertThat(DurationConverter.format(Duration.ZERO)).isEqualTo("0s");
        assertThat(DurationConverter.format(Duration.ofSeconds(75))).isEqualTo("75s");
        assertThat(DurationConverter.format(Duration.ofMinutes(2))).isEqualTo("2m");
        assertThat(DurationConverter.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(DurationConverter.format(Duration.ofDays(365))).isEqualTo("365d");
        assertThat(DurationConverter.format(Duration.ofHours(36))).isEqualTo("36h");
        for (Duration d : new Duration[] {Duration.ZERO, Duration.ofMillis(1), Duration.ofHours(3),
                Duration.ofSeconds(90)}) {
            assertThat(DurationConverter.parse(DurationConverter.format(d))).as("%s", d).isEqualTo(d);
        }
    }

    @Test
    void shouldParseDurationsWithMandatoryUnit() {
        assertThat(DurationConverter.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(DurationConverter.parse("10s")).isEqualTo(Duration.ofSeconds(10));
        assertThat(DurationConverter.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(DurationConverter.parse("1H")).isEqualTo(Duration.ofHours(1));
        assertThat(DurationConverter.parse("365d")).isEqualTo(Duration.ofDays(365));
        for (String bad : new String[] {"10", "s", "", "1.5s", "10w", "-1s"}) {
            assertThatThrownBy(() -> DurationConverter.parse(bad)).as(bad)
                    .hasMessageStartingWith("expected DURATION");
        }
    }

    @Test
    void shouldParseListenAddresses() {
        assertThat(ListenAddress.parse("127.0.0.1:8080")).isEqualTo(new ListenAddress("127.0.0.1", 8080));
        assertThat(ListenAddress.parse("localhost:0")).isEqualTo(new ListenAddress("localhost", 0));
        assertThat(ListenAddress.parse("[::1]:65535")).isEqualTo(new ListenAddress("::1", 65535));
        assertThat(ListenAddress.parse("[::1]:443").toString()).isEqualTo("[::1]:443");
    }

    @Test
    void shouldExplainWhatIsWrongWithAListenAddress() {
        assertThatThrownBy(() -> ListenAddress.parse("abc")).hasMessageStartingWith("expected HOST:PORT");
        assertThatThrownBy(() -> ListenAddress.parse(":80")).hasMessageStartingWith("empty host");
        assertThatThrownBy(() -> ListenAddress.parse("[]:80")).hasMessageStartingWith("empty host");
        assertThatThrownBy(() -> ListenAddress.parse("::1:80")).hasMessageContaining("brackets");
        assertThatThrownBy(() -> ListenAddress.parse("[::1]80")).hasMessageStartingWith("expected HOST:PORT");
        assertThatThrownBy(() -> ListenAddress.parse("host:65536")).hasMessage("port must be a number 0-65535");
        assertThatThrownBy(() -> ListenAddress.parse("host:")).hasMessage("port must be a number 0-65535");
        assertThatThrownBy(() -> ListenAddress.parse("host:-1")).hasMessage("port must be a number 0-65535");
        assertThatThrownBy(() -> ListenAddress.parse("host:99999999999")).hasMessage("port must be a number 0-65535");
    }

    @Test
    void shouldAcceptEngineNamesInAnyCase() {
        EngineConverter c = new EngineConverter();
        assertThat(c.convert("NIO").name()).isEqualTo("NIO");
        assertThat(c.convert("uring").name()).isEqualTo("URING");
        assertThatThrownBy(() -> c.convert("epoll")).hasMessage("expected auto, uring or nio");
    }
}
