package atlas.access;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class IpAddressTextTest {
    private static byte[] parse(String text) {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[16];
        return IpAddressText.parse(b, 0, b.length, out) ? out : null;
    }

    private static String canonical(String text) {
        byte[] out = new byte[64];
        return new String(out, 0, IpAddressText.formatCanonical(parse(text), out), StandardCharsets.US_ASCII);
    }

    @Test
    void shouldParseWhatTheJdkParses() throws Exception {
        for (String text : new String[] {"::1", "::", "1::", "2001:db8::1", "2001:DB8:0:0:0:0:0:1", "fe80::1%eth0",
                "0:0:0:0:0:0:0:1", "1:2:3:4:5:6:7:8", "::ffff:192.0.2.1", "64:ff9b::192.0.2.33", "1::8", "0001:0::8"}) {
            byte[] expected = InetAddress.ofLiteral(text.replace("%eth0", "")).getAddress();
            assertThat(parse(text)).as(text).isEqualTo(expected.length == 16 ? expected : mapped(expected));
        }
        assertThat(parse("192.0.2.1")).isEqualTo(mapped(new byte[] {(byte) 192, 0, 2, 1}));
        assertThat(parse("::ffff:192.0.2.1")).isEqualTo(parse("192.0.2.1"));
    }

    private static byte[] mapped(byte[] v4) {
        byte[] out = new byte[16];
        out[10] = (byte) 0xFF;
        out[11] = (byte) 0xFF;
        System.arraycopy(v4, 0, out, 12, 4);
        return out;
    }

    @Test
    void shouldRefuseWhatIsNotAnAddressLiteral() {
        for (String text : new String[] {"", ":", ":::", "1:", ":1", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::8",
                "12345::", "g::", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4:80", "localhost", "::ffff:1.2.3",
                "1:2:3:4:5:6:7:1.2.3.4", "1..2.3", "1.2.3.1234"}) {
            assertThat(parse(text)).as(text).isNull();
        }
    }

    @Test
    void shouldFormatAsRfc5952AndNginx() {
        assertThat(canonical("0:0:0:0:0:0:0:1")).isEqualTo("::1");
        assertThat(canonical("0:0:0:0:0:0:0:0")).isEqualTo("::");
        assertThat(canonical("2001:0DB8:0000:0000:0000:0000:0000:0001")).isEqualTo("2001:db8::1");
        assertThat(canonical("2001:db8:0:1:1:1:1:1")).as("a single zero group stays").isEqualTo("2001:db8:0:1:1:1:1:1");
        assertThat(canonical("2001:0:0:1:0:0:0:1")).as("the longest run").isEqualTo("2001:0:0:1::1");
        assertThat(canonical("2001:db8:0:0:1:0:0:1")).as("the first of equal runs").isEqualTo("2001:db8::1:0:0:1");
        assertThat(canonical("1:0:0:0:0:0:0:0")).isEqualTo("1::");
        assertThat(canonical("::ffff:192.0.2.1")).isEqualTo("192.0.2.1");
        assertThat(canonical("10.0.0.255")).isEqualTo("10.0.0.255");
    }
}
