// naive-put-server.c — the naive durable-ingest baseline for bench/ingest-vs-redis.sh (issue 6): a thread per
// connection, minimal HTTP/1.1 (keep-alive, Content-Length bodies only), and for every PUT/POST exactly what a
// straightforward server does: one write(2) of the body appended to a log file, then one fdatasync(2), then
// "201 Created". No batching, no preallocation, no O_DIRECT: the point is what this costs.
//
//   gcc -O2 -pthread -o naive-put-server bench/naive-put-server.c
//   ./naive-put-server PORT DATA_FILE      # prints "listening on http://127.0.0.1:PORT/" once ready
//
// Requests: a head of at most 16 KiB; Content-Length required for a body (no chunked: 411); bodies of any size are
// received into a 1 MiB buffer and appended with write(2) (one write for bodies up to 1 MiB, more for larger
// ones) and the whole body made durable by one fdatasync. GET/HEAD answer 404 (nothing is served back). "Connection: close" and
// HTTP/1.0 close after the answer. Appends of concurrent requests may interleave only between requests: each body
// is written while holding a mutex, so the log is a sequence of whole bodies (fdatasync runs outside the mutex,
// so concurrent requests can share a flush — as the kernel allows any multi-threaded server to).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define HEAD_MAX (16 * 1024)
#define BODY_CHUNK (1024 * 1024)

static int data_fd;
static pthread_mutex_t append_lock = PTHREAD_MUTEX_INITIALIZER;

static int send_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int reply(int fd, const char *status) {
    char buf[128];
    int n = snprintf(buf, sizeof buf, "HTTP/1.1 %s\r\nContent-Length: 0\r\n\r\n", status);
    return send_all(fd, buf, (size_t)n);
}

// Value of header `name` (case-insensitive) in head[0, len), copied into out; 1 when present.
static int header(const char *head, size_t len, const char *name, char *out, size_t outlen) {
    size_t nl = strlen(name);
    const char *p = memchr(head, '\n', len);  // skip the request line
    const char *end = head + len;
    while (p && p + 1 < end) {
        p++;
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol) break;
        if ((size_t)(eol - p) > nl + 1 && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (v < eol && (*v == ' ' || *v == '\t')) v++;
            size_t vl = (size_t)(eol - v);
            while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == ' ')) vl--;
            if (vl >= outlen) vl = outlen - 1;
            memcpy(out, v, vl);
            out[vl] = 0;
            return 1;
        }
        p = eol;
    }
    return 0;
}

static void *serve(void *arg) {
    int fd = (int)(long)arg;
    char *head = malloc(HEAD_MAX);
    char *body = malloc(BODY_CHUNK);
    size_t have = 0;  // bytes in head[] not yet consumed
    for (;;) {
        // Read until the end of the head.
        char *eoh = NULL;
        while (!(eoh = memmem(head, have, "\r\n\r\n", 4))) {
            if (have == HEAD_MAX) goto done;
            ssize_t r = recv(fd, head + have, HEAD_MAX - have, 0);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) goto done;
            have += (size_t)r;
        }
        size_t head_len = (size_t)(eoh + 4 - head);
        int is_put = strncmp(head, "PUT ", 4) == 0 || strncmp(head, "POST ", 5) == 0;
        const char *crlf = memchr(head, '\r', head_len);
        int http10 = crlf && crlf - head >= 8 && memcmp(crlf - 8, "HTTP/1.0", 8) == 0;
        char value[64];
        int close_after = http10 || (header(head, head_len, "Connection", value, sizeof value) &&
                                     strcasecmp(value, "close") == 0);
        long long length = -1;
        if (header(head, head_len, "Content-Length", value, sizeof value)) length = atoll(value);
        if (header(head, head_len, "Transfer-Encoding", value, sizeof value)) {
            reply(fd, "411 Length Required");
            goto done;
        }
        if (header(head, head_len, "Expect", value, sizeof value) && strcasecmp(value, "100-continue") == 0 &&
            is_put && send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25) < 0) {
            goto done;
        }
        // Body: what came with the head first, then the socket; appended as it arrives, one write per chunk.
        size_t extra = have - head_len;
        long long remaining = length > 0 ? length : 0;
        size_t fill = 0;
        size_t take = extra < (size_t)remaining ? extra : (size_t)remaining;
        memcpy(body, head + head_len, take);
        fill = take;
        remaining -= (long long)take;
        memmove(head, head + head_len + take, extra - take);  // a pipelined next request, if any
        have = extra - take;
        // Receive up to one chunk outside the lock (every body of the benchmark fits), then append under it;
        // a larger body keeps the lock while the rest arrives, so the log holds it in one piece.
        while (remaining > 0 && fill < BODY_CHUNK) {
            size_t want = BODY_CHUNK - fill < (size_t)remaining ? BODY_CHUNK - fill : (size_t)remaining;
            ssize_t r = recv(fd, body + fill, want, 0);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) goto done;
            fill += (size_t)r;
            remaining -= r;
        }
        int failed = 0;
        pthread_mutex_lock(&append_lock);
        for (;;) {
            if (is_put) {
                size_t off = 0;
                while (off < fill && !failed) {
                    ssize_t w = write(data_fd, body + off, fill - off);
                    if (w < 0 && errno == EINTR) continue;
                    if (w <= 0) failed = 1;
                    else off += (size_t)w;
                }
            }
            fill = 0;
            if (remaining == 0) break;
            while (remaining > 0 && fill < BODY_CHUNK) {
                size_t want = BODY_CHUNK - fill < (size_t)remaining ? BODY_CHUNK - fill : (size_t)remaining;
                ssize_t r = recv(fd, body + fill, want, 0);
                if (r < 0 && errno == EINTR) continue;
                if (r <= 0) {
                    pthread_mutex_unlock(&append_lock);
                    goto done;
                }
                fill += (size_t)r;
                remaining -= r;
            }
        }
        pthread_mutex_unlock(&append_lock);
        if (!is_put) {
            if (reply(fd, "404 Not Found") < 0) goto done;
        } else if (failed || length < 0) {
            if (reply(fd, length < 0 ? "411 Length Required" : "500 Internal Server Error") < 0) goto done;
        } else {
            if (fdatasync(data_fd) != 0) {
                reply(fd, "500 Internal Server Error");
                goto done;
            }
            if (reply(fd, "201 Created") < 0) goto done;
        }
        if (close_after) goto done;
    }
done:
    close(fd);
    free(head);
    free(body);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s PORT DATA_FILE\n", argv[0]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    data_fd = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (data_fd < 0) {
        perror(argv[2]);
        return 1;
    }
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 4096) != 0) {
        perror("bind/listen");
        return 1;
    }
    printf("listening on http://127.0.0.1:%s/\n", argv[1]);
    fflush(stdout);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (;;) {
        int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE) continue;
            perror("accept");
            return 1;
        }
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        pthread_t t;
        if (pthread_create(&t, &attr, serve, (void *)(long)c) != 0) close(c);
    }
}
