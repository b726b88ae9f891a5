package atlas.cli;

import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ObjectUrlsTest {
    @Test
    void shouldEncodeEachSegmentButKeepSlashes() {
        assertThat(ObjectUrls.encodePath("vod/title 1/seg#1?.ts")).isEqualTo("vod/title%201/seg%231%3F.ts");
        assertThat(ObjectUrls.encodePath("a:b/100%/é")).isEqualTo("a%3Ab/100%25/%C3%A9");
        assertThat(ObjectUrls.encodeQueryValue("demo/x y")).isEqualTo("demo%2Fx%20y");
    }

    @Test
    void shouldResolveNamesBelowTheBaseUrl() {
        URI base = ObjectUrls.base("http://127.0.0.1:8080");
        assertThat(base.toString()).isEqualTo("http://127.0.0.1:8080/");
        assertThat(ObjectUrls.of(base, "a:b/c d.ts").toString()).isEqualTo("http://127.0.0.1:8080/a%3Ab/c%20d.ts");
        assertThat(ObjectUrls.of(ObjectUrls.base("http://h:1/origin/"), "x.ts").toString())
                .isEqualTo("http://h:1/origin/x.ts");
    }

    @Test
    void shouldRefuseNonHttpUrls() {
        assertThatThrownBy(() -> ObjectUrls.base("ftp://h/")).hasMessageContaining("not an http(s) URL");
        assertThatThrownBy(() -> ObjectUrls.base("localhost:8080")).hasMessageContaining("not an http(s) URL");
    }
}
