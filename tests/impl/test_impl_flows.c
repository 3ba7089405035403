/* test_impl_flows.c: the exec-driven and scripted parts of a deploy against mocks/docker:
 * stale-node cleanup (rules §5), image push (6), health markers and logs (7), the mTLS
 * bundle (8), GPU requests (4.8.4), destroy and stop tolerances (9.3, 9.4), doctor exec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "impl_world.h"
#include "osh_str.h"
#include "spec_scripts.h"

#define C "openshell-cluster-t"
#define KCFG "KUBECONFIG=/etc/rancher/k3s/k3s.yaml"

static const char *const START_T[] = {"gateway", "start", "--name", "t", NULL};

static void assert_exit(impl_world *w, int want)
{
    if (w->exit_code != want)
        fail_msg("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", w->exit_code, want, osh_buf_str(&w->out),
                 osh_buf_str(&w->err));
}

/* A scenario with exec answers: each answer is a JSON object text. */
static char *scenario_with(const char *docker_fields)
{
    return osh_str_printf("{\"docker\": {%s}}", docker_fields);
}

static char *json_string(const char *s)
{
    cJSON *v = cJSON_CreateString(s);
    char *t = cJSON_PrintUnformatted(v);
    cJSON_Delete(v);
    return t;
}

/* The Cmd of every exec create, in order, as one line each ("a|b|c"). */
static char *exec_cmds(impl_world *w)
{
    cJSON *j = iw_journal(w);
    osh_buf b = OSH_BUF_INIT;
    const cJSON *e;
    cJSON_ArrayForEach(e, j)
    {
        const char *p = cJSON_GetStringValue(cJSON_GetObjectItem(e, "path"));
        if (!p || !strstr(p, "/containers/") || !osh_str_ends_with(p, "/exec"))
            continue;
        cJSON *body = cJSON_Parse(cJSON_GetStringValue(cJSON_GetObjectItem(e, "body")));
        const cJSON *arg;
        int i = 0;
        cJSON_ArrayForEach(arg, cJSON_GetObjectItem(body, "Cmd")) osh_buf_appendf(&b, "%s%s", i++ ? "|" : "", arg->valuestring);
        osh_buf_append_char(&b, '\n');
        cJSON_Delete(body);
    }
    cJSON_Delete(j);
    return osh_buf_detach(&b);
}

static int count_lines_with(const char *text, const char *line)
{
    int n = 0;
    size_t len = strlen(line);
    for (const char *p = text; (p = strstr(p, line)); p += len)
        if ((p == text || p[-1] == '\n') && p[len] == '\n')
            n++;
    return n;
}

/* --- rules §5: stale nodes --- */

static void stale_nodes_removed_with_exact_commands(void **state)
{
    char *s1 = json_string(SPEC_S1);
    char *fields = osh_str_printf("\"execs\": [{\"script\": %s, \"stdout\": \"old1\\nopenshell-t\\nold2\\n\"}]", s1);
    char *scenario = scenario_with(fields);
    impl_world *w = iw_new(scenario);
    iw_run(w, START_T, NULL);
    assert_exit(w, 0);
    char *cmds = exec_cmds(w);
    char *want = osh_str_printf("sh|-c|%s\nsh|-c|" KCFG " kubectl delete node old1 old2 --ignore-not-found\n"
                                "sh|-c|%s\nsh|-c|%s\n",
                                SPEC_S1, SPEC_S3, SPEC_S4);
    if (!osh_str_starts_with(cmds, want))
        fail_msg("exec commands:\n%s\nwant them to start with:\n%s", cmds, want);
    free(want);
    free(cmds);
    iw_free(w);
    free(scenario);
    free(fields);
    free(s1);
}

static void legacy_hostname_is_the_current_node(void **state)
{
    char *s1 = json_string(SPEC_S1);
    char *fields = osh_str_printf("\"execs\": [{\"script\": %s, \"stdout\": \"3f9a1c2b4d5e\\nold1\\n\"},"
                                  " {\"argv\": [\"hostname\"], \"stdout\": \"3f9a1c2b4d5e\\n\"}]",
                                  s1);
    char *scenario = scenario_with(fields);
    impl_world *w = iw_new(scenario);
    iw_run(w, START_T, NULL);
    assert_exit(w, 0);
    char *cmds = exec_cmds(w);
    iw_assert_contains(cmds, "\nhostname\n");
    iw_assert_contains(cmds, "kubectl delete node old1 --ignore-not-found\n");
    free(cmds);
    iw_free(w);
    free(scenario);
    free(fields);
    free(s1);
}

static void stale_listing_never_ready(void **state)
{
    char *s1 = json_string(SPEC_S1);
    char *fields = osh_str_printf("\"execs\": [{\"script\": %s, \"exit_code\": 1}]", s1);
    char *scenario = scenario_with(fields);
    impl_world *w = iw_new(scenario);
    iw_run(w, START_T, NULL);
    assert_exit(w, 0);
    char *cmds = exec_cmds(w);
    char *line = osh_str_printf("sh|-c|%s", SPEC_S1);
    assert_int_equal(count_lines_with(cmds, line), 15);
    iw_assert_not_contains(cmds, "delete node");
    free(line);
    free(cmds);
    iw_free(w);
    free(scenario);
    free(fields);
    free(s1);
}

static void exec_exit_code_never_arrives(void **state)
{
    char *s1 = json_string(SPEC_S1);
    char *fields = osh_str_printf("\"execs\": [{\"script\": %s, \"stdout\": \"openshell-t\\n\", \"exit_code_null\": true}]", s1);
    char *scenario = scenario_with(fields);
    impl_world *w = iw_new(scenario);
    iw_run(w, START_T, NULL);
    assert_exit(w, 0);
    /* 15 S1 execs, 20 exec inspects each; then M1 answers at once (one inspect). */
    assert_int_equal(iw_count(w, "GET", "/exec/*/json"), 15 * 20 + 1);
    iw_free(w);
    free(scenario);
    free(fields);
    free(s1);
}

static void stale_exec_error_is_a_warning(void **state)
{
    impl_world *w = iw_new("{\"docker\": {\"faults\": [{\"method\": \"POST\", \"path\": \"/containers/*/exec\", "
                           "\"nth\": 1, \"status\": 500, \"body\": {\"message\": \"exec broke\"}}]}}");
    iw_run(w, START_T, NULL);
    assert_exit(w, 0);
    iw_assert_contains(osh_buf_str(&w->err), "warning: stale node cleanup failed (non-fatal): ");
    iw_assert_contains(osh_buf_str(&w->err), "exec broke");
    iw_free(w);
}

/* --- rules §8: mTLS --- */

static void mtls_timeout(void **state)
{
    char *m1 = json_string(SPEC_M1);
    char *fields = osh_str_printf("\"execs\": [{\"script\": %s, \"exit_code\": 1, \"stderr\": "
                                  "\"Error from server (NotFound): secrets \\\"openshell-cli-client\\\" not found\"}]",
                                  m1);
    char *scenario = scenario_with(fields);
    impl_world *w = iw_new(scenario);
    iw_run(w, START_T, NULL);
    assert_exit(w, 1);
    iw_assert_contains(osh_buf_str(&w->err), "timed out waiting for CLI mTLS secret openshell-cli-client\ncontainer logs:");
    char *cmds = exec_cmds(w);
    char *line = osh_str_printf("sh|-c|%s", SPEC_M1);
    assert_int_equal(count_lines_with(cmds, line), 90);
    free(line);
    free(cmds);
    assert_false(iw_docker_has(w, "volumes", C));
    assert_false(iw_exists(w, "gateways/t/mtls"));
    iw_free(w);
    free(scenario);
    free(fields);
    free(m1);
}

/* BAD-EXECTRUNC: the M1 exec stream (the second exec start) is cut mid-frame. */
static void mtls_exec_stream_truncated(void **state)
{
    impl_world *w = iw_new("{\"docker\": {\"faults\": [{\"method\": \"POST\", \"path\": \"/exec/*/start\", "
                           "\"nth\": 2, \"truncate_after\": 5}]}}");
    iw_run(w, START_T, NULL);
    assert_exit(w, 1);
    iw_assert_contains(osh_buf_str(&w->err), "failed to fetch CLI mTLS secret openshell-cli-client: "
                                             "malformed multiplexed stream: truncated frame\ncontainer logs:");
    assert_false(iw_docker_has(w, "containers", C));
    assert_false(iw_docker_has(w, "volumes", C));
    assert_false(iw_exists(w, "gateways/t/mtls"));
    iw_free(w);
}

static void write_old_bundle(impl_world *w)
{
    char *dir = osh_str_printf("%s/gateways/t/mtls", w->config_root);
    char *cmd = osh_str_printf("mkdir -p '%s' && printf OLD-CA > '%s/ca.crt' && printf OLD-CRT > '%s/tls.crt' && "
                               "printf OLD-KEY > '%s/tls.key' && chmod 600 '%s/tls.key'",
                               dir, dir, dir, dir, dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(dir);
}

static void mtls_bad_base64_keeps_old_bundle(void **state)
{
    char *m1 = json_string(SPEC_M1);
    char *fields = osh_str_printf("\"execs\": [{\"script\": %s, \"stdout\": \"Q0E=\\nQ1JU\\n!!notbase64\"}]", m1);
    char *scenario = scenario_with(fields);
    impl_world *w = iw_new(scenario);
    write_old_bundle(w);
    iw_run(w, START_T, NULL);
    assert_exit(w, 1);
    iw_assert_contains(osh_buf_str(&w->err), "failed to fetch CLI mTLS secret openshell-cli-client: invalid base64 in tls.key");
    char *key = iw_file(w, "gateways/t/mtls/tls.key");
    assert_string_equal(key, "OLD-KEY");
    free(key);
    assert_false(iw_exists(w, "gateways/t/mtls.tmp"));
    assert_false(iw_exists(w, "gateways/t/mtls.bak"));
    iw_free(w);
    free(scenario);
    free(fields);
    free(m1);
}

static void mtls_replaces_old_bundle(void **state)
{
    impl_world *w = iw_new(NULL);
    write_old_bundle(w);
    iw_run(w, START_T, NULL);
    assert_exit(w, 0);
    char *key = iw_file(w, "gateways/t/mtls/tls.key");
    assert_string_equal(key, "KEY");
    free(key);
    assert_int_equal(iw_mode(w, "gateways/t/mtls"), 0700);
    assert_int_equal(iw_mode(w, "gateways/t/mtls/tls.key"), 0600);
    assert_false(iw_exists(w, "gateways/t/mtls.tmp"));
    assert_false(iw_exists(w, "gateways/t/mtls.bak"));
    iw_free(w);
}

static void mtls_container_exits(void **state)
{
    char *m1 = json_string(SPEC_M1);
    /* Health: starting (inspect 1), healthy (2); mTLS attempts inspect 3, 4, 5: exited at 5. */
    char *fields = osh_str_printf("\"execs\": [{\"script\": %s, \"exit_code\": 1}], \"scripts\": {\"*\": "
                                  "{\"exit\": {\"at_inspect\": 5, \"code\": 137, \"oom_killed\": true}}}",
                                  m1);
    char *scenario = scenario_with(fields);
    impl_world *w = iw_new(scenario);
    iw_run(w, START_T, NULL);
    assert_exit(w, 1);
    iw_assert_contains(osh_buf_str(&w->err), "gateway container is not running while waiting for mTLS secret: "
                                             "container exited (status=exited, exit_code=137, OOMKilled=true)\n"
                                             "container logs:");
    char *cmds = exec_cmds(w);
    char *line = osh_str_printf("sh|-c|%s", SPEC_M1);
    assert_int_equal(count_lines_with(cmds, line), 2);
    free(line);
    free(cmds);
    iw_free(w);
    free(scenario);
    free(fields);
    free(m1);
}

/* --- rules §7: markers and logs --- */

static void health_log_ring_keeps_last_15(void **state)
{
    osh_buf logs = OSH_BUF_INIT;
    for (int i = 1; i <= 40; i++)
        osh_buf_appendf(&logs, "%s{\"text\": \"line %d\", \"at_inspect\": 1}", i > 1 ? ", " : "", i);
    char *scenario = osh_str_printf("{\"docker\": {\"scripts\": {\"*\": {\"health\": [\"starting\"], \"logs\": [%s], "
                                    "\"exit\": {\"at_inspect\": 2, \"code\": 1}}}}}",
                                    osh_buf_str(&logs));
    impl_world *w = iw_new(scenario);
    iw_run(w, START_T, NULL);
    assert_exit(w, 1);
    osh_buf want = OSH_BUF_INIT;
    osh_buf_append_str(&want, "gateway container exited unexpectedly (exit_code=1)\ncontainer logs:");
    for (int i = 26; i <= 40; i++)
        osh_buf_appendf(&want, "\n  line %d", i);
    osh_buf_append_char(&want, '\n');
    iw_assert_contains(osh_buf_str(&w->err), osh_buf_str(&want));
    iw_assert_contains(osh_buf_str(&w->err), "\n  line 1\n"); /* forwarded while draining */
    osh_buf_free(&want);
    osh_buf_free(&logs);
    free(scenario);
    iw_free(w);
}

static int health_phase_inspects(impl_world *w)
{
    int logs = iw_find(w, 0, "GET", "/containers/" C "/logs");
    int cleanup = iw_find(w, logs, "POST", "/networks/" C "/disconnect");
    return iw_count_between(w, logs, cleanup, "GET", "/containers/" C "/json") - 1;
}

/* The marker rules and their attempt counts are pinned by the unit tests (test_impl_stream);
 * here the whole path: lines from the container's log stream end the wait early with the
 * marker's text. The mock hands scripted lines to a follower only at its next wake-up (up
 * to 200 ms), so the attempts are slowed to 5 ms and only "early" is checked. */
static void health_markers(void **state)
{
    struct {
        const char *lines;
        const char *phrase;
    } cases[] = {
        {"{\"text\": \"HEALTHCHECK_DNS_FAILURE: cannot resolve ghcr.io\", \"at_inspect\": 1}",
         "dial tcp: lookup registry: Try again\nDNS resolution is failing inside the gateway container.\n"
         "container logs:\n  HEALTHCHECK_DNS_FAILURE: cannot resolve ghcr.io"},
        {"{\"text\": \"HEALTHCHECK_NODE_PRESSURE: DiskPressure\", \"at_inspect\": 1}, "
         "{\"text\": \"HEALTHCHECK_NODE_PRESSURE: MemoryPressure\", \"at_inspect\": 1}",
         "HEALTHCHECK_NODE_PRESSURE: DiskPressure, MemoryPressure\nThe cluster node is under resource pressure."},
        {"{\"text\": \"HEALTHCHECK_MISSING_SUPERVISOR: /opt/openshell/bin/openshell-sandbox not found\", "
         "\"at_inspect\": 1}",
         "The sandbox supervisor binary is missing from the cluster image"},
    };
    const char *env[] = {"OPENSHELL_POLL_INTERVAL_MS=5", NULL};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *scenario = osh_str_printf("{\"docker\": {\"scripts\": {\"*\": {\"health\": [\"starting\"], "
                                        "\"logs\": [%s]}}}}",
                                        cases[i].lines);
        impl_world *w = iw_new(scenario);
        iw_run(w, START_T, env);
        assert_exit(w, 1);
        iw_assert_contains(osh_buf_str(&w->err), cases[i].phrase);
        int n = health_phase_inspects(w);
        if (n >= 180)
            fail_msg("case %zu: %d health inspects; the marker should end the wait early", i, n);
        free(scenario);
        iw_free(w);
    }
}

static void truncated_log_stream_is_reported_and_survived(void **state)
{
    osh_buf health = OSH_BUF_INIT;
    for (int i = 0; i < 170; i++) /* healthy at the 171st of the 180 attempts */
        osh_buf_append_str(&health, "\"starting\", ");
    char *scenario = osh_str_printf("{\"docker\": {\"scripts\": {\"*\": {\"health\": [%s\"healthy\"], "
                                    "\"logs\": [{\"text\": \"a long enough first line\", \"at_inspect\": 1}]}}, "
                                    "\"faults\": [{\"method\": \"GET\", \"path\": \"/containers/*/logs\", "
                                    "\"truncate_after\": 12}]}}",
                                    osh_buf_str(&health));
    osh_buf_free(&health);
    impl_world *w = iw_new(scenario);
    free(scenario);
    /* Slow enough that the mock's delayed hand-over of the line happens before healthy. */
    const char *env[] = {"OPENSHELL_POLL_INTERVAL_MS=5", NULL};
    iw_run(w, START_T, env);
    assert_exit(w, 0);
    iw_assert_contains(osh_buf_str(&w->err), "  [log stream error] ");
    iw_free(w);
}

/* --- rules §6: push --- */

#define PUSH_EXECS                                                                                                    \
    "{\"argv\": [\"ctr\", \"-a\", \"/run/k3s/containerd/containerd.sock\", \"-n\", \"k8s.io\", \"images\", "         \
    "\"import\", \"/tmp/openshell-images.tar\"], \"exit_code\": %d, \"stdout\": \"unpacking a/gateway:dev ...done\\n\"}, " \
    "{\"script\": \"" KCFG " kubectl get statefulset/openshell -n openshell -o name 2>/dev/null\", \"exit_code\": %d, "  \
    "\"stdout\": \"statefulset.apps/openshell\\n\"}, "                                                                \
    "{\"script\": \"" KCFG " kubectl get deployment/openshell -n openshell -o name 2>/dev/null\", \"exit_code\": 1}, "  \
    "{\"script\": \"" KCFG " kubectl rollout restart statefulset/openshell -n openshell\", \"stdout\": \"restarted\"}, " \
    "{\"script\": \"" KCFG " kubectl rollout status statefulset/openshell -n openshell --timeout=180s\"}"

static char *push_scenario(int ctr_exit, int w1_exit)
{
    char *execs = osh_str_printf(PUSH_EXECS, ctr_exit, w1_exit);
    char *s = osh_str_printf("{\"docker\": {\"images\": [{\"ref\": \"a/gateway:dev\"}, {\"ref\": \"b/x:1\"}], "
                             "\"execs\": [%s]}}",
                             execs);
    free(execs);
    return s;
}

static void push_images(void **state)
{
    char *scenario = push_scenario(0, 0);
    impl_world *w = iw_new(scenario);
    free(scenario);
    const char *env[] = {"OPENSHELL_PUSH_IMAGES=a/gateway:dev, b/x:1", NULL};
    iw_run(w, START_T, env);
    assert_exit(w, 0);
    iw_assert_contains(osh_buf_str(&w->err), "  Deploying components\n  Starting gateway\n");
    /* Not a terminal: [progress] lines are dropped, no escape sequence is written. */
    iw_assert_not_contains(osh_buf_str(&w->err), "Uploaded to gateway");
    iw_assert_not_contains(osh_buf_str(&w->err), "\x1b");
    int get = iw_find(w, 0, "GET", "/images/get");
    int put = iw_find(w, get, "PUT", "/containers/" C "/archive");
    assert_true(get > 0 && put > get);
    cJSON *j = iw_journal(w);
    const char *q = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(j, get), "query"));
    assert_string_equal(q, "names=a%2Fgateway%3Adev&names=b%2Fx%3A1");
    q = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(j, put), "query"));
    assert_string_equal(q, "path=%2Ftmp");
    cJSON_Delete(j);
    char *cmds = exec_cmds(w);
    const char *order[] = {"ctr|-a|/run/k3s/containerd/containerd.sock|-n|k8s.io|images|import|/tmp/openshell-images.tar\n",
                           "rm|-f|/tmp/openshell-images.tar\n",
                           "sh|-c|" KCFG " kubectl get statefulset/openshell -n openshell -o name 2>/dev/null\n",
                           "sh|-c|" KCFG " kubectl rollout restart statefulset/openshell -n openshell\n",
                           "sh|-c|" KCFG " kubectl rollout status statefulset/openshell -n openshell --timeout=180s\n"};
    const char *at = cmds;
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        const char *next = strstr(at, order[i]);
        if (!next)
            fail_msg("missing or out of order: %s in\n%s", order[i], cmds);
        at = next;
    }
    free(cmds);
    cJSON *body = iw_body(w, "POST", "/containers/create");
    char *env_text = cJSON_PrintUnformatted(cJSON_GetObjectItem(body, "Env"));
    iw_assert_contains(env_text, "\"PUSH_IMAGE_REFS=a/gateway:dev, b/x:1\",\"IMAGE_TAG=dev\",\"IMAGE_PULL_POLICY=IfNotPresent\"");
    free(env_text);
    cJSON_Delete(body);
    iw_free(w);
}

static void push_failures(void **state)
{
    const char *env[] = {"OPENSHELL_PUSH_IMAGES=a/gateway:dev", NULL};
    char *scenario = push_scenario(1, 0);
    impl_world *w = iw_new(scenario);
    free(scenario);
    iw_run(w, START_T, env);
    assert_exit(w, 1);
    iw_assert_contains(osh_buf_str(&w->err), "ctr images import exited with code 1\nunpacking a/gateway:dev ...done");
    assert_false(iw_docker_has(w, "volumes", C));
    iw_free(w);
    scenario = push_scenario(0, 1);
    w = iw_new(scenario);
    free(scenario);
    iw_run(w, START_T, env);
    assert_exit(w, 1);
    iw_assert_contains(osh_buf_str(&w->err),
                       "no openshell workload (statefulset or deployment) found in namespace 'openshell'");
    iw_free(w);
}

/* --- rules §4.8.4, 2 --- */

static void gpu_requests(void **state)
{
    const char *cases[][2] = {{"{\"docker\": {\"cdi_spec_dirs\": [\"/etc/cdi\"]}}", "\"Driver\":\"cdi\""},
                              {NULL, "\"Driver\":\"nvidia\""},
                              {"{\"docker\": {\"cdi_spec_dirs\": [\"/etc/cdi\"], \"faults\": [{\"path\": \"/info\", "
                               "\"status\": 500, \"body\": {\"message\": \"no info\"}}]}}",
                               "\"Driver\":\"nvidia\""}};
    for (size_t i = 0; i < 3; i++) {
        impl_world *w = iw_new(cases[i][0]);
        iw_run(w, IW_ARGS("gateway", "start", "--name", "t", "--gpu"), NULL);
        assert_exit(w, 0);
        cJSON *body = iw_body(w, "POST", "/containers/create");
        char *text = cJSON_PrintUnformatted(body);
        iw_assert_contains(text, cases[i][1]);
        iw_assert_contains(text, "\"GPU_ENABLED=true\"");
        free(text);
        cJSON_Delete(body);
        iw_free(w);
    }
}

static void long_node_name_fails_start_and_cleans_up(void **state)
{
    impl_world *w = iw_new(NULL);
    char name[61];
    memset(name, 'a', 60);
    name[60] = '\0';
    iw_run(w, IW_ARGS("gateway", "start", "--name", name), NULL);
    assert_exit(w, 1);
    iw_assert_contains(osh_buf_str(&w->err), "sethostname: invalid argument");
    cJSON *body = iw_body(w, "POST", "/containers/create");
    assert_int_equal(strlen(cJSON_GetObjectItem(body, "Hostname")->valuestring), 70);
    cJSON_Delete(body);
    char *c = osh_str_printf("openshell-cluster-%s", name);
    assert_false(iw_docker_has(w, "containers", c));
    assert_false(iw_docker_has(w, "volumes", c));
    assert_false(iw_docker_has(w, "networks", c));
    free(c);
    iw_free(w);
}

/* --- rules §9.3, 9.4, 9.5 --- */

static void destroy_image_409_and_volume_error(void **state)
{
    impl_world *w = iw_new("{\"docker\": {\"faults\": [{\"method\": \"DELETE\", \"path\": \"/images/*\", \"status\": 409, "
                           "\"body\": {\"message\": \"conflict: unable to delete\"}}]}}");
    iw_run(w, START_T, NULL);
    assert_exit(w, 0);
    iw_run(w, IW_ARGS("gateway", "destroy", "--name", "t"), NULL);
    assert_exit(w, 0);
    assert_int_equal(iw_count(w, "DELETE", "/images/*"), 5);
    iw_assert_contains(osh_buf_str(&w->err), "warning: failed to remove gateway image sha256:");
    assert_false(iw_docker_has(w, "volumes", C));
    assert_false(iw_docker_has(w, "networks", C));
    iw_free(w);
    w = iw_new("{\"docker\": {\"faults\": [{\"method\": \"DELETE\", \"path\": \"/volumes/*\", \"status\": 500, "
               "\"body\": {\"message\": \"volume broke\"}}]}}");
    iw_run(w, START_T, NULL);
    assert_exit(w, 0);
    iw_run(w, IW_ARGS("gateway", "destroy", "--name", "t"), NULL);
    assert_exit(w, 1);
    iw_assert_contains(osh_buf_str(&w->err), "volume broke");
    assert_true(iw_exists(w, "gateways/t_metadata.json"));
    iw_free(w);
}

/* What a start killed between writing a temp file and renaming it leaves, by a process that
 * no longer runs (pid 999999999 is above any pid_max). */
static const char *const LEFTOVERS[] = {"gateways/t_metadata.json.tmp.999999999", "active_gateway.tmp.999999998",
                                        "gateways/t/mtls/ca.crt.tmp.999999997",  "gateways/t/mtls.tmp/ca.crt",
                                        "gateways/t/mtls.bak/ca.crt", NULL};

static void leave_crash_temps(impl_world *w)
{
    char *mtls = osh_str_printf("mkdir -p '%s/gateways/t/mtls' '%s/gateways/t/mtls.tmp' '%s/gateways/t/mtls.bak'",
                                w->config_root, w->config_root, w->config_root);
    assert_int_equal(system(mtls), 0);
    free(mtls);
    for (size_t i = 0; LEFTOVERS[i]; i++) {
        char *path = osh_str_printf("%s/%s", w->config_root, LEFTOVERS[i]);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs("half", f);
        fclose(f);
        free(path);
    }
}

/* Every regular file under dir, relative, one per line (sorted by find's order). */
static char *files_under(const char *dir)
{
    char *cmd = osh_str_printf("cd '%s' && find . -type f | sort", dir);
    FILE *p = popen(cmd, "r");
    free(cmd);
    assert_non_null(p);
    osh_buf b = OSH_BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        osh_buf_append(&b, chunk, n);
    pclose(p);
    return osh_buf_detach(&b);
}

/* Issue 13 item 8: after a start killed at any point the next start converges and removes
 * the dead process's temp files; after destroy only the kept mTLS directory is left. */
static void crash_temps_converge(void **state)
{
    impl_world *w = iw_new(NULL);
    *state = w;
    leave_crash_temps(w);
    iw_run(w, START_T, NULL);
    assert_exit(w, 0);
    char *files = files_under(w->config_root);
    for (size_t i = 0; LEFTOVERS[i]; i++)
        if (strstr(files, LEFTOVERS[i]))
            fail_msg("%s survived the next start:\n%s", LEFTOVERS[i], files);
    free(files);
    leave_crash_temps(w); /* a later start killed again */
    iw_run(w, IW_ARGS("gateway", "destroy", "--name", "t"), NULL);
    assert_exit(w, 0);
    files = files_under(w->config_root);
    assert_string_equal(files, "./gateways/t/mtls/ca.crt\n./gateways/t/mtls/tls.crt\n./gateways/t/mtls/tls.key\n");
    free(files);
    iw_free(w);
    *state = NULL;
}

static void stop_tolerances(void **state)
{
    const struct {
        int status;
        int exit;
    } cases[] = {{304, 0}, {409, 0}, {404, 0}, {500, 1}};
    for (size_t i = 0; i < 4; i++) {
        char *scenario = osh_str_printf("{\"docker\": {\"faults\": [{\"method\": \"POST\", \"path\": "
                                        "\"/containers/*/stop\", \"status\": %d, \"body\": {\"message\": \"stop %d\"}}]}}",
                                        cases[i].status, cases[i].status);
        impl_world *w = iw_new(scenario);
        free(scenario);
        iw_run(w, IW_ARGS("gateway", "stop", "--name", "t"), NULL);
        assert_exit(w, cases[i].exit);
        assert_int_equal(iw_count(w, "POST", "/containers/*/stop"), 1);
        iw_free(w);
    }
}

static void doctor_exec_exit_code(void **state)
{
    impl_world *w = iw_new("{\"docker\": {\"execs\": [{\"argv\": [\"sh\", \"-lc\", "
                           "\"KUBECONFIG=/etc/rancher/k3s/k3s.yaml echo 'a b'\"], \"stdout\": \"a b\\n\", "
                           "\"stderr\": \"warn\\n\", \"exit_code\": 3}]}}");
    iw_run(w, START_T, NULL);
    assert_exit(w, 0);
    iw_run(w, IW_ARGS("doctor", "exec", "--name", "t", "--", "echo", "a b"), NULL);
    assert_exit(w, 3);
    assert_string_equal(osh_buf_str(&w->out), "a b\n");
    iw_assert_contains(osh_buf_str(&w->err), "warn\n");
    iw_run(w, IW_ARGS("gateway", "stop", "--name", "t"), NULL);
    iw_run(w, IW_ARGS("doctor", "exec", "--name", "t", "--", "true"), NULL);
    assert_exit(w, 1);
    iw_assert_contains(osh_buf_str(&w->err), "is not running");
    iw_free(w);
}

/* Stops the container once a follow=1 log request has been made (driven by the journal). */
static void *stop_when_followed(void *arg)
{
    impl_world *w = arg;
    for (int i = 0; i < 20000; i++) {
        cJSON *j = iw_journal(w);
        bool followed = false;
        const cJSON *e;
        cJSON_ArrayForEach(e, j)
        {
            const char *q = cJSON_GetStringValue(cJSON_GetObjectItem(e, "query"));
            if (q && strstr(q, "follow=1&tail=0") && strstr(q, "timestamps=1"))
                followed = true;
        }
        cJSON_Delete(j);
        if (followed) {
            mock_docker_append_log(w->docker, C, 1, "after the follow started");
            mock_docker_container_exit(w->docker, C, 0, NULL, false);
            return NULL;
        }
        usleep(1000);
    }
    return NULL;
}

/* doctor logs --follow streams until the container stops (rules §9.5). */
static void doctor_logs_follow(void **state)
{
    impl_world *w = iw_new(NULL);
    iw_run(w, START_T, NULL);
    assert_exit(w, 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, stop_when_followed, w), 0);
    iw_run(w, IW_ARGS("doctor", "logs", "--name", "t", "--follow"), NULL);
    pthread_join(t, NULL);
    assert_exit(w, 0);
    iw_assert_contains(osh_buf_str(&w->out), " after the follow started\n");
    iw_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(stale_nodes_removed_with_exact_commands, iw_teardown),
        cmocka_unit_test_teardown(legacy_hostname_is_the_current_node, iw_teardown),
        cmocka_unit_test_teardown(stale_listing_never_ready, iw_teardown),
        cmocka_unit_test_teardown(exec_exit_code_never_arrives, iw_teardown),
        cmocka_unit_test_teardown(stale_exec_error_is_a_warning, iw_teardown),
        cmocka_unit_test_teardown(mtls_timeout, iw_teardown),
        cmocka_unit_test_teardown(mtls_bad_base64_keeps_old_bundle, iw_teardown),
        cmocka_unit_test_teardown(mtls_exec_stream_truncated, iw_teardown),
        cmocka_unit_test_teardown(mtls_replaces_old_bundle, iw_teardown),
        cmocka_unit_test_teardown(mtls_container_exits, iw_teardown),
        cmocka_unit_test_teardown(health_log_ring_keeps_last_15, iw_teardown),
        cmocka_unit_test_teardown(health_markers, iw_teardown),
        cmocka_unit_test_teardown(truncated_log_stream_is_reported_and_survived, iw_teardown),
        cmocka_unit_test_teardown(push_images, iw_teardown),
        cmocka_unit_test_teardown(push_failures, iw_teardown),
        cmocka_unit_test_teardown(gpu_requests, iw_teardown),
        cmocka_unit_test_teardown(long_node_name_fails_start_and_cleans_up, iw_teardown),
        cmocka_unit_test_teardown(destroy_image_409_and_volume_error, iw_teardown),
        cmocka_unit_test_teardown(stop_tolerances, iw_teardown),
        cmocka_unit_test_teardown(doctor_exec_exit_code, iw_teardown),
        cmocka_unit_test_teardown(doctor_logs_follow, iw_teardown),
        cmocka_unit_test_teardown(crash_temps_converge, iw_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
