/* test_docker_concurrency.c: many clients at once on one Docker mock instance (the bootstrap's
 * log follower runs beside its health loop; the conformance runner shares nothing, but a
 * simulator's hooks run on every connection's thread). Every request must get its expected
 * answer, and the instance must end consistent. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "dk_test_client.h"
#include "mock_http.h"
#include "osh_str.h"

#define THREADS 6
#define ROUNDS 12

typedef struct worker {
    dk_test *t;
    int index;
    int failures;
    char first_failure[256];
} worker;

static atomic_int events;

static void count_event(void *ctx, mock_docker *d, const char *id, mock_docker_event ev)
{
    atomic_fetch_add(&events, 1);
    /* a hook that reads state back, as the simulator does */
    mock_docker_container_state st;
    mock_docker_container_state_get(d, id, &st);
}

static void check(worker *w, dk_reply *r, long want, const char *what)
{
    if (r->status != want && w->failures++ == 0)
        snprintf(w->first_failure, sizeof w->first_failure, "%s: %ld (want %ld): %s", what,
                 r->status, want, osh_buf_str(&r->body));
    dk_reply_free(r);
}

static void *work(void *p)
{
    worker *w = p;
    for (int round = 0; round < ROUNDS; round++) {
        char name[64], target[160];
        snprintf(name, sizeof name, "w%d-r%d", w->index, round);
        snprintf(target, sizeof target, "/containers/create?name=%s", name);
        dk_reply r = dk_call(w->t, "POST", target, "{\"Image\":\"busy:1\",\"HostConfig\":{\"NetworkMode\":\"shared\"}}", NULL);
        check(w, &r, 201, "create");
        snprintf(target, sizeof target, "/containers/%s/start", name);
        r = dk_call(w->t, "POST", target, NULL, NULL);
        check(w, &r, 204, "start");
        snprintf(target, sizeof target, "/containers/%s/exec", name);
        r = dk_call(w->t, "POST", target, "{\"AttachStdout\":true,\"Cmd\":[\"hostname\"]}", NULL);
        char *exec_id = osh_str_dup(dk_jstr(r.json, "Id"));
        check(w, &r, 201, "exec create");
        snprintf(target, sizeof target, "/exec/%s/start", exec_id ? exec_id : "none");
        r = dk_call(w->t, "POST", target, "{}", NULL);
        check(w, &r, 200, "exec start");
        free(exec_id);
        snprintf(target, sizeof target, "/containers/%s/json", name);
        r = dk_call(w->t, "GET", target, NULL, NULL);
        check(w, &r, 200, "inspect");
        r = dk_call(w->t, "GET", "/networks/shared", NULL, NULL);
        check(w, &r, 200, "network inspect");
        r = dk_call(w->t, "GET", "/containers/json?all=1", NULL, NULL);
        check(w, &r, 200, "list");
        snprintf(target, sizeof target, "/containers/%s?force=1", name);
        r = dk_call(w->t, "DELETE", target, NULL, NULL);
        check(w, &r, 204, "remove");
    }
    return NULL;
}

static void test_parallel_clients(void **state)
{
    dk_test *t = dk_test_start("{\"images\":[{\"ref\":\"busy:1\",\"config\":{\"Cmd\":[\"sh\"]}}],"
                               " \"networks\":[{\"name\":\"shared\"}]}");
    mock_docker_hooks hooks = {.container_event = count_event};
    mock_docker_set_hooks(t->d, &hooks);
    worker workers[THREADS];
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        workers[i] = (worker){.t = t, .index = i};
        pthread_create(&threads[i], NULL, work, &workers[i]);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        if (workers[i].failures)
            fail_msg("worker %d: %d failures, first: %s", i, workers[i].failures, workers[i].first_failure);
    }
    /* create, start, kill + die (rm -f of a running one), remove per round */
    assert_int_equal(atomic_load(&events), THREADS * ROUNDS * 5);
    dk_reply r = dk_call(t, "GET", "/containers/json?all=1", NULL, NULL);
    assert_int_equal(cJSON_GetArraySize(r.json), 0);
    dk_reply_free(&r);
    assert_int_equal(mock_http_journal_count(mock_docker_http(t->d), "POST", "/containers/create"), THREADS * ROUNDS);
    dk_test_stop(t);
}

/* A raw request on a new connection; returns the socket once the answer's head is in. */
static int open_raw(dk_test *t, const char *request)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%.100s", t->sock);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(send(fd, request, strlen(request), MSG_NOSIGNAL), (ssize_t)strlen(request));
    char buf[2048];
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
    assert_non_null(strstr(buf, "HTTP/1.1 "));
    return fd;
}

/* Issue 12.1: followers and waiters that hang up are freed at once while the container
 * keeps running silently; attachers (a hijacked connection cannot tell a hang-up from the
 * CLI's half-close, nor can dockerd) at the container's next output. */
static void test_abandoned_streams(void **state)
{
    (void)state;
    dk_test *t = dk_test_start("{\"images\":[{\"ref\":\"busy:1\",\"config\":{\"Cmd\":[\"sh\"]}}]}");
    char *id = dk_create(t, "quiet", "{\"Image\":\"busy:1\"}", true);
    char *req[3];
    req[0] = osh_str_printf("GET /v1.41/containers/%s/logs?follow=1&stdout=1 HTTP/1.1\r\nHost: d\r\n\r\n", id);
    req[1] = osh_str_printf("POST /v1.41/containers/%s/wait HTTP/1.1\r\nHost: d\r\nContent-Length: 0\r\n\r\n", id);
    req[2] = osh_str_printf("POST /v1.41/containers/%s/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: d\r\n"
                            "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n", id);
    mock_http_server *h = mock_docker_http(t->d);
    for (int round = 0; round < 20; round++) {
        int fds[3];
        for (int k = 0; k < 3; k++)
            fds[k] = open_raw(t, req[k]);
        for (int k = 0; k < 3; k++)
            close(fds[k]);
    }
    mock_docker_append_log(t->d, id, 1, "one line for the attachers that left");
    mock_http_stats st;
    for (int i = 0; i < 3000; i++) { /* each hang-up is seen and freed: wait for that */
        mock_http_server_stats(h, &st);
        if (st.streams == 0 && st.upgrades == 0 && st.connections == 0)
            break;
        usleep(10000);
    }
    assert_int_equal(st.streams, 0);
    assert_int_equal(st.upgrades, 0);
    assert_int_equal(st.connections, 0);
    dk_reply r = dk_call(t, "GET", "/_ping", NULL, NULL);
    assert_int_equal(r.status, 200);
    dk_reply_free(&r);
    for (int k = 0; k < 3; k++)
        free(req[k]);
    free(id);
    dk_test_stop(t);
}

/* Read from fd until text has arrived (binary-safe; 30 s safety bound); false on EOF. */
static bool read_until(int fd, osh_buf *got, const char *text)
{
    while (!got->data || !memmem(got->data, got->len, text, strlen(text))) {
        struct pollfd p = {fd, POLLIN, 0};
        char buf[1024];
        ssize_t n = poll(&p, 1, 30000) == 1 ? read(fd, buf, sizeof buf) : 0;
        if (n <= 0)
            return false;
        osh_buf_append(got, buf, (size_t)n);
    }
    return true;
}

/* Followers are woken by their own container's changes, not by a clock: while the world is
 * idle, or only another container changes, a follower's callback is not called at all; a
 * line for its container reaches it at once. */
static void test_follower_woken_by_its_container(void **state)
{
    (void)state;
    dk_test *t = dk_test_start("{\"images\":[{\"ref\":\"busy:1\",\"config\":{\"Cmd\":[\"sh\"]}}]}");
    char *a = dk_create(t, "followed", "{\"Image\":\"busy:1\"}", true);
    char *b = dk_create(t, "other", "{\"Image\":\"busy:1\"}", true);
    char *req = osh_str_printf("GET /v1.41/containers/%s/logs?follow=1&stdout=1 HTTP/1.1\r\nHost: d\r\n\r\n", a);
    int fd = open_raw(t, req);
    mock_http_server *h = mock_docker_http(t->d);
    mock_http_stats st;
    for (int i = 0;; i++) { /* the follower said all it had and waits (bounded) */
        mock_http_server_stats(h, &st);
        if (st.suspended_streams == 1)
            break;
        if (i == 30000)
            fail_msg("the follower never waited");
        usleep(1000);
    }
    unsigned long calls = st.stream_calls;
    assert_int_equal(st.watcher_timeout_ms, -1);
    for (int i = 0; i < 5; i++)
        assert_int_equal(mock_docker_append_log(t->d, b, 1, "not for the follower"), 0);
    dk_reply r = dk_call(t, "POST", "/v1.41/containers/other/stop", NULL, NULL);
    assert_int_equal(r.status, 204);
    dk_reply_free(&r);
    r = dk_call(t, "GET", "/v1.41/containers/other/json", NULL, NULL);
    assert_int_equal(r.status, 200);
    dk_reply_free(&r);
    mock_http_server_stats(h, &st);
    assert_int_equal(st.stream_calls, calls);
    assert_int_equal(st.suspended_streams, 1);
    assert_int_equal(mock_docker_append_log(t->d, a, 1, "for the follower"), 0);
    osh_buf got = OSH_BUF_INIT;
    assert_true(read_until(fd, &got, "for the follower"));
    assert_null(memmem(got.data, got.len, "not for", 7));
    osh_buf_free(&got);
    close(fd);
    free(req);
    free(a);
    free(b);
    dk_test_stop(t);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_ALL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parallel_clients),
        cmocka_unit_test(test_abandoned_streams),
        cmocka_unit_test(test_follower_woken_by_its_container),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
