package atlas.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Host field values and absolute-form authorities, RFC 9110 §7.2 with RFC 3986 §3.2.2's grammar. */
class HostSyntaxTest {
    private static boolean hostField(String value) {
        return HostSyntax.isValidHostField(Bytes.direct(value), 0, value.length());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "example.com", "example.com:8080", "t:", "t:0", "t:080", "t:65535", "127.0.0.1",
        "127.0.0.1:80", "999.1.1.1", "[::1]", "[::1]:8080", "[::1]:", "[::]", "[1:2:3:4:5:6:7:8]",
        "[1:2:3:4:5:6:7::]", "[::2:3:4:5:6:7:8]", "[fe80::1:2]", "[::ffff:192.0.2.1]:443",
        "[1:2:3:4:5:6:192.0.2.1]", "[2001:DB8::A]", "[v1.x:y]", "[V7f.a-b]", "a_b~c", "ex%41mple.com",
        "!$&'()*+,;=", "xn--bcher-kva.example"})
    void shouldAcceptValidHosts(String value) {
        assertThat(hostField(value)).as(value).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"t:abc", "t:80x", "t:8 0", "t:65536", "t:99999999999999999999", "t::80", "t:80:90",
        "[::1", "[::1]x", "[::1]80", "::1", "[]", "[:]", "[:::]", "[1:2:3:4:5:6:7:8:9]", "[1::2::3]", "[1:]",
        "[:1]", "[12345::]", "[1:2:3:4:5:6:7:8::]", "[1:2:3:4:5:6::1.2.3.4]", "[::1.2.3]", "[::1.2.3.4.5]",
        "[::256.1.1.1]", "[::01.1.1.1]", "[fe80::1%25eth0]", "[v.x]", "[v1.]", "[vx.y]", "[g::1]", ":80", ":",
        "a b", "a\tb", "a/b", "a?b", "a#b", "user@h", "h%4", "h%zz", "é.example", "[::1]:abc", "a[b]"})
    void shouldRefuseInvalidHosts(String value) {
        assertThat(hostField(value)).as(value).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ":80"})
    void shouldRequireAHostInAnAuthority(String authority) {
        assertThat(HostSyntax.isValidAuthority(Bytes.direct(authority), 0, authority.length())).isFalse();
    }
}
