/* record_proxy.c: the recording proxy's life cycle and its ordinary requests. Each request
 * is forwarded with libcurl on a transfer thread; the handler waits for the answer's head,
 * then either waits for the whole body (a Content-Length answer, HEAD, 204, 304) or answers
 * with a stream that hands on the bytes as they arrive (chunked answers: logs, pulls,
 * wait, events), recording each read with its time. Requests carrying "Upgrade" go to
 * record_hijack.c. */
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osh_str.h"
#include "record_proxy_internal.h"

typedef struct xfer {
    record_proxy *p;
    rec_exchange e;
    double t_start;
    CURL *curl;
    struct curl_slist *headers;
    char errbuf[CURL_ERROR_SIZE];
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    bool head_done, done, streaming;
    CURLcode rc;
    osh_buf pending;    /* read from the daemon, not yet handed to the client */
    atomic_bool abort;  /* the client went away or the server stops */
} xfer;

/* ---- Request and answer bookkeeping ------------------------------------------------ */

void rec_proxy_begin(record_proxy *p, const mock_http_request *req, rec_exchange *e)
{
    memset(e, 0, sizeof *e);
    e->seq = atomic_fetch_add(&p->started, 1) + 1;
    e->t_ms = rec_now_ms() - rec_writer_t0(p->writer);
    e->method = osh_str_dup(mock_http_request_method(req));
    e->path = osh_str_dup(mock_http_request_path(req));
    e->query = osh_str_dup(mock_http_request_query(req));
    e->req_headers = cJSON_Duplicate(mock_http_request_headers(req), true);
    size_t len;
    const char *body = mock_http_request_body(req, &len);
    osh_buf_append(&e->req_body, body, len);
    e->res_headers = cJSON_CreateArray();
}

void rec_proxy_complete(record_proxy *p, rec_exchange *e)
{
    if (e->kind != REC_BODY)
        rec_exchange_frame(e);
    if (p->redactor)
        rec_redact_exchange(p->redactor, e);
    cJSON *j = rec_exchange_to_json(e);
    cJSON *red = p->redactor ? rec_redactor_json(p->redactor) : cJSON_CreateArray();
    rec_writer_add(p->writer, j, red);
    cJSON_Delete(red);
    cJSON_Delete(j);
    rec_exchange_free(e);
}

void rec_proxy_upstream_failed(record_proxy *p, const char *why)
{
    pthread_mutex_lock(&p->lock);
    bool first = !p->gone;
    if (first)
        p->gone = osh_str_dup(why);
    pthread_mutex_unlock(&p->lock);
    if (first && p->upstream_gone)
        p->upstream_gone(p->upstream_gone_ctx);
}

static bool hop_by_hop(const char *name)
{
    static const char *const names[] = {"Content-Length", "Transfer-Encoding", "Connection",
                                        "Keep-Alive", "Date", "Content-Type", "Upgrade", NULL};
    for (size_t i = 0; names[i]; i++)
        if (osh_str_ieq(name, names[i]))
            return true;
    return false;
}

void rec_proxy_copy_headers(const cJSON *headers, mock_http_response *res)
{
    const cJSON *h;
    cJSON_ArrayForEach(h, headers) {
        const char *n = cJSON_GetArrayItem(h, 0)->valuestring, *v = cJSON_GetArrayItem(h, 1)->valuestring;
        if (!hop_by_hop(n))
            mock_http_response_header(res, n, v);
    }
}

void rec_proxy_respond_failure(record_proxy *p, mock_http_response *res, const char *why)
{
    cJSON *j = cJSON_CreateObject();
    char *msg = osh_str_printf("openshell-mockd --record: upstream %s: %s", p->up.url, why);
    cJSON_AddStringToObject(j, "message", msg);
    mock_http_respond_json(res, 502, j);
    free(msg);
    cJSON_Delete(j);
}

/* The upstream is gone: the 502 goes out as a one-piece stream, so the owner is told
 * (and stops the server) only once the client has its answer. */
typedef struct gone_answer {
    record_proxy *p;
    char *body, *why;
} gone_answer;

static int gone_next(void *ctx, osh_buf *out)
{
    gone_answer *g = ctx;
    osh_buf_append_str(out, g->body);
    return MOCK_HTTP_STREAM_END;
}

static void gone_free(void *ctx)
{
    gone_answer *g = ctx;
    rec_proxy_upstream_failed(g->p, g->why);
    free(g->body);
    free(g->why);
    free(g);
}

void rec_proxy_respond_gone(record_proxy *p, mock_http_response *res, const char *why)
{
    gone_answer *g = calloc(1, sizeof *g);
    if (!g)
        abort();
    cJSON *j = cJSON_CreateObject();
    char *msg = osh_str_printf("openshell-mockd --record: upstream %s: %s", p->up.url, why);
    cJSON_AddStringToObject(j, "message", msg);
    char *text = cJSON_PrintUnformatted(j);
    g->p = p;
    g->body = osh_str_printf("%s\n", text);
    g->why = osh_str_dup(why);
    cJSON_free(text);
    cJSON_Delete(j);
    free(msg);
    mock_http_respond_stream(res, 502, "application/json", gone_next, g, gone_free);
}

/* ---- libcurl callbacks (transfer thread) ------------------------------------------ */

static size_t on_header(char *line, size_t size, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = size * n;
    char *text = osh_str_ndup(line, len);
    text[strcspn(text, "\r\n")] = '\0';
    pthread_mutex_lock(&x->lock);
    if (osh_str_starts_with(text, "HTTP/")) {
        const char *sp = strchr(text, ' ');
        x->e.status = sp ? atoi(sp + 1) : 0;
        cJSON_Delete(x->e.res_headers); /* a 100 Continue's headers are not the answer's */
        x->e.res_headers = cJSON_CreateArray();
    } else if (text[0] == '\0') {
        if (x->e.status >= 200) {
            x->head_done = true;
            pthread_cond_broadcast(&x->changed);
        }
    } else {
        char *colon = strchr(text, ':');
        if (colon) {
            *colon = '\0';
            const char *v = colon + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            cJSON *pair = cJSON_CreateArray();
            cJSON_AddItemToArray(pair, cJSON_CreateString(text));
            cJSON_AddItemToArray(pair, cJSON_CreateString(v));
            cJSON_AddItemToArray(x->e.res_headers, pair);
        }
    }
    pthread_mutex_unlock(&x->lock);
    free(text);
    return len;
}

static size_t on_data(char *data, size_t size, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = size * n;
    if (atomic_load(&x->abort))
        return 0;
    pthread_mutex_lock(&x->lock);
    rec_exchange_add_chunk(&x->e, REC_OUT, rec_now_ms() - x->t_start, atomic_load(&x->p->started), data, len);
    osh_buf_append(&x->pending, data, len);
    pthread_mutex_unlock(&x->lock);
    mock_http_server_wake(x->p->server);
    return len;
}

static int on_progress(void *ud, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)a, (void)b, (void)c, (void)d;
    return atomic_load(&((xfer *)ud)->abort) ? 1 : 0;
}

static void *transfer_thread(void *ud)
{
    xfer *x = ud;
    CURLcode rc = curl_easy_perform(x->curl);
    pthread_mutex_lock(&x->lock);
    x->rc = rc;
    x->done = true;
    /* the end as the daemon gave it, before the client can see it and send more requests
     * (a replay ends the stream once that many requests arrived) */
    x->e.end_ms = rec_now_ms() - x->t_start;
    x->e.end_after = atomic_load(&x->p->started);
    pthread_cond_broadcast(&x->changed);
    pthread_mutex_unlock(&x->lock);
    mock_http_server_wake(x->p->server);
    return NULL;
}

/* ---- Building the upstream request ------------------------------------------------ */

static void setup_curl(xfer *x)
{
    rec_exchange *e = &x->e;
    osh_buf url = OSH_BUF_INIT;
    osh_buf_append_str(&url, x->p->up.base);
    rec_append_url_path(&url, e->path);
    if (e->query[0])
        osh_buf_appendf(&url, "?%s", e->query);
    CURL *c = curl_easy_init();
    if (!c)
        abort();
    x->curl = c;
    curl_easy_setopt(c, CURLOPT_URL, osh_buf_str(&url));
    osh_buf_free(&url);
    if (x->p->up.unix_path)
        curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, x->p->up.unix_path);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(c, CURLOPT_HTTP_TRANSFER_DECODING, 1L);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, NULL);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    if (strcmp(e->method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, e->method);
        bool has_body = e->req_body.len > 0 || cJSON_GetObjectItemCaseSensitive(e->req_headers, "Content-Length") ||
                        strcmp(e->method, "POST") == 0 || strcmp(e->method, "PUT") == 0;
        if (has_body) {
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)e->req_body.len);
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, osh_buf_str(&e->req_body));
        }
    }
    const cJSON *h;
    cJSON_ArrayForEach(h, e->req_headers) {
        if (osh_str_ieq(h->string, "Content-Length") || osh_str_ieq(h->string, "Transfer-Encoding") ||
            osh_str_ieq(h->string, "Connection") || osh_str_ieq(h->string, "Expect") ||
            osh_str_ieq(h->string, "Keep-Alive") || !cJSON_IsString(h))
            continue;
        char *line = h->valuestring[0] ? osh_str_printf("%s: %s", h->string, h->valuestring)
                                       : osh_str_printf("%s;", h->string);
        x->headers = curl_slist_append(x->headers, line);
        free(line);
    }
    if (!cJSON_GetObjectItem(e->req_headers, "Content-Type"))
        x->headers = curl_slist_append(x->headers, "Content-Type:"); /* curl would add one */
    if (!cJSON_GetObjectItem(e->req_headers, "Accept"))
        x->headers = curl_slist_append(x->headers, "Accept:");
    if (!cJSON_GetObjectItem(e->req_headers, "User-Agent"))
        x->headers = curl_slist_append(x->headers, "User-Agent:");
    x->headers = curl_slist_append(x->headers, "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, x->headers);
}

static void xfer_free(xfer *x)
{
    curl_easy_cleanup(x->curl);
    curl_slist_free_all(x->headers);
    osh_buf_free(&x->pending);
    pthread_cond_destroy(&x->changed);
    pthread_mutex_destroy(&x->lock);
    free(x);
}

/* Stop the transfer, record how the exchange ended, write it. */
static void xfer_finish(xfer *x, const char *end)
{
    atomic_store(&x->abort, true);
    pthread_join(x->thread, NULL); /* it noted end_ms/end_after when the transfer ended */
    free(x->e.end);
    x->e.end = osh_str_dup(end);
    rec_proxy_complete(x->p, &x->e);
    xfer_free(x);
}

/* ---- Streams to the client -------------------------------------------------------- */

static int stream_next(void *ud, osh_buf *out)
{
    xfer *x = ud;
    pthread_mutex_lock(&x->lock);
    osh_buf_append(out, x->pending.data, x->pending.len);
    osh_buf_reset(&x->pending);
    bool done = x->done;
    CURLcode rc = x->rc;
    pthread_mutex_unlock(&x->lock);
    if (!done)
        return MOCK_HTTP_STREAM_MORE;
    return rc == CURLE_OK ? MOCK_HTTP_STREAM_END : MOCK_HTTP_STREAM_ABORT;
}

static void stream_free(void *ud)
{
    xfer *x = ud;
    pthread_mutex_lock(&x->lock);
    bool done = x->done, ok = x->rc == CURLE_OK;
    pthread_mutex_unlock(&x->lock);
    bool stopping = mock_http_server_stopping(x->p->server);
    xfer_finish(x, !done ? (stopping ? "cut" : "client-closed") : ok ? "complete" : "cut");
}

/* ---- The handler ------------------------------------------------------------------ */

static bool body_is_complete_kind(const xfer *x)
{
    int s = x->e.status;
    return strcmp(x->e.method, "HEAD") == 0 || s == 204 || s == 304 ||
           rec_response_header(&x->e, "Content-Length") != NULL;
}

static void handle(void *ctx, const mock_http_request *req, mock_http_response *res)
{
    record_proxy *p = ctx;
    xfer *x = calloc(1, sizeof *x);
    if (!x)
        abort();
    x->p = p;
    rec_proxy_begin(p, req, &x->e);
    x->t_start = rec_now_ms();
    const char *upgrade = mock_http_request_header(req, "Upgrade");
    if (upgrade && upgrade[0]) {
        rec_exchange e = x->e;
        free(x);
        rec_hijack_handle(p, &e, res);
        return;
    }
    pthread_mutex_init(&x->lock, NULL);
    pthread_cond_init(&x->changed, NULL);
    setup_curl(x);
    if (pthread_create(&x->thread, NULL, transfer_thread, x) != 0)
        abort();
    pthread_mutex_lock(&x->lock);
    while (!x->head_done && !x->done)
        pthread_cond_wait(&x->changed, &x->lock);
    bool complete = x->done || body_is_complete_kind(x);
    while (complete && !x->done)
        pthread_cond_wait(&x->changed, &x->lock);
    pthread_mutex_unlock(&x->lock);

    if (!x->head_done) { /* no answer at all */
        const char *why = x->errbuf[0] ? x->errbuf : curl_easy_strerror(x->rc);
        x->e.status = 0;
        x->e.error = osh_str_dup(why);
        bool gone = x->rc == CURLE_COULDNT_CONNECT;
        if (gone)
            rec_proxy_respond_gone(p, res, why);
        else
            rec_proxy_respond_failure(p, res, why);
        xfer_finish(x, "complete");
        return;
    }
    const char *ctype = rec_response_header(&x->e, "Content-Type");
    rec_proxy_copy_headers(x->e.res_headers, res);
    if (complete) {
        x->e.kind = REC_BODY;
        for (size_t i = 0; i < x->e.chunk_count; i++)
            osh_buf_append(&x->e.res_body, x->e.chunks[i].data.data, x->e.chunks[i].data.len);
        if (x->e.status == 204 || x->e.status == 304 || (x->e.res_body.len == 0 && !ctype))
            mock_http_respond_empty(res, x->e.status);
        else
            mock_http_respond(res, x->e.status, ctype, x->e.res_body.data, x->e.res_body.len);
        for (size_t i = 0; i < x->e.chunk_count; i++)
            osh_buf_free(&x->e.chunks[i].data);
        x->e.chunk_count = 0;
        xfer_finish(x, "complete");
        return;
    }
    x->e.kind = REC_STREAM;
    mock_http_respond_stream(res, x->e.status, ctype, stream_next, x, stream_free);
}

/* ---- Life cycle -------------------------------------------------------------------- */

record_proxy *record_proxy_new(const record_proxy_options *o, char **error)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    record_proxy *p = calloc(1, sizeof *p);
    if (!p)
        abort();
    pthread_mutex_init(&p->lock, NULL);
    if (rec_upstream_parse(o->upstream, &p->up, error) != 0 || rec_upstream_ping(&p->up, error) != 0) {
        rec_upstream_free(&p->up);
        pthread_mutex_destroy(&p->lock);
        free(p);
        return NULL;
    }
    p->writer = rec_writer_open(o->file, o->upstream, o->redact, error);
    if (!p->writer) {
        rec_upstream_free(&p->up);
        pthread_mutex_destroy(&p->lock);
        free(p);
        return NULL;
    }
    p->redactor = o->redact ? rec_redactor_new() : NULL;
    p->upstream_gone = o->upstream_gone;
    p->upstream_gone_ctx = o->upstream_gone_ctx;
    mock_http_server_options so = {.name = "docker-record", .handler = handle, .handler_ctx = p,
                                   .strip_version_for_faults = true};
    p->server = mock_http_server_new(&so);
    return p;
}

mock_http_server *record_proxy_server(record_proxy *p) { return p->server; }

const char *record_proxy_upstream_error(record_proxy *p)
{
    pthread_mutex_lock(&p->lock);
    const char *g = p->gone;
    pthread_mutex_unlock(&p->lock);
    return g;
}

int record_proxy_finish(record_proxy *p, const char *reason, char **error)
{
    pthread_mutex_lock(&p->lock);
    bool was = p->finished;
    p->finished = true;
    char *why = p->gone ? osh_str_printf("upstream-gone: %s", p->gone) : osh_str_dup(reason);
    pthread_mutex_unlock(&p->lock);
    if (was) {
        free(why);
        return 0;
    }
    mock_http_server_stop(p->server); /* cuts open streams: they record themselves */
    cJSON *red = p->redactor ? rec_redactor_json(p->redactor) : cJSON_CreateArray();
    int rc = rec_writer_close(p->writer, red, why, error);
    cJSON_Delete(red);
    free(why);
    return rc;
}

void record_proxy_free(record_proxy *p)
{
    if (!p)
        return;
    char *error = NULL;
    record_proxy_finish(p, "stopped", &error);
    free(error);
    mock_http_server_free(p->server);
    rec_writer_free(p->writer);
    rec_redactor_free(p->redactor);
    rec_upstream_free(&p->up);
    free(p->gone);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
