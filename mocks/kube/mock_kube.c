/* mock_kube.c: the mock Kubernetes API server's lifecycle, store switching and request
 * routing (see mock_kube.h). Watches live in kube_watch.c. */
#include "mock_kube.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_sandbox.h"
#include "kube_api_internal.h"
#include "kube_discovery.h"
#include "kube_protobuf.h"
#include "kube_table.h"
#include "kube_yaml.h"
#include "osh_file.h"
#include "osh_str.h"

/* The OpenAPI documents under openapi/, compiled in (cmake/OshEmbed.cmake). */
const char *kube_openapi_embedded(const char *name, size_t *len);

struct mock_kube {
    mock_http_server *http;
    char *url;
    pthread_mutex_t lock;
    kube_store *default_store;
    kube_store *current; /* referenced */
    mock_kube_request_hook request_hook;
    void *request_hook_user;
};

typedef struct route {
    const kube_resource *r;
    char *ns;       /* namespace of a namespaced request, else NULL */
    char *name;     /* NULL for a collection */
    bool status;    /* the /status subresource */
    bool scale;     /* the /scale subresource (custom resources whose CRD declares it) */
} route;

void kube_api_send(mock_http_response *res, kube_result result)
{
    mock_http_respond_json(res, result.code, result.body);
    cJSON_Delete(result.body);
}

/* Splits "/a/b/c" into at most max segments; returns how many. */
static size_t split_path(const char *path, char **segs, size_t max)
{
    size_t n = 0;
    const char *p = path;
    while (*p == '/')
        p++;
    while (*p && n < max) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        segs[n++] = osh_str_ndup(p, len);
        if (!e)
            break;
        p = e + 1;
    }
    return *p && n == max && strchr(p, '/') ? max + 1 : n;
}

static void route_free(route *rt);

/* Parses a resource path after the group version. Returns false for unknown paths. */
static bool parse_route(const char *group, const char *version, char **segs, size_t n, route *out)
{
    route_free(out);
    memset(out, 0, sizeof(*out));
    size_t i = 0;
    if (n >= 3 && strcmp(segs[0], "namespaces") == 0 && group[0] == '\0' && strcmp(segs[2], "status") != 0 &&
        strcmp(segs[2], "finalize") != 0) {
        out->ns = osh_str_dup(segs[1]);
        i = 2;
    } else if (n >= 3 && strcmp(segs[0], "namespaces") == 0 && group[0]) {
        out->ns = osh_str_dup(segs[1]);
        i = 2;
    }
    if (i >= n)
        return false;
    out->r = kube_resource_by_path(group, version, segs[i]);
    if (!out->r || (out->ns && !out->r->namespaced))
        return false;
    if (i + 1 < n)
        out->name = osh_str_dup(segs[i + 1]);
    if (i + 2 < n) {
        bool custom = kube_resource_is_custom(out->r);
        if (i + 3 < n)
            return false;
        if (strcmp(segs[i + 2], "status") == 0 && (out->r->has_status || custom))
            out->status = true;
        else if (strcmp(segs[i + 2], "scale") == 0 && custom)
            out->scale = true;
        else
            return false;
    }
    return true;
}

static void route_free(route *rt)
{
    free(rt->ns);
    free(rt->name);
}

bool kube_api_query_true(const char *v)
{
    /* strconv.ParseBool, as the apiserver reads ?watch= (python-kubernetes sends "True") */
    const char *yes[] = {"1", "t", "T", "TRUE", "true", "True"};
    for (size_t i = 0; v && i < sizeof(yes) / sizeof(yes[0]); i++)
        if (strcmp(v, yes[i]) == 0)
            return true;
    return false;
}

bool kube_api_wants_table(const mock_http_request *req)
{
    const char *accept = mock_http_request_header(req, "Accept");
    return accept && strstr(accept, "as=Table");
}

bool kube_api_dry_run(const mock_http_request *req)
{
    const char *d = mock_http_request_query_value(req, "dryRun");
    return d && strcmp(d, "All") == 0;
}

/* The request body as JSON (or YAML); NULL with *result set to a 400 otherwise. */
cJSON *kube_api_decode_body(const mock_http_request *req, kube_result *result)
{
    const char *ct = mock_http_request_header(req, "Content-Type");
    size_t plen;
    const char *pbody = mock_http_request_body(req, &plen);
    if (ct && strstr(ct, "protobuf") && kube_protobuf_is_envelope(pbody, plen)) {
        char *perr = NULL;
        cJSON *obj = kube_protobuf_decode(pbody, plen, &perr);
        if (obj)
            return obj;
        free(perr);
    }
    if (ct && !strstr(ct, "json") && !strstr(ct, "yaml")) {
        /* protobuf and CBOR are not served; client-go falls back to JSON on a 415 */
        char *msg = osh_str_printf("the body of the request was in an unknown format - accepted media types include: "
                                   "application/json, application/yaml");
        *result = (kube_result){415, kube_status_failure(415, "UnsupportedMediaType", msg, NULL)};
        free(msg);
        return NULL;
    }
    size_t len;
    const char *body = mock_http_request_body(req, &len);
    cJSON *doc = len ? cJSON_ParseWithLength(body, len) : NULL;
    if (doc)
        return doc;
    char *error = NULL;
    if (len)
        doc = kube_yaml_parse(body, len, &error);
    if (doc && (cJSON_IsObject(doc) || cJSON_IsArray(doc))) {
        free(error);
        return doc;
    }
    cJSON_Delete(doc);
    char *msg;
    if (error && ct && strstr(ct, "yaml")) /* the apiserver's YAML serializer names the problem */
        msg = osh_str_printf("error converting YAML to JSON: %s", error);
    else
        msg = osh_str_printf("couldn't get version/kind; json parse error: %s",
                             len == 0 ? "unexpected end of JSON input" : "the body is neither valid JSON nor YAML");
    *result = kube_err_bad_request(msg);
    free(msg);
    free(error);
    return NULL;
}

static kube_result table_or_object(const mock_http_request *req, const kube_resource *r, kube_result res, bool list)
{
    if (res.code != 200 || !kube_api_wants_table(req))
        return res;
    const char *rv = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(res.body, "metadata"), "resourceVersion"));
    cJSON *items = list ? NULL : cJSON_CreateArray();
    if (items)
        cJSON_AddItemToArray(items, cJSON_Duplicate(res.body, true));
    cJSON *t = kube_table_build(r, list ? cJSON_GetObjectItemCaseSensitive(res.body, "items") : items,
                                mock_http_request_query_value(req, "includeObject"), rv);
    cJSON_Delete(items);
    /* a page of a list keeps its continue token and count in the Table's ListMeta */
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(res.body, "metadata");
    cJSON *tmeta = cJSON_GetObjectItemCaseSensitive(t, "metadata");
    const char *keep[] = {"continue", "remainingItemCount"};
    for (size_t i = 0; list && tmeta && i < 2; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(meta, keep[i]);
        if (v)
            cJSON_AddItemToObject(tmeta, keep[i], cJSON_Duplicate(v, true));
    }
    cJSON_Delete(res.body);
    return (kube_result){200, t};
}

static kube_patch_type patch_type_of(const mock_http_request *req, bool *ok)
{
    const char *ct = mock_http_request_header(req, "Content-Type");
    *ok = true;
    if (ct && osh_str_starts_with(ct, "application/strategic-merge-patch+json"))
        return KUBE_PATCH_STRATEGIC;
    if (ct && osh_str_starts_with(ct, "application/json-patch+json"))
        return KUBE_PATCH_JSON;
    if (ct && osh_str_starts_with(ct, "application/merge-patch+json"))
        return KUBE_PATCH_MERGE;
    *ok = false;
    return KUBE_PATCH_MERGE;
}

void kube_api_delete_options(const mock_http_request *req, const cJSON *body, kube_delete_opts *o)
{
    o->grace_period_seconds = -1;
    o->propagation = NULL;
    o->dry_run = kube_api_dry_run(req);
    const char *g = mock_http_request_query_value(req, "gracePeriodSeconds");
    if (g)
        o->grace_period_seconds = atoi(g);
    o->propagation = mock_http_request_query_value(req, "propagationPolicy");
    const cJSON *bg = cJSON_GetObjectItemCaseSensitive(body, "gracePeriodSeconds");
    if (cJSON_IsNumber(bg))
        o->grace_period_seconds = bg->valueint;
    const char *bp = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "propagationPolicy"));
    if (bp)
        o->propagation = bp;
    const cJSON *dr = cJSON_GetObjectItemCaseSensitive(body, "dryRun");
    if (cJSON_IsArray(dr) && cJSON_GetArraySize(dr) > 0)
        o->dry_run = true;
}

kube_preconditions kube_api_preconditions(const cJSON *body)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(body, "preconditions");
    return (kube_preconditions){cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "uid")),
                                cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "resourceVersion"))};
}

/* deletecollection: every object the selectors match; answers the list of what went. */
static kube_result delete_collection(kube_store *s, const mock_http_request *req, const route *rt,
                                     const kube_delete_opts *o)
{
    kube_result list = kube_store_list(s, rt->r, rt->ns, mock_http_request_query_value(req, "labelSelector"),
                                       mock_http_request_query_value(req, "fieldSelector"));
    if (list.code != 200)
        return list;
    cJSON *items = cJSON_GetObjectItemCaseSensitive(list.body, "items");
    cJSON *deleted = cJSON_CreateArray();
    const cJSON *it;
    cJSON_ArrayForEach(it, items)
    {
        const cJSON *meta = cJSON_GetObjectItemCaseSensitive(it, "metadata");
        kube_result d = kube_store_delete(s, rt->r, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(meta, "namespace")),
                                          cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(meta, "name")), o);
        if (d.code == 200)
            cJSON_AddItemToArray(deleted, cJSON_Duplicate(it, true));
        cJSON_Delete(d.body);
    }
    cJSON_ReplaceItemInObjectCaseSensitive(list.body, "items", deleted);
    return list;
}

static void serve_resource(mock_kube *k, const mock_http_request *req, mock_http_response *res, const route *rt)
{
    const char *method = mock_http_request_method(req);
    kube_store *s = mock_kube_current_store(k);
    if (kube_resource_is_custom(rt->r)) {
        kube_crd_serve(res, req, s, rt->r, rt->ns, rt->name, rt->status ? "status" : rt->scale ? "scale" : NULL);
        kube_store_unref(s);
        return;
    }
    const char *watch = mock_http_request_query_value(req, "watch");
    bool watching = kube_api_query_true(watch);
    kube_result out = {0, NULL};
    cJSON *body = NULL;
    if (strcmp(method, "GET") == 0 && !rt->name && watching) {
        kube_watch_respond(res, req, s, rt->r, rt->ns, kube_api_wants_table(req), NULL);
    } else if (strcmp(method, "GET") == 0 && !rt->name) {
        kube_list_opts lo = {mock_http_request_query_value(req, "labelSelector"),
                             mock_http_request_query_value(req, "fieldSelector"),
                             mock_http_request_query_value(req, "limit"), mock_http_request_query_value(req, "continue"),
                             mock_http_request_query_value(req, "resourceVersion")};
        out = table_or_object(req, rt->r, kube_store_list_page(s, rt->r, rt->ns, &lo), true);
    } else if (strcmp(method, "GET") == 0) {
        out = table_or_object(req, rt->r, kube_store_get(s, rt->r, rt->ns, rt->name), false);
    } else if (strcmp(method, "POST") == 0 && !rt->name) {
        if ((body = kube_api_decode_body(req, &out)))
            out = kube_store_create(s, rt->r, rt->ns, body, kube_api_dry_run(req));
    } else if (strcmp(method, "PUT") == 0 && rt->name) {
        if ((body = kube_api_decode_body(req, &out)))
            out = kube_store_update(s, rt->r, rt->ns, rt->name, body, rt->status, kube_api_dry_run(req));
    } else if (strcmp(method, "PATCH") == 0 && rt->name) {
        bool known;
        kube_patch_type type = patch_type_of(req, &known);
        if (!known) {
            char *msg = osh_str_printf("the body of the request was in an unknown format - accepted media types "
                                       "include: application/json-patch+json, application/merge-patch+json, "
                                       "application/apply-patch+yaml, application/strategic-merge-patch+json");
            out = (kube_result){415, kube_status_failure(415, "UnsupportedMediaType", msg, NULL)};
            free(msg);
        } else if ((body = kube_api_decode_body(req, &out))) {
            out = kube_store_patch(s, rt->r, rt->ns, rt->name, type, body, rt->status, kube_api_dry_run(req));
        }
    } else if (strcmp(method, "DELETE") == 0 && !rt->name) {
        size_t len;
        mock_http_request_body(req, &len);
        if (len == 0 || (body = kube_api_decode_body(req, &out))) {
            kube_delete_opts o;
            kube_api_delete_options(req, body, &o);
            out = delete_collection(s, req, rt, &o);
        }
    } else if (strcmp(method, "DELETE") == 0 && rt->name && !rt->status) {
        size_t len;
        mock_http_request_body(req, &len);
        if (len == 0 || (body = kube_api_decode_body(req, &out))) {
            kube_delete_opts o;
            kube_api_delete_options(req, body, &o);
            kube_preconditions pre = kube_api_preconditions(body);
            out = kube_store_delete_if(s, rt->r, rt->ns, rt->name, &o, &pre);
        }
    } else {
        out = kube_err_method_not_allowed();
    }
    if (out.body)
        kube_api_send(res, out);
    cJSON_Delete(body);
    kube_store_unref(s);
}

static void send_doc(mock_http_response *res, cJSON *doc)
{
    if (!doc) {
        kube_api_send(res, kube_err_no_resource());
        return;
    }
    mock_http_respond_json(res, 200, doc);
    cJSON_Delete(doc);
}

/* One of the compiled-in OpenAPI documents of openapi/. */
static bool send_file(mock_http_response *res, const char *name)
{
    size_t len = 0;
    const char *doc = kube_openapi_embedded(name, &len);
    if (!doc)
        kube_api_send(res, kube_err_no_resource());
    else
        mock_http_respond(res, 200, "application/json", doc, len);
    return true;
}

/* /openapi/v3 and its documents: trimmed copies of the reference files (openapi/) for the
 * built-in groups, and one per served version of the Sandbox CRD, made from the CRD. */
static bool serve_openapi(mock_kube *k, const char *path, mock_http_response *res)
{
    static const char *DOCS[][2] = {{"api/v1", "api__v1.json"}, {"apis/apps/v1", "apis__apps__v1.json"}};
    if (!osh_str_starts_with(path, "/openapi/v3"))
        return false;
    kube_store *s = mock_kube_current_store(k);
    kube_crd *crd = kube_store_crd(s, "agents.x-k8s.io", "sandboxes");
    kube_store_unref(s);
    const kube_crd_version *served[8];
    size_t n_served = crd ? kube_crd_served_sorted(crd, served, 8) : 0;
    bool done = false;
    if (strcmp(path, "/openapi/v3") == 0 || strcmp(path, "/openapi/v3/") == 0) {
        cJSON *index = cJSON_CreateObject();
        cJSON *paths = cJSON_AddObjectToObject(index, "paths");
        for (size_t i = 0; i < 2 + n_served; i++) {
            char *gv = i < 2 ? osh_str_dup(DOCS[i][0]) : osh_str_printf("apis/%s/%s", crd->group, served[i - 2]->name);
            cJSON *e = cJSON_AddObjectToObject(paths, gv);
            char *url = osh_str_printf("/openapi/v3/%s?hash=0000000000000000000000000000000%zu", gv, i);
            cJSON_AddStringToObject(e, "serverRelativeURL", url);
            free(url);
            free(gv);
        }
        mock_http_respond_json(res, 200, index);
        cJSON_Delete(index);
        done = true;
    }
    for (size_t i = 0; !done && i < 2; i++)
        if (strcmp(path + strlen("/openapi/v3/"), DOCS[i][0]) == 0)
            done = send_file(res, DOCS[i][1]);
    for (size_t i = 0; !done && i < n_served; i++) {
        char *gv = osh_str_printf("/openapi/v3/apis/%s/%s", crd->group, served[i]->name);
        if (strcmp(path, gv) == 0) {
            size_t len = 0;
            const char *tmpl = kube_openapi_embedded("apis__agents.x-k8s.io__v1alpha1.json", &len);
            cJSON *doc = tmpl ? kube_crd_openapi(crd, served[i], tmpl) : NULL;
            send_doc(res, doc);
            done = true;
        }
        free(gv);
    }
    kube_crd_unref(crd);
    return done;
}

/* Discovery and health paths; false when path is not one of them. */
static bool serve_fixed(mock_kube *k, const char *path, mock_http_response *res)
{
    if (strcmp(path, "/version") == 0 || strcmp(path, "/version/") == 0) {
        send_doc(res, kube_discovery_version());
    } else if (strcmp(path, "/api") == 0 || strcmp(path, "/api/") == 0) {
        send_doc(res, kube_discovery_api_versions());
    } else if (strcmp(path, "/apis") == 0 || strcmp(path, "/apis/") == 0) {
        kube_store *s = mock_kube_current_store(k);
        send_doc(res, kube_discovery_group_list(s));
        kube_store_unref(s);
    } else if (strcmp(path, "/api/v1") == 0 || strcmp(path, "/api/v1/") == 0) {
        send_doc(res, kube_discovery_resource_list(NULL, "", "v1"));
    } else if (strcmp(path, "/healthz") == 0 || strcmp(path, "/readyz") == 0 || strcmp(path, "/livez") == 0) {
        mock_http_respond(res, 200, "text/plain; charset=utf-8", "ok", 2);
    } else {
        return false;
    }
    return true;
}

static void run_request_hook(mock_kube *k)
{
    pthread_mutex_lock(&k->lock);
    mock_kube_request_hook hook = k->request_hook;
    void *user = k->request_hook_user;
    kube_store *s = kube_store_ref(k->current);
    pthread_mutex_unlock(&k->lock);
    if (hook)
        hook(s, user);
    kube_store_unref(s);
}

void mock_kube_set_request_hook(mock_kube *k, mock_kube_request_hook hook, void *user)
{
    pthread_mutex_lock(&k->lock);
    k->request_hook = hook;
    k->request_hook_user = user;
    pthread_mutex_unlock(&k->lock);
}

static void handle(void *ctx, const mock_http_request *req, mock_http_response *res)
{
    mock_kube *k = ctx;
    const char *path = mock_http_request_path(req);
    run_request_hook(k);
    if (serve_fixed(k, path, res) || serve_openapi(k, path, res))
        return;
    char *segs[8] = {0};
    size_t n = split_path(path, segs, 8);
    size_t kept = n > 8 ? 8 : n;
    route rt = {0};
    bool found = false;
    if (n <= 8 && n >= 2 && strcmp(segs[0], "apis") == 0 && n == 2) {
        kube_store *s = mock_kube_current_store(k);
        cJSON *doc = kube_discovery_group(s, segs[1]);
        kube_store_unref(s);
        found = doc || !kube_group_is_custom(segs[1]); /* an unserved CRD group: 404 page not found */
        if (found)
            send_doc(res, doc);
    } else if (n <= 8 && n == 3 && strcmp(segs[0], "apis") == 0) {
        kube_store *s = mock_kube_current_store(k);
        cJSON *doc = kube_discovery_resource_list(s, segs[1], segs[2]);
        kube_store_unref(s);
        found = doc || !kube_group_is_custom(segs[1]);
        if (found)
            send_doc(res, doc);
    } else if (n <= 8 && n >= 3 && strcmp(segs[0], "api") == 0 && strcmp(segs[1], "v1") == 0 &&
               parse_route("", "v1", segs + 2, n - 2, &rt)) {
        serve_resource(k, req, res, &rt);
        found = true;
    } else if (n <= 8 && n >= 4 && strcmp(segs[0], "apis") == 0 && parse_route(segs[1], segs[2], segs + 3, n - 3, &rt)) {
        serve_resource(k, req, res, &rt);
        found = true;
    }
    route_free(&rt);
    if (!found) {
        if (osh_str_starts_with(path, "/api/") || (osh_str_starts_with(path, "/apis/") && !(n >= 2 && kube_group_is_custom(segs[1]))))
            kube_api_send(res, kube_err_no_resource());
        else
            mock_http_respond(res, 404, "text/plain; charset=utf-8", "404 page not found\n", 19);
    }
    for (size_t i = 0; i < kept; i++)
        free(segs[i]);
}

static void handle_mock(void *ctx, const mock_http_request *req, mock_http_response *res)
{
    mock_kube *k = ctx;
    if (strcmp(mock_http_request_path(req), "/_mock/state") == 0 && strcmp(mock_http_request_method(req), "GET") == 0) {
        kube_store *s = mock_kube_current_store(k);
        cJSON *state = kube_store_export(s);
        kube_store_unref(s);
        mock_http_respond_json(res, 200, state);
        cJSON_Delete(state);
        return;
    }
    mock_http_respond(res, 404, "text/plain; charset=utf-8", "404 page not found\n", 19);
}

/* kube-apiserver's --max-request-body-bytes default: 3 MiB for every route. */
static size_t body_limit(void *ctx, const char *method, const char *path)
{
    (void)ctx;
    (void)method;
    (void)path;
    return MOCK_KUBE_BODY_LIMIT;
}

/* What the apiserver answers (apierrors.NewRequestEntityTooLargeError). */
static void body_too_large(void *ctx, const mock_http_request *req, size_t limit,
                           mock_http_response *res)
{
    (void)ctx;
    (void)req;
    char *msg = osh_str_printf("Request entity too large: limit is %zu", limit);
    cJSON *st = kube_status_failure(413, "RequestEntityTooLarge", msg, NULL);
    mock_http_respond_json(res, 413, st);
    cJSON_Delete(st);
    free(msg);
}

mock_kube *mock_kube_new(const mock_kube_options *opts, char **error)
{
    mock_kube *k = calloc(1, sizeof(*k));
    if (!k)
        abort();
    pthread_mutex_init(&k->lock, NULL);
    k->default_store = kube_store_new();
    char *as_error = NULL;
    if (agent_sandbox_install(k->default_store, opts && opts->agent_sandbox ? opts->agent_sandbox : "0.1", &as_error) != 0) {
        *error = as_error;
        kube_store_unref(k->default_store);
        pthread_mutex_destroy(&k->lock);
        free(k);
        return NULL;
    }
    k->current = kube_store_ref(k->default_store);
    mock_http_server_options ho = {.name = "kube", .handler = handle, .handler_ctx = k,
                                   .mock_handler = handle_mock, .mock_handler_ctx = k,
                                   .body_limit = body_limit, .too_large = body_too_large};
    k->http = mock_http_server_new(&ho);
    const char *host = opts && opts->host ? opts->host : "127.0.0.1";
    int port = 0;
    if (mock_http_server_listen_tcp(k->http, host, opts ? opts->port : 0, &port, error) != 0) {
        mock_kube_free(k);
        return NULL;
    }
    k->url = osh_str_printf("http://%s:%d", host, port);
    return k;
}

void mock_kube_free(mock_kube *k)
{
    if (!k)
        return;
    mock_http_server_free(k->http);
    kube_store_unref(k->current);
    kube_store_unref(k->default_store);
    pthread_mutex_destroy(&k->lock);
    free(k->url);
    free(k);
}

const char *mock_kube_url(const mock_kube *k) { return k->url; }
mock_http_server *mock_kube_http(mock_kube *k) { return k->http; }
kube_store *mock_kube_default_store(mock_kube *k)
{
    pthread_mutex_lock(&k->lock);
    kube_store *s = k->default_store;
    pthread_mutex_unlock(&k->lock);
    return s;
}

void mock_kube_set_default_store(mock_kube *k, kube_store *s)
{
    kube_store_copy_crds(s, mock_kube_default_store(k)); /* the CRDs stay served */
    kube_store_ref(s);
    pthread_mutex_lock(&k->lock);
    kube_store *old = k->default_store, *old_current = NULL;
    k->default_store = s;
    if (k->current == old) {
        old_current = k->current;
        k->current = kube_store_ref(s);
    }
    pthread_mutex_unlock(&k->lock);
    kube_store_unref(old_current);
    kube_store_unref(old);
}

void mock_kube_use_store(mock_kube *k, kube_store *s)
{
    pthread_mutex_lock(&k->lock);
    kube_store *next = kube_store_ref(s ? s : k->default_store);
    kube_store *old = k->current;
    k->current = next;
    pthread_mutex_unlock(&k->lock);
    kube_store_unref(old);
    mock_http_server_wake(k->http);
}

kube_store *mock_kube_current_store(mock_kube *k)
{
    pthread_mutex_lock(&k->lock);
    kube_store *s = kube_store_ref(k->current);
    pthread_mutex_unlock(&k->lock);
    return s;
}

int mock_kube_write_kubeconfig(const mock_kube *k, const char *path, char **error)
{
    FILE *f = osh_fopen_private(path); /* it carries the token */
    if (!f) {
        *error = osh_str_printf("cannot write kubeconfig %s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(f,
            "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: %s\n  name: mock\ncontexts:\n- context:\n"
            "    cluster: mock\n    namespace: default\n    user: mock\n  name: mock\ncurrent-context: mock\n"
            "preferences: {}\nusers:\n- name: mock\n  user:\n    token: mock-token\n",
            k->url);
    if (fclose(f) != 0) {
        *error = osh_str_printf("cannot write kubeconfig %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
