/* test_kube_http.c: the mock Kubernetes API over HTTP (libcurl): discovery, errors as
 * Status objects (404, 400 bad body, 405, 415), the three PATCH types, deletecollection,
 * server-side Table, watch streams (events from a resourceVersion, 410 Expired as an
 * ERROR event after compaction, the initial ADDED events without a version), DELETE answers
 * against the DELETED event, and list pages (JSON and Table). */
#include <curl/curl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kube_meta.h"
#include "mock_kube.h"
#include "osh_str.h"

static mock_kube *kube;

typedef struct reply {
    osh_buf body;
    int lines_wanted;   /* > 0: stop the transfer after this many newline-ended lines */
} reply;

static size_t collect(char *p, size_t size, size_t n, void *user)
{
    reply *r = user;
    osh_buf_append(&r->body, p, size * n);
    if (r->lines_wanted > 0) {
        int lines = 0;
        for (size_t i = 0; i < r->body.len; i++)
            lines += r->body.data[i] == '\n';
        if (lines >= r->lines_wanted)
            return 0; /* enough: abort the stream */
    }
    return size * n;
}

static int call(const char *method, const char *path, const char *content_type, const char *body, const char *accept,
                reply *r)
{
    CURL *c = curl_easy_init();
    char *url = osh_str_printf("%s%s", mock_kube_url(kube), path);
    struct curl_slist *h = NULL;
    char *ct = content_type ? osh_str_printf("Content-Type: %s", content_type) : NULL;
    char *ac = accept ? osh_str_printf("Accept: %s", accept) : NULL;
    if (ct)
        h = curl_slist_append(h, ct);
    if (ac)
        h = curl_slist_append(h, ac);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    osh_buf_reset(&r->body);
    long status = 0;
    curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    free(url);
    free(ct);
    free(ac);
    return (int)status;
}

static cJSON *json_of(reply *r)
{
    cJSON *j = cJSON_Parse(osh_buf_str(&r->body));
    assert_non_null(j);
    return j;
}

static void expect_status(reply *r, int code, const char *reason)
{
    cJSON *j = json_of(r);
    assert_string_equal(cJSON_GetObjectItem(j, "kind")->valuestring, "Status");
    assert_int_equal(cJSON_GetObjectItem(j, "code")->valueint, code);
    assert_string_equal(cJSON_GetObjectItem(j, "reason")->valuestring, reason);
    cJSON_Delete(j);
}

static int setup(void **state)
{
    (void)state;
    char *error = NULL;
    kube = mock_kube_new(NULL, &error);
    return kube ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    mock_kube_free(kube);
    return 0;
}

static void test_discovery(void **state)
{
    (void)state;
    reply r = {OSH_BUF_INIT, 0};
    assert_int_equal(call("GET", "/version", NULL, NULL, NULL, &r), 200);
    cJSON *j = json_of(&r);
    assert_string_equal(cJSON_GetObjectItem(j, "gitVersion")->valuestring, "v1.35.2+k3s1");
    cJSON_Delete(j);
    assert_int_equal(call("GET", "/apis/agents.x-k8s.io/v1alpha1", NULL, NULL, NULL, &r), 200);
    j = json_of(&r);
    const cJSON *res = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "resources"), 0);
    assert_string_equal(cJSON_GetObjectItem(res, "name")->valuestring, "sandboxes");
    assert_string_equal(cJSON_GetObjectItem(res, "kind")->valuestring, "Sandbox");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(res, "namespaced")));
    cJSON_Delete(j);
    assert_int_equal(call("GET", "/apis", NULL, NULL, NULL, &r), 200);
    assert_non_null(strstr(osh_buf_str(&r.body), "\"apps/v1\""));
    assert_int_equal(call("GET", "/openapi/v3", NULL, NULL, NULL, &r), 200);
    assert_non_null(strstr(osh_buf_str(&r.body), "apis/agents.x-k8s.io/v1alpha1"));
    assert_int_equal(call("GET", "/apis/nope/v1", NULL, NULL, NULL, &r), 404);
    assert_int_equal(call("GET", "/nothing", NULL, NULL, NULL, &r), 404);
    assert_string_equal(osh_buf_str(&r.body), "404 page not found\n");
    osh_buf_free(&r.body);
}

static void test_error_statuses(void **state)
{
    (void)state;
    reply r = {OSH_BUF_INIT, 0};
    assert_int_equal(call("POST", "/api/v1/namespaces", "application/json", "{not json", NULL, &r), 400);
    expect_status(&r, 400, "BadRequest");
    assert_int_equal(call("POST", "/api/v1/namespaces", "application/cbor", "x", NULL, &r), 415);
    expect_status(&r, 415, "UnsupportedMediaType");
    assert_int_equal(call("PATCH", "/api/v1/namespaces/default", "application/json", "{}", NULL, &r), 415);
    assert_int_equal(call("PUT", "/api/v1/namespaces", "application/json", "{}", NULL, &r), 405);
    expect_status(&r, 405, "MethodNotAllowed");
    assert_int_equal(call("GET", "/api/v1/namespaces/default/pods/none", NULL, NULL, NULL, &r), 404);
    expect_status(&r, 404, "NotFound");
    /* YAML bodies are accepted as the apiserver accepts them */
    assert_int_equal(call("POST", "/api/v1/namespaces", "application/yaml", "metadata:\n  name: from-yaml\n", NULL, &r), 201);
    /* a body nested too deep is refused with the problem named, not a crash */
    osh_buf deep = OSH_BUF_INIT;
    osh_buf_append(&deep, "metadata: ", 10);
    for (int i = 0; i < 30000; i++)
        osh_buf_append(&deep, "[", 1);
    assert_int_equal(call("POST", "/api/v1/namespaces", "application/yaml", osh_buf_str(&deep), NULL, &r), 400);
    expect_status(&r, 400, "BadRequest");
    cJSON *j = json_of(&r);
    assert_string_equal(cJSON_GetObjectItem(j, "message")->valuestring,
                        "error converting YAML to JSON: yaml: exceeded max depth of 1000");
    cJSON_Delete(j);
    osh_buf_free(&deep);
    osh_buf_free(&r.body);
}

static void test_patch_types_and_table(void **state)
{
    (void)state;
    reply r = {OSH_BUF_INIT, 0};
    assert_int_equal(call("POST", "/apis/apps/v1/namespaces/default/deployments", "application/json",
                          "{\"metadata\": {\"name\": \"d\"}, \"spec\": {\"replicas\": 1, \"template\": {\"spec\": {\"containers\": [{\"name\": \"a\", \"image\": \"x\"}]}}}}",
                          NULL, &r),
                     201);
    assert_int_equal(call("PATCH", "/apis/apps/v1/namespaces/default/deployments/d", "application/merge-patch+json",
                          "{\"metadata\": {\"labels\": {\"k\": \"v\"}}}", NULL, &r),
                     200);
    assert_int_equal(call("PATCH", "/apis/apps/v1/namespaces/default/deployments/d", "application/strategic-merge-patch+json",
                          "{\"spec\": {\"template\": {\"spec\": {\"containers\": [{\"name\": \"a\", \"image\": \"y\"}]}}}}", NULL, &r),
                     200);
    assert_int_equal(call("PATCH", "/apis/apps/v1/namespaces/default/deployments/d", "application/json-patch+json",
                          "[{\"op\": \"replace\", \"path\": \"/spec/replicas\", \"value\": 3}]", NULL, &r),
                     200);
    cJSON *j = json_of(&r);
    assert_string_equal(kube_meta_get(j, "name"), "d");
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "spec"), "replicas")->valueint, 3);
    const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "spec"), "template"), "spec"), "containers"), 0);
    assert_string_equal(cJSON_GetObjectItem(c, "image")->valuestring, "y");
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "metadata"), "generation")->valueint, 3);
    cJSON_Delete(j);
    assert_int_equal(call("GET", "/apis/apps/v1/namespaces/default/deployments", NULL, NULL,
                          "application/json;as=Table;v=v1;g=meta.k8s.io,application/json", &r),
                     200);
    j = json_of(&r);
    assert_string_equal(cJSON_GetObjectItem(j, "kind")->valuestring, "Table");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "rows")), 1);
    cJSON_Delete(j);
    osh_buf_free(&r.body);
}

static void test_deletecollection(void **state)
{
    (void)state;
    reply r = {OSH_BUF_INIT, 0};
    const char *names[] = {"a", "b", "c"};
    for (int i = 0; i < 3; i++) {
        char *body = osh_str_printf("{\"metadata\": {\"name\": \"%s\", \"labels\": {\"group\": \"%s\"}}}", names[i], i < 2 ? "x" : "y");
        assert_int_equal(call("POST", "/api/v1/namespaces/default/secrets", "application/json", body, NULL, &r), 201);
        free(body);
    }
    assert_int_equal(call("DELETE", "/api/v1/namespaces/default/secrets?labelSelector=group%3Dx", NULL, NULL, NULL, &r), 200);
    cJSON *j = json_of(&r);
    assert_string_equal(cJSON_GetObjectItem(j, "kind")->valuestring, "SecretList");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "items")), 2);
    cJSON_Delete(j);
    assert_int_equal(call("GET", "/api/v1/namespaces/default/secrets", NULL, NULL, NULL, &r), 200);
    j = json_of(&r);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "items")), 1);
    cJSON_Delete(j);
    osh_buf_free(&r.body);
}

/* DeleteOptions.preconditions: a wrong uid, then a stale resourceVersion, are 409 Conflict
 * worded as the apiserver's etcd3 store words them; the object stays; matching ones delete. */
static void test_delete_preconditions(void **state)
{
    (void)state;
    reply r = {OSH_BUF_INIT, 0};
    assert_int_equal(call("POST", "/api/v1/namespaces/default/secrets", "application/json",
                          "{\"metadata\": {\"name\": \"pre\"}}", NULL, &r), 201);
    cJSON *created = json_of(&r);
    const char *uid = cJSON_GetObjectItem(cJSON_GetObjectItem(created, "metadata"), "uid")->valuestring;
    const char *rv = cJSON_GetObjectItem(cJSON_GetObjectItem(created, "metadata"), "resourceVersion")->valuestring;
    assert_int_equal(call("DELETE", "/api/v1/namespaces/default/secrets/pre", "application/json",
                          "{\"preconditions\": {\"uid\": \"other\"}}", NULL, &r), 409);
    expect_status(&r, 409, "Conflict");
    char *want = osh_str_printf("Operation cannot be fulfilled on secrets \"pre\": StorageError: invalid object, Code: 4, "
                                "Key: /registry/secrets/default/pre, ResourceVersion: 0, AdditionalErrorMsg: "
                                "Precondition failed: UID in precondition: other, UID in object meta: %s", uid);
    cJSON *j = json_of(&r);
    assert_string_equal(cJSON_GetObjectItem(j, "message")->valuestring, want);
    cJSON_Delete(j);
    free(want);
    char *stale = osh_str_printf("{\"preconditions\": {\"uid\": \"%s\", \"resourceVersion\": \"1\"}}", uid);
    assert_int_equal(call("DELETE", "/api/v1/namespaces/default/secrets/pre", "application/json", stale, NULL, &r), 409);
    assert_non_null(strstr(osh_buf_str(&r.body), "Precondition failed: ResourceVersion in precondition: 1, "
                                                 "ResourceVersion in object meta: "));
    assert_int_equal(call("GET", "/api/v1/namespaces/default/secrets/pre", NULL, NULL, NULL, &r), 200);
    char *good = osh_str_printf("{\"preconditions\": {\"uid\": \"%s\", \"resourceVersion\": \"%s\"}}", uid, rv);
    assert_int_equal(call("DELETE", "/api/v1/namespaces/default/secrets/pre", "application/json", good, NULL, &r), 200);
    assert_int_equal(call("GET", "/api/v1/namespaces/default/secrets/pre", NULL, NULL, NULL, &r), 404);
    free(stale);
    free(good);
    cJSON_Delete(created);
    osh_buf_free(&r.body);
}

static void test_watch(void **state)
{
    (void)state;
    reply r = {OSH_BUF_INIT, 0};
    assert_int_equal(call("GET", "/api/v1/namespaces", NULL, NULL, NULL, &r), 200);
    cJSON *list = json_of(&r);
    char *rv = osh_str_dup(cJSON_GetObjectItem(cJSON_GetObjectItem(list, "metadata"), "resourceVersion")->valuestring);
    cJSON_Delete(list);
    assert_int_equal(call("POST", "/api/v1/namespaces", "application/json", "{\"metadata\": {\"name\": \"w1\"}}", NULL, &r), 201);
    assert_int_equal(call("DELETE", "/api/v1/namespaces/w1", NULL, NULL, NULL, &r), 200);
    /* from the list's version: exactly the changes since (Terminating, then gone) */
    char *path = osh_str_printf("/api/v1/namespaces?watch=1&resourceVersion=%s", rv);
    reply w = {OSH_BUF_INIT, 3};
    call("GET", path, NULL, NULL, NULL, &w);
    char *second = strchr(osh_buf_str(&w.body), '\n');
    assert_non_null(second);
    *second = '\0';
    char *third = strchr(second + 1, '\n');
    assert_non_null(third);
    *third = '\0';
    cJSON *e1 = cJSON_Parse(osh_buf_str(&w.body)), *e2 = cJSON_Parse(second + 1), *e3 = cJSON_Parse(third + 1);
    assert_string_equal(cJSON_GetObjectItem(e1, "type")->valuestring, "ADDED");
    assert_string_equal(kube_meta_get(cJSON_GetObjectItem(e1, "object"), "name"), "w1");
    assert_string_equal(cJSON_GetObjectItem(e2, "type")->valuestring, "MODIFIED");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(e2, "object"), "status"), "phase")->valuestring,
                        "Terminating");
    assert_string_equal(cJSON_GetObjectItem(e3, "type")->valuestring, "DELETED");
    cJSON_Delete(e1);
    cJSON_Delete(e2);
    cJSON_Delete(e3);
    /* after compaction the same version is gone: one ERROR event with 410 Expired */
    kube_store *s = mock_kube_current_store(kube);
    kube_store_compact(s);
    kube_store_unref(s);
    w.lines_wanted = 1;
    call("GET", path, NULL, NULL, NULL, &w);
    cJSON *err = cJSON_Parse(osh_buf_str(&w.body));
    assert_string_equal(cJSON_GetObjectItem(err, "type")->valuestring, "ERROR");
    const cJSON *st = cJSON_GetObjectItem(err, "object");
    assert_int_equal(cJSON_GetObjectItem(st, "code")->valueint, 410);
    assert_string_equal(cJSON_GetObjectItem(st, "reason")->valuestring, "Expired");
    cJSON_Delete(err);
    /* without a version: ADDED for what exists (4 default namespaces first) */
    w.lines_wanted = 1;
    call("GET", "/api/v1/namespaces?watch=true&fieldSelector=metadata.name%3Ddefault", NULL, NULL, NULL, &w);
    cJSON *added = cJSON_Parse(osh_buf_str(&w.body));
    assert_string_equal(cJSON_GetObjectItem(added, "type")->valuestring, "ADDED");
    assert_string_equal(kube_meta_get(cJSON_GetObjectItem(added, "object"), "name"), "default");
    cJSON_Delete(added);
    free(path);
    free(rv);
    osh_buf_free(&w.body);
    osh_buf_free(&r.body);
}

/* The DELETE answer and the DELETED watch event carry the same resourceVersion (issue 13:
 * they were 47 and 48); a custom resource answers a Status, a pod the object. */
static void test_delete_answer_matches_watch(void **state)
{
    (void)state;
    reply r = {OSH_BUF_INIT, 0};
    const char *kinds[][3] = {{"/api/v1/namespaces/default/pods", "{\"metadata\": {\"name\": \"rvpod\"}}", "Pod"},
                              {"/apis/agents.x-k8s.io/v1alpha1/namespaces/default/sandboxes",
                               "{\"metadata\": {\"name\": \"rvsb\"}, \"spec\": {\"podTemplate\": {\"spec\": {\"containers\": "
                               "[{\"name\": \"a\", \"image\": \"busybox\"}]}}}}",
                               "Status"}};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(call("POST", kinds[i][0], "application/json", kinds[i][1], NULL, &r), 201);
        cJSON *created = json_of(&r);
        char *rv = osh_str_dup(kube_meta_get(created, "resourceVersion"));
        char *uid = osh_str_dup(kube_meta_get(created, "uid"));
        char *item = osh_str_printf("%s/%s", kinds[i][0], kube_meta_get(created, "name"));
        cJSON_Delete(created);
        assert_int_equal(call("DELETE", item, NULL, NULL, NULL, &r), 200);
        cJSON *answer = json_of(&r);
        assert_string_equal(cJSON_GetObjectItem(answer, "kind")->valuestring, kinds[i][2]);
        char *path = osh_str_printf("%s?watch=1&resourceVersion=%s", kinds[i][0], rv);
        reply w = {OSH_BUF_INIT, 1};
        call("GET", path, NULL, NULL, NULL, &w);
        cJSON *ev = cJSON_Parse(osh_buf_str(&w.body));
        assert_non_null(ev);
        assert_string_equal(cJSON_GetObjectItem(ev, "type")->valuestring, "DELETED");
        const char *event_rv = kube_meta_get(cJSON_GetObjectItem(ev, "object"), "resourceVersion");
        if (strcmp(kinds[i][2], "Status") == 0) {
            const cJSON *d = cJSON_GetObjectItem(answer, "details");
            assert_string_equal(cJSON_GetObjectItem(answer, "status")->valuestring, "Success");
            assert_string_equal(cJSON_GetObjectItem(d, "kind")->valuestring, "sandboxes");
            assert_string_equal(cJSON_GetObjectItem(d, "group")->valuestring, "agents.x-k8s.io");
            assert_string_equal(cJSON_GetObjectItem(d, "uid")->valuestring, uid);
            assert_int_equal(atoll(event_rv), atoll(rv) + 1);
        } else {
            assert_string_equal(kube_meta_get(answer, "resourceVersion"), event_rv);
        }
        cJSON_Delete(ev);
        cJSON_Delete(answer);
        osh_buf_free(&w.body);
        free(path);
        free(item);
        free(uid);
        free(rv);
    }
    osh_buf_free(&r.body);
}

/* Pages over HTTP, in JSON and as a Table: the token and the count travel in ListMeta. */
static void test_list_pages(void **state)
{
    (void)state;
    reply r = {OSH_BUF_INIT, 0};
    assert_int_equal(call("POST", "/api/v1/namespaces", "application/json", "{\"metadata\": {\"name\": \"pages\"}}", NULL, &r), 201);
    for (int i = 0; i < 5; i++) {
        char *body = osh_str_printf("{\"metadata\": {\"name\": \"pg-%d\"}}", i);
        assert_int_equal(call("POST", "/api/v1/namespaces/pages/secrets", "application/json", body, NULL, &r), 201);
        free(body);
    }
    assert_int_equal(call("GET", "/api/v1/namespaces/pages/secrets?limit=2&labelSelector=", NULL, NULL,
                          "application/json;as=Table;v=v1;g=meta.k8s.io", &r), 200);
    cJSON *t = json_of(&r);
    assert_string_equal(cJSON_GetObjectItem(t, "kind")->valuestring, "Table");
    const cJSON *meta = cJSON_GetObjectItem(t, "metadata");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(t, "rows")), 2);
    assert_int_equal(cJSON_GetObjectItem(meta, "remainingItemCount")->valueint, 3);
    char *next = osh_str_printf("/api/v1/namespaces/pages/secrets?limit=10&continue=%s",
                                cJSON_GetObjectItem(meta, "continue")->valuestring);
    cJSON_Delete(t);
    assert_int_equal(call("GET", next, NULL, NULL, NULL, &r), 200);
    cJSON *l = json_of(&r);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(l, "items")), 3);
    assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(l, "metadata"), "continue"));
    cJSON_Delete(l);
    free(next);
    assert_int_equal(call("GET", "/api/v1/namespaces/pages/secrets?limit=2&continue=%25%25", NULL, NULL, NULL, &r), 400);
    cJSON *st = json_of(&r);
    assert_string_equal(cJSON_GetObjectItem(st, "message")->valuestring,
                        "invalid continue token: continue key is not valid: illegal base64 data at input byte 0");
    cJSON_Delete(st);
    osh_buf_free(&r.body);
}

/* Issue 12.3: a body past kube-apiserver's 3 MiB limit gets its 413 Status. */
static void test_body_limit(void **state)
{
    (void)state;
    size_t big = (3u << 20) + 1;
    char *body = malloc(big + 1);
    memset(body, ' ', big);
    body[big] = '\0';
    reply r = {0};
    assert_int_equal(call("POST", "/api/v1/namespaces/default/configmaps", "application/json", body, NULL, &r), 413);
    expect_status(&r, 413, "RequestEntityTooLarge");
    cJSON *j = json_of(&r);
    assert_string_equal(cJSON_GetObjectItem(j, "message")->valuestring, "Request entity too large: limit is 3145728");
    cJSON_Delete(j);
    osh_buf_free(&r.body);
    free(body);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_discovery),
        cmocka_unit_test(test_error_statuses),
        cmocka_unit_test(test_patch_types_and_table),
        cmocka_unit_test(test_deletecollection),
        cmocka_unit_test(test_delete_preconditions),
        cmocka_unit_test(test_watch),
        cmocka_unit_test(test_delete_answer_matches_watch),
        cmocka_unit_test(test_list_pages),
        cmocka_unit_test(test_body_limit),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return rc;
}
