/* test_kube_store.c: the Kubernetes object store and its apiserver semantics: metadata,
 * validation, errors worded as the apiserver words them, selectors, the three patch types,
 * deletion (finalizers, Terminating pods, namespaces, owners), watch history, export/import,
 * YAML and the server-side Table. */
#include <setjmp.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kube_meta.h"
#include "osh_buf.h"
#include "kube_patch.h"
#include "kube_protobuf.h"
#include "osh_base64.h"
#include "kube_selector.h"
#include "kube_store.h"
#include "kube_table.h"
#include "kube_yaml.h"

static const kube_resource *R(const char *plural) { return kube_resource_by_user_name(plural); }

static kube_result create(kube_store *s, const char *plural, const char *ns, const char *json)
{
    cJSON *o = cJSON_Parse(json);
    assert_non_null(o);
    kube_result r = kube_store_create(s, R(plural), ns, o, false);
    cJSON_Delete(o);
    return r;
}

static void expect(kube_result r, int code, const char *message)
{
    assert_int_equal(r.code, code);
    if (message)
        assert_string_equal(kube_status_message(r.body), message);
    cJSON_Delete(r.body);
}

static void test_create_fills_metadata(void **state)
{
    (void)state;
    kube_store *s = kube_store_new();
    long long rv0 = kube_store_resource_version(s);
    kube_result r = create(s, "statefulsets", "default", "{\"metadata\": {\"name\": \"web\"}, \"spec\": {\"replicas\": 1}, \"status\": {\"readyReplicas\": 9}}");
    assert_int_equal(r.code, 201);
    assert_string_equal(cJSON_GetObjectItem(r.body, "apiVersion")->valuestring, "apps/v1");
    assert_string_equal(cJSON_GetObjectItem(r.body, "kind")->valuestring, "StatefulSet");
    assert_int_equal(strlen(kube_meta_get(r.body, "uid")), 36);
    assert_non_null(kube_meta_get(r.body, "creationTimestamp"));
    assert_int_equal(atoll(kube_meta_get(r.body, "resourceVersion")), rv0 + 1);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(r.body, "metadata"), "generation")->valueint, 1);
    assert_null(cJSON_GetObjectItem(r.body, "status")); /* status is dropped on create */
    cJSON_Delete(r.body);
    kube_store_unref(s);
}

static void test_errors_worded_like_the_apiserver(void **state)
{
    (void)state;
    kube_store *s = kube_store_new();
    expect(create(s, "namespaces", NULL, "{\"metadata\": {\"name\": \"team\"}}"), 201, NULL);
    expect(create(s, "namespaces", NULL, "{\"metadata\": {\"name\": \"team\"}}"), 409, "namespaces \"team\" already exists");
    kube_result r = create(s, "namespaces", NULL, "{\"metadata\": {\"name\": \"Bad_Name\"}}");
    assert_int_equal(r.code, 422);
    assert_string_equal(kube_status_reason(r.body), "Invalid");
    assert_non_null(strstr(kube_status_message(r.body), "Namespace \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 label"));
    cJSON_Delete(r.body);
    expect(create(s, "secrets", "nowhere", "{\"metadata\": {\"name\": \"x\"}}"), 404, "namespaces \"nowhere\" not found");
    expect(create(s, "pods", "default", "{\"metadata\": {}}"), 422,
           "Pod \"\" is invalid: metadata.name: Required value: name or generateName is required");
    expect(kube_store_get(s, R("statefulsets"), "default", "gone"), 404, "statefulsets.apps \"gone\" not found");
    expect(kube_store_get(s, R("sandboxes"), "default", "gone"), 404, "sandboxes.agents.x-k8s.io \"gone\" not found");
    r = kube_store_get(s, R("secrets"), "default", "gone");
    const cJSON *details = cJSON_GetObjectItem(r.body, "details");
    assert_string_equal(cJSON_GetObjectItem(details, "kind")->valuestring, "secrets");
    assert_string_equal(cJSON_GetObjectItem(details, "name")->valuestring, "gone");
    assert_int_equal(cJSON_GetObjectItem(r.body, "code")->valueint, 404);
    cJSON_Delete(r.body);
    kube_store_unref(s);
}

static void test_update_conflict_and_generation(void **state)
{
    (void)state;
    kube_store *s = kube_store_new();
    kube_result c = create(s, "deployments", "default", "{\"metadata\": {\"name\": \"d\"}, \"spec\": {\"replicas\": 1}}");
    cJSON *stale = cJSON_Duplicate(c.body, true);
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(c.body, "spec"), "replicas", cJSON_CreateNumber(2));
    kube_result u = kube_store_update(s, R("deployments"), "default", "d", c.body, false, false);
    assert_int_equal(u.code, 200);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(u.body, "metadata"), "generation")->valueint, 2);
    cJSON_Delete(u.body);
    expect(kube_store_update(s, R("deployments"), "default", "d", stale, false, false), 409,
           "Operation cannot be fulfilled on deployments.apps \"d\": the object has been modified; please apply your "
           "changes to the latest version and try again");
    /* a status update keeps the spec and the generation */
    cJSON *st = cJSON_Parse("{\"metadata\": {\"name\": \"d\"}, \"spec\": {\"replicas\": 7}, \"status\": {\"readyReplicas\": 1}}");
    u = kube_store_update(s, R("deployments"), "default", "d", st, true, false);
    assert_int_equal(u.code, 200);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(u.body, "spec"), "replicas")->valueint, 2);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(u.body, "status"), "readyReplicas")->valueint, 1);
    cJSON_Delete(u.body);
    cJSON_Delete(st);
    cJSON_Delete(stale);
    cJSON_Delete(c.body);
    kube_store_unref(s);
}

static void test_selectors(void **state)
{
    (void)state;
    char *error = NULL;
    cJSON *o = cJSON_Parse("{\"metadata\": {\"name\": \"p\", \"namespace\": \"ns\", \"labels\": {\"app\": \"web\", \"tier\": \"fe\"}},"
                           " \"spec\": {\"nodeName\": \"n1\"}, \"status\": {\"phase\": \"Running\"}}");
    const char *yes[] = {"app=web", "app==web,tier", "app in (web, db)", "tier notin (be)", "!missing", "app!=db", ""};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        kube_selector *sel = kube_label_selector_parse(yes[i], &error);
        assert_non_null(sel);
        assert_true(kube_selector_matches(sel, o));
        kube_selector_free(sel);
    }
    const char *no[] = {"app=db", "missing", "app notin (web)", "!app"};
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        kube_selector *sel = kube_label_selector_parse(no[i], &error);
        assert_false(kube_selector_matches(sel, o));
        kube_selector_free(sel);
    }
    kube_selector *f = kube_field_selector_parse("status.phase=Running,spec.nodeName=n1,metadata.namespace!=x", R("pods"), &error);
    assert_true(kube_selector_matches(f, o));
    kube_selector_free(f);
    assert_null(kube_field_selector_parse("spec.foo=1", R("pods"), &error));
    assert_string_equal(error, "field label not supported: spec.foo");
    free(error);
    assert_null(kube_field_selector_parse("status.phase=Running", R("nodes"), &error));
    free(error);
    assert_null(kube_label_selector_parse("app in web", &error));
    free(error);
    assert_null(kube_label_selector_parse("!", &error));
    assert_string_equal(error, "unable to parse requirement: missing key");
    free(error);
    cJSON_Delete(o);
}

static void test_patches(void **state)
{
    (void)state;
    char *error = NULL;
    cJSON *doc = cJSON_Parse("{\"a\": 1, \"m\": {\"x\": 1, \"y\": 2}, \"spec\": {\"containers\": [{\"name\": \"c1\", \"image\": \"i1\"}, {\"name\": \"c2\", \"image\": \"i2\"}]}}");
    cJSON *mp = cJSON_Parse("{\"a\": null, \"m\": {\"y\": 3, \"z\": 4}, \"spec\": {\"containers\": [{\"name\": \"c2\", \"image\": \"new\"}]}}");
    cJSON *merged = kube_merge_patch(doc, mp, &error);
    char *text = cJSON_PrintUnformatted(merged);
    assert_string_equal(text, "{\"m\":{\"x\":1,\"y\":3,\"z\":4},\"spec\":{\"containers\":[{\"name\":\"c2\",\"image\":\"new\"}]}}");
    free(text);
    cJSON_Delete(merged);
    merged = kube_strategic_merge_patch(doc, mp, &error);
    text = cJSON_PrintUnformatted(cJSON_GetObjectItem(merged, "spec"));
    assert_string_equal(text, "{\"containers\":[{\"name\":\"c1\",\"image\":\"i1\"},{\"name\":\"c2\",\"image\":\"new\"}]}");
    free(text);
    cJSON_Delete(merged);
    cJSON *del = cJSON_Parse("{\"spec\": {\"containers\": [{\"name\": \"c1\", \"$patch\": \"delete\"}], \"$setElementOrder/containers\": []}}");
    merged = kube_strategic_merge_patch(doc, del, &error);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(merged, "spec"), "containers")), 1);
    cJSON_Delete(merged);
    cJSON_Delete(del);
    cJSON *ops = cJSON_Parse("[{\"op\": \"replace\", \"path\": \"/a\", \"value\": 5}, {\"op\": \"add\", \"path\": \"/m/k~1v\", \"value\": true},"
                             " {\"op\": \"remove\", \"path\": \"/spec/containers/0\"}, {\"op\": \"test\", \"path\": \"/a\", \"value\": 5},"
                             " {\"op\": \"copy\", \"from\": \"/a\", \"path\": \"/b\"}, {\"op\": \"move\", \"from\": \"/b\", \"path\": \"/c\"}]");
    cJSON *patched = kube_json_patch(doc, ops, &error);
    assert_non_null(patched);
    text = cJSON_PrintUnformatted(patched);
    assert_string_equal(text, "{\"a\":5,\"m\":{\"x\":1,\"y\":2,\"k/v\":true},\"spec\":{\"containers\":[{\"name\":\"c2\",\"image\":\"i2\"}]},\"c\":5}");
    free(text);
    cJSON_Delete(patched);
    /* duplicate keys: the last one counts, as in Go's decoder (merge patch stays idempotent) */
    cJSON *dup = cJSON_Parse("{\"x\": [{\"k\": 1, \"k\": 2}]}");
    merged = kube_merge_patch(doc, dup, &error);
    text = cJSON_PrintUnformatted(cJSON_GetObjectItem(merged, "x"));
    assert_string_equal(text, "[{\"k\":2}]");
    free(text);
    cJSON *twice = kube_merge_patch(merged, dup, &error);
    assert_true(cJSON_Compare(twice, merged, true));
    cJSON_Delete(twice);
    cJSON_Delete(merged);
    cJSON_Delete(dup);
    cJSON *bad = cJSON_Parse("[{\"op\": \"remove\", \"path\": \"/nope\"}]");
    assert_null(kube_json_patch(doc, bad, &error));
    assert_string_equal(error, "unable to remove nonexistent key: \"/nope\"");
    free(error);
    cJSON_Delete(bad);
    /* the texts of a missing or impossible path, for get (test, copy) and remove (move) */
    static const char *const refused[][2] = {
        {"[{\"op\": \"remove\", \"path\": \"\"}]", "cannot remove the whole document"},
        {"[{\"op\": \"test\", \"path\": \"/nope\", \"value\": 1}]", "doc is missing key: \"/nope\""},
        {"[{\"op\": \"copy\", \"from\": \"/spec/containers/7\", \"path\": \"/b\"}]",
         "doc is missing key: \"/spec/containers/7\""},
        {"[{\"op\": \"move\", \"from\": \"/m/nope\", \"path\": \"/b\"}]", "unable to remove nonexistent key: \"/m/nope\""},
    };
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        bad = cJSON_Parse(refused[i][0]);
        assert_null(kube_json_patch(doc, bad, &error));
        assert_string_equal(error, refused[i][1]);
        free(error);
        cJSON_Delete(bad);
    }
    /* "" names the whole document for get: a test against it compares the document */
    bad = cJSON_Parse("[{\"op\": \"test\", \"path\": \"\", \"value\": 1}]");
    assert_null(kube_json_patch(doc, bad, &error));
    assert_string_equal(error, "testing value  failed");
    free(error);
    cJSON_Delete(bad);
    bad = cJSON_Parse("[{\"op\": \"test\", \"path\": \"/a\", \"value\": 2}]");
    assert_null(kube_json_patch(doc, bad, &error));
    free(error);
    cJSON_Delete(bad);
    cJSON_Delete(ops);
    cJSON_Delete(mp);
    cJSON_Delete(doc);
}

static void test_delete_semantics(void **state)
{
    (void)state;
    kube_store *s = kube_store_new();
    expect(create(s, "nodes", NULL, "{\"metadata\": {\"name\": \"gone-node\"}}"), 201, NULL);
    kube_result p = create(s, "pods", "default", "{\"metadata\": {\"name\": \"p1\"}, \"spec\": {\"nodeName\": \"gone-node\"}}");
    cJSON_Delete(p.body);
    kube_delete_opts graceful = {-1, NULL, false}, force = {0, NULL, false};
    /* the node is not Ready: a graceful delete leaves the pod Terminating */
    kube_result d = kube_store_delete(s, R("pods"), "default", "p1", &graceful);
    assert_int_equal(d.code, 200);
    assert_non_null(kube_meta_get(d.body, "deletionTimestamp"));
    cJSON_Delete(d.body);
    expect(kube_store_get(s, R("pods"), "default", "p1"), 200, NULL);
    d = kube_store_delete(s, R("pods"), "default", "p1", &force);
    cJSON_Delete(d.body);
    expect(kube_store_get(s, R("pods"), "default", "p1"), 404, NULL);
    /* finalizers keep an object until they are removed */
    expect(create(s, "sandboxes", "default", "{\"metadata\": {\"name\": \"sb\", \"finalizers\": [\"x/y\"]}}"), 201, NULL);
    d = kube_store_delete(s, R("sandboxes"), "default", "sb", &graceful);
    assert_non_null(kube_meta_get(d.body, "deletionTimestamp"));
    cJSON_Delete(d.body);
    cJSON *patch = cJSON_Parse("{\"metadata\": {\"finalizers\": null}}");
    kube_result u = kube_store_patch(s, R("sandboxes"), "default", "sb", KUBE_PATCH_MERGE, patch, false, false);
    cJSON_Delete(u.body);
    cJSON_Delete(patch);
    expect(kube_store_get(s, R("sandboxes"), "default", "sb"), 404, NULL);
    /* deleting a namespace deletes what is in it; owners take their dependents along */
    expect(create(s, "namespaces", NULL, "{\"metadata\": {\"name\": \"team\"}}"), 201, NULL);
    kube_result owner = create(s, "statefulsets", "team", "{\"metadata\": {\"name\": \"o\"}}");
    char *json = NULL;
    asprintf(&json, "{\"metadata\": {\"name\": \"o-0\", \"ownerReferences\": [{\"uid\": \"%s\", \"name\": \"o\", \"kind\": \"StatefulSet\", \"apiVersion\": \"apps/v1\"}]}}",
             kube_meta_get(owner.body, "uid"));
    expect(create(s, "pods", "team", json), 201, NULL);
    free(json);
    cJSON_Delete(owner.body);
    d = kube_store_delete(s, R("statefulsets"), "team", "o", &graceful);
    assert_string_equal(cJSON_GetObjectItem(d.body, "status")->valuestring, "Success");
    cJSON_Delete(d.body);
    expect(kube_store_get(s, R("pods"), "team", "o-0"), 404, NULL);
    expect(create(s, "secrets", "team", "{\"metadata\": {\"name\": \"s\"}}"), 201, NULL);
    d = kube_store_delete(s, R("namespaces"), NULL, "team", &graceful);
    cJSON_Delete(d.body);
    expect(kube_store_get(s, R("secrets"), "team", "s"), 404, NULL);
    expect(kube_store_delete(s, R("namespaces"), NULL, "kube-system", &graceful), 403,
           "namespaces \"kube-system\" is forbidden: this namespace may not be deleted");
    kube_delete_opts bad = {-1, "Sideways", false};
    expect(kube_store_delete(s, R("nodes"), NULL, "gone-node", &bad), 422, NULL);
    kube_store_unref(s);
}

static void test_watch_history_and_gone(void **state)
{
    (void)state;
    kube_store *s = kube_store_new();
    long long start = kube_store_resource_version(s);
    expect(create(s, "namespaces", NULL, "{\"metadata\": {\"name\": \"a\"}}"), 201, NULL);
    kube_delete_opts o = {-1, NULL, false};
    expect(kube_store_delete(s, R("namespaces"), NULL, "a", &o), 200, NULL);
    cJSON *events = cJSON_CreateArray();
    long long last, oldest;
    assert_int_equal(kube_store_events_since(s, R("namespaces"), NULL, start, NULL, NULL, events, &last, &oldest), 0);
    /* a namespace goes Terminating (MODIFIED) before it is gone, as the apiserver shows it */
    assert_int_equal(cJSON_GetArraySize(events), 3);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(events, 0), "type")->valuestring, "ADDED");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(events, 1), "type")->valuestring, "MODIFIED");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(events, 2), "type")->valuestring, "DELETED");
    assert_int_equal(last, start + 3);
    cJSON_Delete(events);
    kube_store_compact(s);
    events = cJSON_CreateArray();
    assert_int_equal(kube_store_events_since(s, R("namespaces"), NULL, start, NULL, NULL, events, &last, &oldest), -1);
    cJSON_Delete(events);
    assert_false(kube_store_wait_change(s, kube_store_resource_version(s), 1));
    kube_store_unref(s);
}

static void test_export_import_roundtrip_and_errors(void **state)
{
    (void)state;
    kube_store *s = kube_store_new();
    expect(create(s, "nodes", NULL, "{\"metadata\": {\"name\": \"n1\"}, \"status\": {\"phase\": \"x\"}}"), 201, NULL);
    cJSON *doc = kube_store_export(s);
    char *error = NULL;
    kube_store *copy = kube_store_import(doc, &error);
    assert_non_null(copy);
    cJSON *again = kube_store_export(copy);
    assert_true(cJSON_Compare(doc, again, true));
    cJSON_Delete(again);
    cJSON_Delete(doc);
    kube_store_unref(copy);
    kube_store_unref(s);
    const char *bad[][2] = {
        {"{\"widgets\": []}", "widgets: unknown resource"},
        {"{\"pods\": [{\"metadata\": {\"name\": 5}}]}", "pods[0]: metadata.name: expected string"},
        {"{\"pods\": {}}", "pods: expected array"},
        {"{\"nodes\": [{\"metadata\": {\"name\": \"UPPER\"}}]}", "nodes[0]: Node \"UPPER\" is invalid"},
        /* fuzz regression (tests/fuzz/regressions/world_scenario/kube-rv): (long long)1e300 */
        {"{\"resourceVersion\": 1e300}", "resourceVersion: expected an integer between 0 and 9007199254740992"},
        {"{\"resourceVersion\": -1}", "resourceVersion: expected an integer between 0 and 9007199254740992"},
        {"{\"resourceVersion\": \"7\"}", "resourceVersion: expected an integer between 0 and 9007199254740992"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cJSON *j = cJSON_Parse(bad[i][0]);
        assert_null(kube_store_import(j, &error));
        assert_non_null(strstr(error, bad[i][1]));
        free(error);
        cJSON_Delete(j);
    }
}

static void test_yaml_roundtrip(void **state)
{
    (void)state;
    char *error = NULL;
    const char *text = "a: 1\nb: 'true'\nc: true\nd: ~\nlist:\n- x\n- z: 2\n---\nsecond: doc\n";
    cJSON *docs = kube_yaml_parse_all(text, strlen(text), &error);
    assert_int_equal(cJSON_GetArraySize(docs), 2);
    cJSON *first = cJSON_GetArrayItem(docs, 0);
    assert_true(cJSON_IsString(cJSON_GetObjectItem(first, "b")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(first, "c")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(first, "d")));
    char *out = kube_yaml_emit(first);
    assert_string_equal(out, "a: 1\nb: 'true'\nc: true\nd: null\nlist:\n- x\n- z: 2\n");
    free(out);
    cJSON_Delete(docs);
    assert_null(kube_yaml_parse_all("a: [1, 2\n", 9, &error));
    assert_non_null(strstr(error, "yaml: line"));
    free(error);
}

/* Fuzz regression (tests/fuzz/regressions/kube_yaml/deep-flow-sequence-30000.yaml): one stack
 * frame per nesting level overflowed the stack; depth past 1000 is now a named error. */
static void test_yaml_depth_limit(void **state)
{
    (void)state;
    osh_buf deep = OSH_BUF_INIT;
    for (int i = 0; i < 30000; i++)
        osh_buf_append(&deep, "[", 1);
    char *error = NULL;
    assert_null(kube_yaml_parse_all(deep.data, deep.len, &error));
    assert_string_equal(error, "yaml: exceeded max depth of 1000");
    free(error);
    /* 1000 levels are still fine, 1001 are not */
    osh_buf_reset(&deep);
    for (int i = 0; i < 1000; i++)
        osh_buf_append(&deep, "[", 1);
    for (int i = 0; i < 1000; i++)
        osh_buf_append(&deep, "]", 1);
    cJSON *docs = kube_yaml_parse_all(deep.data, deep.len, &error);
    assert_non_null(docs);
    cJSON_Delete(docs);
    osh_buf_reset(&deep);
    osh_buf_append(&deep, "a: ", 3);
    for (int i = 0; i < 1000; i++)
        osh_buf_append(&deep, "[", 1);
    for (int i = 0; i < 1000; i++)
        osh_buf_append(&deep, "]", 1);
    assert_null(kube_yaml_parse_all(deep.data, deep.len, &error));
    assert_string_equal(error, "yaml: exceeded max depth of 1000");
    free(error);
    osh_buf_free(&deep);
}

/* Fuzz regression (tests/fuzz/regressions/kube_yaml/out-of-range-float.yaml): strtod turned 1e600
 * into inf, printed as null; go-yaml keeps a float that overflows a string. */
static void test_yaml_out_of_range_float(void **state)
{
    (void)state;
    const char *text = "big: 1e600\nneg: -1e600\ntiny: 1e-600\nok: 1e300\n";
    char *error = NULL;
    cJSON *doc = kube_yaml_parse(text, strlen(text), &error);
    assert_non_null(doc);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(doc, "big")), "1e600");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(doc, "neg")), "-1e600");
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(doc, "tiny"))); /* Go: 0, no error */
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(doc, "ok")));
    assert_true(cJSON_GetObjectItem(doc, "ok")->valuedouble == 1e300);
    char *out = kube_yaml_emit(doc);
    assert_non_null(strstr(out, "big: 1e600\n"));
    free(out);
    cJSON_Delete(doc);
}

static void test_table_and_age(void **state)
{
    (void)state;
    char buf[32];
    long cases[][1] = {{5}, {130}, {605}, {3 * 3600 + 60}, {50 * 3600}, {400 * 24 * 3600L}};
    const char *want[] = {"5s", "2m10s", "10m", "3h1m", "2d2h", "400d"};
    for (size_t i = 0; i < 6; i++) {
        kube_table_human_duration(cases[i][0], buf, sizeof(buf));
        assert_string_equal(buf, want[i]);
    }
    cJSON *items = cJSON_Parse("[{\"metadata\": {\"name\": \"n1\", \"labels\": {\"node-role.kubernetes.io/control-plane\": \"true\"}},"
                               " \"status\": {\"conditions\": [{\"type\": \"Ready\", \"status\": \"False\"}], \"nodeInfo\": {\"kubeletVersion\": \"v1\"}}}]");
    cJSON *t = kube_table_build(R("nodes"), items, NULL, "5");
    cJSON *cells = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(t, "rows"), 0), "cells");
    assert_string_equal(cJSON_GetArrayItem(cells, 0)->valuestring, "n1");
    assert_string_equal(cJSON_GetArrayItem(cells, 1)->valuestring, "NotReady");
    assert_string_equal(cJSON_GetArrayItem(cells, 2)->valuestring, "control-plane");
    assert_string_equal(cJSON_GetArrayItem(cells, 4)->valuestring, "v1");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(t, "columnDefinitions")), 10);
    cJSON_Delete(t);
    cJSON_Delete(items);
}

static void test_protobuf_envelope(void **state)
{
    (void)state;
    /* the body kubectl 1.32 sends for `kubectl create namespace foo` */
    const char *b64 = "azhzAAoPCgJ2MRIJTmFtZXNwYWNlEhsKEwoDZm9vEgAaACIAKgAyADgAQgASABoCCgAaACIA";
    osh_buf body = OSH_BUF_INIT;
    assert_true(osh_base64_decode(&body, b64, strlen(b64)));
    assert_true(kube_protobuf_is_envelope(body.data, body.len));
    char *error = NULL;
    cJSON *ns = kube_protobuf_decode(body.data, body.len, &error);
    assert_non_null(ns);
    assert_string_equal(cJSON_GetObjectItem(ns, "kind")->valuestring, "Namespace");
    assert_string_equal(kube_meta_get(ns, "name"), "foo");
    cJSON_Delete(ns);
    /* cut short: refused */
    assert_null(kube_protobuf_decode(body.data, body.len - 5, &error));
    assert_non_null(error);
    free(error);
    assert_false(kube_protobuf_is_envelope("{}", 2));
    osh_buf_free(&body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_fills_metadata),
        cmocka_unit_test(test_errors_worded_like_the_apiserver),
        cmocka_unit_test(test_update_conflict_and_generation),
        cmocka_unit_test(test_selectors),
        cmocka_unit_test(test_patches),
        cmocka_unit_test(test_delete_semantics),
        cmocka_unit_test(test_watch_history_and_gone),
        cmocka_unit_test(test_export_import_roundtrip_and_errors),
        cmocka_unit_test(test_yaml_roundtrip),
        cmocka_unit_test(test_yaml_depth_limit),
        cmocka_unit_test(test_yaml_out_of_range_float),
        cmocka_unit_test(test_table_and_age),
        cmocka_unit_test(test_protobuf_envelope),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
