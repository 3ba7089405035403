/* test_impl_world.c: deploys against the whole mock world, where the k3s simulator plays
 * the cluster (rules §11): cluster state on the volume, stale nodes left by an older
 * container, the API and the secret appearing after N calls, markers on the log stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "impl_world.h"
#include "osh_str.h"
#include "spec_scripts.h"

static void assert_exit(impl_world *w, int want)
{
    if (w->exit_code != want)
        fail_msg("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", w->exit_code, want, osh_buf_str(&w->out),
                 osh_buf_str(&w->err));
}

/* How many exec creates ran exactly `sh -c script`. */
static int script_execs(impl_world *w, const char *script)
{
    cJSON *j = iw_journal(w);
    int n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, j)
    {
        const char *p = cJSON_GetStringValue(cJSON_GetObjectItem(e, "path"));
        if (!p || !strstr(p, "/containers/") || !osh_str_ends_with(p, "/exec"))
            continue;
        cJSON *body = cJSON_Parse(cJSON_GetStringValue(cJSON_GetObjectItem(e, "body")));
        const cJSON *cmd = cJSON_GetObjectItem(body, "Cmd");
        const cJSON *third = cJSON_GetArrayItem(cmd, 2);
        if (cJSON_GetArraySize(cmd) == 3 && cJSON_IsString(third) && strcmp(third->valuestring, script) == 0)
            n++;
        cJSON_Delete(body);
    }
    cJSON_Delete(j);
    return n;
}

/* The cluster objects of a kind on a volume, as JSON text. */
static char *cluster_text(impl_world *w, const char *volume)
{
    cJSON *state = iw_state(w);
    const cJSON *cluster = cJSON_GetObjectItem(cJSON_GetObjectItem(state, "clusters"), volume);
    char *text = cluster ? cJSON_PrintUnformatted(cluster) : strdup("");
    cJSON_Delete(state);
    return text;
}

static void fresh_deploy_on_simulated_cluster(void **state)
{
    impl_world *w = iw_new(NULL);
    iw_run(w, IW_ARGS("gateway", "start", "--name", "t"), NULL);
    assert_exit(w, 0);
    assert_int_equal(script_execs(w, SPEC_S1), 1);
    assert_int_equal(script_execs(w, SPEC_M1), 1);
    char *ca = iw_file(w, "gateways/t/mtls/ca.crt");
    assert_non_null(ca);
    assert_true(strlen(ca) > 0);
    free(ca);
    char *cluster = cluster_text(w, "openshell-cluster-t");
    iw_assert_contains(cluster, "\"openshell-t\"");
    free(cluster);
    iw_free(w);
}

/* RES-VOLUME-ONLY: a volume left by a container whose node was named after its ID. */
static void legacy_node_is_cleaned_up(void **state)
{
    impl_world *w = iw_new("{\"cluster\": {\"volumes\": {\"openshell-cluster-openshell\": "
                           "{\"legacy_node\": \"3f9a1c2b4d5e\"}}}}");
    iw_run(w, IW_ARGS("gateway", "start"), NULL);
    assert_exit(w, 0);
    iw_assert_contains(osh_buf_str(&w->err), "Resuming gateway from existing state");
    iw_assert_contains(osh_buf_str(&w->err), "Downloading gateway");
    char *s2 = osh_str_printf("KUBECONFIG=/etc/rancher/k3s/k3s.yaml kubectl delete node 3f9a1c2b4d5e --ignore-not-found");
    assert_int_equal(script_execs(w, s2), 1);
    assert_int_equal(script_execs(w, SPEC_S3), 1);
    assert_int_equal(script_execs(w, SPEC_S4), 1);
    free(s2);
    char *cluster = cluster_text(w, "openshell-cluster-openshell");
    iw_assert_contains(cluster, "\"openshell-openshell\"");
    iw_assert_not_contains(cluster, "\"3f9a1c2b4d5e\"");
    iw_assert_not_contains(cluster, "pvc-3f9a1c2b-legacy");
    free(cluster);
    iw_free(w);
}

/* STALE-RETRY, MTLS-LATE */
static void api_and_secret_arrive_late(void **state)
{
    impl_world *w = iw_new("{\"cluster\": {\"api_ready_after_s1\": 4, \"secret\": {\"after_m1\": 7}}}");
    iw_run(w, IW_ARGS("gateway", "start", "--name", "t"), NULL);
    assert_exit(w, 0);
    assert_int_equal(script_execs(w, SPEC_S1), 5);
    assert_int_equal(script_execs(w, SPEC_M1), 7);
    iw_free(w);
}

/* HLT-DNS with the simulator's markers (seen from the first health inspect on). */
static void dns_marker_ends_the_wait(void **state)
{
    impl_world *w = iw_new("{\"cluster\": {\"health\": [\"starting\"], \"markers\": {\"dns_failure\": true}}}");
    iw_run(w, IW_ARGS("gateway", "start", "--name", "t"), NULL);
    assert_exit(w, 1);
    iw_assert_contains(osh_buf_str(&w->err), "DNS resolution is failing inside the gateway container.");
    iw_assert_contains(osh_buf_str(&w->err), "HEALTHCHECK_DNS_FAILURE");
    int logs = iw_find(w, 0, "GET", "/containers/openshell-cluster-t/logs");
    int cleanup = iw_find(w, logs, "POST", "/networks/openshell-cluster-t/disconnect");
    int n = iw_count_between(w, logs, cleanup, "GET", "/containers/openshell-cluster-t/json") - 1;
    if (n < 4 || n > 6)
        fail_msg("%d health inspects, want 4 or 5 (a marker seen from the first inspect on)", n);
    iw_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(fresh_deploy_on_simulated_cluster, iw_teardown),
        cmocka_unit_test_teardown(legacy_node_is_cleaned_up, iw_teardown),
        cmocka_unit_test_teardown(api_and_secret_arrive_late, iw_teardown),
        cmocka_unit_test_teardown(dns_marker_ends_the_wait, iw_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
