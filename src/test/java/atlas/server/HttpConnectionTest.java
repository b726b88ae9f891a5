package atlas.server;

import atlas.access.AccessControl;
import atlas.access.ClientTable;
import atlas.access.CredentialSource;
import atlas.access.UploadSlots;
import atlas.dataplane.BufferPool;
import atlas.dataplane.CoreContext;
import atlas.dataplane.FakeDisk;
import atlas.dataplane.FakeTransport;
import atlas.dataplane.IoBuffer;
import atlas.dataplane.LoopClock;
import atlas.http.HttpLimits;
import atlas.store.Volume;
import atlas.store.VolumeConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One HTTP connection driven like Aeron's conductor tests: a fake socket, a fake disk whose requests complete when
 * the test says, the group commit's turn ends called by the test, and a clock the test advances. No threads, no
 * sleeps: every step below is one completion or one turn.
 */
class HttpConnectionTest {
    private static final long B = Volume.BLOCK_SIZE;
    private static final Duration HEADER_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(75);

    @TempDir
    Path dir;
    private Volume volume;
    private final FakeDisk disk = new FakeDisk();
    private BufferPool pool;
    private final BufferPool small = CoreContext.newSmallBufferPool();
    private HttpCore core;
    private FakeTransport socket;
    private final LoopClock clock = new LoopClock();
    private ServerConfig config;
    private CoreContext context;
    private Metrics metrics;
    private Volume remoteVolume;
    private int remotes;

    @BeforeEach
    void setUp() throws Exception {
        volume = Volume.open(new VolumeConfig(dir, 256 * B, 256 * B, 4096 * B));
        config = new ServerConfig(new VolumeConfig(dir, 256 * B, 256 * B, 4096 * B), "127.0.0.1", 0, 1,
                ServerConfig.EngineKind.NIO, HttpLimits.DEFAULTS, HEADER_TIMEOUT, IDLE_TIMEOUT,
                Duration.ofSeconds(30), 4L << 20, false);
        pool = new BufferPool(64 * 1024 + 4096, 4096, 8);
        context = new CoreContext(0, 0, pool, small, disk, clock, new atlas.dataplane.CoreInbox());
        metrics = new Metrics("nio", "off", volume, null, null);
        core = new HttpCore(config, volume, context, metrics.newCore(context, null), null, null,
                new AccessControl(CredentialSource.none(), new ClientTable(0, 0, 0), new UploadSlots(0), true), -1,
                new atlas.live.PlaylistBoard(), null);
        socket = connect();
    }

    @AfterEach
    void tearDown() throws Exception {
        volume.close();
        if (remoteVolume != null) {
            remoteVolume.close();
        }
        if (fetcher != null) {
            fetcher.close();
        }
    }

    private FakeTransport connect() {
        FakeTransport t = new FakeTransport(clock);
        t.open(new HttpConnection(core));
        return t;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Runs disk completions, sends and turn ends until nothing moves. */
    private void settle(FakeTransport t) {
        for (int i = 0; i < 1000; i++) {
            if (disk.inFlight() > 0) {
                disk.complete();
            } else if (t.sendPending()) {
                t.completeSend();
            } else {
                core.onTurnEnd();
                pool.deliverGranted();
                if (disk.inFlight() == 0 && !t.sendPending()) {
                    return;
                }
            }
        }
        throw new AssertionError("did not settle");
    }

    private String put(String name, String body) {
        int before = socket.wireText().length();
        socket.deliver(ascii("PUT /" + name + " HTTP/1.1\r\nHost: t\r\nContent-Length: " + body.length()
                + "\r\n\r\n" + body));
        settle(socket);
        return socket.wireText().substring(before);
    }

    @Test
    void shouldAnswerAPutOnlyOnceTheCommitIsDurableThenServeItFromTheDisk() {
        socket.deliver(ascii("PUT /vod/a.ts HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"));
        assertThat(disk.next().kind()).as("the inline body's extent copy").isEqualTo(FakeDisk.Kind.WRITE_LAZY);
        core.onTurnEnd();
        disk.complete();
        assertThat(socket.wireText()).as("not before the journal write").isEmpty();
        assertThat(disk.next().kind()).as("the group's journal write").isEqualTo(FakeDisk.Kind.WRITE_DURABLE);
        disk.complete();
        assertThat(socket.wireText()).isEmpty();
        core.onTurnEnd();
        assertThat(socket.wireText()).startsWith("HTTP/1.1 201 Created\r\n").contains("ETag: \"");
        socket.completeSend();
        assertThat(socket.receivePending()).as("keep-alive: next request").isTrue();

        socket.deliver(ascii("GET /vod/a.ts HTTP/1.1\r\nHost: t\r\n\r\n"));
        settle(socket);
        assertThat(socket.wireText()).contains("HTTP/1.1 200 OK\r\n").contains("Content-Length: 5\r\n")
                .endsWith("\r\n\r\nhello");
        assertThat(pool.inUse()).as("every I/O buffer back").isZero();
    }

    @Test
    void shouldAnswerPipelinedRequestsInOrder() {
        put("a", "first");
        put("b", "second");
        int before = socket.wireText().length();
        socket.deliver(ascii("GET /a HTTP/1.1\r\nHost: t\r\n\r\nHEAD /b HTTP/1.1\r\nHost: t\r\n\r\nGET /c HTTP/1.1\r\nHost: t\r\n\r\n"));
        settle(socket);
        String answers = socket.wireText().substring(before);
        int a = answers.indexOf("\r\n\r\nfirst");
        int b = answers.indexOf("Content-Length: 6");
        int c = answers.indexOf("404 Not Found");
        assertThat(a).isPositive();
        assertThat(b).isGreaterThan(a);
        assertThat(c).isGreaterThan(b);
        assertThat(answers).doesNotContain("second");
    }

    /**
     * RFC 9112 §9.6: after a 400 more bytes may be on their way, and closing with unread input resets the connection,
     * which can destroy the 400 before the client read it: half-close, drop what comes, close at the peer's EOF.
     */
    @Test
    void shouldCloseAfterAnsweringAMalformedRequestOnceThePeerClosesItsSide() {
        socket.deliver(ascii("GET /a HTTP/1.1\r\nHost t\r\n\r\n"));
        assertThat(socket.wireText()).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("Connection: close\r\n");
        int answered = socket.wireText().length();
        socket.completeSend();
        assertThat(socket.isOutputShut()).as("FIN after the 400").isTrue();
        assertThat(socket.isClosed()).isFalse();
        socket.deliver(ascii("GET /b HTTP/1.1\r\nHost: t\r\n\r\n" + "x".repeat(3000)));
        assertThat(socket.wireText()).as("input after the 400 is dropped, not parsed").hasSize(answered);
        assertThat(socket.deadlineNs()).isEqualTo(socket.nowNs() + HttpConnection.LINGER_NS);
        socket.deliverEof();
        assertThat(socket.isClosed()).isTrue();
    }

    @Test
    void shouldEndALingeringCloseAfterItsBoundIfThePeerKeepsSending() {
        long timeoutsBefore = core.counters.timeouts.sum();
        socket.deliver(ascii("GET /a HTTP/1.1\r\nHost t\r\n\r\n"));
        socket.completeSend();
        socket.deliver(ascii("y".repeat(4000)));
        socket.deliver(ascii("y".repeat(4000)));
        assertThat(socket.isClosed()).isFalse();
        socket.expireDeadline();
        assertThat(socket.isClosed()).isTrue();
        assertThat(core.counters.timeouts.sum()).as("not a client timeout").isEqualTo(timeoutsBefore);
    }

    @Test
    void shouldCloseAtOnceWhenNothingIsLeftUnread() {
        put("a", "first");
        socket.deliver(ascii("GET /a HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
        settle(socket);
        assertThat(socket.wireText()).endsWith("first");
        assertThat(socket.isClosed()).isTrue();
        assertThat(socket.isOutputShut()).isFalse();

        FakeTransport stalled = connect();
        stalled.deliver(ascii("GET /a HTTP/1.1\r\nHo"));
        stalled.expireDeadline();
        assertThat(stalled.wireText()).startsWith("HTTP/1.1 408 ");
        stalled.completeSend();
        assertThat(stalled.isClosed()).as("a 408's client stopped sending: no lingering").isTrue();
    }

    /** RFC 9112 §3.2: 400 for an invalid Host, then close like any 400, so a pipelined request is never read. */
    @Test
    void shouldAnswer400ToAnInvalidHostAndCloseWithoutReadingThePipelinedRequest() {
        put("a", "first");
        int before = socket.wireText().length();
        socket.deliver(ascii("GET /a HTTP/1.1\r\nHost: t:80x\r\n\r\nGET /a HTTP/1.1\r\nHost: t\r\n\r\n"));
        settle(socket);
        String answers = socket.wireText().substring(before);
        assertThat(answers).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("Connection: close\r\n")
                .doesNotContain("200 OK");
        assertThat(socket.isOutputShut()).as("lingering close: FIN sent, the rest dropped").isTrue();
        socket.deliverEof();
        assertThat(socket.isClosed()).isTrue();
    }

    /** RFC 9110 §9.3.4: a PUT with Content-Range MUST get 400; storing it would replace the object with a part. */
    @Test
    void shouldRefuseAPutWithContentRangeAndKeepTheObject() {
        put("p/whole.ts", "0123456789");
        String refused = get("PUT /p/whole.ts HTTP/1.1\r\nHost: t\r\nContent-Range: bytes 0-2/10\r\n"
                + "Content-Length: 3\r\n\r\nabc");
        assertThat(refused).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("partial uploads");
        assertThat(socket.isOutputShut()).as("the body was not read: closed after the answer").isTrue();
        socket.deliverEof();
        socket = connect();
        assertThat(get("GET /p/whole.ts HTTP/1.1\r\nHost: t\r\n\r\n")).endsWith("\r\n\r\n0123456789");
    }

    /** A coded body would be served later as if it were the object (no coding is stored): 415, nothing stored. */
    @Test
    void shouldRefuseAPutWithAContentCodingButTakeIdentity() {
        String refused = get("PUT /p/gz.ts HTTP/1.1\r\nHost: t\r\nContent-Encoding: gzip\r\n"
                + "Content-Length: 3\r\n\r\nabc");
        assertThat(refused).startsWith("HTTP/1.1 415 Unsupported Media Type\r\n")
                .contains("Accept-Encoding: identity\r\n").contains("Connection: close\r\n");
        assertThat(volume.lookup("p/gz.ts")).isNull();
        socket.deliverEof();
        socket = connect();
        assertThat(put("p/id.ts", "abc")).startsWith("HTTP/1.1 201 ");
        String identity = get("PUT /p/id.ts HTTP/1.1\r\nHost: t\r\nContent-Encoding: identity\r\n"
                + "Content-Length: 3\r\n\r\nxyz");
        assertThat(identity).startsWith("HTTP/1.1 204 ");
    }

    /** Delivers a whole PUT however much the fake socket takes per receive, and returns its answer. */
    private String putAll(String name, String body) {
        int before = socket.wireText().length();
        byte[] request = ascii("PUT /" + name + " HTTP/1.1\r\nHost: t\r\nContent-Length: " + body.length()
                + "\r\n\r\n" + body);
        int at = 0;
        while (at < request.length) {
            at += socket.deliver(java.util.Arrays.copyOfRange(request, at, request.length));
            settle(socket);
        }
        settle(socket);
        return socket.wireText().substring(before);
    }

    private String get(String request) {
        int before = socket.wireText().length();
        socket.deliver(ascii(request));
        settle(socket);
        return socket.wireText().substring(before);
    }

    /** RFC 9110 §14.2/§17.15: sixteen overlapping ranges are coalesced into one, answered as a plain 206. */
    @Test
    void shouldAnswerSixteenOverlappingRangesWithOnePlain206() {
        String body = "0123456789abcdef".repeat(1250); // 20000 bytes
        assertThat(putAll("r/whole.bin", body)).startsWith("HTTP/1.1 201 ");
        String range = String.join(",", java.util.Collections.nCopies(16, "0-"));
        String answer = get("GET /r/whole.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=" + range + "\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.1 206 Partial Content\r\n")
                .contains("Content-Range: bytes 0-19999/20000\r\n").contains("Content-Length: 20000\r\n")
                .doesNotContain("multipart");
        assertThat(answer.length() - answer.indexOf("\r\n\r\n") - 4).as("the body, once").isEqualTo(20000);
        assertThat(answer).endsWith(body);

        String overlapping = get("GET /r/whole.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=100-199,150-299,300-309\r\n\r\n");
        assertThat(overlapping).startsWith("HTTP/1.1 206 ").contains("Content-Range: bytes 100-309/20000\r\n")
                .contains("Content-Length: 210\r\n").endsWith(body.substring(100, 310));
        assertThat(socket.isClosed()).isFalse();
    }

    @Test
    void shouldServeTheWholeObjectForTooManyRangesOrPartsCostingMoreThanIt() {
        String body = "0123456789abcdef".repeat(1250);
        putAll("r/capped.bin", body);
        StringBuilder seventeen = new StringBuilder("bytes=");
        for (int i = 0; i < 17; i++) {
            seventeen.append(i == 0 ? "" : ",").append(i * 1000).append('-').append(i * 1000 + 9);
        }
        String capped = get("GET /r/capped.bin HTTP/1.1\r\nHost: t\r\nRange: " + seventeen + "\r\n\r\n");
        assertThat(capped).as("over the cap: Range ignored").startsWith("HTTP/1.1 200 OK\r\n")
                .contains("Content-Length: 20000\r\n").endsWith(body);

        String disjoint = get("GET /r/capped.bin HTTP/1.1\r\nHost: t\r\nRange: bytes=0-9,1000-1009\r\n\r\n");
        assertThat(disjoint).startsWith("HTTP/1.1 206 ").contains("multipart/byteranges");

        put("r/tiny.txt", "0123456789");
        String tiny = get("GET /r/tiny.txt HTTP/1.1\r\nHost: t\r\nRange: bytes=0-0,2-2,4-4\r\n\r\n");
        assertThat(tiny).as("three part headers would outweigh ten bytes").startsWith("HTTP/1.1 200 OK\r\n")
                .contains("Content-Length: 10\r\n").endsWith("\r\n\r\n0123456789");
    }

    /**
     * A shared cache stores one copy per URL and serves it to every client, so the CORS fields must be on the
     * response whether or not the request that filled the cache had Origin: on 200, 206, 304, 404 alike.
     */
    @Test
    void shouldSendCorsFieldsOnEveryReadResponseWithOrWithoutOrigin() {
        put("c/seg.ts", "0123456789");
        String etag = get("GET /c/seg.ts HTTP/1.1\r\nHost: t\r\n\r\n").lines()
                .filter(l -> l.startsWith("ETag: ")).findFirst().orElseThrow().substring(6);
        for (String origin : new String[] {"", "Origin: https://player.example\r\n"}) {
            for (String request : new String[] {
                "GET /c/seg.ts HTTP/1.1\r\nHost: t\r\n", "HEAD /c/seg.ts HTTP/1.1\r\nHost: t\r\n",
                "GET /c/seg.ts HTTP/1.1\r\nHost: t\r\nRange: bytes=2-5\r\n",
                "GET /c/seg.ts HTTP/1.1\r\nHost: t\r\nIf-None-Match: " + etag + "\r\n",
                "GET /c/none.ts HTTP/1.1\r\nHost: t\r\n",
                "GET /c/seg.ts HTTP/1.1\r\nHost: t\r\nRange: bytes=99-\r\n"}) {
                String answer = get(request + origin + "\r\n");
                String head = answer.substring(0, answer.indexOf("\r\n\r\n") + 2);
                assertThat(head).as(request + origin).contains("\r\nAccess-Control-Allow-Origin: *\r\n")
                        .contains("\r\nAccess-Control-Expose-Headers: Content-Length, Content-Range, ETag, ")
                        .doesNotContain("Vary");
            }
        }
        String statuses = socket.wireText();
        assertThat(statuses).contains("HTTP/1.1 206 ").contains("HTTP/1.1 304 ").contains("HTTP/1.1 404 ")
                .contains("HTTP/1.1 416 ");
    }

    @Test
    void shouldAnswerACorsPreflightForReadsOnly() {
        String preflight = get("OPTIONS /c/seg.ts HTTP/1.1\r\nHost: t\r\nOrigin: https://player.example\r\n"
                + "Access-Control-Request-Method: GET\r\nAccess-Control-Request-Headers: range\r\n\r\n");
        assertThat(preflight).startsWith("HTTP/1.1 204 ").contains("Access-Control-Allow-Origin: *\r\n")
                .contains("Access-Control-Allow-Methods: GET, HEAD, OPTIONS\r\n")
                .contains("Access-Control-Allow-Headers: Range, If-None-Match, If-Modified-Since, If-Range, hdnts\r\n")
                .contains("Access-Control-Max-Age: ");
        String plain = get("OPTIONS /c/seg.ts HTTP/1.1\r\nHost: t\r\n\r\n");
        assertThat(plain).as("not a preflight").startsWith("HTTP/1.1 204 ").contains("Allow: ")
                .doesNotContain("Access-Control-Allow-Methods");
        assertThat(socket.isClosed()).isFalse();
    }

    @Test
    void shouldCloseAnIdleConnectionSilentlyAndTimeOutAStalledHead() {
        assertThat(socket.deadlineNs()).isEqualTo(socket.nowNs() + IDLE_TIMEOUT.toNanos());
        socket.expireDeadline();
        assertThat(socket.isClosed()).isTrue();
        assertThat(socket.wireText()).isEmpty();

        FakeTransport slow = connect();
        slow.deliver(ascii("GET /a HTTP/1.1\r\nHo"));
        assertThat(slow.deadlineNs()).as("the head's clock starts at its first byte")
                .isEqualTo(slow.nowNs() + HEADER_TIMEOUT.toNanos());
        slow.advance(HEADER_TIMEOUT.toNanos() / 2);
        slow.deliver(ascii("st: t\r\n"));
        assertThat(slow.deadlineNs()).as("and is not extended by later bytes (slowloris)")
                .isEqualTo(slow.nowNs() - HEADER_TIMEOUT.toNanos() / 2 + HEADER_TIMEOUT.toNanos());
        slow.expireDeadline();
        assertThat(slow.wireText()).startsWith("HTTP/1.1 408 Request Timeout\r\n");
    }

    @Test
    void shouldKeepAnUploadsBufferUntilItsWriteCompletesWhenTheClientLeaves() {
        String body = "x".repeat(6000); // above the inline limit: a durable body write
        byte[] request = ascii("PUT /live/seg.ts HTTP/1.1\r\nHost: t\r\nContent-Length: 6000\r\n\r\n" + body);
        int at = 0;
        while (at < request.length) {
            at += socket.deliver(java.util.Arrays.copyOfRange(request, at, request.length));
        }
        assertThat(disk.next().kind()).isEqualTo(FakeDisk.Kind.WRITE_DURABLE);
        assertThat(pool.inUse()).isEqualTo(1);
        socket.close();
        socket.finishClose();
        assertThat(pool.inUse()).as("the disk is still reading from it").isEqualTo(1);
        disk.complete(); // the body
        assertThat(pool.inUse()).isZero();
        settle(socket);
        assertThat(socket.wireText()).as("nobody to answer").isEmpty();
        assertThat(volume.lookup("live/seg.ts")).as("durable body and entry: stored all the same").isNotNull();
    }

    @Test
    void shouldRefuseAGetWith503WhenNoBufferFreesInTime() {
        put("a", "first");
        IoBuffer[] all = new IoBuffer[pool.capacity()];
        for (int i = 0; i < all.length; i++) {
            all[i] = pool.acquire();
        }
        IoBuffer[] allSmall = new IoBuffer[small.capacity()]; // a small body would take one of these first
        for (int i = 0; i < allSmall.length; i++) {
            allSmall[i] = small.acquire();
        }
        int before = socket.wireText().length();
        socket.deliver(ascii("GET /a HTTP/1.1\r\nHost: t\r\n\r\n"));
        assertThat(socket.wireText().length()).as("waiting for a buffer: nothing sent").isEqualTo(before);
        socket.expireDeadline();
        assertThat(socket.wireText().substring(before)).startsWith("HTTP/1.1 503 Service Unavailable\r\n");
        for (IoBuffer b : all) {
            pool.release(b);
        }
        for (IoBuffer b : allSmall) {
            small.release(b);
        }
        assertThat(pool.inUse()).isZero();
    }

    // ---------------------------------------------------------------- access control

    /** A core whose writes need the credentials of {@code authLines}, and a connection from a remote peer to it. */
    private FakeTransport remotePeer(int rateLimit, String... authLines) {
        AccessControl access = new AccessControl(
                CredentialSource.fixed(atlas.access.CredentialFileTestSupport.parse(authLines)),
                new ClientTable(0, rateLimit, 0), new UploadSlots(1), false);
        try {
            // A core of its own needs a volume of its own (a volume's journal belongs to one core).
            if (remoteVolume != null) {
                remoteVolume.close();
            }
            remoteVolume = Volume.open(new VolumeConfig(dir.resolve("remote" + remotes++), 256 * B, 256 * B, 4096 * B));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        core = new HttpCore(config, remoteVolume, context, metrics.newCore(context, null), null, null, access, 1,
                new atlas.live.PlaylistBoard(), null);
        ClientTable.Client client = rateLimit > 0 ? access.clients().open("203.0.113.9") : null;
        FakeTransport t = new FakeTransport(clock);
        t.open(new HttpConnection(core, client, false, false, false));
        return t;
    }

    // ---------------------------------------------------------------- HSTS

    /** A core configured with {@code --tls-listen … --hsts 365d}, and a connection to it, HTTPS or plain. */
    private FakeTransport hstsPeer(boolean secure) {
        ServerConfig withHsts = config.withTls(new ServerConfig.Tls("127.0.0.1", 0, null, null,
                Duration.ofSeconds(10), Duration.ofDays(365), atlas.tls.TlsGroups.DEFAULT,
                ServerConfig.DEFAULT_TLS_SESSION_TIMEOUT));
        try {
            if (remoteVolume != null) {
                remoteVolume.close();
            }
            remoteVolume = Volume.open(new VolumeConfig(dir.resolve("hsts" + remotes++), 256 * B, 256 * B, 4096 * B));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        core = new HttpCore(withHsts, remoteVolume, context, metrics.newCore(context, null), null, null,
                new AccessControl(CredentialSource.none(), new ClientTable(0, 0, 0), new UploadSlots(0), true), -1,
                new atlas.live.PlaylistBoard(), null);
        FakeTransport t = new FakeTransport(clock);
        t.open(new HttpConnection(core, null, true, true, secure));
        return t;
    }

    /** RFC 6797 §7.1/§7.2: on every response over HTTPS, errors included; never on one over plain HTTP. */
    @Test
    void shouldSendStrictTransportSecurityOverHttpsOnly() {
        FakeTransport https = hstsPeer(true);
        for (String request : new String[] {"GET /_atlas/health HTTP/1.1\r\nHost: t\r\n\r\n",
            "GET /none.ts HTTP/1.1\r\nHost: t\r\n\r\n", "PUT /h.ts HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nx",
            "GET /h.ts HTTP/1.1\r\nHost: t\r\n\r\n", "GET /a HTTP/1.1\r\nHost: t:x\r\n\r\n"}) {
            assertThat(exchange(https, request)).as(request)
                    .contains("\r\nStrict-Transport-Security: max-age=31536000\r\n");
        }
        assertThat(https.isOutputShut()).as("closing after the 400").isTrue();

        FakeTransport http = hstsPeer(false);
        String plain = exchange(http, "GET /_atlas/health HTTP/1.1\r\nHost: t\r\n\r\n");
        assertThat(plain).startsWith("HTTP/1.1 200 ").doesNotContain("Strict-Transport-Security");
        assertThat(exchange(socket, "GET /_atlas/health HTTP/1.1\r\nHost: t\r\n\r\n")).as("without --hsts")
                .doesNotContain("Strict-Transport-Security");
    }

    private String exchange(FakeTransport t, String request) {
        int before = t.wireText().length();
        t.deliver(ascii(request));
        settle(t);
        return t.wireText().substring(before);
    }

    @Test
    void shouldRefuseAWriteWithoutCredentialsStoreNothingAndKeepTheConnectionOnceTheBodyIsRead() {
        FakeTransport t = remotePeer(0, "ci:{SHA256}" + atlas.access.CredentialFileTestSupport.sha256Hex("tok"),
                "scope:ci PUT live/ch1/");
        String refused = exchange(t, "PUT /live/ch1/a.ts HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhel");
        assertThat(refused).as("not before the body was read past").isEmpty();
        refused = exchange(t, "lo");
        assertThat(refused).startsWith("HTTP/1.1 401 Unauthorized\r\n")
                .contains("WWW-Authenticate: Basic realm=\"atlas\"").doesNotContain("Connection: close");
        assertThat(remoteVolume.lookup("live/ch1/a.ts")).isNull();

        String chunked = exchange(t, "PUT /live/ch2/a.ts HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer tok\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        assertThat(chunked).as("out of scope").startsWith("HTTP/1.1 403 Forbidden\r\n")
                .doesNotContain("Connection: close");
        assertThat(remoteVolume.lookup("live/ch2/a.ts")).isNull();

        String stored = exchange(t, "PUT /live/ch1/a.ts HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer tok\r\n"
                + "Content-Length: 5\r\n\r\nhello");
        assertThat(stored).startsWith("HTTP/1.1 201 Created\r\n");
        assertThat(remoteVolume.lookup("live/ch1/a.ts")).isNotNull();
        assertThat(t.isClosed()).isFalse();
    }

    @Test
    void shouldCloseRatherThanReadAHugeRefusedBodyOrOneBehindExpectContinue() {
        FakeTransport t = remotePeer(0, "ci:{SHA256}" + atlas.access.CredentialFileTestSupport.sha256Hex("tok"));
        String big = exchange(t, "PUT /a HTTP/1.1\r\nHost: t\r\nContent-Length: 100000000\r\n\r\nxx");
        assertThat(big).startsWith("HTTP/1.1 401 Unauthorized\r\n").contains("Connection: close");
        assertThat(t.isOutputShut()).as("the body is not read for use, only dropped until the peer stops").isTrue();

        FakeTransport e = remotePeer(0, "ci:{SHA256}" + atlas.access.CredentialFileTestSupport.sha256Hex("tok"));
        String expect = exchange(e, "PUT /a HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
                + "Expect: 100-continue\r\n\r\n");
        assertThat(expect).as("no 100 Continue for a refused body").startsWith("HTTP/1.1 401 Unauthorized\r\n")
                .doesNotContain("100 Continue");
    }

    @Test
    void shouldNotServeTheAdminSurfaceOnThePublicListenerButHealth() {
        FakeTransport t = remotePeer(0, "ci:{SHA256}" + atlas.access.CredentialFileTestSupport.sha256Hex("tok"));
        assertThat(exchange(t, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n")).startsWith("HTTP/1.1 404 ");
        assertThat(exchange(t, "GET /_atlas/stats HTTP/1.1\r\nHost: t\r\n\r\n")).startsWith("HTTP/1.1 404 ");
        assertThat(exchange(t, "GET /live/ HTTP/1.1\r\nHost: t\r\n\r\n")).as("listings")
                .startsWith("HTTP/1.1 404 ");
        assertThat(exchange(t, "GET /_atlas/health HTTP/1.1\r\nHost: t\r\n\r\n")).startsWith("HTTP/1.1 200 ");
    }

    @Test
    void shouldAnswer429WithRetryAfterAboveTheRateLimit() {
        FakeTransport t = remotePeer(1, "ci:{SHA256}" + atlas.access.CredentialFileTestSupport.sha256Hex("tok"));
        assertThat(exchange(t, "GET /_atlas/health HTTP/1.1\r\nHost: t\r\n\r\n")).startsWith("HTTP/1.1 200 ");
        String limited = exchange(t, "GET /_atlas/health HTTP/1.1\r\nHost: t\r\n\r\n");
        assertThat(limited).startsWith("HTTP/1.1 429 Too Many Requests\r\n").contains("Retry-After: 1\r\n");
        t.advance(1_000_000_000L);
        assertThat(exchange(t, "GET /_atlas/health HTTP/1.1\r\nHost: t\r\n\r\n")).as("a second later")
                .startsWith("HTTP/1.1 200 ");
    }

    /** The edge core's fetcher (its secret marks the fills' uploads). */
    private atlas.fill.UpstreamFetcher fetcher;

    /** An edge core whose fills would go to a closed port: only stored slices are served, nothing is fetched. */
    private atlas.fill.FillRegistry edgeCore(atlas.fill.SliceLayout layout) {
        java.util.List<java.net.URI> upstreams = java.util.List.of(java.net.URI.create("http://127.0.0.1:9/"));
        ServerConfig edge = new ServerConfig(config.volume(), "127.0.0.1", 0, 1, ServerConfig.EngineKind.NIO,
                HttpLimits.DEFAULTS, HEADER_TIMEOUT, IDLE_TIMEOUT, Duration.ofSeconds(30), 4L << 20, false, null,
                Duration.ZERO, null, null, null, null, new ServerConfig.Edge(upstreams, Duration.ofSeconds(1),
                atlas.fill.CachePolicy.defaults(), null, null, layout));
        try {
            remoteVolume = Volume.open(new VolumeConfig(dir.resolve("edge"), 256 * B, 256 * B, 4096 * B));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        fetcher = new atlas.fill.UpstreamFetcher(upstreams, Duration.ofSeconds(1), atlas.fill.CachePolicy.defaults(),
                null, null, layout);
        atlas.fill.FillRegistry fills = new atlas.fill.FillRegistry(fetcher, remoteVolume,
                new atlas.fill.FillRegistry.CopyKeeper() {
                    @Override
                    public void stored(atlas.store.ObjectRecord record, atlas.store.UpstreamCopy.Terms terms) {
                    }

                    @Override
                    public void refreshed(atlas.store.UpstreamCopy copy, atlas.store.UpstreamCopy.Terms terms) {
                    }
                });
        core = new HttpCore(edge, remoteVolume, context, metrics.newCore(context, null), null, null,
                new AccessControl(CredentialSource.none(), new ClientTable(0, 0, 0), new UploadSlots(0), true), -1,
                new atlas.live.PlaylistBoard(), fills);
        socket = connect();
        return fills;
    }

    /** Stores {@code body} as slice {@code k} of {@code name} the way a fill does, and marks it a copy under {@code terms}. */
    private void storeSlice(atlas.fill.SliceLayout layout, String name, int k,
                            String body, atlas.store.UpstreamCopy.Terms terms) {
        int before = socket.wireText().length();
        byte[] request = ascii("PUT /" + name + " HTTP/1.1\r\nHost: t\r\nAtlas-Fill: " + fetcher.secret()
                + "\r\nAtlas-Slice: " + layout.suffix(k).substring(1) + "\r\nContent-Length: " + body.length()
                + "\r\n\r\n" + body);
        for (int at = 0; at < request.length; settle(socket)) {
            at += socket.deliver(java.util.Arrays.copyOfRange(request, at, request.length));
        }
        String answer = socket.wireText().substring(before);
        assertThat(answer).startsWith("HTTP/1.1 201 ");
        atlas.store.ObjectRecord r = remoteVolume.lookup(layout.key(name, k));
        r.markUpstreamCopy(new atlas.store.UpstreamCopy(r, terms));
    }

    private static String letters(int length, int seed) {
        StringBuilder b = new StringBuilder(length);
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        for (int i = 0; i < length; i++) {
            b.append((char) ('a' + r.nextInt(26)));
        }
        return b.toString();
    }

    @Test
    void shouldSendASlicedObjectOnePartPerStoredSliceAndNeverAMixOfVersions() {
        atlas.fill.SliceLayout layout = new atlas.fill.SliceLayout(256 * 1024);
        atlas.fill.FillRegistry fills = edgeCore(layout);
        int s = 256 * 1024;
        String object = letters(2 * s + 90_000, 3);
        long now = System.currentTimeMillis();
        atlas.store.UpstreamCopy.Terms v1 = new atlas.store.UpstreamCopy.Terms(now, 0, now + 3_600_000, 0, 0,
                "\"v1\"", null, "max-age=3600").sliceOf(object.length());
        for (int k = 0; k < 3; k++) {
            storeSlice(layout, "vod/film.mp4", k, object.substring(k * s, Math.min(object.length(), (k + 1) * s)),
                    v1);
        }
        // A range across all three slices: one response, its head from the slices' terms, its body part by part.
        String ranged = exchange(socket, "GET /vod/film.mp4 HTTP/1.1\r\nHost: t\r\nRange: bytes=1000-600000\r\n\r\n");
        assertThat(ranged).startsWith("HTTP/1.1 206 ").contains("Content-Range: bytes 1000-600000/" + object.length())
                .contains("Content-Length: 599001\r\n").contains("ETag: \"v1\"\r\n")
                .contains("Cache-Control: max-age=3600\r\n").contains("Cache-Status: atlas; hit");
        assertThat(ranged.substring(ranged.indexOf("\r\n\r\n") + 4)).isEqualTo(object.substring(1000, 600001));
        // The validators are the upstream's: a conditional request on them is a 304; a HEAD says the whole length.
        assertThat(exchange(socket, "GET /vod/film.mp4 HTTP/1.1\r\nHost: t\r\nIf-None-Match: \"v1\"\r\n\r\n"))
                .startsWith("HTTP/1.1 304 ");
        assertThat(exchange(socket, "HEAD /vod/film.mp4 HTTP/1.1\r\nHost: t\r\n\r\n"))
                .contains("Content-Length: " + object.length() + "\r\n").endsWith("\r\n\r\n");
        assertThat(exchange(socket, "GET /vod/film.mp4 HTTP/1.1\r\nHost: t\r\nRange: bytes=" + object.length()
                + "-\r\n\r\n")).startsWith("HTTP/1.1 416 ");

        // The middle slice is of a newer version now: the response goes out with the first part, then the
        // connection closes short of Content-Length — the client can tell, and never gets a mix.
        atlas.store.ObjectRecord middle = remoteVolume.lookup(layout.key("vod/film.mp4", 1));
        middle.markUpstreamCopy(new atlas.store.UpstreamCopy(middle, new atlas.store.UpstreamCopy.Terms(now + 1000, 0,
                now + 3_600_000, 0, 0, "\"v2\"", null, null).sliceOf(object.length())));
        String cut = exchange(socket, "GET /vod/film.mp4 HTTP/1.1\r\nHost: t\r\n\r\n");
        assertThat(cut).startsWith("HTTP/1.1 200 ").contains("Content-Length: " + object.length() + "\r\n");
        assertThat(cut.substring(cut.indexOf("\r\n\r\n") + 4)).as("the first slice only").isEqualTo(object.substring(0, s));
        assertThat(socket.isClosed()).isTrue();
        assertThat(fills.counts()[11]).as("mismatches counted").isEqualTo(1);

        // A client's DELETE purges every slice, one journaled delete per core turn, answered after the last.
        socket = connect();
        int before = socket.wireText().length();
        socket.deliver(ascii("DELETE /vod/film.mp4 HTTP/1.1\r\nHost: t\r\n\r\n"));
        for (int turn = 0; turn < 10 && socket.wireText().length() == before; turn++) {
            settle(socket);
            context.inbox().drain();
        }
        settle(socket);
        assertThat(socket.wireText().substring(before)).startsWith("HTTP/1.1 204 ");
        assertThat(remoteVolume.list("vod/film.mp4", 10)).as("no slice left").isEmpty();
        assertThat(exchange(socket, "DELETE /vod/film.mp4 HTTP/1.1\r\nHost: t\r\n\r\n")).startsWith("HTTP/1.1 404 ");
    }
}
