/* test_mock_http_wake.c: waiting streams are woken by change, never by a clock: an idle
 * server calls no stream callback and its watcher sleeps without a timeout; a keyed wake
 * reaches exactly the streams (and upgrade waiters) waiting on that key; a stream that asks
 * for a time (mock_http_stream_retry_in) is called again then without any wake. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "mock_http.h"
#include "osh_str.h"

/* One waiting stream per key name 'a'..'z': calls[k] counts its callback's calls; it says
 * "open" at once and "woke" (then ends) once release[k] is set. */
static atomic_int calls[26], release_flag[26];

static int keyed_next(void *ctx, osh_buf *out)
{
    int k = (int)(intptr_t)ctx;
    if (atomic_fetch_add(&calls[k], 1) == 0) {
        osh_buf_append_str(out, "open\n");
        return MOCK_HTTP_STREAM_MORE;
    }
    if (!atomic_load(&release_flag[k]))
        return MOCK_HTTP_STREAM_MORE;
    osh_buf_append_str(out, "woke\n");
    return MOCK_HTTP_STREAM_END;
}

/* Asks to be called again 5 ms later, twice, then ends: nobody wakes it. */
static int retry_next(void *ctx, osh_buf *out)
{
    int *n = ctx;
    if ((*n)++ == 0) {
        osh_buf_append_str(out, "open\n");
        return MOCK_HTTP_STREAM_MORE;
    }
    if (*n <= 3) {
        mock_http_stream_retry_in(5);
        return MOCK_HTTP_STREAM_MORE;
    }
    osh_buf_appendf(out, "called %d\n", *n);
    return MOCK_HTTP_STREAM_END;
}

/* 64 KiB at once, then waits: a client that does not read leaves it unread in the socket. */
static int flood_next(void *ctx, osh_buf *out)
{
    int *sent = ctx;
    if (!*sent) {
        *sent = 1;
        for (int i = 0; i < 1024; i++)
            osh_buf_append_str(out, "0123456789abcdef0123456789abcdef0123456789abcdef012345678901234\n");
    }
    return MOCK_HTTP_STREAM_MORE;
}

static mock_http_server *the_server;

/* An upgrade that waits on key "u" and reports each wake until the client leaves. */
static void waiting_upgrade(void *ctx, int fd, const char *extra, size_t extra_len)
{
    mock_http_waiter *w = mock_http_waiter_new(the_server, true, mock_http_key("u"));
    (void)!write(fd, "ready\n", 6);
    while (mock_http_waiter_wait(w, fd))
        (void)!write(fd, "woken\n", 6);
    mock_http_waiter_free(w);
}

static void handler(void *ctx, const mock_http_request *req, mock_http_response *res)
{
    const char *path = mock_http_request_path(req);
    if (osh_str_starts_with(path, "/keyed/")) {
        int k = path[7] - 'a';
        mock_http_respond_stream(res, 200, "text/plain", keyed_next, (void *)(intptr_t)k, NULL);
        mock_http_response_wait_key(res, mock_http_key(path + 7));
    } else if (strcmp(path, "/retry") == 0) {
        mock_http_respond_stream(res, 200, "text/plain", retry_next, calloc(1, sizeof(int)), free);
        mock_http_response_wait_key(res, mock_http_key("nobody wakes this"));
    } else if (strcmp(path, "/flood") == 0) {
        mock_http_respond_stream(res, 200, "text/plain", flood_next, calloc(1, sizeof(int)), free);
        mock_http_response_wait_key(res, mock_http_key("flood"));
    } else if (strcmp(path, "/after") == 0) {
        mock_http_respond(res, 200, "text/plain", "after\n", 6);
        mock_http_response_after_streams(res);
    } else if (strcmp(path, "/waiter") == 0) {
        mock_http_respond_upgrade(res, "tcp", NULL, waiting_upgrade, NULL, NULL);
    } else {
        mock_http_respond(res, 200, "text/plain", "pong\n", 5);
    }
}

typedef struct fixture {
    mock_http_server *s;
    char dir[64], sock[96];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/mock_http_wake.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->sock, sizeof f->sock, "%s/s.sock", f->dir);
    mock_http_server_options o = {.name = "wake", .handler = handler};
    f->s = the_server = mock_http_server_new(&o);
    char *err = NULL;
    assert_int_equal(mock_http_server_listen_unix(f->s, f->sock, &err), 0);
    for (int k = 0; k < 26; k++) {
        atomic_store(&calls[k], 0);
        atomic_store(&release_flag[k], 0);
    }
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

/* A raw client: sends the request, returns the socket (reads time out after 20 s so a
 * broken server fails the test instead of hanging it). */
static int send_request(const fixture *f, const char *request)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strcpy(addr.sun_path, f->sock);
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    struct timeval tv = {20, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    assert_int_equal(write(fd, request, strlen(request)), (ssize_t)strlen(request));
    return fd;
}

static int open_get(const fixture *f, const char *path)
{
    char *req = osh_str_printf("GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
    int fd = send_request(f, req);
    free(req);
    return fd;
}

/* Read until text has arrived (it stays in got); false on EOF or timeout. */
static bool read_until(int fd, osh_buf *got, const char *text)
{
    while (!strstr(osh_buf_str(got), text)) {
        char buf[512];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0)
            return false;
        osh_buf_append(got, buf, (size_t)n);
    }
    return true;
}

static mock_http_stats stats_of(mock_http_server *s)
{
    mock_http_stats st;
    mock_http_server_stats(s, &st);
    return st;
}

/* Both streams have said "open" and suspended (the watcher has their sockets). */
static void until_suspended(mock_http_server *s, size_t n)
{
    for (int i = 0; stats_of(s).suspended_streams != n; i++) {
        if (i == 30000)
            fail_msg("%zu streams never all waited", n);
        usleep(1000);
    }
}

static void ping(const fixture *f)
{
    int fd = send_request(f, "GET /ping HTTP/1.0\r\n\r\n");
    osh_buf got = OSH_BUF_INIT;
    assert_true(read_until(fd, &got, "pong\n"));
    osh_buf_free(&got);
    close(fd);
}

static void test_idle_calls_nothing_and_keyed_wake(void **state)
{
    fixture *f = *state;
    osh_buf a_got = OSH_BUF_INIT, b_got = OSH_BUF_INIT;
    int a = open_get(f, "/keyed/a"), b = open_get(f, "/keyed/b");
    assert_true(read_until(a, &a_got, "open\n"));
    assert_true(read_until(b, &b_got, "open\n"));
    until_suspended(f->s, 2);
    mock_http_stats before = stats_of(f->s);
    assert_int_equal(before.watcher_timeout_ms, -1); /* no tick: it sleeps until something happens */
    int a_calls = atomic_load(&calls[0]), b_calls = atomic_load(&calls[1]);

    /* Other traffic and wakes for other keys call neither stream. */
    for (int i = 0; i < 20; i++)
        ping(f);
    mock_http_server_wake_key(f->s, mock_http_key("c"));
    mock_http_stats after = stats_of(f->s);
    assert_int_equal(after.stream_calls, before.stream_calls);
    assert_int_equal(after.suspended_streams, 2);
    assert_int_equal(atomic_load(&calls[0]), a_calls);
    assert_int_equal(atomic_load(&calls[1]), b_calls);

    /* A change for a wakes a (at once) and leaves b alone. */
    atomic_store(&release_flag[0], 1);
    mock_http_server_wake_key(f->s, mock_http_key("a"));
    assert_true(read_until(a, &a_got, "woke\n"));
    assert_int_equal(atomic_load(&calls[1]), b_calls);
    atomic_store(&release_flag[1], 1);
    mock_http_server_wake_key(f->s, mock_http_key("b"));
    assert_true(read_until(b, &b_got, "woke\n"));
    close(a);
    close(b);
    osh_buf_free(&a_got);
    osh_buf_free(&b_got);
}

/* A wake that comes while a stream's callback runs is not lost; mock_http_server_wake
 * reaches keyed streams too. */
static void test_wake_all_reaches_keyed(void **state)
{
    fixture *f = *state;
    osh_buf got = OSH_BUF_INIT;
    int fd = open_get(f, "/keyed/d");
    assert_true(read_until(fd, &got, "open\n"));
    until_suspended(f->s, 1);
    atomic_store(&release_flag[3], 1);
    mock_http_server_wake(f->s);
    assert_true(read_until(fd, &got, "woke\n"));
    close(fd);
    osh_buf_free(&got);
}

static void test_retry_in_without_wake(void **state)
{
    fixture *f = *state;
    osh_buf got = OSH_BUF_INIT;
    int fd = open_get(f, "/retry");
    assert_true(read_until(fd, &got, "called 4\n"));
    close(fd);
    osh_buf_free(&got);
    /* once it ended nothing is due: the watcher sleeps without a timeout again */
    while (stats_of(f->s).streams != 0)
        usleep(1000);
    ping(f);
    assert_int_equal(stats_of(f->s).watcher_timeout_ms, -1);
}

static void test_upgrade_waiter(void **state)
{
    fixture *f = *state;
    osh_buf got = OSH_BUF_INIT;
    int fd = send_request(f, "POST /waiter HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                             "Upgrade: tcp\r\nContent-Length: 0\r\n\r\n");
    assert_true(read_until(fd, &got, "ready\n"));
    mock_http_server_wake_key(f->s, mock_http_key("other"));
    mock_http_server_wake_key(f->s, mock_http_key("u"));
    assert_true(read_until(fd, &got, "woken\n"));
    /* the other key woke nothing: exactly one "woken" */
    assert_null(strstr(strstr(osh_buf_str(&got), "woken\n") + 6, "woken"));
    close(fd); /* the waiter sees the hang-up and its thread ends */
    while (stats_of(f->s).upgrades != 0)
        usleep(1000);
    osh_buf_free(&got);
}

/* An answer held for the streams' clients (after_streams) goes once its bound passes even
 * when nothing else happens: a follower whose client reads nothing cannot hold it forever
 * (the watcher, asleep without a tick, must be told about it). */
static void test_after_streams_not_held_forever(void **state)
{
    fixture *f = *state;
    int flood = open_get(f, "/flood"); /* never read */
    until_suspended(f->s, 1);
    int fd = send_request(f, "GET /after HTTP/1.0\r\n\r\n");
    osh_buf got = OSH_BUF_INIT;
    assert_true(read_until(fd, &got, "after\n"));
    osh_buf_free(&got);
    close(fd);
    close(flood);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_idle_calls_nothing_and_keyed_wake, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wake_all_reaches_keyed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_in_without_wake, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_waiter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_after_streams_not_held_forever, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
