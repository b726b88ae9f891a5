package atlas.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RequestParserTest {
    private static final String SIMPLE = """
        GET /video/seg1.ts HTTP/1.1\r
        Host: example.com\r
        \r
        """;

    private static final String RICH = """
        GET http://cdn.example.com:8080/live/ch%201/seg_001.m4s?token=a%20b&x=+1 HTTP/1.1\r
        Host: cdn.example.com:8080\r
        User-Agent:   player/1.0 \t\r
        Range: bytes=0-499\r
        If-None-Match: "v1"\r
        X-Ignored: anything goes here\r
        Connection: keep-alive\r
        \r
        """;

    private RequestParser parser = new RequestParser(HttpLimits.DEFAULTS);
    private final RequestHead head = new RequestHead();

    private int parse(String request) {
        parser.reset();
        return parser.parse(Bytes.direct(request), 0, request.length(), head);
    }

    private int parseWith(HttpLimits limits, String request) {
        parser = new RequestParser(limits);
        return parse(request);
    }

    private String path() {
        return Bytes.string(head.pathBytes(), head.pathLength());
    }

    @Test
    void shouldParseSimpleGet() {
        assertThat(parse(SIMPLE)).isEqualTo(SIMPLE.length());
        assertThat(head.method()).isEqualTo(Method.GET);
        assertThat(head.versionMinor()).isEqualTo(1);
        assertThat(path()).isEqualTo("video/seg1.ts");
        assertThat(head.pathIsDirectory()).isFalse();
        assertThat(head.target()).isEqualTo("/video/seg1.ts");
        assertThat(head.query()).isNull();
        assertThat(head.value(RequestHead.Field.HOST)).isEqualTo("example.com");
        assertThat(head.has(RequestHead.Field.RANGE)).isFalse();
        assertThat(head.valueOffset(RequestHead.Field.RANGE)).isEqualTo(-1);
        assertThat(head.value(RequestHead.Field.RANGE)).isNull();
        assertThat(head.contentLength()).isEqualTo(-1);
        assertThat(head.hasBody()).isFalse();
        assertThat(head.isChunked()).isFalse();
        assertThat(head.expectsContinue()).isFalse();
        assertThat(head.keepAlive()).isTrue();
        assertThat(head.isAsteriskTarget()).isFalse();
    }

    @Test
    void shouldExposeValueSlicesIntoTheReceiveBuffer() {
        ByteBuffer buf = Bytes.direct(RICH, 40);
        assertThat(parser.parse(buf, 40, 40 + RICH.length(), head)).isEqualTo(RICH.length());
        assertThat(head.buffer()).isSameAs(buf);
        int offset = head.valueOffset(RequestHead.Field.RANGE);
        assertThat(Bytes.string(buf, offset, offset + head.valueLength(RequestHead.Field.RANGE)))
            .isEqualTo("bytes=0-499");
        assertThat(head.value(RequestHead.Field.USER_AGENT)).isEqualTo("player/1.0");
        assertThat(head.valueEquals(RequestHead.Field.IF_NONE_MATCH, "\"v1\"".getBytes(StandardCharsets.US_ASCII)))
            .isTrue();
        assertThat(head.valueEquals(RequestHead.Field.IF_NONE_MATCH, "\"v2\"".getBytes(StandardCharsets.US_ASCII)))
            .isFalse();
        assertThat(head.valueEquals(RequestHead.Field.IF_MATCH, new byte[0])).isFalse();
    }

    @Test
    void shouldParseAbsoluteFormStrippingSchemeAndAuthority() {
        assertThat(parse(RICH)).isEqualTo(RICH.length());
        assertThat(path()).isEqualTo("live/ch 1/seg_001.m4s");
        assertThat(head.query()).isEqualTo("token=a%20b&x=+1");
        assertThat(head.target()).startsWith("http://cdn.example.com:8080/live/");
        assertThat(parse("GET HTTPS://h HTTP/1.1\r\nHost: h\r\n\r\n")).isPositive();
        assertThat(path()).isEmpty();
        assertThat(head.pathIsDirectory()).isTrue();
        assertThat(parse("GET http://h?q HTTP/1.1\r\nHost: h\r\n\r\n")).isPositive();
        assertThat(path()).isEmpty();
        assertThat(head.query()).isEqualTo("q");
        assertThat(parse("GET http://[::1]:8080/a HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n")).isPositive();
        assertThat(path()).isEqualTo("a");
        assertThat(parse("GET http://h:/a HTTP/1.1\r\nHost: h\r\n\r\n")).as("empty port").isPositive();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://h/a", "http:///a", "http://user@h/a", "http:/h/a", "example.com:443", "h/a",
        "http://", "*x", "?a", "http://h:abc/a", "http://h:80x/", "http://[::1/a", "http://[::1]x/a", "http://:80/a",
        "http://h:65536/a", "http://h%zz/a"})
    void shouldRejectOtherTargetForms(String target) {
        assertThat(parse("GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n")).isEqualTo(-400);
    }

    @Test
    void shouldAcceptAsteriskOnlyForOptions() {
        assertThat(parse("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n")).isPositive();
        assertThat(head.isAsteriskTarget()).isTrue();
        assertThat(head.pathLength()).isZero();
        assertThat(parse("GET * HTTP/1.1\r\nHost: h\r\n\r\n")).isEqualTo(-400);
        assertThat(parse("CONNECT example.com:443 HTTP/1.1\r\nHost: h\r\n\r\n")).isEqualTo(-400);
    }

    @ParameterizedTest
    @CsvSource({"GET,GET", "HEAD,HEAD", "PUT,PUT", "POST,POST", "DELETE,DELETE", "OPTIONS,OPTIONS",
        "PATCH,OTHER", "get,OTHER", "BREW,OTHER", "X-CUSTOM!,OTHER", "GETS,OTHER", "OPTION,OTHER"})
    void shouldMapMethodTokens(String token, Method expected) {
        assertThat(parse(token + " / HTTP/1.1\r\nHost: h\r\n\r\n")).isPositive();
        assertThat(head.method()).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"GE(T / HTTP/1.1", " GET / HTTP/1.1", "GET  / HTTP/1.1", "GET / HTTP/1.1 ",
        "GET /", "GET / ", "GET", "G\"T / HTTP/1.1", "GET /a b HTTP/1.1", "GET\t/ HTTP/1.1"})
    void shouldRejectMalformedRequestLines(String line) {
        assertThat(parse(line + "\r\nHost: h\r\n\r\n")).isEqualTo(-400);
    }

    @ParameterizedTest
    @CsvSource({"HTTP/1.1,1", "HTTP/1.0,0", "HTTP/2.0,-505", "HTTP/0.9,-505", "HTTP/3.1,-505", "HTTP/1.2,-505",
        "http/1.1,-400", "HTTP/1,-400", "HTTP/10.0,-400", "HTTP/1.1x,-400", "HTTP/a.b,-400", "HTTPS/1.1,-400",
        "HTTP-1.1,-400"})
    void shouldCheckVersion(String version, int expected) {
        int result = parse("GET / " + version + "\r\nHost: h\r\n\r\n");
        if (expected >= 0) {
            assertThat(result).isPositive();
            assertThat(head.versionMinor()).isEqualTo(expected);
        } else {
            assertThat(result).isEqualTo(expected);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "/|''", "/a%20b|a b", "/c%C3%A9|c\u00c3\u00a9", "/a+b|a+b", "/a%2Bb|a+b", "//a//b/|/a//b/", "/live/|live/",
        "/%41%7e|A~", "/a.b/.c/..d/x.|a.b/.c/..d/x.", "/a/b?|a/b", "/\u00e9|\u00e9"})
    void shouldDecodePath(String target, String expected) {
        assertThat(parse("GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n")).isPositive();
        assertThat(path()).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/a%00b", "/a%2Fb", "/a%2fb", "/a%4", "/a%", "/a%zz", "/a%0A", "/a%7F", "/a\u007fb",
        "/a\u0001b", "/a#frag", "/../etc/passwd", "/a/..", "/a/./b", "/a/%2e%2E/b", "/%2e", "/a?b\u0001",
        "/a?b#c"})
    void shouldRejectUnsafeTargets(String target) {
        assertThat(parse("GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n")).isEqualTo(-400);
    }

    @Test
    void shouldKeepQueryRawAndMarkDirectories() {
        assertThat(parse("GET /list/?page=%202&sort HTTP/1.1\r\nHost: h\r\n\r\n")).isPositive();
        assertThat(path()).isEqualTo("list/");
        assertThat(head.pathIsDirectory()).isTrue();
        assertThat(head.query()).isEqualTo("page=%202&sort");
        assertThat(parse("GET /a? HTTP/1.1\r\nHost: h\r\n\r\n")).isPositive();
        assertThat(head.query()).isEmpty();
    }

    @Test
    void shouldGiveSameResultForEverySplitPosition() {
        ByteBuffer buf = Bytes.direct(RICH);
        for (int split = 0; split <= RICH.length(); split++) {
            parser.reset();
            int first = parser.parse(buf, 0, split, head);
            assertThat(first).isEqualTo(split == RICH.length() ? RICH.length() : RequestParser.NEED_MORE);
            assertThat(parser.parse(buf, 0, RICH.length(), head)).isEqualTo(RICH.length());
            assertRichHead();
        }
    }

    @Test
    void shouldGiveSameResultWhenFedOneByteAtATime() {
        ByteBuffer buf = Bytes.direct(RICH);
        parser.reset();
        for (int end = 0; end < RICH.length(); end++) {
            assertThat(parser.parse(buf, 0, end, head)).isEqualTo(RequestParser.NEED_MORE);
        }
        assertThat(parser.parse(buf, 0, RICH.length(), head)).isEqualTo(RICH.length());
        assertRichHead();
    }

    private void assertRichHead() {
        assertThat(head.method()).isEqualTo(Method.GET);
        assertThat(path()).isEqualTo("live/ch 1/seg_001.m4s");
        assertThat(head.query()).isEqualTo("token=a%20b&x=+1");
        assertThat(head.value(RequestHead.Field.HOST)).isEqualTo("cdn.example.com:8080");
        assertThat(head.value(RequestHead.Field.USER_AGENT)).isEqualTo("player/1.0");
        assertThat(head.value(RequestHead.Field.RANGE)).isEqualTo("bytes=0-499");
        assertThat(head.keepAlive()).isTrue();
    }

    @Test
    void shouldParsePipelinedRequestsBackToBack() {
        String second = "PUT /up/a.ts HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n";
        String third = "HEAD /b HTTP/1.0\r\n\r\n";
        String wire = SIMPLE + second + "abc" + third;
        ByteBuffer buf = Bytes.direct(wire);
        parser.reset();
        int length = parser.parse(buf, 0, wire.length(), head);
        assertThat(length).isEqualTo(SIMPLE.length());
        assertThat(path()).isEqualTo("video/seg1.ts");

        parser.reset();
        int start = length;
        length = parser.parse(buf, start, wire.length(), head);
        assertThat(length).isEqualTo(second.length());
        assertThat(head.method()).isEqualTo(Method.PUT);
        assertThat(head.contentLength()).isEqualTo(3);
        assertThat(head.hasBody()).isTrue();

        parser.reset();
        start += length + 3;
        length = parser.parse(buf, start, wire.length(), head);
        assertThat(length).isEqualTo(third.length());
        assertThat(head.method()).isEqualTo(Method.HEAD);
        assertThat(head.versionMinor()).isZero();
        assertThat(head.contentLength()).isEqualTo(-1);
        assertThat(head.has(RequestHead.Field.HOST)).isFalse();
        assertThat(head.keepAlive()).isFalse();
    }

    @Test
    void shouldStartAfreshWhenStartMoves() {
        String wire = SIMPLE + "GET /next HTTP/1.1\r\nHost: h\r\n\r\n";
        ByteBuffer buf = Bytes.heap(wire, 0);
        parser.reset();
        assertThat(parser.parse(buf, 0, wire.length(), head)).isEqualTo(SIMPLE.length());
        assertThat(parser.parse(buf, 0, wire.length(), head)).isEqualTo(SIMPLE.length());
        assertThat(parser.parse(buf, SIMPLE.length(), wire.length(), head)).isPositive();
        assertThat(path()).isEqualTo("next");
    }

    @Test
    void shouldParseFromHeapBuffer() {
        ByteBuffer buf = Bytes.heap(SIMPLE, 3);
        parser.reset();
        assertThat(parser.parse(buf, 3, 3 + SIMPLE.length(), head)).isEqualTo(SIMPLE.length());
        assertThat(path()).isEqualTo("video/seg1.ts");
        assertThat(buf.position()).isZero();
    }

    @Test
    void shouldAcceptBareLineFeedsAndLeadingEmptyLines() {
        String request = "\r\n\nGET /a HTTP/1.1\nHost: h\n\n";
        assertThat(parse(request)).isEqualTo(request.length());
        assertThat(path()).isEqualTo("a");
        String tooMany = "\r\n".repeat(RequestParser.MAX_LEADING_EMPTY_LINES + 1) + SIMPLE;
        assertThat(parse(tooMany)).isEqualTo(-400);
        String enough = "\r\n".repeat(RequestParser.MAX_LEADING_EMPTY_LINES) + SIMPLE;
        assertThat(parse(enough)).isEqualTo(enough.length());
    }

    @Test
    void shouldWaitForByteAfterCarriageReturn() {
        String request = SIMPLE;
        ByteBuffer buf = Bytes.direct(request);
        parser.reset();
        int crIndex = request.indexOf('\r');
        assertThat(parser.parse(buf, 0, crIndex + 1, head)).isEqualTo(RequestParser.NEED_MORE);
        assertThat(parser.parse(buf, 0, request.length(), head)).isEqualTo(request.length());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "GET /a HTTP/1.1\rHost: h\r\n\r\n", "GET /a HTTP/1.1\r\nHost: h\rX: y\r\n\r\n", "GET /a\r HTTP/1.1\r\n",
        "GET /a HTTP/1.1\r\nHost: h\r\n\r\r\n"})
    void shouldRejectBareCarriageReturn(String request) {
        assertThat(parse(request)).isEqualTo(-400);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "Host : h\r\n", "Host\t: h\r\n", "Host: h\r\nX-A: 1\r\n  folded\r\n", "Host: h\r\nX-A: 1\r\n\tfolded\r\n",
        " Host: h\r\n", ": empty-name\r\nHost: h\r\n", "Host: h\r\nNoColon\r\n", "Host: h\r\nX-A: a\u0000b\r\n",
        "Host: h\r\nX-A: a\u0007b\r\n", "Host: h\r\nX-A: a\u007fb\r\n", "Host: h\r\nX(A): 1\r\n",
        "Host: h\r\nX A: 1\r\n"})
    void shouldRejectMalformedFieldLines(String fields) {
        assertThat(parse("GET / HTTP/1.1\r\n" + fields + "\r\n")).isEqualTo(-400);
    }

    @Test
    void shouldTrimOwsAndMatchNamesCaseInsensitively() {
        assertThat(parse("GET / HTTP/1.1\r\nhOsT:h\r\nRANGE: \t bytes=1-2 \t \r\nx-any:\r\n\r\n")).isPositive();
        assertThat(head.value(RequestHead.Field.HOST)).isEqualTo("h");
        assertThat(head.value(RequestHead.Field.RANGE)).isEqualTo("bytes=1-2");
        assertThat(parse("GET / HTTP/1.1\r\nHost: h\r\nIf-Modified-Since: x\r\nACCESS-CONTROL-REQUEST-METHOD: PUT"
            + "\r\norigin: o\r\nReferer: r\r\nContent-Type: t\r\nIf-Range: i\r\nIf-Unmodified-Since: u\r\n\r\n"))
            .isPositive();
        assertThat(head.value(RequestHead.Field.IF_MODIFIED_SINCE)).isEqualTo("x");
        assertThat(head.value(RequestHead.Field.ACCESS_CONTROL_REQUEST_METHOD)).isEqualTo("PUT");
        assertThat(head.value(RequestHead.Field.ORIGIN)).isEqualTo("o");
        assertThat(head.value(RequestHead.Field.REFERER)).isEqualTo("r");
        assertThat(head.value(RequestHead.Field.CONTENT_TYPE)).isEqualTo("t");
        assertThat(head.value(RequestHead.Field.IF_RANGE)).isEqualTo("i");
        assertThat(head.value(RequestHead.Field.IF_UNMODIFIED_SINCE)).isEqualTo("u");
    }

    @Test
    void shouldKeepFirstOfDuplicatedOrdinaryFields() {
        assertThat(parse("GET / HTTP/1.1\r\nHost: h\r\nRange: bytes=0-1\r\nRange: bytes=5-9\r\n\r\n")).isPositive();
        assertThat(head.value(RequestHead.Field.RANGE)).isEqualTo("bytes=0-1");
    }

    @Test
    void shouldRequireExactlyOneValidHostInHttp11() {
        assertThat(parse("GET / HTTP/1.1\r\n\r\n")).isEqualTo(-400);
        assertThat(parse("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n")).isEqualTo(-400);
        assertThat(parse("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n")).isEqualTo(-400);
        assertThat(parse("GET / HTTP/1.1\r\nHost: a b\r\n\r\n")).isEqualTo(-400);
        assertThat(parse("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n")).isPositive();
        assertThat(parse("GET / HTTP/1.1\r\nHost:\r\n\r\n")).isPositive();
        assertThat(parse("GET / HTTP/1.0\r\n\r\n")).isPositive();
    }

    /** RFC 9112 §3.2: a Host field with an invalid value MUST get 400 (HostSyntaxTest has the grammar's cases). */
    @ParameterizedTest
    @ValueSource(strings = {"t:abc", "t:80x", "[::1", "[::1]x", "t:65536", "t:1 2", "[::1]:80x", ":80", "a@b"})
    void shouldRefuseAnInvalidHostValue(String host) {
        assertThat(parse("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n")).as(host).isEqualTo(-400);
        assertThat(parse("GET / HTTP/1.0\r\nHost: " + host + "\r\n\r\n")).as("HTTP/1.0 " + host).isEqualTo(-400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"example.com", "example.com:8080", "[::1]:8080", "127.0.0.1", "t:"})
    void shouldAcceptAValidHostValue(String host) {
        assertThat(parse("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n")).as(host).isPositive();
        assertThat(head.value(RequestHead.Field.HOST)).isEqualTo(host);
    }

    @Test
    void shouldParseContentLength() {
        assertThat(parse("PUT /a HTTP/1.1\r\nHost: h\r\nContent-Length: 42\r\n\r\n")).isPositive();
        assertThat(head.contentLength()).isEqualTo(42);
        assertThat(head.hasBody()).isTrue();
        assertThat(parse("PUT /a HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n")).isPositive();
        assertThat(head.hasBody()).isFalse();
        assertThat(parse("PUT /a HTTP/1.1\r\nHost: h\r\nContent-Length: 7\r\ncontent-length: 7\r\n\r\n"))
            .isPositive();
        assertThat(head.contentLength()).isEqualTo(7);
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "", "-1", "+5", "1 2", "1,1", "0x10", "99999999999999999999", "4.0"})
    void shouldRejectInvalidContentLength(String value) {
        assertThat(parse("PUT /a HTTP/1.1\r\nHost: h\r\nContent-Length: " + value + "\r\n\r\n")).isEqualTo(-400);
    }

    @Test
    void shouldRejectDifferingContentLengths() {
        assertThat(parse("PUT /a HTTP/1.1\r\nHost: h\r\nContent-Length: 7\r\nContent-Length: 8\r\n\r\n"))
            .isEqualTo(-400);
    }

    @Test
    void shouldRefuseBodiesOverTheLimit() {
        HttpLimits limits = new HttpLimits(1024, 4096, 10, 1000);
        assertThat(parseWith(limits, "PUT /a HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n")).isPositive();
        assertThat(parseWith(limits, "PUT /a HTTP/1.1\r\nHost: h\r\nContent-Length: 1001\r\n\r\n"))
            .isEqualTo(-413);
    }

    @Test
    void shouldAcceptChunkedTransferEncoding() {
        assertThat(parse("POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")).isPositive();
        assertThat(head.isChunked()).isTrue();
        assertThat(head.hasBody()).isTrue();
        assertThat(head.contentLength()).isEqualTo(-1);
        assertThat(parse("POST /a HTTP/1.1\r\nHost: h\r\ntransfer-encoding:  CHUNKED \r\n\r\n")).isPositive();
        assertThat(head.isChunked()).isTrue();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "Transfer-Encoding: gzip, chunked|-501", "Transfer-Encoding: x-custom , chunked|-501",
        "Transfer-Encoding: gzip|-400", "Transfer-Encoding: chunked, gzip|-400",
        "Transfer-Encoding: chunked, chunked|-400", "Transfer-Encoding:|-400", "Transfer-Encoding: chunked;x=1|-400",
        "Transfer-Encoding: chunked~Transfer-Encoding: chunked|-400",
        "Transfer-Encoding: chunked~Content-Length: 5|-400", "Content-Length: 5~Transfer-Encoding: chunked|-400",
        "Content-Length: 5000000000000~Transfer-Encoding: chunked|-400"})
    void shouldRefuseOtherTransferCodingsAndAmbiguousFraming(String fields, int expected) {
        String lines = fields.replace("~", "\r\n"); // CSV rows cannot hold line breaks
        assertThat(parse("POST /a HTTP/1.1\r\nHost: h\r\n" + lines + "\r\n\r\n")).isEqualTo(expected);
    }

    @Test
    void shouldRejectTransferEncodingInHttp10() {
        assertThat(parse("POST /a HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n")).isEqualTo(-400);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "HTTP/1.1||true", "HTTP/1.1|Connection: close|false", "HTTP/1.1|Connection: foo, CLOSE|false",
        "HTTP/1.1|Connection: keep-alive|true", "HTTP/1.0||false", "HTTP/1.0|Connection: Keep-Alive|true",
        "HTTP/1.0|Connection: keep-alive, close|false", "HTTP/1.1|Connection: closed|true",
        "HTTP/1.1|Connection: x~Connection: close|false"})
    void shouldDecidePersistence(String version, String fields, boolean keepAlive) {
        String extra = fields == null ? "" : fields.replace("~", "\r\n") + "\r\n";
        assertThat(parse("GET / " + version + "\r\nHost: h\r\n" + extra + "\r\n")).isPositive();
        assertThat(head.keepAlive()).isEqualTo(keepAlive);
    }

    @Test
    void shouldHandleExpect() {
        assertThat(parse("PUT /a HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nExpect: 100-continue\r\n\r\n"))
            .isPositive();
        assertThat(head.expectsContinue()).isTrue();
        assertThat(parse("PUT /a HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\n\r\n")).isPositive();
        assertThat(head.expectsContinue()).isTrue();
        assertThat(parse("PUT /a HTTP/1.0\r\nExpect: 100-continue\r\n\r\n")).isPositive();
        assertThat(head.expectsContinue()).isFalse();
        assertThat(parse("PUT /a HTTP/1.1\r\nHost: h\r\nExpect: 200-ok\r\n\r\n")).isEqualTo(-417);
        assertThat(parse("PUT /a HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nExpect: x\r\n\r\n"))
            .isEqualTo(-417);
    }

    @Test
    void shouldRefuseLongRequestLineBeforeItEnds() {
        HttpLimits limits = new HttpLimits(32, 1024, 10, 1000);
        String exact = "GET /" + "a".repeat(32 - 14) + " HTTP/1.1";
        assertThat(exact).hasSize(32);
        assertThat(parseWith(limits, exact + "\r\nHost: h\r\n\r\n")).isPositive();
        assertThat(parseWith(limits, "GET /" + "a".repeat(32 - 13) + " HTTP/1.1\r\nHost: h\r\n\r\n"))
            .isEqualTo(-414);
        assertThat(parseWith(limits, "GET /" + "a".repeat(28))).isEqualTo(-414);
        assertThat(parseWith(limits, "GET /" + "a".repeat(27))).isEqualTo(RequestParser.NEED_MORE);
        assertThat(parseWith(limits, "\r\n\r\nGET /" + "a".repeat(27))).isEqualTo(RequestParser.NEED_MORE);
    }

    @Test
    void shouldRefuseOversizedHead() {
        HttpLimits limits = new HttpLimits(64, 64, 10, 1000);
        String fits = "GET / HTTP/1.1\r\nHost: h\r\nX: " + "v".repeat(64 - 32) + "\r\n\r\n";
        assertThat(fits).hasSize(64);
        assertThat(parseWith(limits, fits)).isEqualTo(64);
        String over = "GET / HTTP/1.1\r\nHost: h\r\nX: " + "v".repeat(64 - 31) + "\r\n\r\n";
        assertThat(parseWith(limits, over)).isEqualTo(-431);
        assertThat(parseWith(limits, "GET / HTTP/1.1\r\nX: " + "v".repeat(100))).isEqualTo(-431);
    }

    @Test
    void shouldRefuseTooManyFields() {
        HttpLimits limits = new HttpLimits(64, 4096, 3, 1000);
        assertThat(parseWith(limits, "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n")).isPositive();
        assertThat(parseWith(limits, "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n")).isEqualTo(-431);
    }

    @Test
    void shouldClearPreviousRequestOnReset() {
        assertThat(parse(RICH)).isPositive();
        assertThat(parse("GET /b HTTP/1.0\r\n\r\n")).isPositive();
        assertThat(head.has(RequestHead.Field.RANGE)).isFalse();
        assertThat(head.has(RequestHead.Field.HOST)).isFalse();
        assertThat(head.query()).isNull();
        assertThat(path()).isEqualTo("b");
    }

    @Test
    void shouldRepeatRefusalUntilReset() {
        ByteBuffer buf = Bytes.direct("GET / HTTP/1.1\r\nHost : h\r\n\r\n");
        parser.reset();
        assertThat(parser.parse(buf, 0, 26, head)).isEqualTo(-400);
        assertThat(parser.parse(buf, 0, 30, head)).isEqualTo(-400);
    }

    @Test
    void shouldGrowPathBufferOfHeadMadeForSmallerLimits() {
        HttpLimits small = new HttpLimits(16, 1024, 10, 10);
        RequestHead smallHead = new RequestHead(small);
        String target = "/" + "p".repeat(100);
        String request = "GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n";
        parser.reset();
        assertThat(parser.parse(Bytes.direct(request), 0, request.length(), smallHead)).isPositive();
        assertThat(smallHead.pathLength()).isEqualTo(100);
    }

    @Test
    void shouldNotAllocateWhileParsing() {
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        ByteBuffer buf = Bytes.direct(RICH);
        for (int i = 0; i < 20_000; i++) { // warm up so class loading and JIT are done
            parser.reset();
            parser.parse(buf, 0, RICH.length(), head);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        int total = 0;
        for (int i = 0; i < 10_000; i++) {
            parser.reset();
            total += parser.parse(buf, 0, 50, head);
            total += parser.parse(buf, 0, RICH.length(), head);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(total).isEqualTo(10_000 * RICH.length());
        assertThat(allocated).isLessThan(1024); // zero per parse; slack for the measurement itself
    }
}
