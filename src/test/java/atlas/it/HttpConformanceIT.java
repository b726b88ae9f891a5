package atlas.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP/1.1 semantics (RFC 9110) as the real {@code curl} sees them: whole objects, HEAD, byte ranges,
 * validators, PUT/DELETE, content types, caching, CORS, the listing and invalid names.
 * One server for the class; every test uses its own object names.
 */
class HttpConformanceIT {
    private static final int BIG_BYTES = 5 << 20;
    private static final String BIG = "fx/big.bin";

    private static Path workDir;
    private static ServerProcess server;
    private static HttpCurl curl;
    private static byte[] big;
    private static int fileCounter;

    @BeforeAll
    static void startServer() throws Exception {
        workDir = HttpTestServers.workDir(HttpConformanceIT.class);
        server = HttpTestServers.start(workDir);
        curl = new HttpCurl(workDir);
        big = random(BIG_BYTES, 1);
        assertThat(put(BIG, big).status()).isEqualTo(201);
    }

    @AfterAll
    static void stopServer() throws IOException {
        if (server != null) {
            server.close();
        }
        HttpTestServers.deleteTree(workDir);
    }

    // ---------------------------------------------------------------- whole objects, PUT, HEAD

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {1, 4095, 4096, 4097, 300 * 1024, 5 << 20})
    void shouldReturnExactlyThePutBytesAndCreateThenOverwrite(int size) throws Exception {
        String name = "sizes/object-" + size + ".bin";
        byte[] first = random(size, size);
        HttpCurl.Response created = put(name, first);
        assertThat(created.exit()).as(created.toString()).isZero();
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        HttpCurl.Response got = get(name);
        assertThat(got.status()).as(got.toString()).isEqualTo(200);
        assertThat(got.header("Content-Length")).isEqualTo(String.valueOf(size));
        assertSameBytes(got.body(), first);
        String firstTag = got.header("ETag");
        assertThat(firstTag).as("ETag of the first version").isNotBlank();

        byte[] second = random(size, size + 7);
        HttpCurl.Response overwritten = put(name, second);
        assertThat(overwritten.status()).as(overwritten.toString()).isEqualTo(204);
        HttpCurl.Response again = get(name);
        assertThat(again.status()).isEqualTo(200);
        assertSameBytes(again.body(), second);
        assertThat(again.header("ETag")).as("ETag after overwrite").isNotBlank().isNotEqualTo(firstTag);
    }

    @Test
    void shouldAnswerHeadWithTheHeadersOfGetAndNoBody() throws Exception {
        HttpCurl.Response get = get(BIG);
        HttpCurl.Response head = curl.run("-I", server.url(BIG));
        assertThat(head.exit()).as(head.toString()).isZero();
        assertThat(head.status()).isEqualTo(200);
        // curl -I writes the head itself to -o and never reads a body; RawSocketIT checks no body is sent.
        assertThat(new String(head.body(), StandardCharsets.ISO_8859_1)).as("what curl -I wrote")
                .isEqualTo(head.rawHeaders());
        assertThat(head.header("Content-Length")).isEqualTo(String.valueOf(BIG_BYTES));
        assertThat(withoutDate(head.headers())).isEqualTo(withoutDate(get.headers()));
    }

    // ---------------------------------------------------------------- ranges

    @Test
    void shouldServeASingleRange() throws Exception {
        HttpCurl.Response r = curl.run("-r", "10-99", server.url(BIG));
        assertPartial(r, 10, 99);
    }

    @Test
    void shouldServeASuffixRange() throws Exception {
        HttpCurl.Response r = curl.run("-r", "-500", server.url(BIG));
        assertPartial(r, BIG_BYTES - 500, BIG_BYTES - 1);
    }

    @Test
    void shouldServeAnOpenRange() throws Exception {
        HttpCurl.Response r = curl.run("-r", "1000-", server.url(BIG));
        assertPartial(r, 1000, BIG_BYTES - 1);
    }

    @Test
    void shouldServeRangesAcrossTheReadWindowBoundaries() throws Exception {
        assertPartial(curl.run("-r", "262100-262200", server.url(BIG)), 262100, 262200);
        assertPartial(curl.run("-r", "262143-262144", server.url(BIG)), 262143, 262144);
        assertPartial(curl.run("-r", "100001-1100001", server.url(BIG)), 100001, 1100001);
        assertPartial(curl.run("-r", "5000000-9999999", server.url(BIG)), 5000000, BIG_BYTES - 1);
    }

    @Test
    void shouldServeMultipleRangesAsMultipartByteranges() throws Exception {
        HttpCurl.Response r = curl.run("-r", "0-99,262100-262200,-10", server.url(BIG));
        assertThat(r.status()).as(r.toString()).isEqualTo(206);
        String type = r.header("Content-Type");
        assertThat(type).startsWith("multipart/byteranges");
        assertThat(r.header("Content-Range")).as("no top-level Content-Range with multipart").isNull();
        assertThat(r.header("Content-Length")).isEqualTo(String.valueOf(r.body().length));
        List<HttpMultipart.Part> parts = HttpMultipart.parse(type, r.body());
        long[][] expected = {{0, 99}, {262100, 262200}, {BIG_BYTES - 10, BIG_BYTES - 1}};
        assertThat(parts).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            int first = (int) expected[i][0];
            int last = (int) expected[i][1];
            HttpMultipart.Part part = parts.get(i);
            assertThat(part.headers().get("Content-Range")).as("part " + i)
                    .isEqualTo("bytes " + first + "-" + last + "/" + BIG_BYTES);
            assertThat(part.headers().get("Content-Type")).as("part " + i).isNotBlank();
            assertSameBytes(part.data(), Arrays.copyOfRange(big, first, last + 1));
        }
    }

    /**
     * RFC 9110 §14.2 and §17.15: sixteen overlapping ranges of a 1 MiB object are coalesced into one and answered
     * as a plain 206 carrying the object once, never a 16 MiB multipart of sixteen copies.
     */
    @Test
    void shouldCoalesceSixteenOverlappingRangesIntoOnePlain206() throws Exception {
        String name = "ranges/one-mib.bin";
        byte[] content = random(1 << 20, 31);
        put(name, content);
        String sixteen = String.join(",", java.util.Collections.nCopies(16, "0-"));
        HttpCurl.Response r = curl.run("-H", "Range: bytes=" + sixteen, server.url(name));
        assertThat(r.status()).as(r.toString()).isEqualTo(206);
        assertThat(r.header("Content-Type")).doesNotStartWith("multipart/");
        assertThat(r.header("Content-Range")).isEqualTo("bytes 0-1048575/1048576");
        assertThat(r.header("Content-Length")).isEqualTo("1048576");
        assertSameBytes(r.body(), content);

        HttpCurl.Response overlapping = curl.run("-r", "500-999,0-499,250-749,2000-2999,2500-", server.url(name));
        assertThat(overlapping.status()).as(overlapping.toString()).isEqualTo(206);
        List<HttpMultipart.Part> parts = HttpMultipart.parse(overlapping.header("Content-Type"), overlapping.body());
        assertThat(parts).as("0-999 (asked first as 500-999) and 2000-end").hasSize(2);
        assertThat(parts.get(0).headers().get("Content-Range")).isEqualTo("bytes 0-999/1048576");
        assertSameBytes(parts.get(0).data(), Arrays.copyOfRange(content, 0, 1000));
        assertThat(parts.get(1).headers().get("Content-Range")).isEqualTo("bytes 2000-1048575/1048576");
        assertSameBytes(parts.get(1).data(), Arrays.copyOfRange(content, 2000, 1 << 20));
        assertThat(overlapping.body().length).as("at most the object and two part headers")
                .isLessThan((1 << 20) + 1024);
    }

    @Test
    void shouldAnswer416WithTheLengthForAnUnsatisfiableRange() throws Exception {
        HttpCurl.Response r = curl.run("-r", "6000000-6000100", server.url(BIG));
        assertThat(r.status()).as(r.toString()).isEqualTo(416);
        assertThat(r.header("Content-Range")).isEqualTo("bytes */" + BIG_BYTES);
    }

    /** RFC 9110 §14.2: an unparsable Range or unknown unit is ignored; too many ranges may be refused (cap). */
    @Test
    void shouldIgnoreInvalidRangesAndCapTheRangeCount() throws Exception {
        for (String range : List.of("bytes=zz", "items=0-5", "bytes=5-1", "bytes=-")) {
            HttpCurl.Response r = curl.run("-H", "Range: " + range, server.url(BIG));
            assertThat(r.status()).as("Range: " + range + ": " + r).isEqualTo(200);
            assertThat(r.body()).as("Range: " + range).hasSize(BIG_BYTES);
        }
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            many.append(i == 0 ? "" : ",").append(i * 2).append('-').append(i * 2);
        }
        HttpCurl.Response capped = curl.run("-r", many.toString(), server.url(BIG));
        assertThat(capped.status()).as("300 ranges: the Range is ignored").isEqualTo(200);
        assertThat(capped.body()).hasSize(BIG_BYTES);
        HttpCurl.Response head = curl.run("-I", "-r", "0-9", server.url(BIG));
        assertThat(head.status()).as("Range is defined for GET only: " + head).isEqualTo(200);
        assertThat(head.header("Content-Length")).isEqualTo(String.valueOf(BIG_BYTES));
    }

    // ---------------------------------------------------------------- validators

    @Test
    void shouldAnswer304ForIfNoneMatchInStrongAndWeakForm() throws Exception {
        String name = "cond/inm.ts";
        put(name, random(5000, 11));
        String etag = get(name).header("ETag");
        assertThat(etag).startsWith("\"").endsWith("\"");

        HttpCurl.Response strong = curl.run("-H", "If-None-Match: " + etag, server.url(name));
        assertThat(strong.status()).as(strong.toString()).isEqualTo(304);
        assertThat(strong.body()).isEmpty();
        assertThat(strong.header("ETag")).isEqualTo(etag);

        HttpCurl.Response weak = curl.run("-H", "If-None-Match: W/" + etag, server.url(name));
        assertThat(weak.status()).as(weak.toString()).isEqualTo(304);

        HttpCurl.Response list = curl.run("-H", "If-None-Match: \"nope\", " + etag, server.url(name));
        assertThat(list.status()).as(list.toString()).isEqualTo(304);

        HttpCurl.Response other = curl.run("-H", "If-None-Match: \"nope\"", server.url(name));
        assertThat(other.status()).as(other.toString()).isEqualTo(200);
        assertThat(other.body()).hasSize(5000);
    }

    @Test
    void shouldAnswer304ForIfModifiedSinceTheLastModification() throws Exception {
        String name = "cond/ims.ts";
        put(name, random(3000, 12));
        String lastModified = get(name).header("Last-Modified");
        assertThat(lastModified).isNotBlank();

        HttpCurl.Response same = curl.run("-H", "If-Modified-Since: " + lastModified, server.url(name));
        assertThat(same.status()).as(same.toString()).isEqualTo(304);
        assertThat(same.body()).isEmpty();

        HttpCurl.Response older = curl.run("-H", "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT", server.url(name));
        assertThat(older.status()).as(older.toString()).isEqualTo(200);
        assertThat(older.body()).hasSize(3000);
    }

    @Test
    void shouldHonourIfRangeOnlyWhileTheETagMatches() throws Exception {
        String name = "cond/if-range.bin";
        put(name, random(20_000, 13));
        String stale = get(name).header("ETag");
        HttpCurl.Response matching = curl.run("-r", "100-199", "-H", "If-Range: " + stale, server.url(name));
        assertThat(matching.status()).as(matching.toString()).isEqualTo(206);
        assertThat(matching.body()).hasSize(100);

        byte[] current = random(20_000, 14);
        assertThat(put(name, current).status()).isEqualTo(204);
        HttpCurl.Response changed = curl.run("-r", "100-199", "-H", "If-Range: " + stale, server.url(name));
        assertThat(changed.status()).as(changed.toString()).isEqualTo(200);
        assertSameBytes(changed.body(), current);
    }

    @Test
    void shouldRefusePutAndDeleteWithAWrongIfMatchAndChangeNothing() throws Exception {
        String name = "cond/if-match.ts";
        byte[] original = random(7000, 15);
        put(name, original);
        String etag = get(name).header("ETag");

        HttpCurl.Response wrongPut = put(name, random(7000, 16), "-H", "If-Match: \"not-the-tag\"");
        assertThat(wrongPut.status()).as(wrongPut.toString()).isEqualTo(412);
        HttpCurl.Response wrongDelete = curl.run("-X", "DELETE", "-H", "If-Match: \"not-the-tag\"", server.url(name));
        assertThat(wrongDelete.status()).as(wrongDelete.toString()).isEqualTo(412);
        HttpCurl.Response unchanged = get(name);
        assertThat(unchanged.status()).isEqualTo(200);
        assertThat(unchanged.header("ETag")).isEqualTo(etag);
        assertSameBytes(unchanged.body(), original);

        byte[] replacement = random(7000, 17);
        HttpCurl.Response rightPut = put(name, replacement, "-H", "If-Match: " + etag);
        assertThat(rightPut.status()).as(rightPut.toString()).isEqualTo(204);
        assertSameBytes(get(name).body(), replacement);
    }

    @Test
    void shouldRefusePutWithIfNoneMatchStarOnAnExistingName() throws Exception {
        String name = "cond/create-only.ts";
        byte[] original = random(2000, 18);
        HttpCurl.Response created = put(name, original, "-H", "If-None-Match: *");
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        HttpCurl.Response refused = put(name, random(2000, 19), "-H", "If-None-Match: *");
        assertThat(refused.status()).as(refused.toString()).isEqualTo(412);
        assertSameBytes(get(name).body(), original);
    }

    /** RFC 9110 §9.3.4: an origin server MUST answer 400 to a PUT with Content-Range (partial content as a whole). */
    @Test
    void shouldRefuseAPutWithContentRangeAndKeepTheObject() throws Exception {
        String name = "cond/partial-put.ts";
        byte[] original = random(1000, 33);
        put(name, original);
        HttpCurl.Response partial = put(name, random(100, 34), "-H", "Content-Range: bytes 0-99/1000");
        assertThat(partial.status()).as(partial.toString()).isEqualTo(400);
        assertSameBytes(get(name).body(), original);
    }

    @Test
    void shouldRefuseAPutWithAContentCodingWith415() throws Exception {
        String name = "cond/gzip-put.ts";
        HttpCurl.Response coded = put(name, random(100, 35), "-H", "Content-Encoding: gzip");
        assertThat(coded.status()).as(coded.toString()).isEqualTo(415);
        assertThat(coded.header("Accept-Encoding")).isEqualTo("identity");
        assertThat(curl.run(server.url(name)).status()).as("nothing stored").isEqualTo(404);
    }

    // ---------------------------------------------------------------- DELETE

    @Test
    void shouldDeleteOnceThen404() throws Exception {
        String name = "del/gone.ts";
        put(name, random(10_000, 20));
        HttpCurl.Response deleted = curl.run("-X", "DELETE", server.url(name));
        assertThat(deleted.status()).as(deleted.toString()).isEqualTo(204);
        HttpCurl.Response get = get(name);
        assertThat(get.status()).as(get.toString()).isEqualTo(404);
        HttpCurl.Response again = curl.run("-X", "DELETE", server.url(name));
        assertThat(again.status()).as(again.toString()).isEqualTo(404);
    }

    // ---------------------------------------------------------------- representation headers

    @Test
    void shouldDeriveContentTypeAndCacheControlFromTheExtension() throws Exception {
        Map<String, String> types = Map.of(
                "types/a.m3u8", "application/vnd.apple.mpegurl",
                "types/a.mpd", "application/dash+xml",
                "types/a.ts", "video/mp2t",
                "types/a.m4s", "video/mp4",
                "types/a.mp4", "video/mp4");
        for (Map.Entry<String, String> e : types.entrySet()) {
            put(e.getKey(), "x".repeat(100).getBytes(StandardCharsets.US_ASCII));
            HttpCurl.Response r = get(e.getKey());
            assertThat(r.status()).isEqualTo(200);
            assertThat(mediaType(r.header("Content-Type"))).as(e.getKey()).isEqualTo(e.getValue());
        }
        long manifest = maxAge(get("types/a.m3u8"));
        long dash = maxAge(get("types/a.mpd"));
        long segment = maxAge(get("types/a.ts"));
        assertThat(manifest).as("max-age of a .m3u8").isBetween(0L, 10L);
        assertThat(dash).as("max-age of a .mpd").isBetween(0L, 10L);
        assertThat(segment).as("max-age of a .ts").isGreaterThanOrEqualTo(3600L);
    }

    @Test
    void shouldSendDateAndServer() throws Exception {
        HttpCurl.Response r = get("demo/index.m3u8");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Server")).isNotBlank();
        ZonedDateTime date = ZonedDateTime.parse(r.header("Date"), DateTimeFormatter.RFC_1123_DATE_TIME);
        assertThat(Duration.between(date, ZonedDateTime.now()).abs()).isLessThan(Duration.ofMinutes(1));
        assertThat(r.header("Date")).endsWith(" GMT");
    }

    // ---------------------------------------------------------------- CORS

    @Test
    void shouldAllowCrossOriginReadsAndExposeRangeHeaders() throws Exception {
        HttpCurl.Response r = curl.run("-H", "Origin: https://player.example", "-r", "0-9", server.url(BIG));
        assertThat(r.status()).as(r.toString()).isEqualTo(206);
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo("*");
        assertThat(tokens(r.header("Access-Control-Expose-Headers")))
                .contains("content-range", "content-length");
    }

    /**
     * Issue 16: a shared cache filled by a request without Origin serves that copy to browser players too, so the
     * CORS fields are on every read response, and constant (no {@code Vary: Origin}, which would split the copy).
     */
    @Test
    void shouldSendCorsFieldsOnEveryReadResponseEvenWithoutOrigin() throws Exception {
        String name = "cors/seg.ts";
        put(name, random(4000, 32));
        String etag = get(name).header("ETag");
        List<HttpCurl.Response> answers = List.of(get(name), curl.run("-I", server.url(name)),
                curl.run("-r", "0-9", server.url(name)), curl.run("-H", "If-None-Match: " + etag, server.url(name)),
                curl.run(server.url("cors/missing.ts")), curl.run("-r", "9000-", server.url(name)));
        assertThat(answers.stream().map(HttpCurl.Response::status).toList())
                .containsExactly(200, 200, 206, 304, 404, 416);
        for (HttpCurl.Response r : answers) {
            assertThat(r.header("Access-Control-Allow-Origin")).as(r.statusLine()).isEqualTo("*");
            assertThat(tokens(r.header("Access-Control-Expose-Headers"))).as(r.statusLine())
                    .contains("content-range", "content-length");
            assertThat(r.header("Vary")).as(r.statusLine()).isNull();
        }
    }

    @Test
    void shouldAnswerACorsPreflight() throws Exception {
        HttpCurl.Response r = curl.run("-X", "OPTIONS", "-H", "Origin: https://player.example",
                "-H", "Access-Control-Request-Method: GET", "-H", "Access-Control-Request-Headers: range",
                server.url(BIG));
        assertThat(r.status()).as(r.toString()).isEqualTo(204);
        assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo("*");
        assertThat(tokens(r.header("Access-Control-Allow-Methods"))).contains("get");
        assertThat(tokens(r.header("Access-Control-Allow-Headers"))).contains("range");
    }

    // ---------------------------------------------------------------- chunked upload

    @Test
    void shouldStoreAChunkedPutByteForByte() throws Exception {
        String name = "chunked/upload.ts";
        byte[] content = random(300 * 1024 + 7, 21);
        HttpCurl.Response created = put(name, content, "-H", "Transfer-Encoding: chunked");
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        HttpCurl.Response got = get(name);
        assertThat(got.status()).isEqualTo(200);
        assertSameBytes(got.body(), content);
    }

    // ---------------------------------------------------------------- listing, admin, names

    @Test
    void shouldListObjectsAsHtmlOnTheAdminListenerOnly() throws Exception {
        assertThat(get("").status()).as("listings are not public by default").isEqualTo(404);
        HttpCurl.Response r = curl.run(server.adminUrl(""));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(mediaType(r.header("Content-Type"))).isEqualTo("text/html");
        assertThat(r.bodyText()).contains("demo/index.m3u8").contains(BIG);
        HttpCurl.Response delete = curl.run("-X", "DELETE", server.adminUrl(""));
        assertThat(delete.status()).as("DELETE /: " + delete).isEqualTo(405);
        assertThat(delete.header("Allow")).as("Allow on a 405").isNotBlank();
    }

    @Test
    void shouldReportHealth() throws Exception {
        HttpCurl.Response r = get("_atlas/health");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.bodyText().trim().toLowerCase()).startsWith("ok");
    }

    @Test
    void shouldRefuseDotSegmentsAndStoreNothing() throws Exception {
        byte[] content = random(100, 22);
        for (String path : List.of("t1/../t2", "t1/./t2", "t1/%2e%2e/t2", "t1/%2E/t2", "../t2")) {
            HttpCurl.Response put = put(path, content, "--path-as-is");
            assertThat(put.status()).as("PUT /" + path + ": " + put).isEqualTo(400);
            HttpCurl.Response get = curl.run("--path-as-is", server.url(path));
            assertThat(get.status()).as("GET /" + path + ": " + get).isIn(400, 404);
        }
        for (String stored : List.of("t2", "t1/t2", "t1")) {
            HttpCurl.Response r = get(stored);
            assertThat(r.status()).as("GET /" + stored + " after refused PUTs: " + r).isEqualTo(404);
        }
    }

    /** Object names have no empty segment (ObjectNames): "/e1//e2" must not become an alias of "/e1/e2". */
    @Test
    void shouldRefuseAnEmptyPathSegment() throws Exception {
        HttpCurl.Response put = put("e1//e2", random(100, 23), "--path-as-is");
        assertThat(put.status()).as("PUT /e1//e2: " + put).isEqualTo(400);
        assertThat(get("e1/e2").status()).as("GET /e1/e2 after PUT /e1//e2").isEqualTo(404);
        HttpCurl.Response get = curl.run("--path-as-is", server.url("e1//e2"));
        assertThat(get.status()).as("GET /e1//e2: " + get).isIn(400, 404);
    }

    @Test
    void shouldRefusePutUnderTheReservedPrefix() throws Exception {
        HttpCurl.Response admin = put("_atlas/x", random(100, 24));
        assertThat(admin.status()).as("PUT /_atlas/x: " + admin).isIn(400, 404, 405);
        assertThat(get("_atlas/x").status()).isEqualTo(404);
        HttpCurl.Response health = curl.run("-X", "DELETE", server.url("_atlas/health"));
        assertThat(health.status()).as("DELETE /_atlas/health: " + health).isIn(400, 404, 405);
        assertThat(get("_atlas/health").status()).isEqualTo(200);
    }

    // ---------------------------------------------------------------- helpers

    private static HttpCurl.Response get(String name) throws IOException, InterruptedException {
        HttpCurl.Response r = curl.run(server.url(name));
        assertThat(r.exit()).as(r.toString()).isZero();
        return r;
    }

    private static HttpCurl.Response put(String name, byte[] content, String... extra)
            throws IOException, InterruptedException {
        Path file = workDir.resolve("upload-" + (++fileCounter));
        Files.write(file, content);
        String[] args = new String[extra.length + 3];
        System.arraycopy(extra, 0, args, 0, extra.length);
        args[extra.length] = "-T";
        args[extra.length + 1] = file.toString();
        args[extra.length + 2] = server.url(name);
        HttpCurl.Response r = curl.run(args);
        Files.delete(file);
        assertThat(r.exit()).as(r.toString()).isZero();
        return r;
    }

    private static void assertPartial(HttpCurl.Response r, int first, int last) {
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.status()).as(r.toString()).isEqualTo(206);
        assertThat(r.header("Content-Range")).isEqualTo("bytes " + first + "-" + last + "/" + BIG_BYTES);
        assertThat(r.header("Content-Length")).isEqualTo(String.valueOf(last - first + 1));
        assertSameBytes(r.body(), Arrays.copyOfRange(big, first, last + 1));
    }

    /** Compares without printing megabytes: length first, then the first differing offset. */
    private static void assertSameBytes(byte[] actual, byte[] expected) {
        assertThat(actual.length).as("length").isEqualTo(expected.length);
        int mismatch = Arrays.mismatch(actual, expected);
        assertThat(mismatch).as("first differing byte offset (-1 = equal)").isEqualTo(-1);
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static Map<String, List<String>> withoutDate(Map<String, List<String>> headers) {
        Map<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        copy.putAll(headers);
        copy.remove("Date");
        return copy;
    }

    private static String mediaType(String contentType) {
        assertThat(contentType).isNotNull();
        return contentType.split(";")[0].trim().toLowerCase();
    }

    private static final Pattern MAX_AGE = Pattern.compile("max-age=(\\d+)");

    private static long maxAge(HttpCurl.Response r) {
        String cacheControl = r.header("Cache-Control");
        assertThat(cacheControl).as("Cache-Control").isNotNull();
        Matcher m = MAX_AGE.matcher(cacheControl);
        assertThat(m.find()).as("max-age in " + cacheControl).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static List<String> tokens(String list) {
        assertThat(list).isNotNull();
        return Arrays.stream(list.split(",")).map(s -> s.trim().toLowerCase()).toList();
    }
}
