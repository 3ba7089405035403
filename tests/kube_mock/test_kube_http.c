/* test_kube_http.c: the mock Kubernetes API over HTTP (libcurl): discovery, errors as
 * Status objects (404, 400 bad body, 405, 415), the three PATCH types, deletecollection,
 * server-side Table, and watch streams (events from a resourceVersion, 410 Expired as an
 * ERROR event after compaction, the initial ADDED events without a version). */
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
    /* from the list's version: exactly the two changes since */
    char *path = osh_str_printf("/api/v1/namespaces?watch=1&resourceVersion=%s", rv);
    reply w = {OSH_BUF_INIT, 2};
    call("GET", path, NULL, NULL, NULL, &w);
    char *second = strchr(osh_buf_str(&w.body), '\n');
    assert_non_null(second);
    *second = '\0';
    cJSON *e1 = cJSON_Parse(osh_buf_str(&w.body)), *e2 = cJSON_Parse(second + 1);
    assert_string_equal(cJSON_GetObjectItem(e1, "type")->valuestring, "ADDED");
    assert_string_equal(kube_meta_get(cJSON_GetObjectItem(e1, "object"), "name"), "w1");
    assert_string_equal(cJSON_GetObjectItem(e2, "type")->valuestring, "DELETED");
    cJSON_Delete(e1);
    cJSON_Delete(e2);
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
        cmocka_unit_test(test_watch),
        cmocka_unit_test(test_body_limit),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return rc;
}
