/* test_kube_pages.c: the store's index and list pagination, and DELETE answers per kind.
 * Pagination as the apiserver serves it (k8s.io/apiserver/pkg/storage: continue.go,
 * etcd3/store.go GetList, etcd3/errors.go): key order, metadata.continue and
 * remainingItemCount, pages read from the first page's snapshot, 410 with a token to go on
 * once the history is compacted, 400 with the apiserver's texts for tokens never issued and
 * bad limits. DELETE: Status for kinds whose registry lacks ReturnDeletedObject (custom
 * resources included), the object for pods/PVs/PVCs/namespaces, and the same
 * resourceVersion in the answer and the DELETED event. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kube_continue.h"
#include "kube_meta.h"
#include "kube_store.h"
#include "kube_store_internal.h"
#include "osh_base64.h"
#include "osh_file.h"
#include "osh_str.h"

static const kube_resource *R(const char *plural) { return kube_resource_by_user_name(plural); }

static void create_ok(kube_store *s, const char *plural, const char *ns, const char *json)
{
    cJSON *o = cJSON_Parse(json);
    assert_non_null(o);
    kube_result r = kube_store_create(s, R(plural), ns, o, false);
    cJSON_Delete(o);
    assert_int_equal(r.code, 201);
    cJSON_Delete(r.body);
}

static void create_named(kube_store *s, const char *plural, const char *ns, const char *name)
{
    char *json = osh_str_printf("{\"metadata\": {\"name\": \"%s\", \"labels\": {\"n\": \"%s\"}}}", name, name);
    create_ok(s, plural, ns, json);
    free(json);
}

static const char *meta_str(const cJSON *list, const char *field)
{
    return cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(list, "metadata"), field));
}

static long long remaining(const cJSON *list)
{
    const cJSON *c = cJSON_GetObjectItem(cJSON_GetObjectItem(list, "metadata"), "remainingItemCount");
    return c ? (long long)c->valuedouble : -1;
}

/* "a,b,c": the names of a list's items. */
static char *names(const cJSON *list)
{
    osh_buf b = OSH_BUF_INIT;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(list, "items"))
    {
        if (b.len)
            osh_buf_append_char(&b, ',');
        const char *ns = kube_meta_get(it, "namespace");
        if (ns) {
            osh_buf_append_str(&b, ns);
            osh_buf_append_char(&b, '/');
        }
        osh_buf_append_str(&b, kube_meta_get(it, "name"));
    }
    char *out = osh_str_dup(b.data ? b.data : "");
    osh_buf_free(&b);
    return out;
}

static kube_result page(kube_store *s, const char *plural, const char *ns, const char *limit, const char *cont)
{
    kube_list_opts o = {.limit = limit, .continue_token = cont};
    return kube_store_list_page(s, R(plural), ns, &o);
}

static void expect_page(kube_result r, const char *want_names, long long want_remaining, bool want_more)
{
    assert_int_equal(r.code, 200);
    char *n = names(r.body);
    assert_string_equal(n, want_names);
    free(n);
    assert_int_equal(remaining(r.body), want_remaining);
    assert_int_equal(meta_str(r.body, "continue") != NULL, want_more);
}

static void expect_status(kube_result r, int code, const char *reason, const char *message)
{
    assert_int_equal(r.code, code);
    assert_string_equal(kube_status_reason(r.body) ? kube_status_reason(r.body) : "", reason);
    assert_string_equal(kube_status_message(r.body), message);
    cJSON_Delete(r.body);
}

/* ---- the index ---- */

static void test_index_thousands_in_any_order(void **state)
{
    (void)state;
    kube_store *s = kube_store_new();
    const int n = 3000;
    /* a permutation (7 is coprime with 3000), so inserts are out of key order */
    for (int i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof(name), "node-%05d", (i * 7) % n);
        create_named(s, "nodes", NULL, name);
    }
    for (int i = 0; i < n; i += 97) {
        char name[32];
        snprintf(name, sizeof(name), "node-%05d", i);
        kube_result r = kube_store_get(s, R("nodes"), NULL, name);
        assert_int_equal(r.code, 200);
        assert_string_equal(kube_meta_get(r.body, "name"), name);
        cJSON_Delete(r.body);
    }
    /* delete every other node, then the list is the rest, in order */
    for (int i = 0; i < n; i += 2) {
        char name[32];
        snprintf(name, sizeof(name), "node-%05d", i);
        kube_result r = kube_store_delete(s, R("nodes"), NULL, name, NULL);
        assert_int_equal(r.code, 200);
        cJSON_Delete(r.body);
        r = kube_store_get(s, R("nodes"), NULL, name);
        assert_int_equal(r.code, 404);
        cJSON_Delete(r.body);
    }
    kube_result l = kube_store_list(s, R("nodes"), NULL, NULL, NULL);
    const cJSON *items = cJSON_GetObjectItem(l.body, "items");
    assert_int_equal(cJSON_GetArraySize(items), n / 2);
    for (int i = 0; i < n / 2; i++) {
        char name[32];
        snprintf(name, sizeof(name), "node-%05d", 2 * i + 1);
        assert_string_equal(kube_meta_get(cJSON_GetArrayItem(items, i), "name"), name);
    }
    cJSON_Delete(l.body);
    kube_store_unref(s);
}

static void test_list_order_is_etcd_key_order(void **state)
{
    (void)state;
    kube_store *s = kube_store_new();
    create_named(s, "namespaces", NULL, "a");
    create_named(s, "namespaces", NULL, "a-b");
    create_named(s, "secrets", "a", "x");
    create_named(s, "secrets", "a-b", "x");
    /* keys "a-b/x" < "a/x" ('-' sorts before '/'), as etcd returns /registry/secrets/... */
    kube_result r = kube_store_list(s, R("secrets"), NULL, NULL, NULL);
    char *n = names(r.body);
    assert_string_equal(n, "a-b/x,a/x");
    free(n);
    cJSON_Delete(r.body);
    kube_store_unref(s);
}

/* ---- pagination ---- */

static kube_store *five_nodes(void)
{
    kube_store *s = kube_store_new();
    const char *n[] = {"n1", "n2", "n3", "n4", "n5"};
    for (size_t i = 0; i < 5; i++)
        create_named(s, "nodes", NULL, n[i]);
    return s;
}

static void test_pages_continue_and_remaining(void **state)
{
    (void)state;
    kube_store *s = five_nodes();
    kube_result p1 = page(s, "nodes", NULL, "2", NULL);
    expect_page(p1, "n1,n2", 3, true);
    /* the token is the apiserver's: base64url of {"v","rv","start":"n2\u0000"} */
    osh_buf raw = OSH_BUF_INIT;
    char *padded = osh_str_printf("%s%s", meta_str(p1.body, "continue"),
                                  strlen(meta_str(p1.body, "continue")) % 4 == 2   ? "=="
                                  : strlen(meta_str(p1.body, "continue")) % 4 == 3 ? "="
                                                                                   : "");
    for (char *p = padded; *p; p++)
        *p = *p == '-' ? '+' : *p == '_' ? '/' : *p;
    assert_true(osh_base64_decode(&raw, padded, strlen(padded)));
    char *want = osh_str_printf("{\"v\":\"meta.k8s.io/v1\",\"rv\":%s,\"start\":\"n2\\u0000\"}", meta_str(p1.body, "resourceVersion"));
    assert_int_equal(raw.len, strlen(want));
    assert_memory_equal(raw.data, want, raw.len);
    free(want);
    free(padded);
    osh_buf_free(&raw);
    kube_result p2 = page(s, "nodes", NULL, "2", meta_str(p1.body, "continue"));
    expect_page(p2, "n3,n4", 1, true);
    assert_string_equal(meta_str(p2.body, "resourceVersion"), meta_str(p1.body, "resourceVersion"));
    kube_result p3 = page(s, "nodes", NULL, "2", meta_str(p2.body, "continue"));
    expect_page(p3, "n5", -1, false);
    /* a bucket filled exactly by the last key: no token */
    kube_result all = page(s, "nodes", NULL, "5", NULL);
    expect_page(all, "n1,n2,n3,n4,n5", -1, false);
    /* limit 0 or negative: no paging, as pred.Limit > 0 decides */
    kube_result none = page(s, "nodes", NULL, "-3", NULL);
    expect_page(none, "n1,n2,n3,n4,n5", -1, false);
    cJSON_Delete(p1.body);
    cJSON_Delete(p2.body);
    cJSON_Delete(p3.body);
    cJSON_Delete(all.body);
    cJSON_Delete(none.body);
    kube_store_unref(s);
}

static void test_pages_read_one_snapshot(void **state)
{
    (void)state;
    kube_store *s = five_nodes();
    kube_result p1 = page(s, "nodes", NULL, "2", NULL);
    expect_page(p1, "n1,n2", 3, true);
    /* changes after the first page: delete n3, add n35, relabel n4 */
    kube_result d = kube_store_delete(s, R("nodes"), NULL, "n3", NULL);
    cJSON_Delete(d.body);
    create_named(s, "nodes", NULL, "n35");
    cJSON *patch = cJSON_Parse("{\"metadata\": {\"labels\": {\"n\": \"changed\"}}}");
    kube_result u = kube_store_patch(s, R("nodes"), NULL, "n4", KUBE_PATCH_MERGE, patch, false, false);
    assert_int_equal(u.code, 200);
    cJSON_Delete(u.body);
    cJSON_Delete(patch);
    kube_result p2 = page(s, "nodes", NULL, "2", meta_str(p1.body, "continue"));
    expect_page(p2, "n3,n4", 1, true);
    const cJSON *n4 = cJSON_GetArrayItem(cJSON_GetObjectItem(p2.body, "items"), 1);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(n4, "metadata"), "labels"), "n")->valuestring, "n4");
    kube_result p3 = page(s, "nodes", NULL, "2", meta_str(p2.body, "continue"));
    expect_page(p3, "n5", -1, false);
    /* a new list sees the present */
    kube_result now = page(s, "nodes", NULL, "10", NULL);
    expect_page(now, "n1,n2,n35,n4,n5", -1, false);
    cJSON_Delete(p1.body);
    cJSON_Delete(p2.body);
    cJSON_Delete(p3.body);
    cJSON_Delete(now.body);
    kube_store_unref(s);
}

static void test_pages_in_a_namespace_and_with_selectors(void **state)
{
    (void)state;
    kube_store *s = kube_store_new();
    create_named(s, "namespaces", NULL, "team");
    const char *n[] = {"a", "b", "c", "d"};
    for (size_t i = 0; i < 4; i++) {
        create_named(s, "secrets", "default", n[i]);
        create_named(s, "secrets", "team", n[i]);
    }
    kube_result p1 = page(s, "secrets", "team", "3", NULL);
    expect_page(p1, "team/a,team/b,team/c", 1, true);
    kube_result p2 = page(s, "secrets", "team", "3", meta_str(p1.body, "continue"));
    expect_page(p2, "team/d", -1, false);
    /* across namespaces the token's start carries the namespace */
    kube_result a1 = page(s, "secrets", NULL, "5", NULL);
    expect_page(a1, "default/a,default/b,default/c,default/d,team/a", 3, true);
    kube_result a2 = page(s, "secrets", NULL, "5", meta_str(a1.body, "continue"));
    expect_page(a2, "team/b,team/c,team/d", -1, false);
    /* a selector: no remainingItemCount (the apiserver cannot count matches) */
    kube_list_opts o = {.label_selector = "n!=b", .limit = "2"};
    kube_result f1 = kube_store_list_page(s, R("secrets"), "team", &o);
    expect_page(f1, "team/a,team/c", -1, true);
    o.continue_token = meta_str(f1.body, "continue");
    kube_result f2 = kube_store_list_page(s, R("secrets"), "team", &o);
    expect_page(f2, "team/d", -1, false);
    cJSON *bodies[] = {p1.body, p2.body, a1.body, a2.body, f1.body, f2.body};
    for (size_t i = 0; i < 6; i++)
        cJSON_Delete(bodies[i]);
    kube_store_unref(s);
}

static void test_expired_token_gets_410_and_a_token_to_go_on(void **state)
{
    (void)state;
    kube_store *s = five_nodes();
    kube_result p1 = page(s, "nodes", NULL, "2", NULL);
    create_named(s, "nodes", NULL, "n0");
    kube_store_compact(s);
    kube_result gone = page(s, "nodes", NULL, "2", meta_str(p1.body, "continue"));
    assert_int_equal(gone.code, 410);
    assert_string_equal(kube_status_reason(gone.body), "Expired");
    assert_string_equal(kube_status_message(gone.body),
                        "The provided continue parameter is too old to display a consistent list result. You can start "
                        "a new list without the continue parameter, or use the continue token in this response to "
                        "retrieve the remainder of the results. Continuing with the provided token results in an "
                        "inconsistent list - objects that were created, modified, or deleted between the time the "
                        "first chunk was returned and now may show up in the list.");
    const char *next = meta_str(gone.body, "continue");
    assert_non_null(next);
    kube_continue tok;
    char *error = NULL;
    assert_int_equal(kube_continue_decode(next, &tok, &error), 0);
    assert_int_equal(tok.rv, -1);
    assert_string_equal(tok.start, "n2");
    kube_continue_free(&tok);
    /* going on with it reads the latest version, after n2 */
    kube_result p2 = page(s, "nodes", NULL, "10", next);
    expect_page(p2, "n3,n4,n5", -1, false);
    assert_int_equal(atoll(meta_str(p2.body, "resourceVersion")), kube_store_resource_version(s));
    /* a paginated list from a compacted resourceVersion */
    kube_list_opts o = {.limit = "2", .resource_version = "2"};
    expect_status(kube_store_list_page(s, R("nodes"), NULL, &o), 410, "Expired",
                  "The resourceVersion for the provided list is too old.");
    cJSON_Delete(p1.body);
    cJSON_Delete(gone.body);
    cJSON_Delete(p2.body);
    kube_store_unref(s);
}

static char *token_of(const char *json)
{
    osh_buf b = OSH_BUF_INIT;
    osh_base64url_encode(&b, json, strlen(json));
    while (b.len && b.data[b.len - 1] == '=')
        b.len--;
    char *t = osh_str_ndup(b.data, b.len);
    osh_buf_free(&b);
    return t;
}

static void expect_bad_token(kube_store *s, const char *token, const char *why)
{
    char *msg = osh_str_printf("invalid continue token: %s", why);
    expect_status(page(s, "nodes", NULL, "2", token), 400, "BadRequest", msg);
    free(msg);
}

static void expect_bad_json_token(kube_store *s, const char *json, const char *why)
{
    char *t = token_of(json);
    expect_bad_token(s, t, why);
    free(t);
}

static void test_tokens_never_issued_and_bad_limits(void **state)
{
    (void)state;
    kube_store *s = five_nodes();
    expect_bad_token(s, "garbage!", "continue key is not valid: illegal base64 data at input byte 7");
    expect_bad_token(s, "abcde", "continue key is not valid: illegal base64 data at input byte 4");
    expect_bad_token(s, "eyJ2Ijo=", "continue key is not valid: illegal base64 data at input byte 7");
    expect_bad_json_token(s, "not json", "continue key is not valid: invalid character 'n' looking for beginning of value");
    expect_bad_json_token(s, "{\"v\":", "continue key is not valid: unexpected end of JSON input");
    expect_bad_json_token(s, "\x9d{}", "continue key is not valid: invalid character '\\u009d' looking for beginning of value");
    expect_bad_json_token(s, "\x01", "continue key is not valid: invalid character '\\x01' looking for beginning of value");
    expect_bad_json_token(s, "[1]", "continue key is not valid: json: cannot unmarshal array into Go value of type storage.continueToken");
    expect_bad_json_token(s, "{}", "continue key is not valid: server does not recognize this encoded version ");
    expect_bad_json_token(s, "{\"v\":\"meta.k8s.io/v2\",\"rv\":5,\"start\":\"n1\"}",
                          "continue key is not valid: server does not recognize this encoded version meta.k8s.io/v2");
    expect_bad_json_token(s, "{\"v\":\"meta.k8s.io/v1\",\"rv\":\"5\",\"start\":\"n1\"}",
                          "continue key is not valid: json: cannot unmarshal string into Go struct field continueToken.rv of type int64");
    expect_bad_json_token(s, "{\"v\":\"meta.k8s.io/v1\",\"rv\":0,\"start\":\"n1\"}",
                          "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
    expect_bad_json_token(s, "{\"v\":\"meta.k8s.io/v1\",\"rv\":5,\"start\":\"\"}",
                          "continue key is not valid: encoded start key empty (version meta.k8s.io/v1)");
    expect_bad_json_token(s, "{\"v\":\"meta.k8s.io/v1\",\"rv\":5,\"start\":\"../secrets/x\"}",
                          "continue key is not valid: ../secrets/x");
    /* a well-formed token from the future: what etcd says, as a 500 */
    char *future = token_of("{\"v\":\"meta.k8s.io/v1\",\"rv\":999999,\"start\":\"n1\\u0000\"}");
    expect_status(page(s, "nodes", NULL, "2", future), 500, "", "etcdserver: mvcc: required revision is a future revision");
    free(future);
    /* a token with a resourceVersion */
    kube_result p1 = page(s, "nodes", NULL, "2", NULL);
    kube_list_opts o = {.limit = "2", .continue_token = meta_str(p1.body, "continue"), .resource_version = "7"};
    expect_status(kube_store_list_page(s, R("nodes"), NULL, &o), 400, "BadRequest",
                  "specifying resource version is not allowed when using continue");
    o.resource_version = "0";
    kube_result ok = kube_store_list_page(s, R("nodes"), NULL, &o);
    expect_page(ok, "n3,n4", 1, true);
    cJSON_Delete(ok.body);
    cJSON_Delete(p1.body);
    /* limits as strconv.ParseInt reads them */
    expect_status(page(s, "nodes", NULL, "abc", NULL), 400, "BadRequest", "strconv.ParseInt: parsing \"abc\": invalid syntax");
    expect_status(page(s, "nodes", NULL, "\xff\"", NULL), 400, "BadRequest",
                  "strconv.ParseInt: parsing \"\\xff\\\"\": invalid syntax");
    expect_status(page(s, "nodes", NULL, "", NULL), 400, "BadRequest", "strconv.ParseInt: parsing \"\": invalid syntax");
    expect_status(page(s, "nodes", NULL, "99999999999999999999", NULL), 400, "BadRequest",
                  "strconv.ParseInt: parsing \"99999999999999999999\": value out of range");
    kube_store_unref(s);
}

static void test_history_is_bounded(void **state)
{
    (void)state;
    kube_store *s = kube_store_new();
    long long start = kube_store_resource_version(s);
    for (int i = 0; i < KUBE_STORE_HISTORY + 10; i++) {
        char name[32];
        snprintf(name, sizeof(name), "s%05d", i);
        create_named(s, "secrets", "default", name);
    }
    cJSON *events = cJSON_CreateArray();
    long long last, oldest;
    /* the first ten events fell out of the ring: a watch from before them gets 410 */
    assert_int_equal(kube_store_events_since(s, R("secrets"), NULL, start, NULL, NULL, events, &last, &oldest), -1);
    assert_int_equal(oldest, start + 10);
    assert_int_equal(kube_store_events_since(s, R("secrets"), NULL, oldest, NULL, NULL, events, &last, &oldest), 0);
    assert_int_equal(cJSON_GetArraySize(events), KUBE_STORE_HISTORY);
    cJSON_Delete(events);
    kube_store_unref(s);
}

/* ---- DELETE answers ---- */

static long long deleted_event_rv(kube_store *s, const kube_resource *r, long long since)
{
    cJSON *events = cJSON_CreateArray();
    long long last, oldest, rv = -1;
    assert_int_equal(kube_store_events_since(s, r, NULL, since, NULL, NULL, events, &last, &oldest), 0);
    const cJSON *ev;
    cJSON_ArrayForEach(ev, events)
    {
        if (strcmp(cJSON_GetObjectItem(ev, "type")->valuestring, "DELETED") == 0)
            rv = atoll(kube_meta_get(cJSON_GetObjectItem(ev, "object"), "resourceVersion"));
    }
    cJSON_Delete(events);
    return rv;
}

static void test_delete_answer_per_kind(void **state)
{
    (void)state;
    /* ReturnDeletedObject in pkg/registry: pods, persistentvolumes, persistentvolumeclaims;
     * namespaces answer the namespace. The rest, and custom resources, answer Status. */
    const struct {
        const char *plural, *ns;
        bool object;
    } kinds[] = {{"namespaces", NULL, true},     {"nodes", NULL, false},
                 {"pods", "default", true},      {"secrets", "default", false},
                 {"persistentvolumes", NULL, true}, {"persistentvolumeclaims", "default", true},
                 {"statefulsets", "default", false}, {"deployments", "default", false},
                 {"sandboxes", "default", false}};
    kube_store *s = kube_store_new();
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        const kube_resource *r = R(kinds[i].plural);
        assert_non_null(r);
        create_named(s, kinds[i].plural, kinds[i].ns, "victim");
        kube_result g = kube_store_get(s, r, kinds[i].ns, "victim");
        char *uid = osh_str_dup(kube_meta_get(g.body, "uid"));
        cJSON_Delete(g.body);
        long long before = kube_store_resource_version(s);
        kube_result d = kube_store_delete(s, r, kinds[i].ns, "victim", NULL);
        assert_int_equal(d.code, 200);
        long long event_rv = deleted_event_rv(s, r, before);
        if (strcmp(kinds[i].plural, "namespaces") == 0) {
            /* the answer is the namespace gone Terminating (MODIFIED), then it is deleted */
            assert_int_equal(event_rv, before + 2);
            assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(d.body, "status"), "phase")->valuestring,
                                "Terminating");
            assert_non_null(kube_meta_get(d.body, "deletionTimestamp"));
            event_rv = before + 1;
        } else {
            assert_int_equal(event_rv, before + 1);
        }
        if (kinds[i].object) {
            assert_string_equal(cJSON_GetObjectItem(d.body, "kind")->valuestring, r->kind);
            assert_int_equal(atoll(kube_meta_get(d.body, "resourceVersion")), event_rv);
        } else {
            assert_string_equal(cJSON_GetObjectItem(d.body, "kind")->valuestring, "Status");
            assert_string_equal(cJSON_GetObjectItem(d.body, "status")->valuestring, "Success");
            const cJSON *det = cJSON_GetObjectItem(d.body, "details");
            assert_string_equal(cJSON_GetObjectItem(det, "name")->valuestring, "victim");
            assert_string_equal(cJSON_GetObjectItem(det, "kind")->valuestring, r->plural);
            assert_string_equal(cJSON_GetObjectItem(det, "uid")->valuestring, uid);
            const cJSON *group = cJSON_GetObjectItem(det, "group");
            if (r->group[0])
                assert_string_equal(group->valuestring, r->group);
            else
                assert_null(group);
        }
        free(uid);
        cJSON_Delete(d.body);
    }
    kube_store_unref(s);
}

static void test_delete_with_finalizers_answers_the_object(void **state)
{
    (void)state;
    kube_store *s = kube_store_new();
    /* a Status kind still answers the object while finalizers keep it */
    create_ok(s, "sandboxes", "default", "{\"metadata\": {\"name\": \"sb\", \"finalizers\": [\"x/y\"]}}");
    long long before = kube_store_resource_version(s);
    kube_result d = kube_store_delete(s, R("sandboxes"), "default", "sb", NULL);
    assert_int_equal(d.code, 200);
    assert_string_equal(cJSON_GetObjectItem(d.body, "kind")->valuestring, "Sandbox");
    assert_non_null(kube_meta_get(d.body, "deletionTimestamp"));
    assert_int_equal(atoll(kube_meta_get(d.body, "resourceVersion")), before + 1);
    cJSON_Delete(d.body);
    /* dry run answers without changing anything */
    create_named(s, "deployments", "default", "web");
    before = kube_store_resource_version(s);
    kube_delete_opts dry = {-1, NULL, true};
    d = kube_store_delete(s, R("deployments"), "default", "web", &dry);
    assert_string_equal(cJSON_GetObjectItem(d.body, "kind")->valuestring, "Status");
    cJSON_Delete(d.body);
    assert_int_equal(kube_store_resource_version(s), before);
    kube_result g = kube_store_get(s, R("deployments"), "default", "web");
    assert_int_equal(g.code, 200);
    cJSON_Delete(g.body);
    kube_store_unref(s);
}

static cJSON *events_since(kube_store *s, const char *plural, long long since)
{
    cJSON *events = cJSON_CreateArray();
    long long last, oldest;
    assert_int_equal(kube_store_events_since(s, R(plural), NULL, since, NULL, NULL, events, &last, &oldest), 0);
    return events;
}

static const char *event_type(const cJSON *events, int i)
{
    return cJSON_GetObjectItem(cJSON_GetArrayItem(events, i), "type")->valuestring;
}

static const char *first_finalizer(const cJSON *obj)
{
    return cJSON_GetStringValue(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(obj, "metadata"), "finalizers"), 0));
}

/* An owner deployment and a secret it owns; returns the owner's uid (malloc'd). */
static char *owner_and_dependent(kube_store *s)
{
    create_named(s, "deployments", "default", "owner");
    kube_result g = kube_store_get(s, R("deployments"), "default", "owner");
    char *uid = osh_str_dup(kube_meta_get(g.body, "uid"));
    cJSON_Delete(g.body);
    char *json = osh_str_printf("{\"metadata\": {\"name\": \"dep\", \"ownerReferences\": [{\"apiVersion\": \"apps/v1\", "
                                "\"kind\": \"Deployment\", \"name\": \"owner\", \"uid\": \"%s\"}]}}",
                                uid);
    create_ok(s, "secrets", "default", json);
    free(json);
    return uid;
}

static void test_delete_propagation_policies(void **state)
{
    (void)state;
    kube_store *s = kube_store_new();
    /* Foreground: the answer is the owner with deletionTimestamp and the foregroundDeletion
     * finalizer; the collector deletes the dependent, then the owner goes */
    char *uid = owner_and_dependent(s);
    long long before = kube_store_resource_version(s);
    kube_delete_opts fg = {-1, "Foreground", false};
    kube_result d = kube_store_delete(s, R("deployments"), "default", "owner", &fg);
    assert_int_equal(d.code, 200);
    assert_string_equal(cJSON_GetObjectItem(d.body, "kind")->valuestring, "Deployment");
    assert_string_equal(first_finalizer(d.body), "foregroundDeletion");
    assert_non_null(kube_meta_get(d.body, "deletionTimestamp"));
    assert_int_equal(atoll(kube_meta_get(d.body, "resourceVersion")), before + 1);
    cJSON_Delete(d.body);
    cJSON *ev = events_since(s, "deployments", before);
    assert_int_equal(cJSON_GetArraySize(ev), 2);
    assert_string_equal(event_type(ev, 0), "MODIFIED");
    assert_string_equal(event_type(ev, 1), "DELETED");
    cJSON_Delete(ev);
    kube_result g = kube_store_get(s, R("secrets"), "default", "dep");
    assert_int_equal(g.code, 404);
    cJSON_Delete(g.body);
    free(uid);
    /* Orphan: the answer carries the orphan finalizer; the dependent stays, unowned */
    uid = owner_and_dependent(s);
    kube_delete_opts orphan = {-1, "Orphan", false};
    d = kube_store_delete(s, R("deployments"), "default", "owner", &orphan);
    assert_string_equal(first_finalizer(d.body), "orphan");
    cJSON_Delete(d.body);
    g = kube_store_get(s, R("deployments"), "default", "owner");
    assert_int_equal(g.code, 404);
    cJSON_Delete(g.body);
    g = kube_store_get(s, R("secrets"), "default", "dep");
    assert_int_equal(g.code, 200);
    assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(g.body, "metadata"), "ownerReferences"));
    cJSON_Delete(g.body);
    free(uid);
    /* Background (the default): Status, and the dependent is collected */
    kube_result dd = kube_store_delete(s, R("secrets"), "default", "dep", NULL);
    cJSON_Delete(dd.body);
    uid = owner_and_dependent(s);
    d = kube_store_delete(s, R("deployments"), "default", "owner", NULL);
    assert_string_equal(cJSON_GetObjectItem(d.body, "kind")->valuestring, "Status");
    cJSON_Delete(d.body);
    g = kube_store_get(s, R("secrets"), "default", "dep");
    assert_int_equal(g.code, 404);
    cJSON_Delete(g.body);
    free(uid);
    kube_store_unref(s);
}

static void test_mark_as_deleting(void **state)
{
    (void)state;
    kube_store *s = kube_store_new();
    /* a kind without graceful deletion: grace 0, generation bumped (markAsDeleting) */
    create_ok(s, "deployments", "default", "{\"metadata\": {\"name\": \"web\", \"finalizers\": [\"x/y\"]}}");
    kube_result d = kube_store_delete(s, R("deployments"), "default", "web", NULL);
    const cJSON *meta = cJSON_GetObjectItem(d.body, "metadata");
    assert_int_equal(cJSON_GetObjectItem(meta, "deletionGracePeriodSeconds")->valueint, 0);
    assert_int_equal(cJSON_GetObjectItem(meta, "generation")->valueint, 2);
    char *rv = osh_str_dup(kube_meta_get(d.body, "resourceVersion"));
    cJSON_Delete(d.body);
    /* deleting it again changes nothing and answers the object as it is */
    long long before = kube_store_resource_version(s);
    d = kube_store_delete(s, R("deployments"), "default", "web", NULL);
    assert_string_equal(kube_meta_get(d.body, "resourceVersion"), rv);
    assert_int_equal(kube_store_resource_version(s), before);
    cJSON_Delete(d.body);
    free(rv);
    /* removing the last finalizer deletes it instead of writing: one DELETED event, and the
     * answer is the object as stored (finalizers included) at the deletion's version */
    before = kube_store_resource_version(s);
    cJSON *patch = cJSON_Parse("{\"metadata\": {\"finalizers\": null}}");
    kube_result u = kube_store_patch(s, R("deployments"), "default", "web", KUBE_PATCH_MERGE, patch, false, false);
    assert_int_equal(u.code, 200);
    assert_string_equal(first_finalizer(u.body), "x/y");
    assert_int_equal(atoll(kube_meta_get(u.body, "resourceVersion")), before + 1);
    cJSON *ev = events_since(s, "deployments", before);
    assert_int_equal(cJSON_GetArraySize(ev), 1);
    assert_string_equal(event_type(ev, 0), "DELETED");
    cJSON_Delete(ev);
    cJSON_Delete(u.body);
    cJSON_Delete(patch);
    kube_result g = kube_store_get(s, R("deployments"), "default", "web");
    assert_int_equal(g.code, 404);
    cJSON_Delete(g.body);
    /* a pod whose node is not Ready: deletionTimestamp its grace period ahead */
    create_ok(s, "nodes", NULL, "{\"metadata\": {\"name\": \"down\"}, \"status\": {\"conditions\": [{\"type\": \"Ready\", \"status\": \"False\"}]}}");
    create_ok(s, "pods", "default", "{\"metadata\": {\"name\": \"p\"}, \"spec\": {\"nodeName\": \"down\", \"terminationGracePeriodSeconds\": 600}}");
    d = kube_store_delete(s, R("pods"), "default", "p", NULL);
    meta = cJSON_GetObjectItem(d.body, "metadata");
    assert_int_equal(cJSON_GetObjectItem(meta, "deletionGracePeriodSeconds")->valueint, 600);
    char *now = kube_meta_now();
    assert_true(strcmp(kube_meta_get(d.body, "deletionTimestamp"), now) > 0);
    free(now);
    cJSON_Delete(d.body);
    kube_store_unref(s);
}

static cJSON *to_statefulset(const cJSON *obj, void *user)
{
    (void)user;
    if (strcmp(kube_meta_get(obj, "name"), "refused") == 0)
        return NULL;
    cJSON *copy = cJSON_Duplicate(obj, true);
    cJSON_ReplaceItemInObject(copy, "kind", cJSON_CreateString("StatefulSet"));
    return copy;
}

/* What installing a CRD with another storage version does: objects change resource. */
static void test_move_between_resources(void **state)
{
    (void)state;
    kube_store *s = kube_store_new();
    create_named(s, "deployments", "default", "a");
    create_named(s, "deployments", "default", "refused");
    create_named(s, "deployments", "default", "taken");
    create_named(s, "statefulsets", "default", "taken");
    long long rv = kube_store_resource_version(s);
    pthread_mutex_lock(&s->lock);
    kube_store_move_locked(s, R("deployments"), R("statefulsets"), to_statefulset, NULL);
    pthread_mutex_unlock(&s->lock);
    assert_int_equal(kube_store_resource_version(s), rv);
    kube_result l = kube_store_list(s, R("statefulsets"), "default", NULL, NULL);
    char *n = names(l.body);
    assert_string_equal(n, "default/a,default/taken");
    free(n);
    cJSON_Delete(l.body);
    l = kube_store_list(s, R("deployments"), "default", NULL, NULL);
    n = names(l.body);
    assert_string_equal(n, "default/refused,default/taken");
    free(n);
    cJSON_Delete(l.body);
    kube_result g = kube_store_get(s, R("statefulsets"), "default", "a");
    assert_string_equal(cJSON_GetObjectItem(g.body, "kind")->valuestring, "StatefulSet");
    cJSON_Delete(g.body);
    kube_store_unref(s);
}

/* docs/mocks.md states the history's size: it must be the code's. */
static void test_docs_name_the_history_size(void **state)
{
    (void)state;
    char *error = NULL;
    char *text = osh_file_read(OSH_DOCS_DIR "/mocks.md", 1 << 20, NULL, &error);
    if (!text)
        fail_msg("%s", error);
    char *want = osh_str_printf("the last **%d changes** (`KUBE_STORE_HISTORY`)", KUBE_STORE_HISTORY);
    assert_non_null(strstr(text, want));
    free(want);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_thousands_in_any_order),
        cmocka_unit_test(test_list_order_is_etcd_key_order),
        cmocka_unit_test(test_pages_continue_and_remaining),
        cmocka_unit_test(test_pages_read_one_snapshot),
        cmocka_unit_test(test_pages_in_a_namespace_and_with_selectors),
        cmocka_unit_test(test_expired_token_gets_410_and_a_token_to_go_on),
        cmocka_unit_test(test_tokens_never_issued_and_bad_limits),
        cmocka_unit_test(test_history_is_bounded),
        cmocka_unit_test(test_delete_answer_per_kind),
        cmocka_unit_test(test_delete_with_finalizers_answers_the_object),
        cmocka_unit_test(test_delete_propagation_policies),
        cmocka_unit_test(test_mark_as_deleting),
        cmocka_unit_test(test_move_between_resources),
        cmocka_unit_test(test_docs_name_the_history_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
