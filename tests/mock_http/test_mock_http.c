/* test_mock_http.c: the shared HTTP front of the mocks: endpoints, request view, complete,
 * streamed and upgraded answers, the journal, fault rules (C and JSON) and clean stop. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "mock_http.h"
#include "osh_str.h"

/* ---- A handler exercising every response kind ---------------------------------------- */

typedef struct counter_stream {
    int left;
} counter_stream;

static int count_down(void *ctx, osh_buf *out)
{
    counter_stream *c = ctx;
    if (c->left == 0)
        return MOCK_HTTP_STREAM_END;
    osh_buf_appendf(out, "tick %d\n", c->left--);
    return MOCK_HTTP_STREAM_MORE;
}

/* A stream that says "open", then waits (through the server's wake-ups) until the test
 * releases it. body_seen turns 1 once the client received bytes. */
static atomic_int release_gate, body_seen;
static int gated(void *ctx, osh_buf *out)
{
    int *opened = ctx;
    if (!*opened) {
        *opened = 1;
        osh_buf_append_str(out, "open\n");
        return MOCK_HTTP_STREAM_MORE;
    }
    if (!atomic_load(&release_gate))
        return MOCK_HTTP_STREAM_MORE;
    osh_buf_append_str(out, "released\n");
    return MOCK_HTTP_STREAM_END;
}

static void echo_upgrade(void *ctx, int fd, const char *extra, size_t extra_len)
{
    const char hello[] = "raw hello\n";
    (void)!write(fd, hello, sizeof hello - 1);
}

/* Upgrade callbacks may block (they read a client's stdin): the socket they get must be in
 * blocking mode, or a read before the client has sent anything ends the input at once. */
static void mode_upgrade(void *ctx, int fd, const char *extra, size_t extra_len)
{
    int flags = fcntl(fd, F_GETFL);
    const char *mode = flags >= 0 && !(flags & O_NONBLOCK) ? "blocking\n" : "nonblocking\n";
    (void)!write(fd, mode, strlen(mode));
}

static void handler(void *ctx, const mock_http_request *req, mock_http_response *res)
{
    const char *path = mock_http_request_unversioned_path(req, NULL, NULL);
    if (strcmp(path, "/echo") == 0) {
        size_t len;
        const char *body = mock_http_request_body(req, &len);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "method", mock_http_request_method(req));
        cJSON_AddStringToObject(o, "path", mock_http_request_path(req));
        cJSON_AddStringToObject(o, "query", mock_http_request_query(req));
        const char *a = mock_http_request_query_value(req, "a");
        cJSON_AddStringToObject(o, "a", a ? a : "(absent)");
        cJSON_AddNumberToObject(o, "names", (double)mock_http_request_query_count(req, "names"));
        const char *n1 = mock_http_request_query_nth(req, "names", 1);
        cJSON_AddStringToObject(o, "names1", n1 ? n1 : "(absent)");
        const char *h = mock_http_request_header(req, "x-test");
        cJSON_AddStringToObject(o, "header", h ? h : "(absent)");
        cJSON_AddNumberToObject(o, "body_len", (double)len);
        cJSON_AddStringToObject(o, "body", body);
        cJSON_AddStringToObject(o, "nested", "orig");
        mock_http_response_header(res, "X-Mock", "yes");
        mock_http_respond_json(res, 200, o);
        cJSON_Delete(o);
    } else if (strcmp(path, "/stream") == 0) {
        counter_stream *c = malloc(sizeof *c);
        c->left = 3;
        mock_http_respond_stream(res, 200, "text/plain", count_down, c, free);
    } else if (strcmp(path, "/gated") == 0) {
        mock_http_respond_stream(res, 200, "text/plain", gated, calloc(1, sizeof(int)), free);
    } else if (strcmp(path, "/upgrade-mode") == 0) {
        mock_http_respond_upgrade(res, "tcp", "application/vnd.docker.raw-stream", mode_upgrade, NULL, NULL);
    } else if (strcmp(path, "/upgrade") == 0) {
        mock_http_respond_upgrade(res, "tcp", "application/vnd.docker.raw-stream", echo_upgrade,
                                  NULL, NULL);
    } else if (strcmp(path, "/silent") == 0) {
        /* answers nothing: the server must say so */
    } else {
        mock_http_respond(res, 404, "application/json", "{\"message\":\"nope\"}\n", 19);
    }
}

static void mock_routes(void *ctx, const mock_http_request *req, mock_http_response *res)
{
    if (strcmp(mock_http_request_path(req), "/_mock/state") == 0)
        mock_http_respond(res, 200, "application/json", "{\"state\":1}", 11);
}

/* ---- A small curl client ------------------------------------------------------------- */

typedef struct reply {
    long status;
    CURLcode rc;
    osh_buf body;
    osh_buf headers;
} reply;

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    if (sz * n > 0 && memcmp(p, "open\n", sz * n < 5 ? sz * n : 5) == 0)
        atomic_store(&body_seen, 1);
    osh_buf_append(ud, p, sz * n);
    return sz * n;
}

static void reply_free(reply *r)
{
    osh_buf_free(&r->body);
    osh_buf_free(&r->headers);
}

/* url is "unix:///path" or "tcp://host:port"; target the path+query. */
static reply call(const char *url, const char *method, const char *target, const char *body,
                  const char *header)
{
    reply r = {0};
    CURL *c = curl_easy_init();
    char *full;
    if (osh_str_starts_with(url, "unix://")) {
        curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, url + 7);
        full = osh_str_printf("http://localhost%s", target);
    } else {
        full = osh_str_printf("http://%s%s", url + 6, target);
    }
    curl_easy_setopt(c, CURLOPT_URL, full);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    struct curl_slist *hl = header ? curl_slist_append(NULL, header) : NULL;
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    r.rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    free(full);
    return r;
}

static mock_http_server *new_server(void)
{
    mock_http_server_options o = {.name = "test", .handler = handler, .mock_handler = mock_routes,
                                  .strip_version_for_faults = true};
    return mock_http_server_new(&o);
}

typedef struct fixture {
    mock_http_server *s;
    char dir[64];
    char sock[96];
    const char *url;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/mock_http_test.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->sock, sizeof f->sock, "%s/s.sock", f->dir);
    f->s = new_server();
    char *err = NULL;
    assert_int_equal(mock_http_server_listen_unix(f->s, f->sock, &err), 0);
    f->url = mock_http_server_url(f->s, 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    mock_http_server_free(f->s);
    rmdir(f->dir);
    free(f);
    return 0;
}

static cJSON *parse(const reply *r)
{
    cJSON *j = cJSON_Parse(osh_buf_str(&r->body));
    assert_non_null(j);
    return j;
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    assert_true(cJSON_IsString(v));
    return v->valuestring;
}

/* ---- Tests --------------------------------------------------------------------------- */

static void test_request_view(void **state)
{
    fixture *f = *state;
    reply r = call(f->url, "POST", "/v1.41/echo?a=x%20y&names=p&names=q&flag", "{\"k\":1}",
                   "X-Test: hello");
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 200);
    cJSON *j = parse(&r);
    assert_string_equal(jstr(j, "method"), "POST");
    assert_string_equal(jstr(j, "path"), "/v1.41/echo");
    assert_string_equal(jstr(j, "query"), "a=x%20y&names=p&names=q&flag");
    assert_string_equal(jstr(j, "a"), "x y");
    assert_int_equal(cJSON_GetObjectItem(j, "names")->valueint, 2);
    assert_string_equal(jstr(j, "names1"), "q");
    assert_string_equal(jstr(j, "header"), "hello");
    assert_string_equal(jstr(j, "body"), "{\"k\":1}");
    assert_non_null(strstr(osh_buf_str(&r.headers), "X-Mock: yes"));
    assert_non_null(strstr(osh_buf_str(&r.headers), "Content-Type: application/json"));
    /* Go's json.Encoder ends every document with a newline; so do we. */
    assert_int_equal(r.body.data[r.body.len - 1], '\n');
    cJSON_Delete(j);
    reply_free(&r);
}

static void test_tcp_and_unversioned(void **state)
{
    mock_http_server *s = new_server();
    char *err = NULL;
    int port = 0;
    assert_int_equal(mock_http_server_listen_tcp(s, "127.0.0.1", 0, &port, &err), 0);
    assert_true(port > 0);
    char expect[64];
    snprintf(expect, sizeof expect, "tcp://127.0.0.1:%d", port);
    assert_string_equal(mock_http_server_url(s, 0), expect);
    assert_null(mock_http_server_url(s, 1));
    reply r = call(mock_http_server_url(s, 0), "GET", "/echo", NULL, NULL);
    assert_int_equal(r.status, 200);
    cJSON *j = parse(&r);
    assert_string_equal(jstr(j, "a"), "(absent)");
    assert_string_equal(jstr(j, "header"), "(absent)");
    cJSON_Delete(j);
    reply_free(&r);
    mock_http_server_free(s);
}

static void test_listen_errors(void **state)
{
    mock_http_server *s = new_server();
    char *err = NULL;
    assert_int_equal(mock_http_server_listen_unix(s, "/nonexistent-dir/x.sock", &err), -1);
    assert_non_null(strstr(err, "/nonexistent-dir/x.sock: cannot listen"));
    free(err);
    err = NULL;
    /* A regular file is never replaced. */
    char path[] = "/tmp/mock_http_file.XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    assert_int_equal(mock_http_server_listen_unix(s, path, &err), -1);
    assert_non_null(strstr(err, "exists and is not a socket"));
    free(err);
    err = NULL;
    unlink(path);
    /* A port already taken. */
    int port = 0;
    assert_int_equal(mock_http_server_listen_tcp(s, "127.0.0.1", 0, &port, &err), 0);
    mock_http_server *other = new_server();
    assert_int_equal(mock_http_server_listen_tcp(other, "127.0.0.1", port, NULL, &err), -1);
    assert_non_null(strstr(err, "cannot listen: Address already in use"));
    free(err);
    mock_http_server_free(other);
    mock_http_server_free(s);
}

static void test_stream_chunked(void **state)
{
    fixture *f = *state;
    reply r = call(f->url, "GET", "/stream", NULL, NULL);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 200);
    assert_string_equal(osh_buf_str(&r.body), "tick 3\ntick 2\ntick 1\n");
    assert_non_null(strstr(osh_buf_str(&r.headers), "Transfer-Encoding: chunked"));
    reply_free(&r);
}

typedef struct async_call {
    const char *url, *target;
    reply r;
} async_call;

static void *call_thread(void *p)
{
    async_call *a = p;
    a->r = call(a->url, "GET", a->target, NULL, NULL);
    return NULL;
}

/* A waiting stream continues when woken: request-driven, no timing involved. */
static void test_stream_wake(void **state)
{
    fixture *f = *state;
    atomic_store(&release_gate, 0);
    atomic_store(&body_seen, 0);
    async_call a = {.url = f->url, .target = "/gated"};
    pthread_t t;
    pthread_create(&t, NULL, call_thread, &a);
    /* wait until the stream is open (the client holds its first bytes) */
    while (!atomic_load(&body_seen))
        usleep(1000);
    atomic_store(&release_gate, 1);
    mock_http_server_wake(f->s);
    pthread_join(t, NULL);
    assert_int_equal(a.r.status, 200);
    assert_string_equal(osh_buf_str(&a.r.body), "open\nreleased\n");
    reply_free(&a.r);
}

/* Stopping the server ends a stream that would otherwise never end. */
static void test_stop_ends_stream(void **state)
{
    mock_http_server *s = new_server();
    char *err = NULL;
    int port;
    assert_int_equal(mock_http_server_listen_tcp(s, "127.0.0.1", 0, &port, &err), 0);
    atomic_store(&release_gate, 0);
    atomic_store(&body_seen, 0);
    async_call a = {.url = mock_http_server_url(s, 0), .target = "/gated"};
    pthread_t t;
    pthread_create(&t, NULL, call_thread, &a);
    while (!atomic_load(&body_seen))
        usleep(1000);
    mock_http_server_stop(s);
    pthread_join(t, NULL);
    assert_int_equal(a.r.status, 200);
    assert_int_not_equal(a.r.rc, CURLE_OK); /* cut: no final chunk */
    assert_true(mock_http_server_stopping(s));
    reply_free(&a.r);
    mock_http_server_free(s);
}

/* Raw socket client for an upgrade (curl would not hand over the connection): POSTs path
 * with the upgrade headers and reads everything until the server closes. */
static void raw_upgrade(fixture *f, const char *path, osh_buf *got)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strcpy(addr.sun_path, f->sock);
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    char *req = osh_str_printf("POST %s HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                               "Upgrade: tcp\r\nContent-Length: 0\r\n\r\n", path);
    assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
    free(req);
    char buf[512];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        osh_buf_append(got, buf, (size_t)n);
    close(fd);
}

/* Raw socket client for the upgrade: curl would not hand over the connection. */
static void test_upgrade(void **state)
{
    fixture *f = *state;
    osh_buf got = OSH_BUF_INIT;
    raw_upgrade(f, "/v1.41/upgrade", &got);
    const char *text = osh_buf_str(&got);
    assert_true(osh_str_starts_with(text, "HTTP/1.1 101"));
    assert_non_null(strstr(text, "Upgrade: tcp\r\n"));
    assert_non_null(strstr(text, "Connection: Upgrade\r\n"));
    assert_non_null(strstr(text, "Content-Type: application/vnd.docker.raw-stream\r\n"));
    assert_true(osh_str_ends_with(text, "\r\n\r\nraw hello\n"));
    osh_buf_free(&got);
}

/* The hijacked socket an upgrade callback gets is blocking (exec stdin relies on it). */
static void test_upgrade_socket_blocks(void **state)
{
    fixture *f = *state;
    osh_buf got = OSH_BUF_INIT;
    raw_upgrade(f, "/upgrade-mode", &got);
    assert_true(osh_str_ends_with(osh_buf_str(&got), "\r\n\r\nblocking\n"));
    osh_buf_free(&got);
}

static void add_rules(mock_http_server *s, const char *json);

/* truncate_after applies to upgraded connections too (an exec stream cut mid-frame) */
static void test_upgrade_truncated(void **state)
{
    fixture *f = *state;
    add_rules(f->s, "{\"path\":\"/upgrade\",\"truncate_after\":5}");
    osh_buf got = OSH_BUF_INIT;
    raw_upgrade(f, "/upgrade", &got);
    assert_true(osh_str_starts_with(osh_buf_str(&got), "HTTP/1.1 101"));
    assert_true(osh_str_ends_with(osh_buf_str(&got), "\r\n\r\nraw h"));
    osh_buf_free(&got);
}

static void test_no_answer_is_500(void **state)
{
    fixture *f = *state;
    reply r = call(f->url, "GET", "/silent", NULL, NULL);
    assert_int_equal(r.status, 500);
    assert_non_null(strstr(osh_buf_str(&r.body), "no answer for GET /silent"));
    reply_free(&r);
}

static void test_journal(void **state)
{
    fixture *f = *state;
    reply r1 = call(f->url, "POST", "/v1.41/echo?x=1", "payload", "X-Registry-Auth: abc");
    reply r2 = call(f->url, "GET", "/missing", NULL, NULL);
    reply r3 = call(f->url, "GET", "/_mock/journal", NULL, NULL); /* not journaled itself */
    assert_int_equal(r3.status, 200);
    cJSON *j = parse(&r3);
    assert_int_equal(cJSON_GetArraySize(j), 2);
    cJSON *e0 = cJSON_GetArrayItem(j, 0), *e1 = cJSON_GetArrayItem(j, 1);
    assert_string_equal(jstr(e0, "method"), "POST");
    assert_string_equal(jstr(e0, "path"), "/v1.41/echo");
    assert_string_equal(jstr(e0, "query"), "x=1");
    assert_string_equal(jstr(e0, "body"), "payload");
    assert_string_equal(jstr(cJSON_GetObjectItem(e0, "headers"), "X-Registry-Auth"), "abc");
    assert_int_equal(cJSON_GetObjectItem(e0, "status")->valueint, 200);
    assert_string_equal(jstr(e0, "content_type"), "application/json");
    assert_true(cJSON_GetObjectItem(e1, "seq")->valueint > cJSON_GetObjectItem(e0, "seq")->valueint);
    assert_int_equal(cJSON_GetObjectItem(e1, "status")->valueint, 404);
    assert_int_equal(mock_http_journal_count(f->s, "POST", "/echo"), 1);
    assert_int_equal(mock_http_journal_count(f->s, NULL, "*"), 2);
    cJSON_Delete(j);
    reply r4 = call(f->url, "DELETE", "/_mock/journal", NULL, NULL);
    assert_int_equal(r4.status, 204);
    assert_int_equal(mock_http_journal_count(f->s, NULL, "*"), 0);
    reply r5 = call(f->url, "GET", "/_mock/state", NULL, NULL);
    assert_int_equal(r5.status, 200);
    assert_string_equal(osh_buf_str(&r5.body), "{\"state\":1}");
    reply r6 = call(f->url, "GET", "/_mock/nothing", NULL, NULL);
    assert_int_equal(r6.status, 404);
    reply *all[] = {&r1, &r2, &r3, &r4, &r5, &r6};
    for (size_t i = 0; i < 6; i++)
        reply_free(all[i]);
}

static void test_journal_binary_body(void **state)
{
    fixture *f = *state;
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, f->sock);
    curl_easy_setopt(c, CURLOPT_URL, "http://localhost/echo");
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, "a\0b");
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 3L);
    osh_buf sink = OSH_BUF_INIT;
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_cleanup(c);
    osh_buf_free(&sink);
    cJSON *j = mock_http_journal_json(f->s);
    cJSON *e = cJSON_GetArrayItem(j, 0);
    assert_null(cJSON_GetObjectItem(e, "body"));
    assert_string_equal(jstr(e, "body_base64"), "YQBi");
    cJSON_Delete(j);
}

static void add_rules(mock_http_server *s, const char *json)
{
    cJSON *rules = cJSON_Parse(json);
    assert_non_null(rules);
    char *err = NULL;
    assert_int_equal(mock_http_fault_add_json(s, rules, &err), 0);
    cJSON_Delete(rules);
}

static void test_fault_respond_nth(void **state)
{
    fixture *f = *state;
    add_rules(f->s, "{\"method\":\"GET\",\"path\":\"/ec*\",\"nth\":2,\"status\":503,"
                    "\"body\":\"{not json\"}");
    reply r1 = call(f->url, "GET", "/v1.41/echo", NULL, NULL);
    reply r2 = call(f->url, "GET", "/echo", NULL, NULL);
    reply r3 = call(f->url, "GET", "/echo", NULL, NULL);
    reply r4 = call(f->url, "POST", "/echo", NULL, NULL); /* other method: not counted */
    assert_int_equal(r1.status, 200);
    assert_int_equal(r2.status, 503);
    assert_string_equal(osh_buf_str(&r2.body), "{not json");
    assert_int_equal(r3.status, 200);
    assert_int_equal(r4.status, 200);
    cJSON *j = mock_http_journal_json(f->s);
    assert_string_equal(jstr(cJSON_GetArrayItem(j, 1), "fault"), "respond");
    assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "fault"));
    cJSON_Delete(j);
    cJSON *rules = mock_http_fault_json(f->s);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(rules, 0), "matched")->valueint, 3);
    cJSON_Delete(rules);
    reply *all[] = {&r1, &r2, &r3, &r4};
    for (size_t i = 0; i < 4; i++)
        reply_free(all[i]);
}

static void test_fault_first_and_from(void **state)
{
    fixture *f = *state;
    add_rules(f->s, "[{\"path\":\"/echo\",\"first\":2,\"status\":500,\"body\":{\"message\":\"x\"}},"
                    " {\"path\":\"/stream\",\"from\":2,\"status\":404}]");
    long want_echo[] = {500, 500, 200, 200};
    long want_stream[] = {200, 404, 404, 404};
    for (int i = 0; i < 4; i++) {
        reply a = call(f->url, "GET", "/echo", NULL, NULL);
        reply b = call(f->url, "GET", "/stream", NULL, NULL);
        assert_int_equal(a.status, want_echo[i]);
        assert_int_equal(b.status, want_stream[i]);
        if (i == 0)
            assert_string_equal(osh_buf_str(&a.body), "{\"message\":\"x\"}\n");
        reply_free(&a);
        reply_free(&b);
    }
}

static void test_fault_drop(void **state)
{
    fixture *f = *state;
    mock_http_fault rule = MOCK_HTTP_FAULT_INIT;
    rule.path = "/echo";
    rule.drop = true;
    rule.first = 1;
    mock_http_fault_add(f->s, &rule);
    reply r1 = call(f->url, "GET", "/echo", NULL, NULL);
    assert_int_equal(r1.rc, CURLE_GOT_NOTHING);
    reply r2 = call(f->url, "GET", "/echo", NULL, NULL);
    assert_int_equal(r2.status, 200);
    cJSON *j = mock_http_journal_json(f->s);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "status")->valueint, 0);
    assert_string_equal(jstr(cJSON_GetArrayItem(j, 0), "fault"), "drop");
    cJSON_Delete(j);
    reply_free(&r1);
    reply_free(&r2);
}

static void test_fault_truncate(void **state)
{
    fixture *f = *state;
    add_rules(f->s, "[{\"path\":\"/stream\",\"truncate_after\":10},"
                    " {\"path\":\"/echo\",\"truncate_after\":5}]");
    reply r1 = call(f->url, "GET", "/stream", NULL, NULL);
    assert_int_equal(r1.status, 200);
    assert_int_not_equal(r1.rc, CURLE_OK);
    assert_string_equal(osh_buf_str(&r1.body), "tick 3\ntic");
    reply r2 = call(f->url, "GET", "/echo", NULL, NULL);
    assert_int_equal(r2.status, 200);
    assert_int_equal(r2.rc, CURLE_PARTIAL_FILE);
    assert_int_equal(r2.body.len, 5);
    reply_free(&r1);
    reply_free(&r2);
}

static void test_fault_json_set_and_delay(void **state)
{
    fixture *f = *state;
    add_rules(f->s, "{\"path\":\"/echo\",\"delay_ms\":1,"
                    "\"json_set\":{\"nested\":\"changed\",\"New.Deep\":[1],\"method\":null}}");
    reply r = call(f->url, "GET", "/echo", NULL, NULL);
    assert_int_equal(r.status, 200);
    cJSON *j = parse(&r);
    assert_string_equal(jstr(j, "nested"), "changed");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "method")));
    cJSON *deep = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "New"), "Deep");
    assert_true(cJSON_IsArray(deep));
    cJSON_Delete(j);
    reply_free(&r);
}

static void test_fault_json_errors(void **state)
{
    fixture *f = *state;
    const char *bad[][2] = {
        {"[{\"path\":\"/a\"},{\"path\":\"/b\",\"status\":\"500\"}]", "faults[1].status: expected number"},
        {"{\"status\":500}", "fault.path: required (string)"},
        {"{\"path\":\"/a\",\"nth\":\"2\"}", "fault.nth: expected number"},
        {"{\"path\":\"/a\",\"bogus\":1}", "fault.bogus: unknown key (expected one of: method, path, nth, first, from, delay_ms, "
                                    "hang, drop, status, body, content_type, truncate_after, json_set, comment)"},
        {"{\"path\":\"/a\",\"nth\":1,\"first\":2}", "fault: nth, first and from exclude each other"},
        {"{\"path\":\"/a\",\"body\":\"x\"}", "fault.body: needs status"},
        {"{\"path\":\"/a\",\"drop\":1}", "fault.drop: expected true or false"},
        {"{\"path\":\"/a\",\"json_set\":[]}", "fault.json_set: expected object"},
        {"\"x\"", "fault: expected object"},
        /* fuzz regression (tests/fuzz/regressions/world_scenario/fault-delay): (long)1e300 was
         * cast before the range check, undefined behaviour */
        {"{\"path\":\"/a\",\"delay_ms\":1e300}", "fault.delay_ms: expected an integer >= 0 and <= 1000000000"},
        {"{\"path\":\"/a\",\"nth\":-1e300}", "fault.nth: expected an integer >= 1 and <= 1000000000"},
        {"{\"path\":\"/a\",\"truncate_after\":1000000001}", "fault.truncate_after: expected an integer >= 0 and <= 1000000000"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cJSON *rules = cJSON_Parse(bad[i][0]);
        char *err = NULL;
        assert_int_equal(mock_http_fault_add_json(f->s, rules, &err), -1);
        assert_non_null(err);
        if (!strstr(err, bad[i][1]))
            fail_msg("rule %s: got error '%s', want '%s'", bad[i][0], err, bad[i][1]);
        free(err);
        cJSON_Delete(rules);
    }
    /* Nothing half-added. */
    cJSON *rules = mock_http_fault_json(f->s);
    assert_int_equal(cJSON_GetArraySize(rules), 0);
    cJSON_Delete(rules);
}

static void test_fault_routes(void **state)
{
    fixture *f = *state;
    reply r1 = call(f->url, "POST", "/_mock/faults", "{\"path\":\"/echo\",\"status\":418}", NULL);
    assert_int_equal(r1.status, 204);
    reply r2 = call(f->url, "GET", "/echo", NULL, NULL);
    assert_int_equal(r2.status, 418);
    reply r3 = call(f->url, "POST", "/_mock/faults", "{\"path\":1}", NULL);
    assert_int_equal(r3.status, 400);
    assert_non_null(strstr(osh_buf_str(&r3.body), "fault.path: expected string"));
    reply r4 = call(f->url, "GET", "/_mock/faults", NULL, NULL);
    cJSON *j = parse(&r4);
    assert_int_equal(cJSON_GetArraySize(j), 1);
    cJSON_Delete(j);
    reply r5 = call(f->url, "DELETE", "/_mock/faults", NULL, NULL);
    assert_int_equal(r5.status, 204);
    reply r6 = call(f->url, "GET", "/echo", NULL, NULL);
    assert_int_equal(r6.status, 200);
    reply r7 = call(f->url, "POST", "/_mock/faults", "{oops", NULL);
    assert_int_equal(r7.status, 400);
    reply *all[] = {&r1, &r2, &r3, &r4, &r5, &r6, &r7};
    for (size_t i = 0; i < 7; i++)
        reply_free(all[i]);
}

static void test_strip_version(void **state)
{
    int ma, mi;
    assert_string_equal(mock_http_strip_version("/v1.41/containers/json", &ma, &mi), "/containers/json");
    assert_int_equal(ma, 1);
    assert_int_equal(mi, 41);
    assert_string_equal(mock_http_strip_version("/v1.56", &ma, &mi), "/");
    assert_int_equal(mi, 56);
    assert_string_equal(mock_http_strip_version("/volumes/x", &ma, &mi), "/volumes/x");
    assert_int_equal(ma, -1);
    /* dockerd's pattern /v{[0-9.]+}: "1" and ".41" are versions (too old, it says) */
    assert_string_equal(mock_http_strip_version("/v1/x", &ma, &mi), "/x");
    assert_int_equal(ma, 1);
    assert_int_equal(mi, 0);
    assert_string_equal(mock_http_strip_version("/v.41/x", &ma, &mi), "/x");
    assert_int_equal(ma, 0);
    assert_int_equal(mi, 41);
    assert_string_equal(mock_http_strip_version("/v1.41.0/x", &ma, &mi), "/x");
    assert_int_equal(mi, 41);
    const char *text;
    assert_int_equal(mock_http_version_text("/v4294967297.41/version", &text), 13);
    assert_memory_equal(text, "4294967297.41", 13);
    assert_int_equal(mock_http_version_text("/version", &text), 0);
    assert_string_equal(mock_http_strip_version("/v1.x/y", NULL, NULL), "/v1.x/y");
    assert_string_equal(mock_http_strip_version("/v1.41x", NULL, NULL), "/v1.41x");
    assert_string_equal(mock_http_strip_version("/version", NULL, NULL), "/version");
}

/* Several servers in one process are independent. */
static void test_independent_servers(void **state)
{
    fixture *f = *state;
    mock_http_server *other = new_server();
    char *err = NULL;
    assert_int_equal(mock_http_server_listen_tcp(other, "127.0.0.1", 0, NULL, &err), 0);
    add_rules(other, "{\"path\":\"*\",\"status\":500}");
    reply a = call(f->url, "GET", "/echo", NULL, NULL);
    reply b = call(mock_http_server_url(other, 0), "GET", "/echo", NULL, NULL);
    assert_int_equal(a.status, 200);
    assert_int_equal(b.status, 500);
    assert_int_equal(mock_http_journal_count(f->s, NULL, "*"), 1);
    assert_int_equal(mock_http_journal_count(other, NULL, "*"), 1);
    reply_free(&a);
    reply_free(&b);
    mock_http_server_free(other);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_ALL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_request_view, setup, teardown),
        cmocka_unit_test(test_tcp_and_unversioned),
        cmocka_unit_test(test_listen_errors),
        cmocka_unit_test_setup_teardown(test_stream_chunked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_wake, setup, teardown),
        cmocka_unit_test(test_stop_ends_stream),
        cmocka_unit_test_setup_teardown(test_upgrade, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_socket_blocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_answer_is_500, setup, teardown),
        cmocka_unit_test_setup_teardown(test_journal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_journal_binary_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_respond_nth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_first_and_from, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_drop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_truncate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_json_set_and_delay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_json_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_routes, setup, teardown),
        cmocka_unit_test(test_strip_version),
        cmocka_unit_test_setup_teardown(test_independent_servers, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
