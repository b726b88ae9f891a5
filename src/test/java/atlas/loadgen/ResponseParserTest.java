package atlas.loadgen;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class ResponseParserTest {
    private static final String FIXED = "HTTP/1.1 200 OK\r\n"
            + "Content-Type: video/mp2t\r\n"
            + "Content-Length: 10\r\n"
            + "\r\n"
            + "0123456789";
    private static final String CHUNKED = "HTTP/1.1 200 OK\r\n"
            + "Transfer-Encoding: chunked\r\n"
            + "\r\n"
            + "4\r\nWiki\r\n"
            + "7;name=value\r\npedia i\r\n"
            + "B\r\nn \r\nchunks.\r\n"
            + "0\r\n"
            + "Trailer-Field: x\r\n"
            + "\r\n";

    private final ResponseParser parser = new ResponseParser();

    @Test
    void shouldParseAFixedLengthResponseSplitAtEveryByte() {
        for (int split = 0; split <= FIXED.length(); split++) {
            parser.reset(false);
            ByteBuffer whole = bytes(FIXED);
            assertThat(feedSplit(whole, split)).as("split at " + split).isEqualTo(ResponseParser.COMPLETE);
            assertThat(parser.status()).isEqualTo(200);
            assertThat(parser.bodyBytes()).isEqualTo(10);
            assertThat(parser.keepAlive()).isTrue();
        }
    }

    @Test
    void shouldParseAChunkedResponseSplitAtEveryByte() {
        for (int split = 0; split <= CHUNKED.length(); split++) {
            parser.reset(false);
            assertThat(feedSplit(bytes(CHUNKED), split)).as("split at " + split).isEqualTo(ResponseParser.COMPLETE);
            assertThat(parser.bodyBytes()).as("split at " + split).isEqualTo("Wikipedia in \r\nchunks.".length());
        }
    }

    @Test
    void shouldParseAChunkedResponseFedOneByteAtATime() {
        ByteBuffer buf = bytes(CHUNKED);
        int result = ResponseParser.NEED_MORE;
        for (int i = 0; i < CHUNKED.length(); i++) {
            assertThat(result).as("before byte " + i).isEqualTo(ResponseParser.NEED_MORE);
            result = parser.parse(buf.slice(i, 1));
        }
        assertThat(result).isEqualTo(ResponseParser.COMPLETE);
        assertThat(parser.bodyBytes()).isEqualTo(22);
    }

    @Test
    void shouldStopExactlyAtTheEndOfOneResponseWhenTwoArriveTogether() {
        ByteBuffer buf = bytes(FIXED + CHUNKED + FIXED);
        assertThat(parser.parse(buf)).isEqualTo(ResponseParser.COMPLETE);
        assertThat(buf.position()).isEqualTo(FIXED.length());
        parser.reset(false);
        assertThat(parser.parse(buf)).isEqualTo(ResponseParser.COMPLETE);
        assertThat(buf.position()).isEqualTo(FIXED.length() + CHUNKED.length());
        assertThat(parser.bodyBytes()).isEqualTo(22);
        parser.reset(false);
        assertThat(parser.parse(buf)).isEqualTo(ResponseParser.COMPLETE);
        assertThat(buf.hasRemaining()).isFalse();
    }

    @Test
    void shouldReportCompleteAgainWithoutConsumingTheNextResponse() {
        ByteBuffer buf = bytes(FIXED + FIXED);
        assertThat(parser.parse(buf)).isEqualTo(ResponseParser.COMPLETE);
        assertThat(parser.parse(buf)).isEqualTo(ResponseParser.COMPLETE);
        assertThat(buf.position()).isEqualTo(FIXED.length());
    }

    @Test
    void shouldTreatHeadersCaseInsensitivelyAndTolerateBareLf() {
        String response = "HTTP/1.1 404 Not Found\nCONTENT-length:   3  \nConnection: Close\n\nabc";
        assertThat(parser.parse(bytes(response))).isEqualTo(ResponseParser.COMPLETE);
        assertThat(parser.status()).isEqualTo(404);
        assertThat(parser.bodyBytes()).isEqualTo(3);
        assertThat(parser.keepAlive()).isFalse();
    }

    @Test
    void shouldSkipInterimResponses() {
        String response = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok";
        assertThat(parser.parse(bytes(response))).isEqualTo(ResponseParser.COMPLETE);
        assertThat(parser.status()).isEqualTo(201);
        assertThat(parser.bodyBytes()).isEqualTo(2);
    }

    @Test
    void shouldCompleteBodilessResponsesAtTheEndOfTheHeaders() {
        assertThat(parser.parse(bytes("HTTP/1.1 204 No Content\r\n\r\n"))).isEqualTo(ResponseParser.COMPLETE);
        parser.reset(false);
        assertThat(parser.parse(bytes("HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n")))
                .isEqualTo(ResponseParser.COMPLETE);
        parser.reset(true);
        assertThat(parser.parse(bytes("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n")))
                .isEqualTo(ResponseParser.COMPLETE);
        assertThat(parser.bodyBytes()).isZero();
    }

    @Test
    void shouldReadUntilCloseWithoutLengthAndNotKeepTheConnection() {
        ByteBuffer buf = bytes("HTTP/1.0 200 OK\r\n\r\nsome body");
        assertThat(parser.parse(buf)).isEqualTo(ResponseParser.NEED_MORE);
        assertThat(parser.bodyBytes()).isEqualTo(9);
        assertThat(parser.endOfStream()).isEqualTo(ResponseParser.COMPLETE);
        assertThat(parser.keepAlive()).isFalse();
    }

    @Test
    void shouldCloseHttp10UnlessItSaysKeepAlive() {
        parser.parse(bytes("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"));
        assertThat(parser.keepAlive()).isFalse();
        parser.reset(false);
        parser.parse(bytes("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"));
        assertThat(parser.keepAlive()).isTrue();
    }

    @Test
    void shouldCallAResponseCutShortMalformed() {
        assertThat(parser.parse(bytes(FIXED.substring(0, FIXED.length() - 3)))).isEqualTo(ResponseParser.NEED_MORE);
        assertThat(parser.started()).isTrue();
        assertThat(parser.endOfStream()).isEqualTo(ResponseParser.MALFORMED);
    }

    @Test
    void shouldNotCountAnIdleCloseAsAStartedResponse() {
        assertThat(parser.started()).isFalse();
    }

    @Test
    void shouldRefuseAmbiguousOrBrokenFraming() {
        String[] broken = {
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n",
            "HTTP/2 200\r\n\r\n",
            "HTTP/1.1 2000 OK\r\n\r\n",
            "SSH-2.0-OpenSSH\r\n",
            "HTTP/1.1 200 OK\r\n folded: header\r\n\r\n",
        };
        for (String response : broken) {
            parser.reset(false);
            assertThat(parser.parse(bytes(response))).as(response).isEqualTo(ResponseParser.MALFORMED);
        }
    }

    @Test
    void shouldAcceptRepeatedIdenticalContentLength() {
        assertThat(parser.parse(bytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab")))
                .isEqualTo(ResponseParser.COMPLETE);
    }

    @Test
    void shouldRefuseHeadersBeyondTheLimit() {
        String big = "HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(ResponseParser.MAX_HEADER_BYTES) + "\r\n\r\n";
        assertThat(parser.parse(bytes(big))).isEqualTo(ResponseParser.MALFORMED);
    }

    @Test
    void shouldCountALargeBodyWithoutCopyingIt() {
        ByteBuffer head = bytes("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n");
        assertThat(parser.parse(head)).isEqualTo(ResponseParser.NEED_MORE);
        ByteBuffer chunk = ByteBuffer.allocateDirect(65536);
        int result = ResponseParser.NEED_MORE;
        long fed = 0;
        while (result == ResponseParser.NEED_MORE) {
            chunk.clear();
            fed += chunk.remaining();
            result = parser.parse(chunk);
        }
        assertThat(result).isEqualTo(ResponseParser.COMPLETE);
        assertThat(parser.bodyBytes()).isEqualTo(1_000_000);
        assertThat(fed - chunk.remaining()).isEqualTo(1_000_000);
    }

    /** Feeds {@code [0, split)} then the rest, as two reads would; returns the last result. */
    private int feedSplit(ByteBuffer whole, int split) {
        int first = parser.parse(whole.slice(0, split));
        if (split == whole.limit()) {
            return first;
        }
        assertThat(first).as("after the first " + split + " bytes").isEqualTo(ResponseParser.NEED_MORE);
        ByteBuffer rest = whole.slice(split, whole.limit() - split);
        int result = parser.parse(rest);
        assertThat(rest.hasRemaining()).isFalse();
        return result;
    }

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
    }
}
