/* mock_http_response.c: building responses and handing them to libmicrohttpd: complete
 * bodies, streams fed by a callback (optionally truncated), and 101 upgrades. */
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include "mock_http_internal.h"
#include "osh_str.h"

void mock_http_response_init(mock_http_response *res)
{
    memset(res, 0, sizeof *res);
}

void mock_http_response_release(mock_http_response *res)
{
    for (size_t i = 0; i < res->header_count; i++) {
        free(res->headers[i].name);
        free(res->headers[i].value);
    }
    free(res->headers);
    osh_buf_free(&res->body);
    if (res->free_ctx && res->ctx)
        res->free_ctx(res->ctx);
    memset(res, 0, sizeof *res);
}

static void drop_body(mock_http_response *res)
{
    if (res->free_ctx && res->ctx)
        res->free_ctx(res->ctx);
    res->ctx = NULL;
    res->free_ctx = NULL;
    osh_buf_reset(&res->body);
}

static void set_header(mock_http_response *res, const char *name, const char *value)
{
    for (size_t i = 0; i < res->header_count; i++) {
        if (osh_str_ieq(res->headers[i].name, name)) {
            free(res->headers[i].value);
            res->headers[i].value = osh_str_dup(value);
            return;
        }
    }
    mock_http_response_header(res, name, value);
}

void mock_http_response_header(mock_http_response *res, const char *name, const char *value)
{
    mock_http_header *h = realloc(res->headers, (res->header_count + 1) * sizeof *h);
    if (!h)
        abort();
    res->headers = h;
    h[res->header_count].name = osh_str_dup(name);
    h[res->header_count].value = osh_str_dup(value);
    res->header_count++;
}

const char *mock_http_response_header_value(const mock_http_response *res, const char *name)
{
    for (size_t i = 0; i < res->header_count; i++)
        if (osh_str_ieq(res->headers[i].name, name))
            return res->headers[i].value;
    return NULL;
}

void mock_http_respond(mock_http_response *res, int status, const char *content_type,
                       const void *body, size_t len)
{
    drop_body(res);
    res->kind = RESPONSE_FULL;
    res->status = status;
    if (content_type)
        set_header(res, "Content-Type", content_type);
    osh_buf_append(&res->body, body, len);
}

void mock_http_respond_json(mock_http_response *res, int status, const cJSON *json)
{
    char *text = cJSON_PrintUnformatted(json);
    if (!text)
        abort();
    osh_buf b = OSH_BUF_INIT;
    osh_buf_append_str(&b, text);
    osh_buf_append_char(&b, '\n');
    cJSON_free(text);
    mock_http_respond(res, status, "application/json", b.data, b.len);
    osh_buf_free(&b);
}

void mock_http_respond_empty(mock_http_response *res, int status)
{
    drop_body(res);
    res->kind = RESPONSE_FULL;
    res->status = status;
}

void mock_http_respond_stream(mock_http_response *res, int status, const char *content_type,
                              mock_http_stream_fn fn, void *ctx, mock_http_free_fn free_ctx)
{
    drop_body(res);
    res->kind = RESPONSE_STREAM;
    res->status = status;
    if (content_type)
        set_header(res, "Content-Type", content_type);
    res->stream_fn = fn;
    res->ctx = ctx;
    res->free_ctx = free_ctx;
}

void mock_http_respond_upgrade(mock_http_response *res, const char *protocol,
                               const char *content_type, mock_http_upgrade_fn fn, void *ctx,
                               mock_http_free_fn free_ctx)
{
    drop_body(res);
    res->kind = RESPONSE_UPGRADE;
    res->status = 101;
    if (content_type)
        set_header(res, "Content-Type", content_type);
    set_header(res, "Upgrade", protocol);
    res->upgrade_fn = fn;
    res->ctx = ctx;
    res->free_ctx = free_ctx;
}

/* ---- Streams (also used for truncated complete bodies) ----------------------------- */

typedef struct stream_state {
    mock_http_server *server;
    mock_http_stream_fn fn;   /* NULL: a fixed body in pending */
    void *ctx;
    mock_http_free_fn free_ctx;
    osh_buf pending;
    bool ended;
    long remaining;           /* bytes left before truncation; -1 = unlimited */
    unsigned long generation;
} stream_state;

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    stream_state *st = cls;
    for (;;) {
        if (st->remaining == 0)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        if (st->pending.len > 0) {
            size_t n = st->pending.len < max ? st->pending.len : max;
            if (st->remaining > 0 && (long)n > st->remaining)
                n = (size_t)st->remaining;
            memcpy(buf, st->pending.data, n);
            osh_buf_consume(&st->pending, n);
            if (st->remaining > 0)
                st->remaining -= (long)n;
            return (ssize_t)n;
        }
        if (st->ended || !st->fn)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (mock_http_server_stopping(st->server))
            return MHD_CONTENT_READER_END_WITH_ERROR;
        int r = st->fn(st->ctx, &st->pending);
        if (r == MOCK_HTTP_STREAM_ABORT) {
            st->ended = true;
            if (st->remaining < 0 || (long)st->pending.len < st->remaining)
                st->remaining = (long)st->pending.len; /* send it, then cut */
            if (st->remaining == 0)
                return MHD_CONTENT_READER_END_WITH_ERROR;
        } else if (r == MOCK_HTTP_STREAM_END)
            st->ended = true;
        else if (st->pending.len == 0 && !mock_http_wait_wake(st->server, &st->generation, 200))
            return MHD_CONTENT_READER_END_WITH_ERROR;
    }
}

static void stream_free(void *cls)
{
    stream_state *st = cls;
    if (st->free_ctx && st->ctx)
        st->free_ctx(st->ctx);
    osh_buf_free(&st->pending);
    free(st);
}

static stream_state *stream_new(mock_http_server *s, long truncate_after)
{
    stream_state *st = calloc(1, sizeof *st);
    if (!st)
        abort();
    st->server = s;
    st->remaining = truncate_after >= 0 ? truncate_after : -1;
    pthread_mutex_lock(&s->lock);
    st->generation = s->wake_generation;
    pthread_mutex_unlock(&s->lock);
    return st;
}

/* ---- Upgrades ---------------------------------------------------------------------- */

typedef struct upgrade_state {
    mock_http_server *server;
    long truncate_after;      /* -1 = off */
    mock_http_upgrade_fn fn;
    void *ctx;
    mock_http_free_fn free_ctx;
} upgrade_state;

/* Some clients (docker-py) parse the 101 head with a buffered reader and then read the raw
 * socket, losing whatever came in the same read. dockerd's output comes later, once the
 * process runs; the mock's is ready at once. So wait until the client has consumed the head:
 * on a unix socket SIOCOUTQ counts what the peer has not read yet; on TCP it counts what is
 * unacknowledged, so a short grace follows. Bounded, and cut short when the server stops. */
static void wait_head_consumed(mock_http_server *s, int sock)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    bool is_unix = getsockname(sock, (struct sockaddr *)&ss, &len) == 0 && ss.ss_family == AF_UNIX;
    struct timespec pause = {0, 1000000L};
    for (int i = 0; i < 500 && !mock_http_server_stopping(s); i++) {
        int pending = 0;
        if (ioctl(sock, SIOCOUTQ, &pending) != 0 || pending == 0)
            break;
        nanosleep(&pause, NULL);
    }
    if (!is_unix) {
        struct timespec grace = {0, 20000000L};
        nanosleep(&grace, NULL);
    }
}

/* A truncated upgrade: the callback writes into a socket pair on its own thread; this thread
 * relays the first truncate_after bytes to the client, then closes. The callback's later
 * writes fail (EPIPE, with SIGPIPE blocked on its thread) and it returns. */
typedef struct truncated_run {
    upgrade_state *u;
    int fd;
    const char *extra;
    size_t extra_len;
} truncated_run;

static void *truncated_thread(void *p)
{
    truncated_run *t = p;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    t->u->fn(t->u->ctx, t->fd, t->extra, t->extra_len);
    shutdown(t->fd, SHUT_RDWR);
    return NULL;
}

static void run_truncated(upgrade_state *u, int sock, const char *extra, size_t extra_len)
{
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
        return;
    truncated_run t = {u, pair[1], extra, extra_len};
    pthread_t th;
    if (pthread_create(&th, NULL, truncated_thread, &t) != 0) {
        close(pair[0]);
        close(pair[1]);
        return;
    }
    long left = u->truncate_after;
    char buf[4096];
    while (left > 0) {
        ssize_t n = read(pair[0], buf, sizeof buf < (size_t)left ? sizeof buf : (size_t)left);
        if (n <= 0)
            break;
        for (ssize_t done = 0; done < n;) {
            ssize_t w = send(sock, buf + done, (size_t)(n - done), MSG_NOSIGNAL);
            if (w <= 0) {
                left = 0;
                break;
            }
            done += w;
        }
        left -= n;
    }
    close(pair[0]);
    pthread_join(th, NULL);
    close(pair[1]);
}

static void upgrade_run(void *cls, struct MHD_Connection *conn, void *con_cls,
                        const char *extra_in, size_t extra_in_size, MHD_socket sock,
                        struct MHD_UpgradeResponseHandle *urh)
{
    upgrade_state *u = cls;
    wait_head_consumed(u->server, sock);
    if (u->truncate_after >= 0)
        run_truncated(u, sock, extra_in, extra_in_size);
    else
        u->fn(u->ctx, sock, extra_in, extra_in_size);
    shutdown(sock, SHUT_RDWR);
    MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
}

static void upgrade_free(void *cls)
{
    upgrade_state *u = cls;
    if (u->free_ctx && u->ctx)
        u->free_ctx(u->ctx);
    free(u);
}

/* ---- Queueing ---------------------------------------------------------------------- */

static struct MHD_Response *make_mhd_response(mock_http_server *s, mock_http_response *res,
                                              long truncate_after, upgrade_state **upgrade)
{
    *upgrade = NULL;
    if (res->kind == RESPONSE_UPGRADE) {
        upgrade_state *u = calloc(1, sizeof *u);
        if (!u)
            abort();
        u->server = s;
        u->truncate_after = truncate_after;
        u->fn = res->upgrade_fn;
        u->ctx = res->ctx;
        u->free_ctx = res->free_ctx;
        res->ctx = NULL;
        res->free_ctx = NULL;
        *upgrade = u;
        return MHD_create_response_for_upgrade(upgrade_run, u);
    }
    if (res->kind == RESPONSE_STREAM) {
        stream_state *st = stream_new(s, truncate_after);
        st->fn = res->stream_fn;
        st->ctx = res->ctx;
        st->free_ctx = res->free_ctx;
        res->ctx = NULL;
        res->free_ctx = NULL;
        return MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, stream_read, st,
                                                 stream_free);
    }
    if (truncate_after >= 0 && (size_t)truncate_after < res->body.len) {
        /* Announce the full length, then close early: the client sees a short body. */
        stream_state *st = stream_new(s, truncate_after);
        osh_buf_append(&st->pending, res->body.data, res->body.len);
        return MHD_create_response_from_callback(res->body.len, 16 * 1024, stream_read, st,
                                                 stream_free);
    }
    return MHD_create_response_from_buffer(res->body.len, res->body.data,
                                           MHD_RESPMEM_MUST_COPY);
}

enum MHD_Result mock_http_queue(mock_http_server *s, mock_http_request *req,
                                mock_http_response *res, long truncate_after)
{
    struct MHD_Connection *conn = req->conn;
    upgrade_state *upgrade;
    struct MHD_Response *r = make_mhd_response(s, res, truncate_after, &upgrade);
    if (!r) {
        if (upgrade)
            upgrade_free(upgrade);
        return MHD_NO;
    }
    for (size_t i = 0; i < res->header_count; i++)
        MHD_add_response_header(r, res->headers[i].name, res->headers[i].value);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)res->status, r);
    MHD_destroy_response(r);
    if (upgrade) {
        /* MHD has no destructor for upgrade closures: the request owns it and frees it when
         * the request completes, whether or not the 101 ever went out. */
        if (ret != MHD_YES)
            upgrade_free(upgrade);
        else {
            req->upgrade = upgrade;
            req->upgrade_free = upgrade_free;
        }
    }
    return ret;
}
