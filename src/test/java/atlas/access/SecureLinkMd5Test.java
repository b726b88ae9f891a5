package atlas.access;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecureLinkMd5Test {
    static final String NGINX_TEMPLATE = "$secure_link_expires$uri$remote_addr secret";

    @Test
    void shouldHashAsNginxDocuments() {
        // echo -n '2147483647/live/ch1/index.m3u8127.0.0.1 secret' \
        //   | openssl md5 -binary | openssl base64 | tr +/ -_ | tr -d =
        assertThat(SecureLinkMd5.parse(NGINX_TEMPLATE).sign("/live/ch1/index.m3u8", 2_147_483_647L, "127.0.0.1"))
                .isEqualTo("md5=utszm_keBVgJ3OAWCMt4iw&expires=2147483647");
    }

    @Test
    void shouldAcceptBracedVariablesAndAnyOrder() {
        // echo -n '1700000000/vod/film/a.mp4 s3cr3t' | openssl md5 -binary | openssl base64 | tr +/ -_ | tr -d =
        assertThat(SecureLinkMd5.parse("${secure_link_expires}${uri} s3cr3t").sign("/vod/film/a.mp4", 1_700_000_000L, null))
                .isEqualTo("md5=QM4fnNi8zJeiJ2E2R4TE-Q&expires=1700000000");
    }

    @Test
    void shouldNameUnknownVariablesAndTheirIndex() {
        assertThatThrownBy(() -> SecureLinkMd5.parse("$secure_link_expires$request_uri secret"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("secure link template: unknown variable $request_uri at index 20 "
                        + "(known: $secure_link_expires, $uri, $remote_addr)");
        assertThatThrownBy(() -> SecureLinkMd5.parse("$secure_link_expires$ secret"))
                .hasMessage("secure link template: '$' at index 20 is not followed by a variable name");
        assertThatThrownBy(() -> SecureLinkMd5.parse("${secure_link_expires secret"))
                .hasMessage("secure link template: '$' at index 0 is not followed by a variable name and '}'");
    }

    @Test
    void shouldRefuseTemplatesThatSignNothingSecret() {
        assertThatThrownBy(() -> SecureLinkMd5.parse("$uri secret"))
                .hasMessageStartingWith("secure link template has no $secure_link_expires");
        assertThatThrownBy(() -> SecureLinkMd5.parse("$secure_link_expires$uri"))
                .hasMessageStartingWith("secure link template has no literal text");
    }

    @Test
    void shouldNeedTheAddressOnlyWhenTheTemplateUsesIt() {
        assertThat(SecureLinkMd5.parse(NGINX_TEMPLATE).usesRemoteAddr()).isTrue();
        assertThatThrownBy(() -> SecureLinkMd5.parse(NGINX_TEMPLATE).sign("/a", 10, null))
                .hasMessageContaining("uses $remote_addr");
        assertThat(SecureLinkMd5.parse("$secure_link_expires$uri x").usesRemoteAddr()).isFalse();
    }

    @Test
    void shouldKeepTheSecretOutOfToString() {
        assertThat(SecureLinkMd5.parse(NGINX_TEMPLATE).toString())
                .isEqualTo("SecureLinkMd5[$secure_link_expires$uri$remote_addr…]").doesNotContain("secret");
    }
}
