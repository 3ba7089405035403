/* test_docker_concurrency.c: many clients at once on one Docker mock instance (the bootstrap's
 * log follower runs beside its health loop; the conformance runner shares nothing, but a
 * simulator's hooks run on every connection's thread). Every request must get its expected
 * answer, and the instance must end consistent. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dk_test_client.h"
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

int main(void)
{
    curl_global_init(CURL_GLOBAL_ALL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parallel_clients),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
