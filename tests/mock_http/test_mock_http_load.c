/* test_mock_http_load.c: the front under misbehaving and heavy clients (issue 12): abandoned
 * streams, many idle connections, oversized bodies, a second server on a live unix socket,
 * socket modes, and version prefixes out of range. Each test waits for conditions, never
 * for a fixed time. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "mock_http.h"
#include "osh_str.h"

/* A stream that never ends and never has anything to say (a follower of a silent log). */
static int silent(void *ctx, osh_buf *out)
{
    (void)ctx;
    (void)out;
    return MOCK_HTTP_STREAM_MORE;
}

static void handler(void *ctx, const mock_http_request *req, mock_http_response *res)
{
    const char *path = mock_http_request_path(req);
    if (strcmp(path, "/follow") == 0) {
        mock_http_respond_stream(res, 200, "text/plain", silent, NULL, NULL);
    } else if (strcmp(path, "/size") == 0) {
        size_t len;
        mock_http_request_body(req, &len);
        char text[64];
        int n = snprintf(text, sizeof text, "{\"len\":%zu}\n", len);
        mock_http_respond(res, 200, "application/json", text, (size_t)n);
    } else {
        mock_http_respond(res, 200, "text/plain", "OK", 2);
    }
}

typedef struct fixture {
    mock_http_server *s;
    char dir[64];
    char sock[96];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/mock_http_load.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->sock, sizeof f->sock, "%s/s.sock", f->dir);
    mock_http_server_options o = {.name = "load", .handler = handler};
    f->s = mock_http_server_new(&o);
    char *err = NULL;
    assert_int_equal(mock_http_server_listen_unix(f->s, f->sock, &err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    mock_http_server_free(f->s);
    unlink(f->sock);
    rmdir(f->dir);
    free(f);
    return 0;
}

static int connect_unix(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

static void send_all(int fd, const char *text)
{
    size_t len = strlen(text);
    while (len > 0) {
        ssize_t n = send(fd, text, len, MSG_NOSIGNAL);
        assert_true(n > 0);
        text += n;
        len -= (size_t)n;
    }
}

/* Reads until the answer's head is in (the stream's headers go out at once). */
static void read_head(int fd)
{
    char buf[1024];
    size_t got = 0;
    while (got < sizeof buf - 1) {
        struct pollfd p = {fd, POLLIN, 0};
        assert_int_equal(poll(&p, 1, 30000), 1);
        ssize_t n = read(fd, buf + got, sizeof buf - 1 - got);
        assert_true(n > 0);
        got += (size_t)n;
        buf[got] = '\0';
        if (strstr(buf, "\r\n\r\n"))
            break;
    }
    assert_non_null(strstr(buf, "HTTP/1.1 200"));
}

/* GET /_ping on a new connection: the status, or 0 when the server did not answer within
 * a generous limit (a wedged server never answers). */
static long ping(const char *sock)
{
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, sock);
    curl_easy_setopt(c, CURLOPT_URL, "http://localhost/_ping");
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    FILE *null = fopen("/dev/null", "w");
    curl_easy_setopt(c, CURLOPT_WRITEDATA, null);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    fclose(null);
    return status;
}

/* The connection pool is small (it is reset for every request), yet a request head of
 * 10 KiB (a long bearer token, a registry identity token) is served. */
static void test_large_request_head(void **state)
{
    fixture *f = *state;
    char token[8192 + 1], auth[2048 + 1];
    memset(token, 't', sizeof token - 1);
    token[sizeof token - 1] = '\0';
    memset(auth, 'a', sizeof auth - 1);
    auth[sizeof auth - 1] = '\0';
    char *req = osh_str_printf("GET /x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                               "X-Registry-Auth: %s\r\nConnection: close\r\n\r\n", token, auth);
    int fd = connect_unix(f->sock);
    send_all(fd, req);
    read_head(fd);
    close(fd);
    free(req);
}

/* Issue 12.1: followers that hang up must free their connection at once. 1,100 of them in
 * turn (beyond the old 1,020-connection ceiling), then /_ping still answers. */
static void test_abandoned_streams_are_freed(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < 1100; i++) {
        int fd = connect_unix(f->sock);
        send_all(fd, "GET /follow HTTP/1.1\r\nHost: x\r\n\r\n");
        read_head(fd);
        close(fd);
    }
    assert_int_equal(ping(f->sock), 200);
}

/* Issue 12.2: 1,100 idle keep-alive connections at once; /_ping still answers. */
static void test_many_idle_connections(void **state)
{
    fixture *f = *state;
    enum { N = 1100 };
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < N + 64) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur < N + 64)
        skip(); /* the hard limit itself is too low here to hold both ends */
    static int fds[N];
    for (int i = 0; i < N; i++)
        fds[i] = connect_unix(f->sock);
    assert_int_equal(ping(f->sock), 200);
    /* and each of them is served too, not only accepted */
    send_all(fds[N - 1], "GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n");
    read_head(fds[N - 1]);
    for (int i = 0; i < N; i++)
        close(fds[i]);
}

/* Issue 12.3: a body beyond the limit is refused with 413 before it is buffered. */
static void test_oversized_body_is_413(void **state)
{
    fixture *f = *state;
    size_t big = 100u * 1024 * 1024;
    char *body = malloc(big);
    memset(body, 'x', big);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, f->sock);
    curl_easy_setopt(c, CURLOPT_URL, "http://localhost/size");
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)big);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    FILE *null = fopen("/dev/null", "w");
    curl_easy_setopt(c, CURLOPT_WRITEDATA, null);
    long status = 0;
    curl_easy_perform(c); /* the server may close while the client still sends */
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    fclose(null);
    free(body);
    assert_int_equal(status, 413);
    assert_int_equal(ping(f->sock), 200);
}

/* Issue 12.4: a second server on a live socket path is refused, naming the path; the first
 * keeps answering. A stale socket file (nobody listening) is replaced. */
static void test_socket_in_use_refused(void **state)
{
    fixture *f = *state;
    mock_http_server_options o = {.name = "second", .handler = handler};
    mock_http_server *s2 = mock_http_server_new(&o);
    char *err = NULL;
    assert_int_equal(mock_http_server_listen_unix(s2, f->sock, &err), -1);
    assert_non_null(err);
    assert_non_null(strstr(err, f->sock));
    assert_non_null(strstr(err, "in use"));
    free(err);
    mock_http_server_free(s2);
    assert_int_equal(ping(f->sock), 200);

    /* stale: a socket file nobody listens on */
    char stale[100];
    snprintf(stale, sizeof stale, "%.60s/stale.sock", f->dir);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", stale);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    close(fd);
    s2 = mock_http_server_new(&o);
    assert_int_equal(mock_http_server_listen_unix(s2, stale, &err), 0);
    assert_int_equal(ping(stale), 200);
    mock_http_server_free(s2);
}

/* Issue 12.4: the socket is 0600 whatever the umask. */
static void test_socket_mode_0600(void **state)
{
    fixture *f = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/mode.sock", f->dir);
    mode_t old = umask(0);
    mock_http_server_options o = {.name = "mode", .handler = handler};
    mock_http_server *s2 = mock_http_server_new(&o);
    char *err = NULL;
    assert_int_equal(mock_http_server_listen_unix(s2, path, &err), 0);
    umask(old);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    mock_http_server_free(s2);
}

/* Issue 12.5: a version prefix out of int range is not folded into a small one. */
static void test_version_out_of_range(void **state)
{
    (void)state;
    int ma, mi;
    const char *rest = mock_http_strip_version("/v4294967297.41/version", &ma, &mi);
    assert_string_equal(rest, "/version");
    assert_int_equal(ma, INT_MAX);
    assert_int_equal(mi, 41);
    rest = mock_http_strip_version("/v1.4294967337/version", &ma, &mi);
    assert_int_equal(ma, 1);
    assert_int_equal(mi, INT_MAX);
}

/* Issue 12.3: the journal is a ring of the last N entries; long bodies keep a prefix with
 * their size and SHA-256; GET /_mock/journal says how many were dropped. */
static void test_journal_ring(void **state)
{
    (void)state;
    char dir[] = "/tmp/mock_http_ring.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sock[64];
    snprintf(sock, sizeof sock, "%s/s.sock", dir);
    mock_http_server_options o = {.name = "ring", .handler = handler, .journal_entries = 5,
                                  .journal_body_cap = 4};
    mock_http_server *s = mock_http_server_new(&o);
    char *err = NULL;
    assert_int_equal(mock_http_server_listen_unix(s, sock, &err), 0);
    for (int i = 0; i < 12; i++)
        assert_int_equal(ping(sock), 200);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, sock);
    curl_easy_setopt(c, CURLOPT_URL, "http://localhost/size");
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, "abcdefgh");
    FILE *null = fopen("/dev/null", "w");
    curl_easy_setopt(c, CURLOPT_WRITEDATA, null);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_cleanup(c);
    fclose(null);
    cJSON *j = mock_http_journal_json(s);
    assert_int_equal(cJSON_GetArraySize(j), 5);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "seq")->valueint, 9);
    const cJSON *last = cJSON_GetArrayItem(j, 4);
    assert_string_equal(cJSON_GetObjectItem(last, "body")->valuestring, "abcd");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(last, "body_truncated")));
    assert_int_equal(cJSON_GetObjectItem(last, "body_size")->valueint, 8);
    assert_string_equal(cJSON_GetObjectItem(last, "body_sha256")->valuestring,
                        "9c56cc51b374c3ba189210d5b6d4bf57790d351c96c47c02190ecf1e430635ab");
    cJSON_Delete(j);
    mock_http_stats st;
    mock_http_server_stats(s, &st);
    assert_int_equal(st.journal_dropped, 8);
    /* the route says so too */
    c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, sock);
    curl_easy_setopt(c, CURLOPT_URL, "http://localhost/_mock/journal");
    struct curl_slist *hl = NULL;
    FILE *heads = tmpfile();
    curl_easy_setopt(c, CURLOPT_HEADERDATA, heads);
    null = fopen("/dev/null", "w");
    curl_easy_setopt(c, CURLOPT_WRITEDATA, null);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_cleanup(c);
    curl_slist_free_all(hl);
    fclose(null);
    rewind(heads);
    osh_buf text = OSH_BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, heads)) > 0)
        osh_buf_append(&text, chunk, n);
    fclose(heads);
    assert_non_null(strstr(osh_buf_str(&text), "X-Mock-Journal-Dropped: 8"));
    assert_non_null(strstr(osh_buf_str(&text), "X-Mock-Journal-Capacity: 5"));
    osh_buf_free(&text);
    mock_http_server_free(s);
    rmdir(dir);
}

/* The ring grows as requests come (it starts small) and keeps arrival order across each
 * growth and past its capacity. */
static void test_journal_ring_grows(void **state)
{
    (void)state;
    char dir[] = "/tmp/mock_http_grow.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sock[64];
    snprintf(sock, sizeof sock, "%s/s.sock", dir);
    mock_http_server_options o = {.name = "grow", .handler = handler, .journal_entries = 150};
    mock_http_server *s = mock_http_server_new(&o);
    char *err = NULL;
    assert_int_equal(mock_http_server_listen_unix(s, sock, &err), 0);
    for (int round = 0; round < 2; round++) {
        int sent = round == 0 ? 130 : 200; /* 130 kept whole, then 200 of which the last 150 */
        for (int i = 0; i < sent - (round ? 130 : 0); i++)
            assert_int_equal(ping(sock), 200);
        cJSON *j = mock_http_journal_json(s);
        int kept = sent < 150 ? sent : 150;
        assert_int_equal(cJSON_GetArraySize(j), kept);
        for (int i = 0; i < kept; i++)
            assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(j, i), "seq")->valueint, sent - kept + i + 1);
        cJSON_Delete(j);
    }
    mock_http_server_free(s);
    rmdir(dir);
}

/* Streams whose clients left are gone from the server's books (not only unblocked). */
static void test_stream_books_balance(void **state)
{
    fixture *f = *state;
    int fds[50];
    for (int i = 0; i < 50; i++) {
        fds[i] = connect_unix(f->sock);
        send_all(fds[i], "GET /follow HTTP/1.1\r\nHost: x\r\n\r\n");
        read_head(fds[i]);
    }
    mock_http_stats st;
    mock_http_server_stats(f->s, &st);
    assert_int_equal(st.streams, 50);
    for (int i = 0; i < 50; i++)
        close(fds[i]);
    /* the watcher sees each hang-up and the event loop frees it: wait for that */
    for (int i = 0; i < 3000; i++) {
        mock_http_server_stats(f->s, &st);
        if (st.streams == 0 && st.connections == 0)
            break;
        usleep(10000);
    }
    assert_int_equal(st.streams, 0);
    assert_int_equal(st.connections, 0);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_abandoned_streams_are_freed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_idle_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oversized_body_is_413, setup, teardown),
        cmocka_unit_test_setup_teardown(test_socket_in_use_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_socket_mode_0600, setup, teardown),
        cmocka_unit_test(test_version_out_of_range),
        cmocka_unit_test(test_journal_ring),
        cmocka_unit_test(test_journal_ring_grows),
        cmocka_unit_test_setup_teardown(test_stream_books_balance, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_request_head, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
