/* test_docker_inspect_cache.c: GET /containers/{id}/json answers come from a cache that the
 * next change of the world drops. After every kind of change the cached answer must be
 * byte for byte what a fresh build gives; scripted health and exits still advance per
 * inspect; hooks and fault rules (json_set) still act on cached answers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dk_test_client.h"
#include "mock_http.h"
#include "osh_str.h"

static const char *scenario =
    "{\"images\":[{\"ref\":\"busy:1\",\"config\":{\"Cmd\":[\"sh\"],"
    "  \"Healthcheck\":{\"Test\":[\"CMD\",\"/hc\"]}}}],"
    " \"scripts\":{\"seq\":{\"health\":[\"starting\",\"starting\",\"healthy\",\"unhealthy\"]},"
    "   \"dies\":{\"exit\":{\"at_inspect\":3,\"code\":2,\"error\":\"boom\"}}}}";

static int setup(void **state)
{
    *state = dk_test_start(scenario);
    return 0;
}

static int teardown(void **state)
{
    dk_test_stop(*state);
    return 0;
}

#define CALL(t, m, p, b) dk_call((t), (m), (p), (b), NULL)

static void call_ok(dk_test *t, const char *method, const char *target, const char *body)
{
    dk_reply r = CALL(t, method, target, body);
    if (r.status >= 300)
        fail_msg("%s %s: %ld %s", method, target, r.status, osh_buf_str(&r.body));
    dk_reply_free(&r);
}

static char *inspect_text(dk_test *t, const char *ref)
{
    char *target = osh_str_printf("/v1.41/containers/%s/json", ref);
    dk_reply r = CALL(t, "GET", target, NULL);
    free(target);
    assert_int_equal(r.status, 200);
    char *text = osh_str_dup(osh_buf_str(&r.body));
    dk_reply_free(&r);
    return text;
}

/* The cached answer (asked twice: the second is surely from the cache) against one built
 * afresh with the cache off. For containers whose inspects change nothing (no script). */
static void assert_cache_fresh(dk_test *t, const char *ref, const char *after)
{
    char *first = inspect_text(t, ref);
    char *cached = inspect_text(t, ref);
    mock_docker_set_inspect_cache(t->d, false);
    char *fresh = inspect_text(t, ref);
    mock_docker_set_inspect_cache(t->d, true);
    if (strcmp(first, fresh) != 0 || strcmp(cached, fresh) != 0)
        fail_msg("after %s: cached inspect of %s differs from a fresh one:\ncached: %s\nfresh:  %s",
                 after, ref, cached, fresh);
    free(first);
    free(cached);
    free(fresh);
}

/* Prime the cache, make one change, and check the next answer is the fresh one. */
static void change(dk_test *t, const char *ref, const char *method, const char *target,
                   const char *body)
{
    free(inspect_text(t, ref));
    call_ok(t, method, target, body);
    assert_cache_fresh(t, ref, target);
}

/* No health check, so no inspect changes anything and every answer can be compared. */
static const char *quiet_box =
    "{\"Image\":\"busy:1\",\"Cmd\":[\"sleep\",\"9\"],\"Healthcheck\":{\"Test\":[\"NONE\"]}}";

static void test_cached_equals_fresh_after_each_change(void **state)
{
    dk_test *t = *state;
    char *id = dk_create(t, "box", quiet_box, false);
    assert_cache_fresh(t, "box", "create");
    change(t, "box", "POST", "/v1.41/containers/box/start", NULL);
    change(t, "box", "POST", "/v1.41/networks/create", "{\"Name\":\"side\"}");
    change(t, "box", "POST", "/v1.41/networks/side/connect", "{\"Container\":\"box\"}");
    change(t, "box", "POST", "/v1.41/networks/side/disconnect", "{\"Container\":\"box\"}");
    change(t, "box", "POST", "/v1.41/containers/box/exec", "{\"Cmd\":[\"true\"]}");
    change(t, "box", "POST", "/v1.41/containers/box/restart", NULL);
    change(t, "box", "POST", "/v1.41/containers/box/kill", NULL);
    change(t, "box", "POST", "/v1.41/containers/box/start", NULL);
    change(t, "box", "POST", "/v1.41/containers/box/stop", NULL);
    change(t, "box", "POST", "/v1.41/containers/box/start", NULL);
    free(inspect_text(t, "box"));
    assert_int_equal(mock_docker_container_exit(t->d, "box", 3, "gone", true), 0);
    assert_cache_fresh(t, "box", "mock_docker_container_exit");
    char *gone = osh_str_printf("/v1.41/containers/%s", id);
    call_ok(t, "DELETE", gone, NULL);
    dk_reply r = CALL(t, "GET", "/v1.41/containers/box/json", NULL);
    assert_int_equal(r.status, 404);
    dk_reply_free(&r);
    free(gone);
    free(id);
}

/* Health set through the C API is forced: inspects no longer move it, so they compare. */
static void test_cached_equals_fresh_after_health_changes(void **state)
{
    dk_test *t = *state;
    free(dk_create(t, "hc", "{\"Image\":\"busy:1\"}", true));
    assert_int_equal(mock_docker_set_health(t->d, "hc", "starting"), 0);
    assert_cache_fresh(t, "hc", "set_health starting");
    assert_int_equal(mock_docker_set_health(t->d, "hc", "healthy"), 0);
    assert_cache_fresh(t, "hc", "set_health healthy");
    assert_int_equal(mock_docker_set_health(t->d, "hc", "unhealthy"), 0);
    assert_cache_fresh(t, "hc", "set_health unhealthy");
}

static void test_scripted_health_advances_per_inspect(void **state)
{
    dk_test *t = *state;
    free(dk_create(t, "seq", "{\"Image\":\"busy:1\"}", true));
    const char *want[] = {"starting", "starting", "healthy", "unhealthy", "unhealthy"};
    int streak[] = {0, 0, 0, 1, 2};
    for (int round = 0; round < 2; round++) { /* the script starts over at each start */
        for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
            dk_reply r = CALL(t, "GET", "/v1.41/containers/seq/json", NULL);
            assert_string_equal(dk_jstr(r.json, "State.Health.Status"), want[i]);
            assert_int_equal(dk_jget(r.json, "State.Health.FailingStreak")->valueint, streak[i]);
            dk_reply_free(&r);
        }
        call_ok(t, "POST", "/v1.41/containers/seq/restart", NULL);
    }
}

static void test_scripted_exit_at_inspect(void **state)
{
    dk_test *t = *state;
    free(dk_create(t, "dies", "{\"Image\":\"busy:1\"}", true));
    const char *want[] = {"running", "running", "exited", "exited"};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        dk_reply r = CALL(t, "GET", "/v1.41/containers/dies/json", NULL);
        assert_string_equal(dk_jstr(r.json, "State.Status"), want[i]);
        dk_reply_free(&r);
    }
    assert_cache_fresh(t, "dies", "the scripted exit");
}

/* A hook changing health at the 3rd inspect, as the k3s simulator computes health. */
static void health_at_third(void *ctx, mock_docker *d, const char *id, long count)
{
    (void)ctx;
    if (count == 3)
        mock_docker_set_health(d, id, "healthy");
}

static void test_inspect_hook_changes_show(void **state)
{
    dk_test *t = *state;
    free(dk_create(t, "hooked", "{\"Image\":\"busy:1\"}", true));
    assert_int_equal(mock_docker_set_health(t->d, "hooked", "starting"), 0);
    mock_docker_hooks h = {0};
    h.inspect = health_at_third;
    mock_docker_set_hooks(t->d, &h);
    const char *want[] = {"starting", "starting", "healthy", "healthy"};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        dk_reply r = CALL(t, "GET", "/v1.41/containers/hooked/json", NULL);
        assert_string_equal(dk_jstr(r.json, "State.Health.Status"), want[i]);
        dk_reply_free(&r);
    }
    mock_docker_set_hooks(t->d, NULL);
}

static void test_faults_apply_to_cached_answers(void **state)
{
    dk_test *t = *state;
    free(dk_create(t, "faulty", "{\"Image\":\"busy:1\",\"Healthcheck\":{\"Test\":[\"NONE\"]}}", true));
    char *plain = inspect_text(t, "faulty");
    call_ok(t, "POST", "/_mock/faults",
            "{\"path\":\"/containers/faulty/json\",\"nth\":2,\"json_set\":{\"State.Status\":\"dead\"}}");
    dk_reply r = CALL(t, "GET", "/v1.41/containers/faulty/json", NULL);
    assert_string_equal(dk_jstr(r.json, "State.Status"), "running");
    dk_reply_free(&r);
    r = CALL(t, "GET", "/v1.41/containers/faulty/json", NULL);
    assert_string_equal(dk_jstr(r.json, "State.Status"), "dead");
    dk_reply_free(&r);
    char *after = inspect_text(t, "faulty");
    assert_string_equal(after, plain); /* the rule did not leak into the cache */
    free(plain);
    free(after);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cached_equals_fresh_after_each_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cached_equals_fresh_after_health_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scripted_health_advances_per_inspect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scripted_exit_at_inspect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inspect_hook_changes_show, setup, teardown),
        cmocka_unit_test_setup_teardown(test_faults_apply_to_cached_answers, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
