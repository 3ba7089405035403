/* test_conf_json.c: the path language and predicates of conformance scenarios, plus the
 * command-prefix splitting, variable expansion and line diff the runner relies on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "conf_argv.h"
#include "conf_diff.h"
#include "conf_json.h"
#include "conf_vars.h"

static const char *doc_text =
    "{\"docker\": {\"containers\": ["
    "  {\"Name\": \"/web\", \"Config\": {\"Env\": [\"A=1\"]}},"
    "  {\"Name\": \"/openshell-cluster-t\", \"Config\": {\"Hostname\": \"openshell-t\","
    "   \"Env\": [\"REGISTRY_MODE=external\", \"OPENSHELL_NODE_NAME=openshell-t\"]},"
    "   \"HostConfig\": {\"PortBindings\": {\"30051/tcp\": [{\"HostPort\": \"8080\"}]}}}],"
    " \"volumes\": {\"v1\": {\"Name\": \"openshell-cluster-t\", \"Labels\": {\"x.y/z\": \"q\"}}}},"
    " \"n\": 3, \"flag\": true}";

static void find_keys_indexes_and_filters(void **state)
{
    cJSON *doc = cJSON_Parse(doc_text);
    const cJSON *v = conf_json_find(doc, "docker.containers[Name=/openshell-cluster-t].Config.Hostname", NULL);
    assert_non_null(v);
    assert_string_equal(v->valuestring, "openshell-t");
    v = conf_json_find(doc, "docker.containers[1].HostConfig.PortBindings[\"30051/tcp\"][0].HostPort", NULL);
    assert_string_equal(v->valuestring, "8080");
    v = conf_json_find(doc, "docker.containers.1.Name", NULL);
    assert_string_equal(v->valuestring, "/openshell-cluster-t"); /* digits index an array */
    v = conf_json_find(doc, "docker.containers[Config.Env.0=A=1].Name", NULL);
    assert_string_equal(v->valuestring, "/web"); /* so a filter can look into arrays */
    assert_null(conf_json_find(doc, "docker.containers.7", NULL));
    assert_null(conf_json_find(doc, "docker.volumes.0", NULL)); /* objects have no indexes */
    v = conf_json_find(doc, "docker.containers[-1].Config.Env[-1]", NULL);
    assert_string_equal(v->valuestring, "OPENSHELL_NODE_NAME=openshell-t");
    /* filters apply to object members too, and the key may be a sub-path */
    v = conf_json_find(doc, "docker.volumes[Name=openshell-cluster-t].Labels[\"x.y/z\"]", NULL);
    assert_string_equal(v->valuestring, "q");
    v = conf_json_find(doc, "docker.containers[Config.Hostname=openshell-t].Name", NULL);
    assert_string_equal(v->valuestring, "/openshell-cluster-t");
    assert_null(conf_json_find(doc, "docker.containers[Name=/nope]", NULL));
    assert_null(conf_json_find(doc, "docker.containers[5]", NULL));
    assert_ptr_equal(conf_json_find(doc, "", NULL), doc);
    cJSON_Delete(doc);
}

static void bad_paths_are_reported(void **state)
{
    const char *bad[] = {"a..b", "a.", "a[", "a[]", "a[\"x]", "a[x]b", ".a", NULL};
    for (int i = 0; bad[i]; i++) {
        char *e = conf_json_path_error(bad[i]);
        assert_non_null(e);
        free(e);
    }
    char *ok = conf_json_path_error("a[0].b[\"c.d\"][k=v].e");
    assert_null(ok);
    cJSON *doc = cJSON_Parse("{\"a\": [1]}");
    char *err = NULL;
    assert_null(conf_json_find(doc, "a[zz]", &err));
    assert_non_null(err);
    assert_non_null(strstr(err, "selector"));
    free(err);
    cJSON_Delete(doc);
}

static bool pred(const char *value_json, const char *pred_json, char **why)
{
    cJSON *v = value_json ? cJSON_Parse(value_json) : NULL;
    cJSON *p = cJSON_Parse(pred_json);
    bool r = conf_json_predicate(v, p, why);
    cJSON_Delete(v);
    cJSON_Delete(p);
    return r;
}

static void predicates_hold_and_fail(void **state)
{
    char *why = NULL;
    assert_true(pred("{\"b\": 1, \"a\": [1, 2]}", "{\"equals\": {\"a\": [1, 2], \"b\": 1}}", NULL));
    assert_false(pred("{\"a\": [2, 1]}", "{\"equals\": {\"a\": [1, 2]}}", &why));
    assert_non_null(strstr(why, "equals"));
    free(why);
    assert_true(pred("[\"A=1\", \"B=2\"]", "{\"contains\": \"B=2\", \"not_contains\": \"C=3\"}", NULL));
    assert_false(pred("[\"A=1\"]", "{\"contains\": \"A=\"}", NULL)); /* array: whole elements */
    assert_true(pred("\"hello world\"", "{\"contains\": \"lo w\"}", NULL));
    assert_true(pred("{\"a\": 1, \"b\": {\"c\": 2, \"d\": 3}}", "{\"subset\": {\"b\": {\"c\": 2}}}", NULL));
    assert_false(pred("{\"a\": 1}", "{\"subset\": {\"a\": 2}}", NULL));
    assert_true(pred("[1, 2, 3]", "{\"length\": 3}", NULL));
    assert_false(pred("\"abcd\"", "{\"length\": 3}", NULL));
    assert_true(pred("\"openshell-x\"", "{\"matches\": \"openshell-*\"}", NULL));
    assert_true(pred("[\"SSH_GATEWAY_HOST=h\"]", "{\"any_match\": \"SSH_GATEWAY_*\"}", NULL));
    assert_false(pred("[\"SSH_GATEWAY_HOST=h\"]", "{\"none_match\": \"SSH_GATEWAY_*\"}", NULL));
    assert_true(pred("5", "{\"at_least\": 5, \"at_most\": 6}", NULL));
    assert_false(pred("7", "{\"at_most\": 6}", NULL));
    assert_true(pred(NULL, "{\"exists\": false}", NULL));
    assert_false(pred("1", "{\"exists\": false}", &why));
    assert_non_null(strstr(why, "expected absent"));
    free(why);
    assert_false(pred(NULL, "{\"equals\": 1}", &why));
    assert_non_null(strstr(why, "absent"));
    free(why);
    /* several failing predicates are all named */
    assert_false(pred("\"x\"", "{\"equals\": \"y\", \"length\": 5}", &why));
    assert_non_null(strstr(why, "equals"));
    assert_non_null(strstr(why, "length"));
    free(why);
}

static void equality_ignores_key_order_only(void **state)
{
    cJSON *a = cJSON_Parse("{\"x\": [1, {\"p\": 1, \"q\": 2}], \"y\": null}");
    cJSON *b = cJSON_Parse("{\"y\": null, \"x\": [1, {\"q\": 2, \"p\": 1}]}");
    cJSON *c = cJSON_Parse("{\"y\": null, \"x\": [{\"q\": 2, \"p\": 1}, 1]}");
    cJSON *d = cJSON_Parse("{\"y\": null, \"x\": [1, {\"q\": 2, \"p\": 1}], \"z\": 0}");
    assert_true(conf_json_equal(a, b));
    assert_false(conf_json_equal(a, c));
    assert_false(conf_json_equal(a, d));
    assert_true(conf_json_subset(a, d));
    assert_false(conf_json_subset(d, a));
    char *pa = conf_json_pretty(a), *pb = conf_json_pretty(b);
    assert_string_equal(pa, pb); /* keys sorted, so diffs show only real differences */
    free(pa);
    free(pb);
    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON_Delete(c);
    cJSON_Delete(d);
}

static void scalar_text_for_filters(void **state)
{
    cJSON *n = cJSON_CreateNumber(8080);
    char *t = conf_json_scalar_text(n);
    assert_string_equal(t, "8080");
    free(t);
    cJSON_Delete(n);
    cJSON *arr = cJSON_CreateArray();
    assert_null(conf_json_scalar_text(arr));
    cJSON_Delete(arr);
}

static void argv_split_like_a_shell(void **state)
{
    int n = 0;
    char *err = NULL;
    char **w = conf_argv_split("  python3 -m 'my impl' \"a \\\"b\\\"\" c\\ d ''", &n, &err);
    assert_non_null(w);
    assert_int_equal(n, 6);
    assert_string_equal(w[0], "python3");
    assert_string_equal(w[2], "my impl");
    assert_string_equal(w[3], "a \"b\"");
    assert_string_equal(w[4], "c d");
    assert_string_equal(w[5], "");
    assert_null(w[6]);
    conf_argv_free(w);
    const char *bad[] = {"a 'b", "a \"b", "a\\", "   ", NULL};
    for (int i = 0; bad[i]; i++) {
        assert_null(conf_argv_split(bad[i], &n, &err));
        assert_non_null(err);
        free(err);
        err = NULL;
    }
}

static void vars_expand_known_names_only(void **state)
{
    cJSON *vars = cJSON_Parse("{\"NAME\": \"t\", \"HOME\": \"/h\"}");
    char *s = conf_vars_expand("${HOME}/x-${NAME}-${pod_line%%/*}-${repeat:3:ab}-${repeat:0:z}${", vars);
    assert_string_equal(s, "/h/x-t-${pod_line%%/*}-ababab-${");
    free(s);
    cJSON *tree = cJSON_Parse("{\"a\": [\"${NAME}\", {\"b\": \"${HOME}${HOME}\"}], \"${NAME}\": 1}");
    conf_vars_expand_tree(tree, vars);
    assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(tree, "a"), 0)->valuestring, "t");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(tree, "a"), 1), "b")->valuestring,
                        "/h/h");
    assert_non_null(cJSON_GetObjectItem(tree, "${NAME}")); /* keys are never expanded */
    cJSON_Delete(tree);
    cJSON_Delete(vars);
}

static void diff_marks_changed_lines(void **state)
{
    char *d = conf_diff_lines("a\nb\nc\n", "a\nx\nc\n");
    assert_string_equal(d, "  a\n- b\n+ x\n  c\n");
    free(d);
    d = conf_diff_lines("same", "same");
    assert_string_equal(d, "  same\n");
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(find_keys_indexes_and_filters),
        cmocka_unit_test(bad_paths_are_reported),
        cmocka_unit_test(predicates_hold_and_fail),
        cmocka_unit_test(equality_ignores_key_order_only),
        cmocka_unit_test(scalar_text_for_filters),
        cmocka_unit_test(argv_split_like_a_shell),
        cmocka_unit_test(vars_expand_known_names_only),
        cmocka_unit_test(diff_marks_changed_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
