/* mock_http_server.c: server lifecycle, endpoints (unix, TCP) and the per-request dispatch
 * from libmicrohttpd into faults, handler and journal. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "mock_http_internal.h"
#include "osh_str.h"

mock_http_server *mock_http_server_new(const mock_http_server_options *opts)
{
    mock_http_server *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->opts = *opts;
    s->name = osh_str_dup(opts->name ? opts->name : "mock");
    s->opts.name = s->name;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
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

static enum MHD_Result dispatch(mock_http_server *s, mock_http_request *r)
{
    mock_http_response res;
    mock_http_response_init(&res);
    if (osh_str_starts_with(r->path, "/_mock/") || strcmp(r->path, "/_mock") == 0) {
        mock_http_builtin_route(s, r, &res);
        if (res.kind == RESPONSE_NONE && s->opts.mock_handler)
            s->opts.mock_handler(s->opts.mock_handler_ctx, r, &res);
        if (res.kind == RESPONSE_NONE)
            mock_http_respond(&res, 404, "application/json",
                              "{\"message\":\"no such mock route\"}\n", 32);
        enum MHD_Result ret = mock_http_queue(s, r, &res, -1);
        mock_http_response_release(&res);
        return ret;
    }

    const char *fault_path = s->opts.strip_version_for_faults
                                 ? mock_http_strip_version(r->path, NULL, NULL) : r->path;
    mock_http_fault_action fa;
    mock_http_fault_decide(s, r->method, fault_path, &fa);
    if (fa.delay_ms > 0)
        fault_delay(s, fa.delay_ms);
    if (fa.drop) {
        mock_http_journal_record(s, r, 0, NULL, fa.name);
        mock_http_fault_action_free(&fa);
        mock_http_response_release(&res);
        return MHD_NO; /* closes the connection without an answer */
    }
    if (fa.status > 0) {
        const char *body = fa.body ? fa.body : "";
        mock_http_respond(&res, fa.status, fa.content_type ? fa.content_type : "application/json",
                          body, strlen(body));
    } else {
        call_handler(s, r, &res);
    }
    if (fa.json_set && res.kind == RESPONSE_FULL)
        mock_http_apply_json_set(&res.body, fa.json_set);

    mock_http_journal_record(s, r, res.status, mock_http_response_header_value(&res, "Content-Type"),
                             fa.name);
    enum MHD_Result ret = mock_http_queue(s, r, &res, fa.truncate_after);
    mock_http_response_release(&res);
    mock_http_fault_action_free(&fa);
    return ret;
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
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        osh_buf_append(&r->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
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
    if (len)
        *len = r->body.len;
    return osh_buf_str(&r->body);
}

const char *mock_http_strip_version(const char *path, int *major, int *minor)
{
    if (major)
        *major = -1;
    if (minor)
        *minor = -1;
    if (path[0] != '/' || path[1] != 'v')
        return path;
    const char *p = path + 2;
    char *end;
    if (*p < '0' || *p > '9')
        return path;
    long ma = strtol(p, &end, 10);
    if (*end != '.' || end[1] < '0' || end[1] > '9')
        return path;
    long mi = strtol(end + 1, &end, 10);
    if (*end != '/' && *end != '\0')
        return path;
    if (major)
        *major = (int)ma;
    if (minor)
        *minor = (int)mi;
    return *end ? end : "/";
}

const char *mock_http_request_unversioned_path(const mock_http_request *r, int *major, int *minor)
{
    return mock_http_strip_version(r->path, major, minor);
}

/* ---- Endpoints --------------------------------------------------------------------- */

/* cert_pem/key_pem non-NULL: serve TLS. libmicrohttpd hands them to GnuTLS while the daemon
 * starts (GnuTLS copies them), so they need not outlive this call. */
static int start_daemon(mock_http_server *s, int fd, char *url, char *unix_path,
                        const char *cert_pem, const char *key_pem, char **error)
{
    if (s->endpoint_count == MOCK_HTTP_MAX_ENDPOINTS) {
        *error = osh_str_printf("%s: too many endpoints (at most %d)", url,
                                MOCK_HTTP_MAX_ENDPOINTS);
        goto fail;
    }
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | MHD_ALLOW_UPGRADE | MHD_USE_ITC;
    /* Options after the TLS pair are ignored when cert_pem is NULL (END comes first). */
    struct MHD_OptionItem tls[] = {
        {cert_pem ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, (void *)cert_pem},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)key_pem},
        {MHD_OPTION_END, 0, NULL}};
    if (cert_pem)
        flags |= MHD_USE_TLS;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_access, s, MHD_OPTION_LISTEN_SOCKET, fd,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, s, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024), MHD_OPTION_ARRAY, tls,
        MHD_OPTION_END);
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

int mock_http_server_listen_unix(mock_http_server *s, const char *path, char **error)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof addr.sun_path) {
        *error = osh_str_printf("%s: socket path too long (at most %zu bytes)", path,
                                sizeof addr.sun_path - 1);
        return -1;
    }
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            *error = osh_str_printf("%s: exists and is not a socket", path);
            return -1;
        }
        unlink(path);
    }
    strcpy(addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 128) != 0) {
        *error = osh_str_printf("%s: cannot listen: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return start_daemon(s, fd, osh_str_printf("unix://%s", path), osh_str_dup(path), NULL, NULL, error);
}

static int bind_tcp(const char *host, int port, int *bound_port, char **error)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    int rc = getaddrinfo(host, service, &hints, &ai);
    if (rc != 0) {
        *error = osh_str_printf("tcp://%s:%d: cannot resolve host: %s", host, port,
                                gai_strerror(rc));
        return -1;
    }
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 128) != 0) {
        *error = osh_str_printf("tcp://%s:%d: cannot listen: %s", host, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &len);
    *bound_port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                           : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

static int listen_tcp(mock_http_server *s, const char *host, int port, const char *cert_pem,
                      const char *key_pem, int *bound_port, char **error)
{
    int actual = 0;
    int fd = bind_tcp(host, port, &actual, error);
    if (fd < 0)
        return -1;
    if (bound_port)
        *bound_port = actual;
    const char *scheme = cert_pem ? "https" : "tcp";
    char *url = strchr(host, ':') ? osh_str_printf("%s://[%s]:%d", scheme, host, actual)
                                  : osh_str_printf("%s://%s:%d", scheme, host, actual);
    return start_daemon(s, fd, url, NULL, cert_pem, key_pem, error);
}

int mock_http_server_listen_tcp(mock_http_server *s, const char *host, int port,
                                int *bound_port, char **error)
{
    return listen_tcp(s, host, port, NULL, NULL, bound_port, error);
}

int mock_http_server_listen_tcp_tls(mock_http_server *s, const char *host, int port,
                                    const char *cert_pem, const char *key_pem, int *bound_port,
                                    char **error)
{
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        *error = osh_str_printf("https://%s:%d: this libmicrohttpd is built without TLS support",
                                host, port);
        return -1;
    }
    if (!cert_pem || !*cert_pem || !key_pem || !*key_pem) {
        *error = osh_str_printf("https://%s:%d: a certificate and a key (PEM) are both needed",
                                host, port);
        return -1;
    }
    return listen_tcp(s, host, port, cert_pem, key_pem, bound_port, error);
}

const char *mock_http_server_url(const mock_http_server *s, size_t index)
{
    return index < s->endpoint_count ? s->endpoints[index].url : NULL;
}

/* ---- Stop, wake -------------------------------------------------------------------- */

void mock_http_server_wake(mock_http_server *s)
{
    pthread_mutex_lock(&s->lock);
    s->wake_generation++;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
}

bool mock_http_server_stopping(const mock_http_server *s)
{
    return atomic_load(&s->stopping);
}

bool mock_http_wait_wake(mock_http_server *s, unsigned long *seen, int timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += (long)timeout_ms * 1000000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    pthread_mutex_lock(&s->lock);
    while (!atomic_load(&s->stopping) && s->wake_generation == *seen) {
        if (pthread_cond_timedwait(&s->wake, &s->lock, &until) != 0)
            break;
    }
    *seen = s->wake_generation;
    bool alive = !atomic_load(&s->stopping);
    pthread_mutex_unlock(&s->lock);
    return alive;
}

void mock_http_server_stop(mock_http_server *s)
{
    atomic_store(&s->stopping, true);
    mock_http_server_wake(s);
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
    for (size_t i = 0; i < s->endpoint_count; i++)
        free(s->endpoints[i].url);
    mock_http_journal_free(s);
    mock_http_rules_free(s);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    free(s->name);
    free(s);
}
