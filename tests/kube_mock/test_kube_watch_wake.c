/* test_kube_watch_wake.c: watches are woken by their store's writes, not by a clock: more
 * watches than the store has listener slots (16) all see a create at once; while nothing is
 * written no watch callback runs and the front's watcher sleeps without a timeout; a
 * watch's timeoutSeconds still ends it (a time it asks for, not a periodic tick). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mock_http.h"
#include "mock_kube.h"
#include "osh_buf.h"
#include "osh_str.h"

#define WATCHES 24 /* beyond the store's 16 listener slots */

static int port_of(const mock_kube *k)
{
    const char *colon = strrchr(mock_kube_url(k), ':');
    return atoi(colon + 1);
}

static int open_request(int port, const char *request)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(send(fd, request, strlen(request), MSG_NOSIGNAL), (ssize_t)strlen(request));
    return fd;
}

/* Read until text arrives (true) or the server ends the answer (false); 30 s bound. */
static bool read_until(int fd, osh_buf *got, const char *text)
{
    while (!strstr(osh_buf_str(got), text)) {
        struct pollfd p = {fd, POLLIN, 0};
        char buf[4096];
        ssize_t n = poll(&p, 1, 30000) == 1 ? read(fd, buf, sizeof buf) : 0;
        if (n <= 0)
            return false;
        osh_buf_append(got, buf, (size_t)n);
    }
    return true;
}

static mock_http_stats stats_of(mock_kube *k)
{
    mock_http_stats st;
    mock_http_server_stats(mock_kube_http(k), &st);
    return st;
}

/* Every watch said what it had and waits (bounded: a broken server fails, not hangs). */
static void until_suspended(mock_kube *k, size_t n)
{
    for (int i = 0; stats_of(k).suspended_streams != n; i++) {
        if (i == 30000)
            fail_msg("%zu watches never all waited", n);
        usleep(1000);
    }
}

static void test_many_watches_woken_by_writes(void **state)
{
    (void)state;
    char *error = NULL;
    mock_kube *k = mock_kube_new(NULL, &error);
    assert_non_null(k);
    int port = port_of(k), fds[WATCHES];
    osh_buf got[WATCHES];
    for (int i = 0; i < WATCHES; i++) {
        fds[i] = open_request(port, "GET /api/v1/namespaces/default/secrets?watch=1 "
                                    "HTTP/1.1\r\nHost: k\r\n\r\n");
        got[i] = (osh_buf)OSH_BUF_INIT;
        assert_true(read_until(fds[i], &got[i], "\r\n\r\n"));
    }
    until_suspended(k, WATCHES);
    mock_http_stats idle = stats_of(k);
    assert_int_equal(idle.watcher_timeout_ms, -1);
    /* nothing written: other requests run no watch callback */
    int fd = open_request(port, "GET /api/v1/namespaces HTTP/1.1\r\nHost: k\r\nConnection: close\r\n\r\n");
    osh_buf list = OSH_BUF_INIT;
    assert_true(read_until(fd, &list, "NamespaceList"));
    osh_buf_free(&list);
    close(fd);
    assert_int_equal(stats_of(k).stream_calls, idle.stream_calls);

    const char *cm = "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"woken\"}}";
    char *post = osh_str_printf("POST /api/v1/namespaces/default/secrets HTTP/1.1\r\nHost: k\r\n"
                                "Content-Type: application/json\r\nContent-Length: %zu\r\n"
                                "Connection: close\r\n\r\n%s", strlen(cm), cm);
    fd = open_request(port, post);
    osh_buf created = OSH_BUF_INIT;
    assert_true(read_until(fd, &created, "201 Created"));
    osh_buf_free(&created);
    close(fd);
    free(post);
    for (int i = 0; i < WATCHES; i++) {
        if (!read_until(fds[i], &got[i], "\"name\":\"woken\""))
            fail_msg("watch %d never saw the create", i);
        assert_non_null(strstr(osh_buf_str(&got[i]), "\"type\":\"ADDED\""));
        close(fds[i]);
        osh_buf_free(&got[i]);
    }
    mock_kube_free(k);
}

/* timeoutSeconds ends a watch on which nothing happens (the apiserver's behaviour). */
static void test_watch_timeout_ends_it(void **state)
{
    (void)state;
    char *error = NULL;
    mock_kube *k = mock_kube_new(NULL, &error);
    assert_non_null(k);
    int fd = open_request(port_of(k), "GET /api/v1/namespaces/default/secrets?watch=1"
                                      "&timeoutSeconds=1 HTTP/1.1\r\nHost: k\r\n\r\n");
    osh_buf got = OSH_BUF_INIT;
    assert_true(read_until(fd, &got, "\r\n\r\n"));
    until_suspended(k, 1);
    assert_true(stats_of(k).watcher_timeout_ms >= 0); /* a deadline, not a tick */
    assert_true(read_until(fd, &got, "\r\n0\r\n\r\n")); /* the chunked answer ends */
    close(fd);
    osh_buf_free(&got);
    mock_kube_free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_watches_woken_by_writes),
        cmocka_unit_test(test_watch_timeout_ends_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
