/* kube_crd_serve.c: the REST handler of a custom resource, as the apiextensions-apiserver
 * serves one: only served versions answer (404 page not found otherwise); every answer of a
 * deprecated version carries its Warning; objects are kept at the storage version and
 * converted to the version asked for; writes are pruned (fieldValidation Strict, Warn or
 * Ignore), defaulted and validated against that version's schema before they are converted
 * and stored; status and scale subresources follow the CRD. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube_api_internal.h"
#include "kube_crd_schema.h"
#include "kube_meta.h"
#include "kube_patch.h"
#include "osh_buf.h"
#include "osh_str.h"

typedef struct crd_call {
    mock_http_response *res;
    const mock_http_request *req;
    kube_store *s;
    kube_view view;
    const kube_resource *sr; /* the storage version's entry: where the objects are */
    const char *ns, *name, *sub;
    char *api_version;       /* the version asked for, "agents.x-k8s.io/v1beta1" */
} crd_call;

static const cJSON *get(const cJSON *o, const char *k) { return cJSON_GetObjectItemCaseSensitive(o, k); }

/* One RFC 7234 Warning header, as the apiserver writes them (code 299, agent "-"). */
static void add_warning(mock_http_response *res, const char *text)
{
    osh_buf b = OSH_BUF_INIT;
    osh_buf_append_str(&b, "299 - \"");
    for (const char *p = text; *p; p++) {
        if (*p == '"' || *p == '\\')
            osh_buf_append_char(&b, '\\');
        osh_buf_append_char(&b, *p);
    }
    osh_buf_append_char(&b, '"');
    mock_http_response_header(res, "Warning", b.data);
    osh_buf_free(&b);
}

static bool is_sub(const crd_call *c, const char *sub) { return c->sub && strcmp(c->sub, sub) == 0; }

/* ---- writes ---- */

/* Checks apiVersion/kind of a body against the version asked for. */
static bool type_matches(const crd_call *c, const cJSON *obj, kube_result *out)
{
    const char *kind = cJSON_GetStringValue(get(obj, "kind"));
    const char *apiv = cJSON_GetStringValue(get(obj, "apiVersion"));
    char *msg = NULL;
    if (kind && strcmp(kind, c->view.crd->kind) != 0)
        msg = osh_str_printf("the object provided is unrecognized (must be of type %s): kind %s", c->view.crd->kind, kind);
    else if (apiv && strcmp(apiv, c->api_version) != 0)
        msg = osh_str_printf("the API version in the data (%s) does not match the expected API version (%s)", apiv,
                             c->api_version);
    if (!msg)
        return true;
    *out = kube_err_bad_request(msg);
    free(msg);
    return false;
}

/* Prunes obj against the version's schema and applies fieldValidation. false with *out set
 * when the request fails (Strict, or a bad directive). */
static bool prune_request(const crd_call *c, cJSON *obj, kube_result *out)
{
    const char *fv = mock_http_request_query_value(c->req, "fieldValidation");
    if (fv && strcmp(fv, "Strict") != 0 && strcmp(fv, "Warn") != 0 && strcmp(fv, "Ignore") != 0) {
        char *msg = osh_str_printf("fieldValidation: Unsupported value: \"%s\": supported values: \"Ignore\", "
                                   "\"Strict\", \"Warn\"",
                                   fv);
        *out = kube_err_bad_request(msg);
        free(msg);
        return false;
    }
    cJSON *pruned = cJSON_CreateArray();
    kube_schema_prune(c->view.v->schema, obj, pruned);
    bool ok = true;
    if (cJSON_GetArraySize(pruned) > 0 && fv && strcmp(fv, "Strict") == 0) {
        osh_buf msg = OSH_BUF_INIT;
        char *head = osh_str_printf("%s in version \"%s\" cannot be handled as a %s: strict decoding error: ",
                                    c->view.crd->kind, c->view.v->name, c->view.crd->kind);
        osh_buf_append_str(&msg, head);
        free(head);
        const cJSON *p;
        int i = 0;
        cJSON_ArrayForEach(p, pruned)
        {
            char *one = osh_str_printf("%sunknown field \"%s\"", i++ ? ", " : "", p->valuestring);
            osh_buf_append_str(&msg, one);
            free(one);
        }
        *out = kube_err_bad_request(msg.data);
        osh_buf_free(&msg);
        ok = false;
    } else if (!fv || strcmp(fv, "Warn") == 0) {
        const cJSON *p;
        cJSON_ArrayForEach(p, pruned)
        {
            char *w = osh_str_printf("unknown field \"%s\"", p->valuestring);
            add_warning(c->res, w);
            free(w);
        }
    }
    cJSON_Delete(pruned);
    return ok;
}

/* 422 Invalid from schema causes, worded as the apiserver joins field errors. */
static kube_result invalid(const crd_call *c, const char *name, cJSON *causes)
{
    osh_buf list = OSH_BUF_INIT;
    int n = cJSON_GetArraySize(causes);
    const cJSON *cause;
    cJSON_ArrayForEach(cause, causes)
    {
        char *t = kube_schema_cause_text(cause);
        osh_buf_append_str(&list, list.len ? ", " : "");
        osh_buf_append_str(&list, t);
        free(t);
    }
    char *msg = osh_str_printf(n > 1 ? "%s.%s \"%s\" is invalid: [%s]" : "%s.%s \"%s\" is invalid: %s", c->view.crd->kind,
                               c->view.crd->group, name ? name : "", list.data);
    osh_buf_free(&list);
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "name", name ? name : "");
    cJSON_AddStringToObject(d, "group", c->view.crd->group);
    cJSON_AddStringToObject(d, "kind", c->view.crd->kind);
    cJSON_AddItemToObject(d, "causes", causes);
    kube_result r = {422, kube_status_failure(422, "Invalid", msg, d)};
    free(msg);
    return r;
}

/* Defaults and validates obj at the version asked for (old: the stored object at that version
 * on update), then converts it to the storage version, pruned and defaulted there. NULL with
 * *out set when it is refused. */
static cJSON *admit(const crd_call *c, cJSON *obj, const cJSON *old, kube_result *out)
{
    kube_schema_default(c->view.v->schema, obj);
    cJSON *causes = cJSON_CreateArray();
    kube_schema_validate(c->view.v->schema, obj, old, causes);
    if (old) {
        /* an update through the main resource cannot change status, one through /status only
         * status: problems in the part that did not change are not the request's (the
         * apiserver ratchets unchanged fields) */
        bool status_write = is_sub(c, "status");
        for (int i = cJSON_GetArraySize(causes) - 1; i >= 0; i--) {
            const char *field = cJSON_GetStringValue(get(cJSON_GetArrayItem(causes, i), "field"));
            bool in_status = field && (strcmp(field, "status") == 0 || osh_str_starts_with(field, "status."));
            if (in_status != status_write)
                cJSON_DeleteItemFromArray(causes, i);
        }
    }
    if (cJSON_GetArraySize(causes) > 0) {
        *out = invalid(c, kube_meta_get(obj, "name") ? kube_meta_get(obj, "name") : c->name, causes);
        return NULL;
    }
    cJSON_Delete(causes);
    const kube_crd_version *storage = kube_crd_storage(c->view.crd);
    char *error = NULL;
    cJSON *stored = kube_crd_convert(c->view.crd, obj, storage, &error);
    if (!stored) {
        char *msg = osh_str_printf("conversion webhook for %s failed: %s", c->api_version, error);
        *out = (kube_result){500, kube_status_failure(500, "InternalError", msg, NULL)};
        free(msg);
        free(error);
        return NULL;
    }
    kube_schema_prune(storage->schema, stored, NULL);
    kube_schema_default(storage->schema, stored);
    return stored;
}

/* The answer of a successful write or read: the stored object as the client's version. */
static kube_result shown(const crd_call *c, kube_result r)
{
    const char *kind = cJSON_GetStringValue(get(r.body, "kind"));
    if ((r.code != 200 && r.code != 201) || !r.body || (kind && strcmp(kind, "Status") == 0))
        return r;
    cJSON *o = kube_view_object(&c->view, r.body);
    cJSON_Delete(r.body);
    r.body = o;
    return r;
}

static kube_result do_create(const crd_call *c, const cJSON *body)
{
    kube_result out = {0, NULL};
    if (!cJSON_IsObject(body))
        return kube_err_bad_request("the body of the request was in an unknown format - accepted media types include: "
                                    "application/json, application/yaml");
    if (!type_matches(c, body, &out))
        return out;
    cJSON *obj = cJSON_Duplicate(body, true);
    cJSON *stored = NULL;
    if (prune_request(c, obj, &out) && (stored = admit(c, obj, NULL, &out)))
        out = shown(c, kube_store_create(c->s, c->sr, c->ns, stored, kube_api_dry_run(c->req)));
    cJSON_Delete(obj);
    cJSON_Delete(stored);
    return out;
}

/* PUT, or a patch once applied: new_obj is the whole object at the client's version. */
static kube_result do_replace(const crd_call *c, const cJSON *new_obj, const cJSON *old_v, bool prune)
{
    kube_result out = {0, NULL};
    if (!cJSON_IsObject(new_obj))
        return kube_err_bad_request("the body of the request was in an unknown format - accepted media types include: "
                                    "application/json, application/yaml");
    if (!type_matches(c, new_obj, &out))
        return out;
    cJSON *obj = cJSON_Duplicate(new_obj, true);
    if (is_sub(c, "status")) {
        /* only status changes through /status: validate the stored object with the new status */
        cJSON *whole = cJSON_Duplicate(old_v, true);
        cJSON_DeleteItemFromObjectCaseSensitive(whole, "status");
        const cJSON *st = get(obj, "status");
        if (st)
            cJSON_AddItemToObject(whole, "status", cJSON_Duplicate(st, true));
        const char *rv = kube_meta_get(obj, "resourceVersion");
        kube_meta_set(whole, "resourceVersion", rv ? rv : "");
        cJSON_Delete(obj);
        obj = whole;
    }
    cJSON *stored = NULL;
    if ((!prune || prune_request(c, obj, &out)) && (stored = admit(c, obj, old_v, &out)))
        out = shown(c, kube_store_update(c->s, c->sr, c->ns, c->name, stored, is_sub(c, "status"),
                                         kube_api_dry_run(c->req)));
    cJSON_Delete(obj);
    cJSON_Delete(stored);
    return out;
}

/* The stored object at the client's version, or the store's error. */
static cJSON *current(const crd_call *c, kube_result *out)
{
    kube_result got = kube_store_get(c->s, c->sr, c->ns, c->name);
    if (got.code != 200) {
        *out = got;
        return NULL;
    }
    cJSON *o = kube_view_object(&c->view, got.body);
    cJSON_Delete(got.body);
    return o;
}

static kube_result do_update(const crd_call *c, const cJSON *body)
{
    kube_result out = {0, NULL};
    cJSON *old_v = current(c, &out);
    if (!old_v)
        return out;
    out = do_replace(c, body, old_v, true);
    cJSON_Delete(old_v);
    return out;
}

static cJSON *apply_patch(kube_patch_type type, const cJSON *target, const cJSON *patch, kube_result *out)
{
    char *error = NULL;
    cJSON *patched = type == KUBE_PATCH_JSON ? kube_json_patch(target, patch, &error) : kube_merge_patch(target, patch, &error);
    if (!patched) {
        char *msg = osh_str_printf("the server rejected our request due to an error in our request: %s", error);
        *out = kube_err_bad_request(msg);
        free(msg);
        free(error);
    }
    return patched;
}

/* A patch applies to the object at the client's version; without a resourceVersion of its own
 * it wins over concurrent writers (retried on a conflict it did not ask for). */
static kube_result do_patch(const crd_call *c, kube_patch_type type, const cJSON *patch)
{
    const cJSON *pm = get(patch, "metadata");
    bool pinned = type != KUBE_PATCH_JSON && get(pm, "resourceVersion");
    kube_result out = {0, NULL};
    for (int attempt = 0; attempt < 5; attempt++) {
        cJSON_Delete(out.body);
        out = (kube_result){0, NULL};
        cJSON *old_v = current(c, &out);
        if (!old_v)
            return out;
        cJSON *patched = apply_patch(type, old_v, patch, &out);
        if (patched) {
            if (!pinned)
                kube_meta_set(patched, "resourceVersion", kube_meta_get(old_v, "resourceVersion"));
            out = do_replace(c, patched, old_v, true);
            cJSON_Delete(patched);
        }
        cJSON_Delete(old_v);
        if (out.code != 409 || pinned)
            break;
    }
    return out;
}

/* ---- scale ---- */

static cJSON *scale_of(const crd_call *c, const cJSON *obj)
{
    cJSON *sc = cJSON_CreateObject();
    cJSON_AddStringToObject(sc, "kind", "Scale");
    cJSON_AddStringToObject(sc, "apiVersion", "autoscaling/v1");
    cJSON *meta = cJSON_AddObjectToObject(sc, "metadata");
    const char *keys[] = {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"};
    for (size_t i = 0; i < 5; i++)
        if (kube_meta_get(obj, keys[i]))
            cJSON_AddStringToObject(meta, keys[i], kube_meta_get(obj, keys[i]));
    const cJSON *spec = kube_field_at(obj, c->view.v->scale_spec), *st = kube_field_at(obj, c->view.v->scale_status);
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(sc, "spec"), "replicas", cJSON_IsNumber(spec) ? spec->valuedouble : 0);
    cJSON *status = cJSON_AddObjectToObject(sc, "status");
    cJSON_AddNumberToObject(status, "replicas", cJSON_IsNumber(st) ? st->valuedouble : 0);
    const cJSON *sel = c->view.v->scale_selector ? kube_field_at(obj, c->view.v->scale_selector) : NULL;
    if (cJSON_IsString(sel))
        cJSON_AddStringToObject(status, "selector", sel->valuestring);
    return sc;
}

/* Writes replicas at the spec replicas path of the object. */
static void set_at_path(cJSON *obj, const char *dotted, double value)
{
    char *copy = osh_str_dup(dotted), *save = NULL;
    cJSON *cur = obj;
    char *seg = strtok_r(copy, ".", &save);
    while (seg) {
        char *next = strtok_r(NULL, ".", &save);
        cJSON *child = cJSON_GetObjectItemCaseSensitive(cur, seg);
        if (!next) {
            cJSON_DeleteItemFromObjectCaseSensitive(cur, seg);
            cJSON_AddNumberToObject(cur, seg, value);
        } else if (!cJSON_IsObject(child)) {
            cJSON_DeleteItemFromObjectCaseSensitive(cur, seg);
            child = cJSON_AddObjectToObject(cur, seg);
        }
        cur = child;
        seg = next;
    }
    free(copy);
}

static kube_result do_scale(crd_call *c, const char *method, const cJSON *body, kube_patch_type type)
{
    kube_result out = {0, NULL};
    cJSON *old_v = current(c, &out);
    if (!old_v)
        return out;
    cJSON *sc = scale_of(c, old_v);
    cJSON *want = NULL;
    if (strcmp(method, "PUT") == 0)
        want = cJSON_Duplicate(body, true);
    else if (strcmp(method, "PATCH") == 0)
        want = apply_patch(type, sc, body, &out);
    if (strcmp(method, "GET") == 0) {
        out = (kube_result){200, sc};
        sc = NULL;
    } else if (want) {
        const cJSON *replicas = kube_field_at(want, "spec.replicas");
        const char *rv = kube_meta_get(want, "resourceVersion");
        cJSON *obj = cJSON_Duplicate(old_v, true);
        if (cJSON_IsNumber(replicas))
            set_at_path(obj, c->view.v->scale_spec, replicas->valuedouble);
        if (rv && strcmp(method, "PUT") == 0)
            kube_meta_set(obj, "resourceVersion", rv);
        /* the new replicas are written as an update of the main resource */
        const char *sub = c->sub;
        c->sub = NULL;
        out = do_replace(c, obj, old_v, false);
        c->sub = sub;
        if (out.code == 200) {
            cJSON *scaled = scale_of(c, out.body);
            cJSON_Delete(out.body);
            out.body = scaled;
        }
        cJSON_Delete(obj);
    }
    cJSON_Delete(want);
    cJSON_Delete(sc);
    cJSON_Delete(old_v);
    return out;
}

/* ---- reads ---- */

static kube_result do_list(const crd_call *c)
{
    kube_result list = kube_store_list(c->s, c->sr, c->ns, mock_http_request_query_value(c->req, "labelSelector"),
                                       mock_http_request_query_value(c->req, "fieldSelector"));
    if (list.code != 200)
        return list;
    const cJSON *items = get(list.body, "items");
    if (kube_api_wants_table(c->req)) {
        const char *rv = cJSON_GetStringValue(get(get(list.body, "metadata"), "resourceVersion"));
        cJSON *t = kube_view_table(&c->view, items, mock_http_request_query_value(c->req, "includeObject"), rv);
        cJSON_Delete(list.body);
        return (kube_result){200, t};
    }
    cJSON *shown_items = cJSON_CreateArray();
    const cJSON *it;
    cJSON_ArrayForEach(it, items) cJSON_AddItemToArray(shown_items, kube_view_object(&c->view, it));
    cJSON_ReplaceItemInObjectCaseSensitive(list.body, "items", shown_items);
    cJSON_ReplaceItemInObjectCaseSensitive(list.body, "apiVersion", cJSON_CreateString(c->api_version));
    cJSON_ReplaceItemInObjectCaseSensitive(list.body, "kind", cJSON_CreateString(c->view.crd->list_kind));
    return list;
}

static kube_result do_get(const crd_call *c)
{
    kube_result got = kube_store_get(c->s, c->sr, c->ns, c->name);
    if (got.code != 200 || !kube_api_wants_table(c->req))
        return shown(c, got);
    cJSON *items = cJSON_CreateArray();
    cJSON_AddItemToArray(items, got.body);
    cJSON *t = kube_view_table(&c->view, items, mock_http_request_query_value(c->req, "includeObject"),
                               kube_meta_get(got.body, "resourceVersion"));
    cJSON_Delete(items);
    return (kube_result){200, t};
}

static kube_result do_delete(const crd_call *c, bool collection)
{
    size_t len;
    mock_http_request_body(c->req, &len);
    kube_result out = {0, NULL};
    cJSON *body = NULL;
    if (len && !(body = kube_api_decode_body(c->req, &out)))
        return out;
    kube_delete_opts o;
    kube_api_delete_options(c->req, body, &o);
    if (!collection) {
        kube_preconditions pre = kube_api_preconditions(body);
        out = shown(c, kube_store_delete_if(c->s, c->sr, c->ns, c->name, &o, &pre));
    } else {
        out = do_list(c);
        const cJSON *it;
        cJSON_ArrayForEach(it, get(out.body, "items"))
        {
            kube_result d = kube_store_delete(c->s, c->sr, kube_meta_get(it, "namespace"), kube_meta_get(it, "name"), &o);
            cJSON_Delete(d.body);
        }
    }
    cJSON_Delete(body);
    return out;
}

static bool patch_type(const crd_call *c, kube_patch_type *type, kube_result *out)
{
    const char *ct = mock_http_request_header(c->req, "Content-Type");
    if (ct && osh_str_starts_with(ct, "application/json-patch+json")) {
        *type = KUBE_PATCH_JSON;
        return true;
    }
    if (ct && osh_str_starts_with(ct, "application/merge-patch+json")) {
        *type = KUBE_PATCH_MERGE;
        return true;
    }
    /* strategic merge patch needs Go types: custom resources refuse it */
    *out = (kube_result){415, kube_status_failure(415, "UnsupportedMediaType",
                                                  "the body of the request was in an unknown format - accepted media "
                                                  "types include: application/json-patch+json, "
                                                  "application/merge-patch+json, application/apply-patch+yaml",
                                                  NULL)};
    return false;
}

static kube_result dispatch(crd_call *c)
{
    const char *method = mock_http_request_method(c->req);
    const char *watch = mock_http_request_query_value(c->req, "watch");
    bool watching = kube_api_query_true(watch);
    kube_result out = {0, NULL};
    cJSON *body = NULL;
    kube_patch_type type = KUBE_PATCH_MERGE;
    bool get_m = strcmp(method, "GET") == 0, put = strcmp(method, "PUT") == 0, patch = strcmp(method, "PATCH") == 0;
    if ((put || (patch && patch_type(c, &type, &out)) || strcmp(method, "POST") == 0) &&
        !(body = kube_api_decode_body(c->req, &out)))
        return out;
    if (out.body)
        return out;
    if (get_m && !c->name && watching)
        kube_watch_respond(c->res, c->req, c->s, c->sr, c->ns, kube_api_wants_table(c->req), &c->view);
    else if (get_m && !c->name)
        out = do_list(c);
    else if (c->name && is_sub(c, "scale") && (get_m || put || patch))
        out = do_scale(c, method, body, type);
    else if (get_m)
        out = do_get(c);
    else if (strcmp(method, "POST") == 0 && !c->name)
        out = do_create(c, body);
    else if (put && c->name)
        out = do_update(c, body);
    else if (patch && c->name)
        out = do_patch(c, type, body);
    else if (strcmp(method, "DELETE") == 0 && !c->sub)
        out = do_delete(c, c->name == NULL);
    else
        out = kube_err_method_not_allowed();
    cJSON_Delete(body);
    return out;
}

void kube_crd_serve(mock_http_response *res, const mock_http_request *req, kube_store *s, const kube_resource *r,
                    const char *ns, const char *name, const char *subresource)
{
    kube_crd *crd = kube_store_crd(s, r->group, r->plural);
    const kube_crd_version *v = crd ? kube_crd_version_named(crd, r->version) : NULL;
    bool served = v && v->served && (!subresource || (strcmp(subresource, "status") == 0 && v->status) ||
                                     (strcmp(subresource, "scale") == 0 && v->scale));
    if (!served || (subresource && !name)) {
        mock_http_respond(res, 404, "text/plain; charset=utf-8", "404 page not found\n", 19);
        kube_crd_unref(crd);
        return;
    }
    crd_call c = {res, req, s, {crd, v}, kube_crd_storage(crd)->r, ns, name, subresource, kube_crd_api_version(crd, v)};
    if (v->warning)
        add_warning(res, v->warning);
    kube_result out = dispatch(&c);
    if (out.body)
        kube_api_send(res, out);
    free(c.api_version);
    kube_crd_unref(crd);
}
