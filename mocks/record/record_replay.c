/* record_replay.c: answering from a recording. Each request takes the first unconsumed
 * exchange with the same method and path (ids mapped) whose query and body are the same
 * after normalisation (record_match.c); its recorded answer goes back as recorded: the body
 * byte for byte, a stream frame by frame, a 101 upgrade then the daemon's side of the
 * hijacked connection. Timing is compressed by default: a piece recorded after the client
 * had started N exchanges is sent once N requests have arrived (so log lines fall between
 * the same inspections as in the recording, and a line that came after the client stopped
 * asking never reaches it); RECORD_TIMING_REAL keeps the recorded delays instead. A request that matches nothing gets a
 * 500 naming the nearest recorded exchange, logged on stderr. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "osh_str.h"
#include "record_proxy_internal.h"

/* A hijacked connection's recorded output that followed client input goes out anyway when
 * the client sends nothing for this long (it may send its input differently). */
#define IDLE_RELEASE_MS 1000.0

typedef struct norm {
    char *path, *query, *body;
} norm;

struct record_replay {
    rec_document doc;
    record_timing timing;
    mock_http_server *server;
    norm *norms;          /* per exchange */
    char **ids;           /* ids the daemon issued, from the recorded answers */
    size_t id_count;
    pthread_mutex_t lock; /* consumed, received, unmatched */
    bool *consumed;
    long received;
    cJSON *unmatched;
};

/* ---- Ids --------------------------------------------------------------------------- */

static bool is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return n > 0;
}

static void collect_ids(record_replay *r, const cJSON *j)
{
    for (const cJSON *c = j ? j->child : NULL; c; c = c->next) {
        if (cJSON_IsString(c) && c->string && (strcmp(c->string, "Id") == 0 || strcmp(c->string, "ID") == 0)) {
            const char *v = osh_str_skip_prefix(c->valuestring, "sha256:");
            if (strlen(v) == 64 && is_hex(v, 64)) {
                r->ids = realloc(r->ids, (r->id_count + 1) * sizeof *r->ids);
                if (!r->ids)
                    abort();
                r->ids[r->id_count++] = osh_str_dup(v);
            }
        }
        collect_ids(r, c);
    }
}

/* A path segment that is a short id (12..63 hex) of exactly one recorded id becomes it. */
static char *map_ids(const record_replay *r, const char *path)
{
    osh_buf b = OSH_BUF_INIT;
    for (const char *p = path; *p;) {
        const char *slash = strchr(p + 1, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        const char *seg = p[0] == '/' ? p + 1 : p;
        size_t seg_len = len - (size_t)(seg - p);
        const char *full = NULL;
        if (seg_len >= 12 && seg_len < 64 && is_hex(seg, seg_len))
            for (size_t i = 0; i < r->id_count; i++)
                if (strncmp(r->ids[i], seg, seg_len) == 0 && (!full || strcmp(full, r->ids[i]) == 0))
                    full = r->ids[i];
        osh_buf_append(&b, p, (size_t)(seg - p));
        if (full)
            osh_buf_append_str(&b, full);
        else
            osh_buf_append(&b, seg, seg_len);
        p += len;
    }
    return osh_buf_detach(&b);
}

static norm normalise(const record_replay *r, const char *path, const char *query, const char *body, size_t len)
{
    norm n;
    char *p = rec_norm_path(path);
    n.path = map_ids(r, p);
    free(p);
    n.query = rec_norm_query(query);
    size_t blen;
    n.body = rec_norm_body(body, len, &blen);
    return n;
}

static void norm_free(norm *n)
{
    free(n->path);
    free(n->query);
    free(n->body);
}

/* ---- Answers ----------------------------------------------------------------------- */

typedef struct player {
    record_replay *r;
    const rec_exchange *e;
    size_t next;          /* next chunk */
    double t0;            /* when the answer started */
    double last_sent;
} player;

/* May chunk k go now? */
static bool due(player *pl, double t_ms, long after)
{
    double now = rec_now_ms();
    if (pl->r->timing == RECORD_TIMING_REAL) {
        if (now - pl->t0 >= t_ms)
            return true;
        /* from a stream callback: be called again then (nothing else would wake it) */
        mock_http_stream_retry_in((unsigned)(t_ms - (now - pl->t0)) + 1);
        return false;
    }
    pthread_mutex_lock(&pl->r->lock);
    bool ok = pl->r->received >= after;
    pthread_mutex_unlock(&pl->r->lock);
    return ok;
}

/* The bytes of one recorded piece as they go on the wire (a frame gets its 8-byte head
 * again, sized for the data after stand-ins replaced placeholders). */
static void wire_bytes(const player *pl, const rec_chunk *c, osh_buf *out)
{
    osh_buf data = OSH_BUF_INIT;
    osh_buf_append(&data, c->data.data, c->data.len);
    rec_unredact(&data);
    if (pl->e->multiplexed && c->dir == REC_OUT && c->stream >= 0) {
        unsigned char h[8] = {(unsigned char)c->stream, 0, 0, 0, (unsigned char)(data.len >> 24),
                              (unsigned char)(data.len >> 16), (unsigned char)(data.len >> 8),
                              (unsigned char)data.len};
        osh_buf_append(out, h, 8);
    }
    osh_buf_append(out, data.data, data.len);
    osh_buf_free(&data);
}

static int stream_next(void *ctx, osh_buf *out)
{
    player *pl = ctx;
    const rec_exchange *e = pl->e;
    while (pl->next < e->chunk_count && due(pl, e->chunks[pl->next].t_ms, e->chunks[pl->next].after))
        wire_bytes(pl, &e->chunks[pl->next++], out);
    if (pl->next < e->chunk_count || out->len)
        return MOCK_HTTP_STREAM_MORE;
    if (strcmp(e->end, "client-closed") == 0) /* the client hung up first: so will this one */
        return MOCK_HTTP_STREAM_MORE;
    if (!due(pl, e->end_ms, e->end_after))
        return MOCK_HTTP_STREAM_MORE;
    return strcmp(e->end, "cut") == 0 ? MOCK_HTTP_STREAM_ABORT : MOCK_HTTP_STREAM_END;
}

/* Read what the client sent so far (never blocks); false once it closed its side. */
static bool take_input(int fd, size_t *seen)
{
    char buf[16384];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) {
            *seen += (size_t)n;
            continue;
        }
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
    }
}

/* The daemon's side of a hijacked connection: out pieces in order, each once the client has
 * sent what it had sent before it in the recording (or a second passed without progress) and
 * the timing allows; input is read and dropped. The end waits for the client's recorded
 * input too, so closing never discards unread input (which would reset the connection). */
static void upgrade_run(void *ctx, int fd, const char *extra, size_t extra_len)
{
    player *pl = ctx;
    const rec_exchange *e = pl->e;
    size_t in_seen = extra_len, in_needed = 0;
    bool client_open = true;
    double progress = rec_now_ms();
    while (!mock_http_server_stopping(pl->r->server)) {
        while (pl->next < e->chunk_count && e->chunks[pl->next].dir == REC_IN)
            in_needed += e->chunks[pl->next++].data.len;
        bool input_ok = in_seen >= in_needed || !client_open || rec_now_ms() - progress >= IDLE_RELEASE_MS;
        if (pl->next < e->chunk_count) {
            if (input_ok && due(pl, e->chunks[pl->next].t_ms, e->chunks[pl->next].after)) {
                osh_buf out = OSH_BUF_INIT;
                wire_bytes(pl, &e->chunks[pl->next++], &out);
                rec_send_all(fd, out.data, out.len);
                osh_buf_free(&out);
                progress = rec_now_ms();
                continue;
            }
        } else if (input_ok && (pl->r->timing == RECORD_TIMING_COMPRESSED || due(pl, e->end_ms, 0))) {
            if (client_open)
                take_input(fd, &in_seen);
            return; /* the daemon closed here */
        }
        struct pollfd pf = {.fd = fd, .events = client_open ? POLLIN : 0};
        poll(&pf, 1, 20);
        if (client_open && (pf.revents & (POLLIN | POLLHUP))) {
            size_t before = in_seen;
            client_open = take_input(fd, &in_seen);
            if (in_seen != before || !client_open)
                progress = rec_now_ms();
        }
    }
}

static void respond_recorded(record_replay *r, const rec_exchange *e, mock_http_response *res)
{
    const char *ctype = rec_response_header(e, "Content-Type");
    rec_proxy_copy_headers(e->res_headers, res);
    if (e->kind == REC_BODY) {
        osh_buf body = OSH_BUF_INIT;
        osh_buf_append(&body, e->res_body.data, e->res_body.len);
        rec_unredact(&body);
        if (e->status == 204 || e->status == 304 || (!body.len && !ctype))
            mock_http_respond_empty(res, e->status);
        else
            mock_http_respond(res, e->status, ctype, body.data, body.len);
        osh_buf_free(&body);
        return;
    }
    player *pl = calloc(1, sizeof *pl);
    if (!pl)
        abort();
    pl->r = r;
    pl->e = e;
    pl->t0 = rec_now_ms();
    if (e->kind == REC_STREAM) {
        mock_http_respond_stream(res, e->status, ctype, stream_next, pl, free);
    } else {
        const char *proto = rec_response_header(e, "Upgrade");
        mock_http_respond_upgrade(res, proto ? proto : "tcp", ctype, upgrade_run, pl, free);
    }
}

/* ---- Matching ---------------------------------------------------------------------- */

static char *describe(const rec_exchange *e)
{
    return osh_str_printf("#%ld %s %s%s%s", e->seq, e->method, e->path, e->query[0] ? "?" : "", e->query);
}

/* Index of the exchange to answer with, or -1 with *nearest (-1: none) and *why set: the
 * first unconsumed exchange of the same method and path, else an already answered one of
 * them, else the same method's path sharing the longest prefix. */
static long find_match(record_replay *r, const char *method, const norm *n, long *nearest, const char **why)
{
    long same_open = -1, same_done = -1, other = -1, other_len = -1;
    for (size_t i = 0; i < r->doc.count; i++) {
        const norm *m = &r->norms[i];
        if (strcmp(r->doc.exchanges[i].method, method) != 0)
            continue;
        if (strcmp(m->path, n->path) != 0) {
            long k = 0;
            while (m->path[k] && m->path[k] == n->path[k])
                k++;
            if (k > other_len)
                other = (long)i, other_len = k;
        } else if (r->consumed[i]) {
            same_done = same_done < 0 ? (long)i : same_done;
        } else if (strcmp(m->query, n->query) == 0 && strcmp(m->body, n->body) == 0) {
            return (long)i;
        } else if (same_open < 0) {
            same_open = (long)i;
        }
    }
    if (same_open >= 0) {
        *nearest = same_open;
        *why = strcmp(r->norms[same_open].query, n->query) != 0 ? "the query differs" : "the body differs";
    } else if (same_done >= 0) {
        *nearest = same_done;
        *why = "every recorded exchange with this method and path was already answered";
    } else {
        *nearest = other;
        *why = "no recorded exchange has this method and path";
    }
    return -1;
}

static void answer_unmatched(record_replay *r, const mock_http_request *req, const norm *n,
                             long nearest, const char *why, mock_http_response *res)
{
    const char *method = mock_http_request_method(req), *query = mock_http_request_query(req);
    char *near = nearest >= 0 ? describe(&r->doc.exchanges[nearest]) : osh_str_dup("none");
    char *msg = osh_str_printf("openshell-mockd --replay %s: no recorded exchange matches %s %s%s%s "
                               "(%s); nearest recorded exchange: %s", r->doc.path, method,
                               mock_http_request_path(req), query[0] ? "?" : "", query, why, near);
    fprintf(stderr, "openshell-mockd: replay: %s\n", msg + strlen("openshell-mockd --replay : ") + strlen(r->doc.path));
    cJSON *u = cJSON_CreateObject();
    cJSON_AddStringToObject(u, "method", method);
    cJSON_AddStringToObject(u, "path", mock_http_request_path(req));
    cJSON_AddStringToObject(u, "query", query);
    cJSON_AddStringToObject(u, "why", why);
    cJSON_AddStringToObject(u, "nearest", near);
    cJSON_AddStringToObject(u, "normalised_body", n->body);
    pthread_mutex_lock(&r->lock);
    cJSON_AddItemToArray(r->unmatched, u);
    pthread_mutex_unlock(&r->lock);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "message", msg);
    mock_http_response_header(res, "X-Openshell-Replay", "unmatched");
    mock_http_respond_json(res, 500, j);
    cJSON_Delete(j);
    free(msg);
    free(near);
}

static void handle(void *ctx, const mock_http_request *req, mock_http_response *res)
{
    record_replay *r = ctx;
    size_t len;
    const char *body = mock_http_request_body(req, &len);
    norm n = normalise(r, mock_http_request_path(req), mock_http_request_query(req), body, len);
    const char *why = NULL;
    long nearest = -1; /* set by find_match when it finds none (gcc -O1 cannot tell) */
    pthread_mutex_lock(&r->lock);
    r->received++;
    long i = find_match(r, mock_http_request_method(req), &n, &nearest, &why);
    if (i >= 0)
        r->consumed[i] = true;
    pthread_mutex_unlock(&r->lock);
    mock_http_server_wake(r->server); /* streams waiting for this many requests */
    if (i < 0)
        answer_unmatched(r, req, &n, nearest, why, res);
    else if (r->doc.exchanges[i].status == 0)
        mock_http_respond_empty(res, 502); /* the recording had no answer either */
    else
        respond_recorded(r, &r->doc.exchanges[i], res);
    norm_free(&n);
}

/* ---- GET /_mock/replay ------------------------------------------------------------- */

cJSON *record_replay_report(record_replay *r)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "file", r->doc.path);
    cJSON *consumed = cJSON_AddArrayToObject(j, "consumed");
    cJSON *unconsumed = cJSON_AddArrayToObject(j, "unconsumed");
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < r->doc.count; i++) {
        const rec_exchange *e = &r->doc.exchanges[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "seq", (double)e->seq);
        cJSON_AddStringToObject(x, "method", e->method);
        cJSON_AddStringToObject(x, "path", e->path);
        cJSON_AddStringToObject(x, "query", e->query);
        cJSON_AddItemToArray(r->consumed[i] ? consumed : unconsumed, x);
    }
    cJSON_AddItemToObject(j, "unmatched", cJSON_Duplicate(r->unmatched, true));
    cJSON_AddNumberToObject(j, "received", (double)r->received);
    pthread_mutex_unlock(&r->lock);
    return j;
}

static void mock_route(void *ctx, const mock_http_request *req, mock_http_response *res)
{
    record_replay *r = ctx;
    if (strcmp(mock_http_request_path(req), "/_mock/replay") == 0 &&
        strcmp(mock_http_request_method(req), "GET") == 0) {
        cJSON *j = record_replay_report(r);
        mock_http_respond_json(res, 200, j);
        cJSON_Delete(j);
        return;
    }
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "message", "page not found");
    mock_http_respond_json(res, 404, j);
    cJSON_Delete(j);
}

/* ---- Life cycle -------------------------------------------------------------------- */

record_replay *record_replay_new(const char *file, record_timing timing, char **error)
{
    record_replay *r = calloc(1, sizeof *r);
    if (!r)
        abort();
    if (rec_document_load(file, &r->doc, error) != 0) {
        free(r);
        return NULL;
    }
    r->timing = timing;
    pthread_mutex_init(&r->lock, NULL);
    r->consumed = calloc(r->doc.count + 1, sizeof *r->consumed);
    r->norms = calloc(r->doc.count + 1, sizeof *r->norms);
    if (!r->consumed || !r->norms)
        abort();
    for (size_t i = 0; i < r->doc.count; i++) {
        const rec_exchange *e = &r->doc.exchanges[i];
        if (e->kind == REC_BODY && e->res_body.len && e->res_body.data[0] == '{') {
            cJSON *j = cJSON_ParseWithLength(e->res_body.data, e->res_body.len);
            collect_ids(r, j);
            cJSON_Delete(j);
        }
    }
    for (size_t i = 0; i < r->doc.count; i++) {
        const rec_exchange *e = &r->doc.exchanges[i];
        r->norms[i] = normalise(r, e->path, e->query, e->req_body.data ? e->req_body.data : "", e->req_body.len);
    }
    r->unmatched = cJSON_CreateArray();
    mock_http_server_options so = {.name = "docker-replay", .handler = handle, .handler_ctx = r,
                                   .mock_handler = mock_route, .mock_handler_ctx = r,
                                   .strip_version_for_faults = true};
    r->server = mock_http_server_new(&so);
    return r;
}

mock_http_server *record_replay_server(record_replay *r) { return r->server; }

void record_replay_free(record_replay *r)
{
    if (!r)
        return;
    mock_http_server_free(r->server);
    for (size_t i = 0; i < r->doc.count; i++)
        norm_free(&r->norms[i]);
    free(r->norms);
    free(r->consumed);
    for (size_t i = 0; i < r->id_count; i++)
        free(r->ids[i]);
    free(r->ids);
    cJSON_Delete(r->unmatched);
    rec_document_free(&r->doc);
    pthread_mutex_destroy(&r->lock);
    free(r);
}
