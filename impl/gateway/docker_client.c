/* docker_client.c: HTTP requests to the Docker daemon through libcurl (see docker_client.h).
 * Owns connection setup for the three transports, request bodies, response collection and
 * the Docker error text. Streams are handed to callbacks; their framing is decoded by the
 * callers (docker_stream.c). */
#include "docker_client.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "osh_str.h"

extern char **environ;

typedef struct ssh_relay ssh_relay;
static ssh_relay *relay_start(char **argv);
static void relay_stop(ssh_relay *r);
static const char *relay_path(const ssh_relay *r);
static int relay_spawn_errno(ssh_relay *r);

struct docker_client {
    docker_endpoint ep;   /* a private copy */
    CURL *easy;           /* reused across sequential requests (keeps the connection) */
    atomic_ulong requests;
    ssh_relay *relay;     /* ssh transport only */
};

typedef struct transfer {
    docker_client *dc;
    const docker_request *req;
    docker_response *resp;
    CURL *easy;
    struct curl_slist *headers;
    char *url;
    bool callback_aborted;
    bool follow;          /* a background follow stream: no time bound */
    long idle_ms;         /* > 0: cut the stream after this long without data */
    bool idle_expired;
    curl_off_t seen_bytes;
    long long last_data_ms;
    char errbuf[CURL_ERROR_SIZE];
} transfer;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

bool docker_status_ok(long status) { return status >= 200 && status < 300; }

void docker_response_free(docker_response *r)
{
    if (!r)
        return;
    osh_buf_free(&r->body);
    r->status = 0;
}

static docker_endpoint endpoint_copy(const docker_endpoint *ep)
{
    docker_endpoint c = *ep;
    c.address = osh_str_dup(ep->address);
    c.ssh_argv = NULL;
    if (ep->ssh_argv) {
        size_t n = 0;
        while (ep->ssh_argv[n])
            n++;
        c.ssh_argv = calloc(n + 1, sizeof(char *));
        if (!c.ssh_argv)
            abort();
        for (size_t i = 0; i < n; i++)
            c.ssh_argv[i] = osh_str_dup(ep->ssh_argv[i]);
    }
    return c;
}

docker_client *docker_client_new(const docker_endpoint *ep)
{
    pthread_once(&curl_once, curl_init_once);
    docker_client *dc = calloc(1, sizeof(*dc));
    if (!dc)
        abort();
    dc->ep = endpoint_copy(ep);
    dc->easy = curl_easy_init();
    if (!dc->easy)
        abort();
    if (ep->transport == DOCKER_TRANSPORT_SSH)
        dc->relay = relay_start(dc->ep.ssh_argv);
    atomic_init(&dc->requests, 0);
    return dc;
}

void docker_client_free(docker_client *dc)
{
    if (!dc)
        return;
    curl_easy_cleanup(dc->easy);
    relay_stop(dc->relay);
    docker_endpoint_free(&dc->ep);
    free(dc);
}

unsigned long docker_client_request_count(const docker_client *dc) { return atomic_load(&dc->requests); }

/* --- ssh transport ---
 * libcurl speaks HTTP over a private unix socket; each connection accepted there becomes
 * the stdin/stdout of its own `ssh ... docker system dial-stdio`. (Handing curl a socketpair
 * through CURLOPT_OPENSOCKETFUNCTION does not work: 7.88 still calls connect() on it.) */

typedef struct ssh_relay {
    char *dir;
    char *path;
    int listener;
    pthread_t thread;
    pthread_mutex_t lock;
    pid_t *pids;
    size_t n_pids;
    char **argv;
    atomic_int spawn_errno;  /* why the last ssh could not be started, 0 if it could */
} ssh_relay;

static void relay_reap(ssh_relay *r, bool wait_all)
{
    pthread_mutex_lock(&r->lock);
    size_t kept = 0;
    for (size_t i = 0; i < r->n_pids; i++) {
        if (wait_all)
            kill(r->pids[i], SIGTERM);
        if (waitpid(r->pids[i], NULL, wait_all ? 0 : WNOHANG) == 0)
            r->pids[kept++] = r->pids[i];
    }
    r->n_pids = kept;
    pthread_mutex_unlock(&r->lock);
}

static void *relay_main(void *arg)
{
    ssh_relay *r = arg;
    for (;;) {
        int fd = accept4(r->listener, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return NULL;
        }
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, fd, 0);
        posix_spawn_file_actions_adddup2(&fa, fd, 1);
        pid_t pid;
        int rc = posix_spawnp(&pid, r->argv[0], &fa, NULL, r->argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        /* Recorded before the close that curl will see, so its error can name the cause. */
        atomic_store(&r->spawn_errno, rc);
        close(fd);
        relay_reap(r, false);
        if (rc == 0) {
            pthread_mutex_lock(&r->lock);
            pid_t *grown = realloc(r->pids, sizeof(pid_t) * (r->n_pids + 1));
            if (!grown)
                abort();
            r->pids = grown;
            r->pids[r->n_pids++] = pid;
            pthread_mutex_unlock(&r->lock);
        }
    }
}

static ssh_relay *relay_start(char **argv)
{
    char tmpl[] = "/tmp/openshell-ssh-XXXXXX";
    const char *base = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char *dir_tmpl = osh_str_printf("%s/openshell-ssh-XXXXXX", base);
    char *dir = mkdtemp(dir_tmpl);
    if (!dir) {
        free(dir_tmpl);
        dir = mkdtemp(tmpl) ? osh_str_dup(tmpl) : NULL;
        if (!dir)
            return NULL;
    }
    ssh_relay *r = calloc(1, sizeof(*r));
    if (!r)
        abort();
    r->dir = dir;
    r->path = osh_str_printf("%s/docker.sock", dir);
    r->argv = argv;
    atomic_init(&r->spawn_errno, 0);
    pthread_mutex_init(&r->lock, NULL);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    r->listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool ok = r->listener >= 0 && strlen(r->path) < sizeof(sa.sun_path);
    if (ok) {
        strcpy(sa.sun_path, r->path);
        ok = bind(r->listener, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(r->listener, 16) == 0 &&
             pthread_create(&r->thread, NULL, relay_main, r) == 0;
    }
    if (!ok) {
        if (r->listener >= 0)
            close(r->listener);
        unlink(r->path);
        rmdir(r->dir);
        free(r->path);
        free(r->dir);
        pthread_mutex_destroy(&r->lock);
        free(r);
        return NULL;
    }
    return r;
}

static const char *relay_path(const ssh_relay *r) { return r ? r->path : "/nonexistent/openshell-ssh-relay.sock"; }

static int relay_spawn_errno(ssh_relay *r) { return r ? atomic_load(&r->spawn_errno) : 0; }

static void relay_stop(ssh_relay *r)
{
    if (!r)
        return;
    shutdown(r->listener, SHUT_RDWR);
    pthread_join(r->thread, NULL);
    close(r->listener);
    relay_reap(r, true);
    unlink(r->path);
    rmdir(r->dir);
    free(r->path);
    free(r->dir);
    free(r->pids);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

/* --- body callbacks --- */

static bool status_streams(long code) { return code == 101 || docker_status_ok(code); }

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
    transfer *t = ud;
    size_t len = size * nmemb;
    if (t->req->on_data) {
        long code = 0;
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
        if (status_streams(code)) {
            t->resp->status = code;
            if (t->req->on_data(t->req->data_ud, ptr, len) != 0) {
                t->callback_aborted = true;
                return 0;
            }
            return len;
        }
    }
    osh_buf_append(&t->resp->body, ptr, len);
    return len;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
    transfer *t = ud;
    size_t len = size * nmemb;
    if (len == 2 && ptr[0] == '\r' && ptr[1] == '\n') {
        long code = 0;
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
        if (status_streams(code))
            t->req->on_open(t->req->data_ud);
    }
    return len;
}

static size_t on_read(char *buf, size_t size, size_t nitems, void *ud)
{
    transfer *t = ud;
    return fread(buf, 1, size * nitems, t->req->body_file);
}

static long long monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* libcurl calls this at least once a second: the idle bound of a stream is checked here. */
static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal, (void)ultotal, (void)ulnow;
    transfer *t = ud;
    long long now = monotonic_ms();
    if (dlnow != t->seen_bytes) {
        t->seen_bytes = dlnow;
        t->last_data_ms = now;
    } else if (now - t->last_data_ms >= t->idle_ms) {
        t->idle_expired = true;
        return 1;
    }
    return 0;
}

/* rules §3.8: plain requests and transfers have a total bound, streams an idle bound. */
static void set_time_bounds(transfer *t)
{
    const docker_bounds *b = &t->dc->ep.bounds;
    CURL *e = t->easy;
    long total = t->follow ? 0 : t->req->transfer ? b->transfer_ms : t->req->on_data ? 0 : b->request_ms;
    if (total > 0)
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, total);
    t->idle_ms = t->req->on_data && !t->follow ? b->idle_ms : 0;
    if (t->idle_ms > 0) {
        t->last_data_ms = monotonic_ms();
        curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(e, CURLOPT_XFERINFODATA, t);
        curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    }
}

static void set_method_and_body(transfer *t)
{
    const docker_request *req = t->req;
    CURL *e = t->easy;
    if (req->body_file) {
        curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(e, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(e, CURLOPT_READDATA, t);
        curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->body_file_len);
    } else if (req->body || strcmp(req->method, "POST") == 0 || strcmp(req->method, "PUT") == 0) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(req->body ? req->body_len : 0));
        curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, req->body ? req->body : "");
    } else if (strcmp(req->method, "HEAD") == 0) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    }
    if (strcmp(req->method, "GET") != 0)
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method);
}

static void transfer_setup(transfer *t)
{
    const docker_endpoint *ep = &t->dc->ep;
    CURL *e = t->easy;
    const char *base = ep->transport == DOCKER_TRANSPORT_TCP ? ep->address : "localhost";
    t->url = osh_str_printf("http://%s%s", base, t->req->path);
    curl_easy_setopt(e, CURLOPT_URL, t->url);
    curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
    set_time_bounds(t);
    if (ep->transport == DOCKER_TRANSPORT_UNIX)
        curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, ep->address);
    if (ep->transport == DOCKER_TRANSPORT_SSH)
        curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH,
                         relay_path(t->dc->relay));
    /* One connection per request on local transports: libcurl silently resends a request
     * whose reused connection closed without an answer, which would hide a dropped request
     * from the daemon's point of view. Over ssh a connection costs a login, so it is kept,
     * except after streams (they end with a hijacked or closed connection). */
    if (t->req->on_data || ep->transport != DOCKER_TRANSPORT_SSH)
        curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    if (t->req->on_open) {
        curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    }
    t->headers = curl_slist_append(NULL, "Expect:");
    if (t->req->content_type) {
        char *h = osh_str_printf("Content-Type: %s", t->req->content_type);
        t->headers = curl_slist_append(t->headers, h);
        free(h);
    }
    if (t->req->header)
        t->headers = curl_slist_append(t->headers, t->req->header);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    set_method_and_body(t);
}

static void transfer_cleanup(transfer *t)
{
    curl_slist_free_all(t->headers);
    t->headers = NULL;
    free(t->url);
    t->url = NULL;
}

static const char *endpoint_label(const docker_endpoint *ep)
{
    switch (ep->transport) {
    case DOCKER_TRANSPORT_UNIX: return "unix socket";
    case DOCKER_TRANSPORT_TCP: return "tcp";
    default: return "ssh";
    }
}

static int timed_out(transfer *t, gw_error *err)
{
    const docker_bounds *b = &t->dc->ep.bounds;
    long ms = t->idle_expired ? t->idle_ms : t->req->transfer ? b->transfer_ms : b->request_ms;
    char bound[32];
    if (ms % 1000 == 0)
        snprintf(bound, sizeof bound, "%lds", ms / 1000);
    else
        snprintf(bound, sizeof bound, "%ldms", ms);
    return gw_fail(err, GW_E_TIMEOUT, "%s %s timed out after %s %s", t->req->method, t->req->path, bound,
                   t->idle_expired ? "without data from the Docker daemon" : "waiting for the Docker daemon");
}

static int transfer_result(transfer *t, CURLcode rc, gw_error *err)
{
    long code = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
    t->resp->status = code;
    if (rc == CURLE_OK)
        return 0;
    if (t->idle_expired || rc == CURLE_OPERATION_TIMEDOUT)
        return timed_out(t, err);
    if (t->callback_aborted)
        return gw_fail(err, GW_E_MALFORMED, "stream aborted while reading %s %s", t->req->method, t->req->path);
    const char *detail = t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc);
    int spawn = t->dc->ep.transport == DOCKER_TRANSPORT_SSH ? relay_spawn_errno(t->dc->relay) : 0;
    if (spawn)
        return gw_fail(err, GW_E_DOCKER_UNREACHABLE, "could not run ssh to reach the Docker daemon on %s: %s",
                       t->dc->ep.address, strerror(spawn));
    if (code == 0)
        return gw_fail(err, GW_E_DOCKER_UNREACHABLE,
                       "error trying to connect to the Docker daemon (%s %s): %s", endpoint_label(&t->dc->ep),
                       t->dc->ep.address, detail);
    return gw_fail(err, GW_E_DOCKER_UNREACHABLE, "error reading Docker response to %s %s: %s", t->req->method,
                   t->req->path, detail);
}

int docker_client_send(docker_client *dc, const docker_request *req, docker_response *resp, gw_error *err)
{
    resp->status = 0;
    osh_buf_reset(&resp->body);
    transfer t = {.dc = dc, .req = req, .resp = resp, .easy = dc->easy};
    curl_easy_reset(dc->easy);
    transfer_setup(&t);
    atomic_fetch_add(&dc->requests, 1);
    CURLcode rc = curl_easy_perform(dc->easy);
    int result = transfer_result(&t, rc, err);
    transfer_cleanup(&t);
    return result;
}

int docker_call(docker_client *dc, const char *method, const char *path, const cJSON *body,
                docker_response *resp, gw_error *err)
{
    char *json = body ? cJSON_PrintUnformatted(body) : NULL;
    docker_request req = {.method = method, .path = path};
    if (json) {
        req.body = json;
        req.body_len = strlen(json);
        req.content_type = "application/json";
    }
    int rc = docker_client_send(dc, &req, resp, err);
    cJSON_free(json);
    return rc;
}

int docker_status_error(const docker_response *resp, gw_error *err)
{
    const char *raw = osh_buf_str(&resp->body);
    cJSON *doc = cJSON_Parse(raw);
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(doc, "message");
    char *text = cJSON_IsString(msg) ? osh_str_dup(msg->valuestring) : osh_str_trim_dup(raw);
    cJSON_Delete(doc);
    gw_fail(err, gw_docker_code(resp->status, text), "Docker responded with status code %ld: %s", resp->status,
            text);
    if (err)
        err->status = resp->status;
    free(text);
    return -1;
}

cJSON *docker_response_json(const docker_response *resp, const char *method, const char *path, gw_error *err)
{
    cJSON *doc = resp->body.len ? cJSON_ParseWithLength(resp->body.data, resp->body.len) : NULL;
    if (!doc)
        gw_fail(err, GW_E_MALFORMED, "malformed JSON in Docker response to %s %s", method, path);
    return doc;
}

void docker_path_add_query(osh_buf *path, const char *key, const char *value)
{
    pthread_once(&curl_once, curl_init_once);
    char *escaped = curl_easy_escape(NULL, value, 0);
    if (!escaped)
        abort();
    osh_buf_appendf(path, "%c%s=%s", strchr(osh_buf_str(path), '?') ? '&' : '?', key, escaped);
    curl_free(escaped);
}

/* --- background streams --- */

struct docker_follow {
    docker_client *dc;
    CURLM *multi;
    transfer t;
    docker_request req;
    docker_response resp;
    char *path;
    docker_follow_end_fn on_end;
    void *ud;
    atomic_int stop;
    pthread_t thread;
};

static void follow_report_end(docker_follow *f)
{
    CURLcode rc = CURLE_OK;
    int left;
    CURLMsg *m;
    while ((m = curl_multi_info_read(f->multi, &left)))
        if (m->msg == CURLMSG_DONE)
            rc = m->data.result;
    gw_error err = GW_ERROR_INIT;
    if (transfer_result(&f->t, rc, &err) == 0 && !status_streams(f->resp.status))
        docker_status_error(&f->resp, &err);
    if (f->on_end)
        f->on_end(f->ud, err.message ? &err : NULL);
    gw_error_clear(&err);
}

static void *follow_main(void *arg)
{
    docker_follow *f = arg;
    int running = 1;
    while (!atomic_load(&f->stop)) {
        if (curl_multi_perform(f->multi, &running) != CURLM_OK || !running)
            break;
        curl_multi_poll(f->multi, NULL, 0, 1000, NULL);
    }
    if (!atomic_load(&f->stop))
        follow_report_end(f);
    return NULL;
}

docker_follow *docker_follow_start(docker_client *dc, const char *path, docker_data_fn on_data,
                                   void (*on_open)(void *ud), docker_follow_end_fn on_end, void *ud, gw_error *err)
{
    docker_follow *f = calloc(1, sizeof(*f));
    if (!f)
        abort();
    f->dc = dc;
    f->path = osh_str_dup(path);
    f->req = (docker_request){.method = "GET", .path = f->path, .on_data = on_data, .data_ud = ud,
                              .on_open = on_open};
    f->on_end = on_end;
    f->ud = ud;
    atomic_init(&f->stop, 0);
    f->t = (transfer){.dc = dc, .req = &f->req, .resp = &f->resp, .easy = curl_easy_init(), .follow = true};
    f->multi = curl_multi_init();
    if (!f->t.easy || !f->multi)
        abort();
    transfer_setup(&f->t);
    curl_multi_add_handle(f->multi, f->t.easy);
    atomic_fetch_add(&dc->requests, 1);
    if (pthread_create(&f->thread, NULL, follow_main, f) != 0) {
        gw_fail(err, GW_E_FAILED, "failed to start the log reader thread");
        f->thread = 0;
        atomic_store(&f->stop, 1);
        docker_follow_stop(f);
        return NULL;
    }
    return f;
}

void docker_follow_stop(docker_follow *f)
{
    if (!f)
        return;
    atomic_store(&f->stop, 1);
    curl_multi_wakeup(f->multi);
    if (f->thread)
        pthread_join(f->thread, NULL);
    curl_multi_remove_handle(f->multi, f->t.easy);
    curl_easy_cleanup(f->t.easy);
    curl_multi_cleanup(f->multi);
    transfer_cleanup(&f->t);
    docker_response_free(&f->resp);
    free(f->path);
    free(f);
}
