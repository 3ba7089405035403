/* test_conf_run.c: the runner end to end on one scenario at a time: environment, steps,
 * every kind of check (passing and failing), journal windows, skips, time limits and
 * scenario validation. The implementation is fake_impl.sh, the world fake_world.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf_check.h"
#include "conf_proc.h"
#include "conf_realdiff.h"
#include "conf_run.h"
#include "conf_scenario.h"
#include "fake_world.h"
#include "osh_str.h"

#ifndef FAKE_IMPL
#error FAKE_IMPL must name fake_impl.sh
#endif

static char *impl_prefix[] = {"/bin/sh", FAKE_IMPL, NULL};

/* Scenario text with ' standing for " (and \' for an escaped quote inside strings). */
static char *dequote(const char *text)
{
    char *s = osh_str_dup(text);
    for (char *p = s; *p; p++)
        if (*p == '\'')
            *p = '"';
    return s;
}

static conf_scenario *load_text(const char *id, const char *text, char **error)
{
    char dir[] = "/tmp/conf-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *path = osh_str_printf("%s/%s.json", dir, id);
    char *json = dequote(text);
    FILE *f = fopen(path, "w");
    fputs(json, f);
    fclose(f);
    conf_scenario *s = conf_scenario_load(path, NULL, error);
    unlink(path);
    rmdir(dir);
    free(path);
    free(json);
    return s;
}

typedef struct outcome {
    conf_scenario *s;
    conf_result r;
} outcome;

static void run_on(const conf_world_backend *b, outcome *o, const char *id, const char *text, const char *missing,
                   bool keep_going)
{
    char *err = NULL;
    o->s = load_text(id, text, &err);
    if (!o->s)
        fail_msg("scenario did not load: %s", err);
    cJSON *miss = missing ? cJSON_Parse(missing) : NULL;
    conf_run_config cfg = {.impl = impl_prefix, .missing = miss, .backend = b,
                           .keep_going = keep_going, .temp_root = "/tmp", .default_timeout_ms = 10000};
    conf_run_scenario(&cfg, o->s, &o->r);
    cJSON_Delete(miss);
}

static void run_text(outcome *o, const char *id, const char *text, const char *missing, bool keep_going)
{
    run_on(&fake_world_backend, o, id, text, missing, keep_going);
}

static void done(outcome *o)
{
    conf_result_clear(&o->r);
    conf_scenario_free(o->s);
}

static bool has_failure(const conf_result *r, const char *needle)
{
    for (int i = 0; i < r->n_failures; i++)
        if (strstr(r->failures[i].message, needle))
            return true;
    return false;
}

static void print_failures(const conf_result *r)
{
    for (int i = 0; i < r->n_failures; i++)
        print_message("  failure: %s: %s\n", r->failures[i].where, r->failures[i].message);
}

static void passing_scenario_with_every_check_kind(void **state)
{
    outcome o;
    run_text(&o, "OK-ALL",
             "{'id': 'OK-ALL', 'rule': 'r', 'spec': '§1', 'world': {'state': {'docker': {'containers': ["
             "  {'Name': '/openshell-cluster-t', 'Config': {'Hostname': 'openshell-t'}}]}}},"
             " 'vars': {'NAME': 't'},"
             " 'files': [{'path': '${CONFIG_ROOT}/gateways/old', 'content': 'OLD', 'mode': '0600'}],"
             " 'steps': [{'args': ['req', 'GET', '/v1.41/_ping', '', '200', 'null',"
             "                     'req', 'POST', '/containers/create', 'name=openshell-cluster-${NAME}', '201',"
             "                     '{\\'Hostname\\': \\'openshell-t\\', \\'Env\\': [\\'A=1\\']}',"
             "                     'req', 'POST', '/v1.41/containers/openshell-cluster-t/start', '', '204', 'null',"
             "                     'out', 'Gateway t ready.', 'err', '  Checking Docker', 'err', '  Starting gateway',"
             "                     'write', '${CONFIG_ROOT}/active_gateway', '${NAME}',"
             "                     'chmod', '${CONFIG_ROOT}/active_gateway', '600'],"
             "   'expect': {'exit': 0, 'stdout': {'contains': 'ready', 'not_contains': ['error'], 'matches': 'Gateway * ready.\\n'},"
             "     'stderr': {'in_order': ['Checking Docker', 'Starting gateway']}}}],"
             " 'expect': {"
             "   'files': [{'path': '${CONFIG_ROOT}/active_gateway', 'content': 't', 'mode': '0600'},"
             "             {'path': '${CONFIG_ROOT}/gateways', 'type': 'dir'},"
             "             {'path': '${CONFIG_ROOT}/gateways/old', 'same_as': '${CONFIG_ROOT}/gateways/old'},"
             "             {'path': '${CONFIG_ROOT}/nothing', 'exists': false}],"
             "   'state': [{'path': 'docker.containers[Name=/openshell-cluster-${NAME}].Config.Hostname', 'equals': 'openshell-t'}],"
             "   'journal': [{'match': {'method': 'POST', 'path': '/containers/create', 'query': {'name': 'openshell-cluster-t'},"
             "                          'body': [{'path': 'Env', 'contains': 'A=1'}]}, 'count': 1},"
             "               {'count': 3},"
             "               {'sequence': [{'path': '/_ping'}, {'path': '/containers/create'}, {'path': '/containers/*/start'}], 'contiguous': true},"
             "               {'which': 'kube', 'count': 0}]}}",
             NULL, false);
    print_failures(&o.r);
    assert_int_equal(o.r.status, CONF_PASS);
    assert_int_equal(o.r.n_steps, 1);
    assert_non_null(strstr(o.r.steps[0].command, "req GET /v1.41/_ping ''"));
    done(&o);
}

static void failing_checks_are_each_reported(void **state)
{
    outcome o;
    run_text(&o, "BAD-ALL",
             "{'id': 'BAD-ALL', 'rule': 'r', 'spec': '§1', 'world': {'state': {'n': 1}},"
             " 'steps': [{'args': ['req', 'GET', '/containers/x/json', '', '404', 'null', 'out', 'hello', 'exit', '3'],"
             "   'expect': {'exit': 1, 'stdout': {'equals': 'bye\\n', 'contains': 'zzz', 'matches': 'b*'}, 'stderr': {'empty': false}}}],"
             " 'expect': {'files': [{'path': '${TMP}/missing'}], 'state': [{'path': 'n', 'equals': 2}],"
             "   'journal': [{'match': {'method': 'GET'}, 'count': 2}]}}",
             NULL, true);
    assert_int_equal(o.r.status, CONF_FAIL);
    assert_true(has_failure(&o.r, "exit status: expected 1, got 3"));
    assert_true(has_failure(&o.r, "stdout differs"));
    assert_true(has_failure(&o.r, "stdout does not contain 'zzz'"));
    assert_true(has_failure(&o.r, "stderr is empty"));
    assert_true(has_failure(&o.r, "missing: expected to exist"));
    assert_true(has_failure(&o.r, "state n"));
    assert_true(has_failure(&o.r, "matched 1 time(s), expected exactly 2"));
    assert_true(has_failure(&o.r, "stdout does not match the pattern 'b*'"));
    assert_int_equal(o.r.n_failures, 8);
    /* the evidence of a failure is kept for the reports */
    assert_non_null(o.r.docker_journal);
    assert_non_null(strstr(o.r.docker_journal, "GET /containers/x/json -> 404"));
    assert_non_null(o.r.state);
    done(&o);
}

/* A journal line longer than any line buffer is one request, not two unparsable halves. */
static void journal_lines_of_any_length(void **state)
{
    (void)state;
    char *path = calloc(1, 12002);
    path[0] = '/';
    memset(path + 1, 'x', 12000);
    char *text = osh_str_printf("{'id': 'LONG', 'rule': 'r', 'spec': '§1', 'world': {},"
                                " 'steps': [{'args': ['req', 'GET', '%s', '', '200', 'null']}],"
                                " 'expect': {'journal': [{'match': {'method': 'GET', 'path': '%s'}, 'count': 1}]}}",
                                path, path);
    outcome o;
    run_text(&o, "LONG", text, NULL, false);
    print_failures(&o.r);
    assert_int_equal(o.r.status, CONF_PASS);
    done(&o);
    free(text);
    free(path);
}

static void files_can_be_the_decoded_value_of_a_state_field(void **state)
{
    outcome o;
    run_text(&o, "B64",
             "{'id': 'B64', 'rule': 'r', 'spec': '§8', 'world': {'state': {'s': {'data': {'ok.crt': 'aGVsbG8=', 'bad.crt': 'd29ybGQ='}}}},"
             " 'steps': [{'args': ['write', '${TMP}/f', 'hello']}],"
             " 'expect': {'files': [{'path': '${TMP}/f', 'base64_of': 's.data[\\'ok.crt\\']'},"
             "                      {'path': '${TMP}/f', 'base64_of': 's.data[\\'bad.crt\\']'},"
             "                      {'path': '${TMP}/f', 'base64_of': 's.data.none'}]}}",
             NULL, true);
    assert_int_equal(o.r.status, CONF_FAIL);
    assert_int_equal(o.r.n_failures, 2);
    assert_true(has_failure(&o.r, "content is not the base64-decoded value at s.data[\"bad.crt\"]"));
    assert_true(has_failure(&o.r, "base64_of: no string at state path s.data.none"));
    done(&o);
}

static void a_body_mismatch_is_shown_as_a_diff_with_the_closest_request(void **state)
{
    outcome o;
    run_text(&o, "DIFF",
             "{'id': 'DIFF', 'rule': 'r', 'spec': '§4',"
             " 'steps': [{'args': ['req', 'POST', '/containers/create', '', '201', '{\\'Image\\': \\'a:1\\', \\'Hostname\\': \\'h\\'}']}],"
             " 'expect': {'journal': [{'match': {'method': 'POST', 'path': '/containers/create', 'body_equals': {'Image': 'a:2', 'Hostname': 'h'}}, 'count': 1}]}}",
             NULL, false);
    assert_int_equal(o.r.status, CONF_FAIL);
    assert_int_equal(o.r.n_failures, 1);
    assert_non_null(strstr(o.r.failures[0].message, "diff against the closest request body"));
    assert_non_null(strstr(o.r.failures[0].expected, "\"Image\": \"a:2\""));
    assert_non_null(strstr(o.r.failures[0].actual, "\"Image\": \"a:1\""));
    done(&o);
}

static void a_failed_step_stops_the_scenario_unless_keep_going(void **state)
{
    const char *text = "{'id': 'STOP', 'rule': 'r', 'spec': '§1', 'world': false,"
                       " 'steps': [{'args': ['exit', '1']}, {'args': ['out', 'second']}],"
                       " 'expect': {'files': [{'path': '${TMP}/nope'}]}}";
    outcome o;
    run_text(&o, "STOP", text, NULL, false);
    assert_int_equal(o.r.status, CONF_FAIL);
    assert_int_equal(o.r.n_steps, 1);
    assert_int_equal(o.r.n_failures, 1); /* default expectation: exit 0 */
    done(&o);
    run_text(&o, "STOP", text, NULL, true);
    assert_int_equal(o.r.n_steps, 2);
    assert_int_equal(o.r.n_failures, 2);
    done(&o);
}

static void journal_windows_per_step_and_anchors(void **state)
{
    outcome o;
    run_text(&o, "WIN",
             "{'id': 'WIN', 'rule': 'r', 'spec': '§1', 'world': {},"
             " 'steps': [{'args': ['req', 'GET', '/a', '', '200', 'null', 'req', 'GET', '/a', '', '200', 'null']},"
             "           {'args': ['req', 'POST', '/start', '', '204', 'null', 'req', 'GET', '/a', '', '200', 'null',"
             "                     'req', 'POST', '/start', '', '204', 'null', 'req', 'GET', '/a', '', '200', 'null',"
             "                     'req', 'GET', '/a', '', '200', 'null', 'req', 'GET', '/m1', '', '200', 'null',"
             "                     'req', 'GET', '/a', '', '200', 'null'],"
             "            'expect': {'journal': [{'match': {'path': '/a'}, 'count': 4},"
             "                                  {'match': {'path': '/a'}, 'after_last': {'path': '/start'},"
             "                                   'before_first': {'path': '/m1'}, 'count': 2},"
             "                                  {'match': {'path': '/a'}, 'after_first': {'path': '/start'}, 'count': 4},"
             "                                  {'sequence': [{'path': '/start'}, {'path': '/m1'}]}]}}],"
             " 'expect': {'journal': [{'match': {'path': '/a'}, 'count': 6, 'at_least': 6, 'at_most': 6}]}}",
             NULL, false);
    print_failures(&o.r);
    assert_int_equal(o.r.status, CONF_PASS);
    done(&o);
    run_text(&o, "WIN2",
             "{'id': 'WIN2', 'rule': 'r', 'spec': '§1',"
             " 'steps': [{'args': ['req', 'GET', '/a', '', '200', 'null', 'req', 'GET', '/b', '', '200', 'null',"
             "                     'req', 'GET', '/c', '', '200', 'null']}],"
             " 'expect': {'journal': [{'sequence': [{'path': '/a'}, {'path': '/c'}], 'contiguous': true},"
             "                        {'sequence': [{'path': '/c'}, {'path': '/a'}]},"
             "                        {'match': {'path': '/a'}, 'after_first': {'path': '/zzz'}, 'count': 0}]}}",
             NULL, true);
    assert_int_equal(o.r.status, CONF_FAIL);
    assert_true(has_failure(&o.r, "sequence item 2 (* /c) not found right after the previous one"));
    assert_true(has_failure(&o.r, "sequence item 2 (* /a) not found after the previous one"));
    assert_true(has_failure(&o.r, "after_first anchor not found"));
    done(&o);
}

static void matchers_on_queries_bodies_and_versions(void **state)
{
    const char *entry_text =
        "{'method': 'GET', 'path': '/v1.41/images/get', 'query': 'names=a%2Fgateway%3Adev&names=b/x:1&tail=all',"
        " 'status': 200, 'body': '{\\'Container\\': \\'c\\', \\'Force\\': true}'}";
    char *json = dequote(entry_text);
    cJSON *e = cJSON_Parse(json);
    free(json);
    assert_non_null(e);
    const char *yes[] = {
        "{'path': '/images/get', 'query': {'names': ['a/gateway:dev', 'b/x:1']}}",
        "{'method': 'GET', 'path': '/images/*', 'query': {'tail': 'all', 'follow': null}}",
        "{'body': [{'path': 'Force', 'equals': true}], 'body_equals': {'Force': true, 'Container': 'c'}}",
        "{'status': 200}", NULL};
    const char *no[] = {
        "{'path': '/images/get', 'query': {'names': ['b/x:1', 'a/gateway:dev']}}",
        "{'query': {'names': 'a/gateway:dev'}}", /* a string means exactly one value */
        "{'query': {'tail': null}}",
        "{'method': 'POST'}",
        "{'path': '/v1.41/images/get'}", /* matched after the version prefix is removed */
        "{'body': [{'path': 'Force', 'equals': false}]}",
        "{'status': 404}", NULL};
    for (int i = 0; yes[i]; i++) {
        char *m = dequote(yes[i]);
        cJSON *mj = cJSON_Parse(m);
        assert_true(conf_check_entry_matches(mj, e));
        cJSON_Delete(mj);
        free(m);
    }
    for (int i = 0; no[i]; i++) {
        char *m = dequote(no[i]);
        cJSON *mj = cJSON_Parse(m);
        assert_false(conf_check_entry_matches(mj, e));
        cJSON_Delete(mj);
        free(m);
    }
    /* an object query (another journal form) works the same */
    cJSON *e2 = cJSON_Parse("{\"method\": \"GET\", \"path\": \"/x\", \"query\": {\"tail\": \"5\", \"n\": [\"a\", \"b\"]}}");
    cJSON *m2 = cJSON_Parse("{\"query\": {\"tail\": \"5\", \"n\": [\"a\", \"b\"]}}");
    assert_true(conf_check_entry_matches(m2, e2));
    cJSON_Delete(m2);
    cJSON_Delete(e2);
    cJSON_Delete(e);
}

static void environment_is_the_contract_and_nothing_else(void **state)
{
    setenv("OPENSHELL_GATEWAY", "leaked", 1);
    setenv("IMAGE_TAG", "leaked", 1);
    outcome o;
    run_text(&o, "ENV",
             "{'id': 'ENV', 'rule': 'r', 'spec': '§3.6', 'env': {'A_VAR': 'x', 'XDG_CONFIG_HOME': null},"
             " 'steps': [{'args': ['env'], 'env': {'B_VAR': 'y'},"
             "   'expect': {'stdout': {'contains': ['OPENSHELL_POLL_INTERVAL_MS=0\\n', 'A_VAR=x\\n', 'B_VAR=y\\n',"
             "                                       'DOCKER_HOST=unix://', 'KUBECONFIG=${TMP}/kubeconfig\\n',"
             "                                       'HOME=${HOME}\\n', 'PATH='],"
             "              'not_contains': ['OPENSHELL_GATEWAY', 'IMAGE_TAG', 'XDG_CONFIG_HOME']}}},"
             "   {'args': ['env'], 'expect': {'stdout': {'not_contains': 'B_VAR'}}}]}",
             NULL, false);
    print_failures(&o.r);
    assert_int_equal(o.r.status, CONF_PASS);
    done(&o);
    unsetenv("OPENSHELL_GATEWAY");
    unsetenv("IMAGE_TAG");
    /* without a world, Docker points at a socket that does not exist, and world checks fail */
    run_text(&o, "NOWORLD",
             "{'id': 'NOWORLD', 'rule': 'r', 'spec': '§3.6', 'world': false,"
             " 'steps': [{'args': ['env'], 'expect': {'stdout': {'contains': 'DOCKER_HOST=unix://${TMP}/no-docker.sock\\n',"
             "                                                    'not_contains': 'KUBECONFIG'}}}],"
             " 'expect': {'state': [{'path': 'x', 'exists': false}]}}",
             NULL, false);
    assert_int_equal(o.r.status, CONF_FAIL);
    assert_int_equal(o.r.n_failures, 1);
    assert_true(has_failure(&o.r, "need a mock world"));
    done(&o);
}

static void slow_environment(void *self, cJSON *env)
{
    cJSON_AddStringToObject(env, "OPENSHELL_POLL_INTERVAL_MS", self);
}

static const char *no_kube(void *world)
{
    (void)world;
    return NULL;
}

/* The backend, not the runner, says which member describes the world (here "real", so the
 * "world" state is not seen), what environment the implementation gets (the scenario's own
 * "env" still wins) and whether there is a Kubernetes API: the way --docker real differs
 * from the mocks. */
static void the_backend_decides_member_environment_and_kube(void **state)
{
    (void)state;
    conf_world_backend b = fake_world_backend;
    b.self = "250";
    b.member = "real";
    b.environment = slow_environment;
    b.kube_url = no_kube;
    outcome o;
    run_on(&b, &o, "BACKEND",
           "{'id': 'BACKEND', 'rule': 'r', 'spec': '§3.6', 'world': {'state': {'n': 1}}, 'real': {'names': ['t'], 'why': 'w'},"
           " 'steps': [{'args': ['env'], 'expect': {'stdout': {'contains': 'OPENSHELL_POLL_INTERVAL_MS=250\\n',"
           "                                                   'not_contains': ['KUBECONFIG', 'KUBE_URL']}}},"
           "   {'args': ['env'], 'env': {'OPENSHELL_POLL_INTERVAL_MS': '7'},"
           "    'expect': {'stdout': {'contains': 'OPENSHELL_POLL_INTERVAL_MS=7\\n'}}}],"
           " 'expect': {'state': [{'path': 'n', 'exists': false}]}}",
           NULL, false);
    print_failures(&o.r);
    assert_int_equal(o.r.status, CONF_PASS);
    done(&o);
}

static void capabilities_skip_and_world_errors_fail(void **state)
{
    outcome o;
    run_text(&o, "CAP", "{'id': 'CAP', 'rule': 'r', 'spec': '§3', 'needs': ['sandbox', 'gpu'], 'steps': [{'args': ['exit', '1']}]}",
             "[\"gpu\"]", false);
    assert_int_equal(o.r.status, CONF_SKIP);
    assert_string_equal(o.r.skip_reason, "implementation lacks capability 'gpu'");
    assert_int_equal(o.r.n_steps, 0);
    done(&o);
    run_text(&o, "CAP", "{'id': 'CAP', 'rule': 'r', 'spec': '§3', 'needs': ['sandbox'], 'steps': [{'args': ['exit', '0']}]}",
             "[\"gpu\"]", false);
    assert_int_equal(o.r.status, CONF_PASS);
    done(&o);
    run_text(&o, "WERR", "{'id': 'WERR', 'rule': 'r', 'spec': '§3', 'world': {'fail': 'scenario: containers[0]: bad'},"
             " 'steps': [{'args': ['exit', '0']}]}", NULL, false);
    assert_int_equal(o.r.status, CONF_FAIL);
    assert_true(has_failure(&o.r, "cannot build the mock world: scenario: containers[0]: bad"));
    done(&o);
}

static void step_time_limit_kills_the_process(void **state)
{
    outcome o;
    run_text(&o, "SLOW", "{'id': 'SLOW', 'rule': 'r', 'spec': '§3', 'world': false,"
             " 'steps': [{'args': ['sleep', '30'], 'timeout_ms': 200}]}", NULL, false);
    assert_int_equal(o.r.status, CONF_FAIL);
    assert_true(o.r.steps[0].timed_out);
    assert_true(has_failure(&o.r, "killed after the time limit"));
    done(&o);
}

static void proc_captures_output_and_status(void **state)
{
    char *argv[] = {"/bin/sh", "-c", "printf 'a\\0b'; echo err >&2; read x; exit 7", NULL};
    char *envp[] = {"PATH=/usr/bin:/bin", NULL};
    conf_proc_result p;
    char *err = NULL;
    assert_int_equal(conf_proc_run(argv, envp, NULL, 5000, &p, &err), 0);
    assert_int_equal(p.exit_code, 7);
    assert_int_equal(p.out_len, 3);
    assert_memory_equal(p.out, "a\0b", 3);
    assert_string_equal(p.err, "err\n");
    assert_false(p.timed_out);
    conf_proc_result_free(&p);
    char *missing[] = {"/nonexistent/openshell", NULL};
    assert_int_equal(conf_proc_run(missing, envp, NULL, 5000, &p, &err), -1);
    assert_non_null(strstr(err, "cannot run '/nonexistent/openshell'"));
    free(err);
}

static char *validate(const char *text)
{
    char *json = dequote(text);
    cJSON *doc = cJSON_Parse(json);
    free(json);
    assert_non_null(doc);
    char *r = conf_scenario_validate(doc);
    cJSON_Delete(doc);
    return r;
}

static void validation_names_the_bad_path(void **state)
{
    static const struct {
        const char *text, *error;
    } cases[] = {
        {"{'id': 'X', 'spec': '§1', 'steps': [{'args': []}]}", "scenario.rule: expected a non-empty string"},
        {"{'id': 'X', 'rule': 'r', 'steps': [{'args': []}]}", "scenario.spec"},
        {"{'id': 'X', 'rule': 'r', 'spec': '§1', 'steps': []}", "scenario.steps: expected a non-empty array"},
        {"{'id': 'X', 'rule': 'r', 'spec': '§1', 'stepz': 1, 'steps': [{'args': []}]}", "scenario.stepz: unknown key"},
        {"{'id': 'X', 'rule': 'r', 'spec': '§1', 'steps': [{'args': [1]}]}", "scenario.steps[0].args: expected array of strings"},
        {"{'id': 'X', 'rule': 'r', 'spec': '§1', 'steps': [{'args': [], 'expect': {'exit': 'zero'}}]}", "scenario.steps[0].expect.exit"},
        {"{'id': 'X', 'rule': 'r', 'spec': '§1', 'steps': [{'args': [], 'expect': {'stdout': {'contain': 'x'}}}]}",
         "scenario.steps[0].expect.stdout.contain: unknown key"},
        {"{'id': 'X', 'rule': 'r', 'spec': '§1', 'steps': [{'args': []}], 'expect': {'exit': 0}}", "scenario.expect.exit: unknown key"},
        {"{'id': 'X', 'rule': 'r', 'spec': '§1', 'steps': [{'args': []}], 'expect': {'state': [{'path': 'a..b', 'equals': 1}]}}",
         "scenario.expect.state[0].path: bad path"},
        {"{'id': 'X', 'rule': 'r', 'spec': '§1', 'steps': [{'args': []}], 'expect': {'state': [{'path': 'a'}]}}",
         "scenario.expect.state[0]: no predicate"},
        {"{'id': 'X', 'rule': 'r', 'spec': '§1', 'steps': [{'args': []}], 'expect': {'state': [{'path': 'a', 'equal': 1}]}}",
         "scenario.expect.state[0].equal: unknown key (expected one of: path, what, equals, not_equals, exists,"},
        {"{'id': 'X', 'rule': 'r', 'spec': '§1', 'steps': [{'args': []}], 'expect': {'state': [{'path': 'a', 'length': 'x'}]}}",
         "scenario.expect.state[0].length: expected number"},
        {"{'id': 'X', 'rule': 'r', 'spec': '§1', 'steps': [{'args': [], 'expect': {'files': [{'path': 'p', 'exists': 1}]}}]}",
         "scenario.steps[0].expect.files[0].exists: expected true or false"},
        {"{'id': 'X', 'rule': 'r', 'spec': '§1', 'steps': [{'request': {'method': 'GET'}}]}",
         "scenario.steps[0].request.path: required (string)"},
        {"{'id': 'X', 'rule': 'r', 'spec': '§1', 'steps': [{'args': []}], 'expect': {'journal': [{'match': {'method': 'GET'}}]}}",
         "needs \"count\""},
        {"{'id': 'X', 'rule': 'r', 'spec': '§1', 'steps': [{'args': []}], 'expect': {'journal': [{'match': {'verb': 'GET'}, 'count': 1}]}}",
         "scenario.expect.journal[0].match.verb: unknown key"},
        {"{'id': 'X', 'rule': 'r', 'spec': '§1', 'steps': [{'args': []}], 'expect': {'files': [{'path': 'p', 'mode': '600x'}]}}",
         "scenario.expect.files[0].mode"},
        {"{'id': 'X', 'rule': 'r', 'spec': '§1', 'files': [{'path': 'p'}], 'steps': [{'args': []}]}",
         "exactly one of"},
        {"{'id': 'X', 'rule': 'r', 'spec': '§1', 'world': 3, 'steps': [{'args': []}]}", "scenario.world"},
        {"{'id': 'X', 'rule': 'r', 'spec': '§1', 'env': {'A': 1}, 'steps': [{'args': []}]}", "scenario.env.A"},
        {"{'id': 'X', 'rule': 'r', 'spec': '§1', 'real': {}, 'steps': [{'args': []}]}", "scenario.real.names"},
        {"{'id': 'X', 'rule': 'r', 'spec': '§1', 'real': {'names': [1]}, 'steps': [{'args': []}]}", "scenario.real.names"},
        {"{'id': 'X', 'rule': 'r', 'spec': '§1', 'real': {'names': [], 'nme': 1}, 'steps': [{'args': []}]}",
         "scenario.real.nme: unknown key"},
        {"{'id': 'X', 'rule': 'r', 'spec': '§1', 'real': {'names': [], 'known_diff': ''}, 'steps': [{'args': []}]}",
         "scenario.real.known_diff: expected a non-empty string"},
        {"{'id': 'X', 'rule': 'r', 'spec': '§1', 'real': {'names': [], 'image_changes': 'ENV A=1'}, 'steps': [{'args': []}]}",
         "scenario.real.image_changes: expected array"},
        {NULL, NULL}};
    for (int i = 0; cases[i].text; i++) {
        char *e = validate(cases[i].text);
        if (!e || !strstr(e, cases[i].error))
            fail_msg("case %d: expected an error containing '%s', got '%s'", i, cases[i].error, e ? e : "(none)");
        free(e);
    }
    char *ok = validate("{'id': 'X', 'rule': 'r', 'spec': ['§1', '§2'], 'steps': [{'args': []}]}");
    assert_null(ok);
}

/* --docker real's comparison: agreeing runs give NULL; each kind of difference is named. */
static void fill_run(conf_result *r, int exit_code, const char *err, const char *state_json)
{
    memset(r, 0, sizeof *r);
    r->n_steps = 1;
    r->steps = calloc(1, sizeof *r->steps);
    r->steps[0].exit_code = exit_code;
    r->steps[0].err = osh_str_dup(err);
    r->state = state_json ? dequote(state_json) : NULL;
}

static void realdiff_names_each_difference(void **state)
{
    (void)state;
    char *doc_text = dequote("{'steps': [{'args': [], 'expect': {'stderr': {'contains': 'ready', 'in_order': ['a', '${TMP}']}}}],"
                             " 'real': {'names': ['t']}}");
    cJSON *doc = cJSON_Parse(doc_text);
    free(doc_text);
    const char *st = "{'docker': {'containers': [{'Name': '/openshell-cluster-t', 'Config': {'Image': 'i', 'Env': "
                     "['A=1', 'PATH=/x']}, 'HostConfig': {'Privileged': true, 'RestartPolicy': {'Name': 'no'}}, "
                     "'State': {'Running': true}}], 'volumes': [{'Name': 'openshell-cluster-t'}], 'networks': []}}";
    const char *st_path = "{'docker': {'containers': [{'Name': '/openshell-cluster-t', 'Config': {'Image': 'i', 'Env': "
                          "['A=1', 'PATH=/other']}, 'HostConfig': {'Privileged': true, 'RestartPolicy': {'Name': 'no'}}, "
                          "'State': {'Running': true}}], 'volumes': [{'Name': 'openshell-cluster-t'}]}}";
    conf_result m, r;
    fill_run(&m, 0, "a ready", st);
    fill_run(&r, 0, "a ready /tmp/other", st_path);
    char *d = conf_realdiff_compare(doc, &m, &r);
    assert_null(d); /* PATH from the image and ${VARS} phrases are not compared */
    conf_result_clear(&r);
    fill_run(&r, 1, "a", "{'docker': {'containers': [], 'volumes': [], 'networks': [{'Name': 'openshell-cluster-t'}]}}");
    d = conf_realdiff_compare(doc, &m, &r);
    assert_non_null(d);
    assert_non_null(strstr(d, "step 1: exit 0 on the mock, 1 on the real daemon"));
    assert_non_null(strstr(d, "phrase \"ready\" found on the mock, missing on the real daemon"));
    assert_non_null(strstr(d, "state t.container: mock {"));
    assert_non_null(strstr(d, "state t.volume: mock true, real false"));
    assert_non_null(strstr(d, "state t.network: mock false, real true"));
    free(d);
    conf_result_clear(&m);
    conf_result_clear(&r);
    cJSON_Delete(doc);
}

static void loading_checks_id_and_matcher_names(void **state)
{
    char *err = NULL;
    assert_null(load_text("FILE", "{'id': 'OTHER', 'rule': 'r', 'spec': '§1', 'steps': [{'args': []}]}", &err));
    assert_non_null(strstr(err, "differs from the file name"));
    free(err);
    err = NULL;
    assert_null(load_text("REF", "{'id': 'REF', 'rule': 'r', 'spec': '§1', 'steps': [{'args': []}],"
                                 " 'expect': {'journal': [{'match': 'S9', 'count': 1}]}}", &err));
    assert_non_null(strstr(err, "no matcher named 'S9'"));
    free(err);
    err = NULL;
    assert_null(load_text("JSON", "{'id': ", &err));
    assert_non_null(strstr(err, "not valid JSON"));
    free(err);
    err = NULL;
    conf_scenario *s = load_text("REF", "{'id': 'REF', 'rule': 'r', 'spec': '§1', 'steps': [{'args': []}],"
                                        " 'matchers': {'S1': {'method': 'POST'}},"
                                        " 'expect': {'journal': [{'sequence': ['S1', {'path': '/x'}, 'S1']}]}}", &err);
    assert_non_null(s);
    const cJSON *seq = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(s->doc, "expect"), "journal"), 0), "sequence");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(seq, 2), "method")->valuestring, "POST");
    conf_scenario_free(s);
    assert_true(conf_scenario_filter_match("DEP-*,NN-VEC", "NN-VEC"));
    assert_true(conf_scenario_filter_match(NULL, "X"));
    assert_false(conf_scenario_filter_match("DEP-*", "NN-VEC"));
}

static void request_steps_need_a_reachable_world(void **state)
{
    outcome o;
    run_text(&o, "REQ", "{'id': 'REQ', 'rule': 'r', 'spec': '§3', 'world': false,"
             " 'steps': [{'request': {'method': 'DELETE', 'path': '/containers/x', 'query': 'force=1'}}]}", NULL, false);
    assert_int_equal(o.r.status, CONF_FAIL);
    assert_true(has_failure(&o.r, "does not serve that endpoint"));
    assert_string_equal(o.r.steps[0].command, "DELETE /containers/x?force=1 (runner request to docker)");
    done(&o);
    /* the fake world's socket does not exist: the request fails, naming the URL */
    run_text(&o, "REQ", "{'id': 'REQ', 'rule': 'r', 'spec': '§3',"
             " 'steps': [{'request': {'method': 'POST', 'path': '/_mock/faults', 'body': {'path': '/x', 'status': 500}}}]}", NULL, false);
    assert_int_equal(o.r.status, CONF_FAIL);
    assert_true(has_failure(&o.r, "request step POST http://localhost/_mock/faults"));
    done(&o);
    char *e = validate("{'id': 'X', 'rule': 'r', 'spec': '§1', 'steps': [{'args': [], 'request': {'path': '/x'}}]}");
    assert_non_null(strstr(e, "exactly one of"));
    free(e);
    e = validate("{'id': 'X', 'rule': 'r', 'spec': '§1', 'steps': [{'request': {'path': 'x'}}]}");
    assert_non_null(strstr(e, "scenario.steps[0].request.path"));
    free(e);
    e = validate("{'id': 'X', 'rule': 'r', 'spec': '§1', 'steps': [{'request': {'path': '/x', 'which': 'k8s'}}]}");
    assert_non_null(strstr(e, "scenario.steps[0].request.which"));
    free(e);
}

static void background_steps_run_alongside_and_are_judged_at_wait(void **state)
{
    outcome o;
    run_text(&o, "BG",
             "{'id': 'BG', 'rule': 'r', 'spec': '§3',"
             " 'steps': [{'background': 'w', 'args': ['req', 'GET', '/watch', '', '200', 'null', 'sleep', '0.2', 'out', 'bg done']},"
             "           {'await': {'match': {'path': '/watch'}}},"
             "           {'args': ['req', 'POST', '/create', '', '201', 'null']},"
             "           {'wait': 'w', 'expect': {'stdout': {'equals': 'bg done\\n'},"
             "                                    'journal': [{'sequence': [{'path': '/watch'}, {'path': '/create'}]}]}}]}",
             NULL, false);
    print_failures(&o.r);
    assert_int_equal(o.r.status, CONF_PASS);
    assert_int_equal(o.r.n_steps, 2); /* the command step and the wait step are recorded */
    assert_non_null(strstr(o.r.steps[1].name, "wait for w"));
    done(&o);
    /* an await that never sees its request fails at its time limit (the background job is
     * then killed rather than waited for, so this test does not take 30 s) */
    run_text(&o, "BG2",
             "{'id': 'BG2', 'rule': 'r', 'spec': '§3',"
             " 'steps': [{'background': 'w', 'args': ['sleep', '30']},"
             "           {'await': {'match': {'path': '/never'}}, 'timeout_ms': 50},"
             "           {'wait': 'w'}]}",
             NULL, false);
    assert_int_equal(o.r.status, CONF_FAIL);
    assert_true(has_failure(&o.r, "await: fewer than 1 docker request(s) matching * /never within 50 ms"));
    done(&o);
    static const struct {
        const char *text, *error;
    } bad[] = {
        {"{'id': 'X', 'rule': 'r', 'spec': '§1', 'steps': [{'background': 'w', 'args': []}]}", "needs exactly one later"},
        {"{'id': 'X', 'rule': 'r', 'spec': '§1', 'steps': [{'wait': 'w'}]}", "no earlier background step 'w'"},
        {"{'id': 'X', 'rule': 'r', 'spec': '§1', 'steps': [{'background': 'w', 'args': [], 'expect': {'exit': 0}}, {'wait': 'w'}]}",
         "a background step has no"},
        {"{'id': 'X', 'rule': 'r', 'spec': '§1', 'steps': [{'background': 'w', 'request': {'path': '/x'}}, {'wait': 'w'}]}", "background"},
        {"{'id': 'X', 'rule': 'r', 'spec': '§1', 'steps': [{'await': {'count': 2}}]}", "scenario.steps[0].await.match: required"},
        {"{'id': 'X', 'rule': 'r', 'spec': '§1', 'steps': [{'await': {'match': {'pth': '/x'}}}]}", "scenario.steps[0].await.match.pth: unknown key"},
        {NULL, NULL}};
    for (int i = 0; bad[i].text; i++) {
        char *e = validate(bad[i].text);
        if (!e || !strstr(e, bad[i].error))
            fail_msg("case %d: expected an error containing '%s', got '%s'", i, bad[i].error, e ? e : "(none)");
        free(e);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(passing_scenario_with_every_check_kind),
        cmocka_unit_test(failing_checks_are_each_reported),
        cmocka_unit_test(a_failed_step_stops_the_scenario_unless_keep_going),
        cmocka_unit_test(a_body_mismatch_is_shown_as_a_diff_with_the_closest_request),
        cmocka_unit_test(files_can_be_the_decoded_value_of_a_state_field),
        cmocka_unit_test(journal_windows_per_step_and_anchors),
        cmocka_unit_test(journal_lines_of_any_length),
        cmocka_unit_test(matchers_on_queries_bodies_and_versions),
        cmocka_unit_test(environment_is_the_contract_and_nothing_else),
        cmocka_unit_test(the_backend_decides_member_environment_and_kube),
        cmocka_unit_test(capabilities_skip_and_world_errors_fail),
        cmocka_unit_test(step_time_limit_kills_the_process),
        cmocka_unit_test(proc_captures_output_and_status),
        cmocka_unit_test(validation_names_the_bad_path),
        cmocka_unit_test(realdiff_names_each_difference),
        cmocka_unit_test(loading_checks_id_and_matcher_names),
        cmocka_unit_test(request_steps_need_a_reachable_world),
        cmocka_unit_test(background_steps_run_alongside_and_are_judged_at_wait),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
