/* record_hijack.c: requests that ask for an upgrade (exec start and attach with
 * "Upgrade: tcp"). libcurl connects (unix or TCP) and hands over the bare socket
 * (CURLOPT_CONNECT_ONLY); this file writes the request head itself, reads the answer head,
 * and after a 101 relays both directions of the hijacked connection until the daemon
 * closes it, recording every read with its direction and time. A half-close by the client
 * (docker's CloseWrite after stdin ends) is passed on as a shutdown of the upstream's write
 * side. Any other answer is read whole (Content-Length, chunked or until close). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "osh_str.h"
#include "record_proxy_internal.h"

typedef struct hijack {
    record_proxy *p;
    rec_exchange e;
    double t_start;
    void *curl;
    int up;            /* the daemon's socket */
    osh_buf early;     /* bytes the daemon sent right behind its 101 head */
    bool ran;
    bool ended;        /* end_ms/end_after noted when the daemon closed */
} hijack;

static double since(const hijack *h) { return rec_now_ms() - h->t_start; }

/* recv with a poll loop that gives up when the server stops: >0 bytes, 0 EOF, -1 error. */
static ssize_t recv_some(record_proxy *p, int fd, char *buf, size_t cap)
{
    for (;;) {
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        int r = poll(&pf, 1, 200);
        if (mock_http_server_stopping(p->server))
            return -1;
        if (r == 0 || (r < 0 && errno == EINTR))
            continue;
        ssize_t n = recv(fd, buf, cap, 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        return n;
    }
}

static int send_request(hijack *h)
{
    rec_exchange *e = &h->e;
    osh_buf head = OSH_BUF_INIT;
    osh_buf_appendf(&head, "%s ", e->method);
    rec_append_url_path(&head, e->path);
    osh_buf_appendf(&head, "%s%s HTTP/1.1\r\n", e->query[0] ? "?" : "", e->query);
    const cJSON *hd;
    cJSON_ArrayForEach(hd, e->req_headers)
        if (cJSON_IsString(hd) && !osh_str_ieq(hd->string, "Content-Length") &&
            !osh_str_ieq(hd->string, "Transfer-Encoding"))
            osh_buf_appendf(&head, "%s: %s\r\n", hd->string, hd->valuestring);
    if (e->req_body.len || strcmp(e->method, "POST") == 0)
        osh_buf_appendf(&head, "Content-Length: %zu\r\n", e->req_body.len);
    osh_buf_append_str(&head, "\r\n");
    osh_buf_append(&head, e->req_body.data, e->req_body.len);
    int rc = rec_send_all(h->up, head.data, head.len);
    osh_buf_free(&head);
    return rc;
}

/* Reads up to the end of the answer head; what follows it stays in rest. */
static int read_head(hijack *h, osh_buf *rest, char **error)
{
    osh_buf in = OSH_BUF_INIT;
    char buf[16384];
    char *end;
    while (!(end = strstr(osh_buf_str(&in), "\r\n\r\n"))) {
        ssize_t n = recv_some(h->p, h->up, buf, sizeof buf);
        if (n <= 0 || in.len > 1 << 20) {
            *error = osh_str_dup(n == 0 ? "the daemon closed the connection before answering"
                                        : "no answer head from the daemon");
            osh_buf_free(&in);
            return -1;
        }
        osh_buf_append(&in, buf, (size_t)n);
    }
    size_t head_len = (size_t)(end - in.data) + 4;
    *end = '\0';
    char *save = NULL;
    char *line = strtok_r(in.data, "\r\n", &save);
    const char *sp = line ? strchr(line, ' ') : NULL;
    h->e.status = sp ? atoi(sp + 1) : 0;
    while ((line = strtok_r(NULL, "\r\n", &save))) {
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        *colon = '\0';
        const char *v = colon + 1;
        while (*v == ' ')
            v++;
        cJSON *pair = cJSON_CreateArray();
        cJSON_AddItemToArray(pair, cJSON_CreateString(line));
        cJSON_AddItemToArray(pair, cJSON_CreateString(v));
        cJSON_AddItemToArray(h->e.res_headers, pair);
    }
    osh_buf_append(rest, in.data + head_len, in.len - head_len);
    osh_buf_free(&in);
    if (h->e.status < 100) {
        *error = osh_str_dup("malformed answer head from the daemon");
        return -1;
    }
    return 0;
}

/* A non-101 answer's body: Content-Length, chunked, or up to the close. */
static void read_body(hijack *h, osh_buf *have)
{
    const char *cl = rec_response_header(&h->e, "Content-Length");
    const char *te = rec_response_header(&h->e, "Transfer-Encoding");
    char buf[16384];
    size_t want = cl ? (size_t)strtoull(cl, NULL, 10) : SIZE_MAX;
    bool chunked = te && strcasecmp(te, "chunked") == 0;
    while (have->len < want) {
        if (chunked && strstr(osh_buf_str(have), "\r\n0\r\n\r\n"))
            break;
        if (chunked && osh_str_starts_with(osh_buf_str(have), "0\r\n\r\n"))
            break;
        ssize_t n = recv_some(h->p, h->up, buf, sizeof buf);
        if (n <= 0)
            break;
        osh_buf_append(have, buf, (size_t)n);
    }
    if (!chunked) {
        osh_buf_append(&h->e.res_body, have->data, have->len < want ? have->len : want);
        return;
    }
    const char *p = osh_buf_str(have), *end = p + have->len;
    while (p < end) {
        char *after = NULL;
        unsigned long size = strtoul(p, &after, 16);
        const char *data = after ? strstr(after, "\r\n") : NULL;
        if (!data || size == 0)
            break;
        data += 2;
        if ((size_t)(end - data) < size)
            size = (unsigned long)(end - data);
        osh_buf_append(&h->e.res_body, data, size);
        p = data + size + 2;
    }
}

/* ---- The relay --------------------------------------------------------------------- */

static void note(hijack *h, rec_dir dir, const char *data, size_t len)
{
    rec_exchange_add_chunk(&h->e, dir, since(h), atomic_load(&h->p->started), data, len);
}

/* The daemon closed: pass the close on as the daemon did (its write side), then take what
 * the client still sends until it closes too (bounded), so closing never throws away unread
 * input, which would reset the client's connection where the daemon closed cleanly. */
static void finish_client(hijack *h, int client)
{
    shutdown(client, SHUT_WR);
    char buf[16384];
    for (int idle = 0; idle < 10;) {
        struct pollfd pf = {.fd = client, .events = POLLIN};
        if (poll(&pf, 1, 50) <= 0) {
            idle++;
            continue;
        }
        ssize_t n = recv(client, buf, sizeof buf, 0);
        if (n <= 0)
            return;
        note(h, REC_IN, buf, (size_t)n);
    }
}

static void relay(void *ctx, int client, const char *extra, size_t extra_len)
{
    hijack *h = ctx;
    h->ran = true;
    const char *end = "complete";
    if (extra_len) {
        note(h, REC_IN, extra, extra_len);
        rec_send_all(h->up, extra, extra_len);
    }
    if (h->early.len && rec_send_all(client, h->early.data, h->early.len) != 0)
        end = "client-closed";
    bool client_open = true;
    char buf[32768];
    while (strcmp(end, "complete") == 0) {
        struct pollfd pf[2] = {{.fd = h->up, .events = POLLIN}, {.fd = client, .events = POLLIN}};
        int r = poll(pf, client_open ? 2 : 1, 200);
        if (mock_http_server_stopping(h->p->server)) {
            end = "cut";
            break;
        }
        if (r <= 0)
            continue;
        if (pf[0].revents) {
            ssize_t n = recv(h->up, buf, sizeof buf, 0);
            if (n == 0) { /* the daemon is done: the exec or attach ended */
                /* noted before the client sees the close and sends more requests */
                h->e.end_ms = since(h);
                h->e.end_after = atomic_load(&h->p->started);
                h->ended = true;
                if (client_open)
                    finish_client(h, client);
                break;
            }
            if (n < 0) {
                end = errno == EAGAIN || errno == EINTR ? end : "cut";
                continue;
            }
            note(h, REC_OUT, buf, (size_t)n);
            if (rec_send_all(client, buf, (size_t)n) != 0)
                end = "client-closed";
        }
        if (client_open && pf[1].revents) {
            ssize_t n = recv(client, buf, sizeof buf, 0);
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            if (n <= 0) {
                client_open = false;
                shutdown(h->up, SHUT_WR);
                continue;
            }
            note(h, REC_IN, buf, (size_t)n);
            rec_send_all(h->up, buf, (size_t)n);
        }
    }
    free(h->e.end);
    h->e.end = osh_str_dup(end);
}

static void hijack_free(void *ctx)
{
    hijack *h = ctx;
    if (!h->ran) {
        free(h->e.end);
        h->e.end = osh_str_dup("client-closed");
    }
    if (!h->ended) {
        h->e.end_ms = since(h);
        h->e.end_after = atomic_load(&h->p->started);
    }
    rec_upstream_close(h->curl);
    osh_buf_free(&h->early);
    rec_proxy_complete(h->p, &h->e);
    free(h);
}

void rec_hijack_handle(record_proxy *p, rec_exchange *e, mock_http_response *res)
{
    hijack *h = calloc(1, sizeof *h);
    if (!h)
        abort();
    h->p = p;
    h->e = *e;
    h->t_start = rec_now_ms();
    char *error = NULL;
    h->up = rec_upstream_connect(&p->up, &h->curl, &error);
    bool gone = h->up < 0;
    if (!gone && send_request(h) != 0)
        error = osh_str_dup("cannot send the request");
    else if (!gone && read_head(h, &h->early, &error) == 0 && h->e.status == 101) {
        h->e.kind = REC_UPGRADE;
        const char *proto = rec_response_header(&h->e, "Upgrade");
        rec_proxy_copy_headers(h->e.res_headers, res);
        if (h->early.len)
            note(h, REC_OUT, h->early.data, h->early.len);
        mock_http_respond_upgrade(res, proto ? proto : "tcp", rec_response_header(&h->e, "Content-Type"),
                                  relay, h, hijack_free);
        return;
    }
    if (error) {
        h->e.status = 0;
        h->e.error = osh_str_dup(error);
        if (gone)
            rec_proxy_respond_gone(p, res, error);
        else
            rec_proxy_respond_failure(p, res, error);
    } else {
        h->e.kind = REC_BODY;
        read_body(h, &h->early);
        rec_proxy_copy_headers(h->e.res_headers, res);
        mock_http_respond(res, h->e.status, rec_response_header(&h->e, "Content-Type"),
                          h->e.res_body.data, h->e.res_body.len);
    }
    osh_buf_reset(&h->early);
    h->ran = true;
    free(h->e.end);
    h->e.end = osh_str_dup("complete");
    hijack_free(h);
    free(error);
}
