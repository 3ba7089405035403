/* mock_http_server.c: server lifecycle and the per-request dispatch from libmicrohttpd into
 * body limits, faults (a delay suspends the connection), handler and journal. Endpoints are
 * in mock_http_listen.c, streams in mock_http_stream.c, upgrades in mock_http_upgrade.c. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "mock_http_internal.h"
#include "osh_str.h"

/* Connections are files: let the process have as many as its hard limit allows. */
static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

mock_http_server *mock_http_server_new(const mock_http_server_options *opts)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, raise_nofile);
    mock_http_server *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->opts = *opts;
    s->name = osh_str_dup(opts->name ? opts->name : "mock");
    s->opts.name = s->name;
    if (!s->opts.max_connections)
        s->opts.max_connections = MOCK_HTTP_DEFAULT_MAX_CONNECTIONS;
    if (!s->opts.idle_timeout_s)
        s->opts.idle_timeout_s = MOCK_HTTP_DEFAULT_IDLE_TIMEOUT_S;
    if (!s->opts.threads)
        s->opts.threads = MOCK_HTTP_DEFAULT_THREADS;
    if (!s->opts.journal_entries)
        s->opts.journal_entries = MOCK_HTTP_DEFAULT_JOURNAL_ENTRIES;
    if (!s->opts.journal_body_cap)
        s->opts.journal_body_cap = MOCK_HTTP_DEFAULT_JOURNAL_BODY_CAP;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    mock_http_streams_init(s);
    s->next_seq = 1;
    return s;
}

/* ---- Requests ---------------------------------------------------------------------- */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    mock_http_request *r = calloc(1, sizeof *r);
    if (!r)
        abort();
    r->server = cls;
    r->conn = conn;
    r->spool_fd = -1;
    const char *q = strchr(uri, '?');
    r->query = osh_str_dup(q ? q + 1 : "");
    return r;
}

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    mock_http_request *r = cls;
    mock_http_query_pair *p = realloc(r->pairs, (r->pair_count + 1) * sizeof *p);
    if (!p)
        abort();
    r->pairs = p;
    p[r->pair_count].key = osh_str_dup(key);
    p[r->pair_count].value = osh_str_dup(value ? value : "");
    r->pair_count++;
    return MHD_YES;
}

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    cJSON *headers = cls;
    if (cJSON_GetObjectItemCaseSensitive(headers, key))
        cJSON_ReplaceItemInObjectCaseSensitive(headers, key, cJSON_CreateString(value ? value : ""));
    else
        cJSON_AddStringToObject(headers, key, value ? value : "");
    return MHD_YES;
}

static void request_free(mock_http_request *r)
{
    if (!r)
        return;
    cJSON_Delete(r->headers);
    free(r->method);
    free(r->path);
    free(r->query);
    for (size_t i = 0; i < r->pair_count; i++) {
        free(r->pairs[i].key);
        free(r->pairs[i].value);
    }
    free(r->pairs);
    osh_buf_free(&r->body);
    mock_http_spool_free(r);
    if (r->fault) {
        mock_http_fault_action_free(r->fault);
        free(r->fault);
    }
    if (r->deferred) {
        mock_http_response_release(r->deferred);
        free(r->deferred);
    }
    if (r->upgrade)
        r->upgrade_free(r->upgrade);
    free(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    request_free(*con_cls);
    *con_cls = NULL;
}

/* Sleep that ends early when the server stops (fault delays). */
static void fault_delay(mock_http_server *s, int ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->lock);
    while (!atomic_load(&s->stopping)) {
        if (pthread_cond_timedwait(&s->wake, &s->lock, &until) != 0)
            break;
    }
    pthread_mutex_unlock(&s->lock);
}

typedef struct delay_run {
    mock_http_server *s;
    struct MHD_Connection *conn;
    int ms;
} delay_run;

static void *delay_thread(void *p)
{
    delay_run *d = p;
    mock_http_server *s = d->s;
    fault_delay(s, d->ms);
    pthread_mutex_lock(&s->stream_lock);
    MHD_resume_connection(d->conn);
    s->delay_count--;
    pthread_cond_broadcast(&s->threads_done);
    pthread_mutex_unlock(&s->stream_lock);
    free(d);
    return NULL;
}

/* Called from the access handler: the connection sleeps, not the event loop. */
void mock_http_delay_connection(mock_http_server *s, struct MHD_Connection *conn, int ms)
{
    delay_run *d = malloc(sizeof *d);
    if (!d)
        abort();
    *d = (delay_run){s, conn, ms};
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t th;
    pthread_mutex_lock(&s->stream_lock);
    bool started = false;
    if (!atomic_load(&s->stopping)) {
        MHD_suspend_connection(conn);
        started = pthread_create(&th, &attr, delay_thread, d) == 0;
        if (started)
            s->delay_count++;
        else
            MHD_resume_connection(conn);
    }
    pthread_mutex_unlock(&s->stream_lock);
    pthread_attr_destroy(&attr);
    if (!started)
        free(d);
}

static void call_handler(mock_http_server *s, const mock_http_request *r, mock_http_response *res)
{
    if (s->opts.handler)
        s->opts.handler(s->opts.handler_ctx, r, res);
    if (res->kind == RESPONSE_NONE) {
        char *msg = osh_str_printf("{\"message\":\"mock %s: no answer for %s %s\"}\n", s->name,
                                   r->method, r->path);
        mock_http_respond(res, 500, "application/json", msg, strlen(msg));
        free(msg);
    }
}

static enum MHD_Result answer_mock_route(mock_http_server *s, mock_http_request *r)
{
    mock_http_response res;
    mock_http_response_init(&res);
    mock_http_builtin_route(s, r, &res);
    if (res.kind == RESPONSE_NONE && s->opts.mock_handler)
        s->opts.mock_handler(s->opts.mock_handler_ctx, r, &res);
    if (res.kind == RESPONSE_NONE)
        mock_http_respond(&res, 404, "application/json", "{\"message\":\"no such mock route\"}\n", 32);
    enum MHD_Result ret = mock_http_queue(s, r, &res, -1);
    mock_http_response_release(&res);
    return ret;
}

/* The request's body passed its limit: answer 413 now; libmicrohttpd closes the connection
 * after it, so the rest of the body is never read. */
static enum MHD_Result answer_too_large(mock_http_server *s, mock_http_request *r,
                                        size_t announced)
{
    mock_http_response res;
    mock_http_response_init(&res);
    osh_buf_reset(&r->body);
    r->body_total = 0;
    mock_http_spool_free(r); /* the journal keeps the announced size only */
    if (s->opts.too_large)
        s->opts.too_large(s->opts.handler_ctx, r, r->body_limit, &res);
    if (res.kind == RESPONSE_NONE) {
        char *msg = osh_str_printf("{\"message\":\"request body too large: limit is %zu bytes\"}\n",
                                   r->body_limit);
        mock_http_respond(&res, 413, "application/json", msg, strlen(msg));
        free(msg);
    }
    r->dispatched = true;
    mock_http_journal_record(s, r, res.status, mock_http_response_header_value(&res, "Content-Type"),
                             NULL);
    mock_http_journal_note_refused(s, r->seq, announced);
    enum MHD_Result ret = mock_http_queue(s, r, &res, -1);
    mock_http_response_release(&res);
    return ret;
}

static enum MHD_Result dispatch(mock_http_server *s, mock_http_request *r)
{
    if (osh_str_starts_with(r->path, "/_mock/") || strcmp(r->path, "/_mock") == 0)
        return answer_mock_route(s, r);
    if (!r->fault) {
        const char *fault_path = s->opts.strip_version_for_faults
                                     ? mock_http_strip_version(r->path, NULL, NULL) : r->path;
        r->fault = calloc(1, sizeof *r->fault);
        if (!r->fault)
            abort();
        mock_http_fault_decide(s, r->method, fault_path, r->fault);
        if (r->fault->delay_ms > 0) {
            mock_http_delay_connection(s, r->conn, r->fault->delay_ms);
            return MHD_YES; /* called again once resumed */
        }
    }
    mock_http_fault_action *fa = r->fault;
    r->dispatched = true;
    if (fa->drop) {
        mock_http_journal_record(s, r, 0, NULL, fa->name);
        return MHD_NO; /* closes the connection without an answer */
    }
    mock_http_response res;
    mock_http_response_init(&res);
    if (fa->status > 0) {
        const char *body = fa->body ? fa->body : "";
        mock_http_respond(&res, fa->status, fa->content_type ? fa->content_type : "application/json",
                          body, strlen(body));
    } else {
        call_handler(s, r, &res);
    }
    if (fa->json_set && res.kind == RESPONSE_FULL)
        mock_http_apply_json_set(&res.body, fa->json_set);
    mock_http_journal_record(s, r, res.status, mock_http_response_header_value(&res, "Content-Type"),
                             fa->name);
    if (res.after_streams && mock_http_streams_defer(s, r->conn)) {
        r->deferred = malloc(sizeof *r->deferred);
        if (!r->deferred)
            abort();
        *r->deferred = res; /* taken over; queued once resumed */
        r->deferred_truncate = fa->truncate_after;
        return MHD_YES;
    }
    enum MHD_Result ret = mock_http_queue(s, r, &res, fa->truncate_after);
    mock_http_response_release(&res);
    return ret;
}

/* A piece of the body: into memory, or the spool file of a spooled route. */
static enum MHD_Result take_body(mock_http_server *s, mock_http_request *r, const char *data,
                                 size_t *size)
{
    size_t n = *size;
    *size = 0;
    if (r->body_total + n > r->body_limit)
        return answer_too_large(s, r, r->body_total + n);
    if (r->spool_fd >= 0) {
        if (!mock_http_spool_append(r, data, n, s->opts.journal_body_cap))
            return MHD_NO; /* the disk is full: cut, as a daemon failing to write would */
    } else {
        osh_buf_append(&r->body, data, n);
        r->body_total += n;
    }
    size_t peak = atomic_load(&s->body_bytes_peak);
    while (r->body.len > peak && !atomic_compare_exchange_weak(&s->body_bytes_peak, &peak, r->body.len))
        ;
    return MHD_YES;
}

static size_t body_limit(mock_http_server *s, const char *method, const char *path)
{
    size_t limit = s->opts.body_limit ? s->opts.body_limit(s->opts.handler_ctx, method, path) : 0;
    return limit ? limit : MOCK_HTTP_DEFAULT_BODY_LIMIT;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version,
                                 const char *upload_data, size_t *upload_data_size,
                                 void **con_cls)
{
    mock_http_server *s = cls;
    mock_http_request *r = *con_cls;
    if (!r->method) { /* first call: headers are in */
        r->method = osh_str_dup(method);
        r->path = osh_str_dup(url);
        MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_query, r);
        r->headers = cJSON_CreateObject();
        MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_header, r->headers);
        pthread_mutex_lock(&s->lock);
        r->seq = s->next_seq++;
        pthread_mutex_unlock(&s->lock);
        r->body_limit = body_limit(s, r->method, r->path);
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        unsigned long long announced = cl ? strtoull(cl, NULL, 10) : 0;
        if (announced > r->body_limit)
            return answer_too_large(s, r, (size_t)announced);
        if (s->opts.body_spool && s->opts.body_spool(s->opts.handler_ctx, r->method, r->path))
            mock_http_spool_begin(r);
        return MHD_YES;
    }
    if (r->deferred) { /* resumed: the streams are idle */
        enum MHD_Result ret = mock_http_queue(s, r, r->deferred, r->deferred_truncate);
        mock_http_response_release(r->deferred);
        free(r->deferred);
        r->deferred = NULL;
        return ret;
    }
    if (r->dispatched) { /* answered early (413): discard what still comes */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size > 0)
        return take_body(s, r, upload_data, upload_data_size);
    if (r->spool_hash)
        mock_http_spool_finish(r);
    return dispatch(s, r);
}

/* ---- Request view ------------------------------------------------------------------ */

const char *mock_http_request_method(const mock_http_request *r) { return r->method; }
const char *mock_http_request_path(const mock_http_request *r) { return r->path; }
const char *mock_http_request_query(const mock_http_request *r) { return r->query; }
mock_http_server *mock_http_request_server(const mock_http_request *r) { return r->server; }

const char *mock_http_request_query_value(const mock_http_request *r, const char *key)
{
    return mock_http_request_query_nth(r, key, 0);
}

size_t mock_http_request_query_count(const mock_http_request *r, const char *key)
{
    size_t n = 0;
    for (size_t i = 0; i < r->pair_count; i++)
        if (strcmp(r->pairs[i].key, key) == 0)
            n++;
    return n;
}

const char *mock_http_request_query_nth(const mock_http_request *r, const char *key, size_t nth)
{
    for (size_t i = 0; i < r->pair_count; i++)
        if (strcmp(r->pairs[i].key, key) == 0 && nth-- == 0)
            return r->pairs[i].value;
    return NULL;
}

const char *mock_http_request_header(const mock_http_request *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const cJSON *mock_http_request_headers(const mock_http_request *r)
{
    return r->headers;
}

const char *mock_http_request_body(const mock_http_request *r, size_t *len)
{
    mock_http_spool_load((mock_http_request *)r); /* a spooled body wanted whole */
    if (len)
        *len = r->body.len;
    return osh_buf_str(&r->body);
}

/* dockerd's route pattern: "/v" + [0-9.]+ followed by "/" or the end. */
size_t mock_http_version_text(const char *path, const char **text)
{
    if (path[0] != '/' || path[1] != 'v')
        return 0;
    size_t n = strspn(path + 2, "0123456789.");
    if (n == 0 || (path[2 + n] != '/' && path[2 + n] != '\0'))
        return 0;
    if (text)
        *text = path + 2;
    return n;
}

/* A decimal number of at most len digits; INT_MAX when it would pass it. */
static int clamped_number(const char *p, size_t len)
{
    long long v = 0;
    for (size_t i = 0; i < len; i++) {
        v = v * 10 + (p[i] - '0');
        if (v > INT_MAX)
            return INT_MAX;
    }
    return (int)v;
}

const char *mock_http_strip_version(const char *path, int *major, int *minor)
{
    if (major)
        *major = -1;
    if (minor)
        *minor = -1;
    const char *v;
    size_t n = mock_http_version_text(path, &v);
    if (n == 0)
        return path;
    const char *dot = memchr(v, '.', n);
    size_t ma_len = dot ? (size_t)(dot - v) : n;
    size_t mi_len = 0;
    if (dot) {
        const char *end = v + n;
        const char *dot2 = memchr(dot + 1, '.', (size_t)(end - dot - 1));
        mi_len = (size_t)((dot2 ? dot2 : end) - (dot + 1));
    }
    if (major)
        *major = clamped_number(v, ma_len);
    if (minor)
        *minor = dot ? clamped_number(dot + 1, mi_len) : 0;
    return v[n] ? v + n : "/";
}

const char *mock_http_request_unversioned_path(const mock_http_request *r, int *major, int *minor)
{
    return mock_http_strip_version(r->path, major, minor);
}

/* ---- Endpoint daemons ---------------------------------------------------------------- */

/* cert_pem/key_pem non-NULL: serve TLS. libmicrohttpd hands them to GnuTLS while the daemon
 * starts (GnuTLS copies them), so they need not outlive this call. */
int mock_http_start_daemon(mock_http_server *s, int fd, char *url, char *unix_path,
                           const char *cert_pem, const char *key_pem, char **error)
{
    if (s->endpoint_count == MOCK_HTTP_MAX_ENDPOINTS) {
        *error = osh_str_printf("%s: too many endpoints (at most %d)", url,
                                MOCK_HTTP_MAX_ENDPOINTS);
        goto fail;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_ALLOW_UPGRADE | MHD_USE_ITC;
    /* Options after the TLS pair are ignored when cert_pem is NULL (END comes first). */
    struct MHD_OptionItem tls[] = {
        {cert_pem ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, (void *)cert_pem},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)key_pem},
        {MHD_OPTION_END, 0, NULL}};
    if (cert_pem)
        flags |= MHD_USE_TLS;
    /* The pool is what libmicrohttpd resets for every request: keep it small (a request head
     * and read buffer fit; bodies go to the request's own buffer). */
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_access, s, MHD_OPTION_LISTEN_SOCKET, fd,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, s, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)s->opts.threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)s->opts.max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->opts.idle_timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, MOCK_HTTP_CONNECTION_POOL,
        MHD_OPTION_CONNECTION_MEMORY_INCREMENT, (size_t)(4 * 1024),
        MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
    if (!d) {
        *error = cert_pem ? osh_str_printf("%s: libmicrohttpd could not start a TLS daemon "
                                           "(is the certificate/key PEM valid and matching?)", url)
                          : osh_str_printf("%s: libmicrohttpd could not start a daemon", url);
        goto fail;
    }
    mock_http_endpoint *e = &s->endpoints[s->endpoint_count++];
    e->daemon = d;
    e->url = url;
    e->unix_path = unix_path;
    return 0;
fail:
    close(fd);
    if (unix_path)
        unlink(unix_path);
    free(url);
    free(unix_path);
    return -1;
}

const char *mock_http_server_url(const mock_http_server *s, size_t index)
{
    return index < s->endpoint_count ? s->endpoints[index].url : NULL;
}

/* ---- Stop, stats -------------------------------------------------------------------- */

bool mock_http_server_stopping(const mock_http_server *s)
{
    return atomic_load(&s->stopping);
}

void mock_http_server_stats(mock_http_server *s, mock_http_stats *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < s->endpoint_count; i++) {
        if (!s->endpoints[i].daemon)
            continue;
        const union MHD_DaemonInfo *di =
            MHD_get_daemon_info(s->endpoints[i].daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        if (di)
            out->connections += di->num_connections;
    }
    pthread_mutex_lock(&s->stream_lock);
    out->streams = s->stream_count;
    out->suspended_streams = s->suspended_count;
    out->upgrades = s->upgrade_count;
    out->stream_calls = s->stream_calls;
    out->watcher_wakeups = s->watcher_wakeups;
    out->watcher_timeout_ms = s->watch_timeout_ms;
    pthread_mutex_unlock(&s->stream_lock);
    pthread_mutex_lock(&s->lock);
    out->journal_entries = s->journal_len;
    out->body_bytes_peak = atomic_load(&s->body_bytes_peak);
    out->journal_dropped = s->journal_dropped;
    pthread_mutex_unlock(&s->lock);
}

/* Order matters: nothing may stay suspended when libmicrohttpd stops (it would abort), and
 * upgrade threads must be done with their sockets first. */
void mock_http_server_stop(mock_http_server *s)
{
    atomic_store(&s->stopping, true);
    pthread_mutex_lock(&s->lock);
    pthread_cond_broadcast(&s->wake); /* fault delays end */
    pthread_mutex_unlock(&s->lock);
    mock_http_streams_stop(s);
    mock_http_upgrades_stop(s);
    for (size_t i = 0; i < s->endpoint_count; i++) {
        mock_http_endpoint *e = &s->endpoints[i];
        if (e->daemon) {
            MHD_stop_daemon(e->daemon);
            e->daemon = NULL;
        }
        if (e->unix_path) {
            unlink(e->unix_path);
            free(e->unix_path);
            e->unix_path = NULL;
        }
    }
}

void mock_http_server_free(mock_http_server *s)
{
    if (!s)
        return;
    mock_http_server_stop(s);
    mock_http_streams_free(s);
    for (size_t i = 0; i < s->endpoint_count; i++)
        free(s->endpoints[i].url);
    mock_http_journal_free(s);
    mock_http_rules_free(s);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    free(s->name);
    free(s);
}
