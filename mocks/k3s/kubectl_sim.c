/* kubectl_sim.c: the simulated kubectl's verbs (see kubectl_sim.h). Printing is in
 * kubectl_print.c, flag parsing in kubectl_args.c, rollout in kubectl_rollout.c. */
#include "kubectl_sim.h"

#include <stdlib.h>
#include <string.h>

#include "kube_meta.h"
#include "kube_yaml.h"
#include "kubectl_args.h"
#include "kubectl_internal.h"
#include "kubectl_jsonpath.h"
#include "kubectl_print.h"
#include "osh_base64.h"
#include "osh_str.h"

void kubectl_print_status_error(osh_buf *err, const cJSON *status)
{
    const char *reason = kube_status_reason(status), *msg = kube_status_message(status);
    osh_buf_appendf(err, "Error from server (%s): %s\n", reason ? reason : "InternalError", msg ? msg : "unknown");
}

const char *kubectl_namespace(const kubectl_args *a) { return a->ns && *a->ns ? a->ns : "default"; }

void kubectl_targets_free(kubectl_target *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(t[i].name);
    free(t);
}

/* Resolves "TYPE NAME...", "TYPE/NAME..." or "TYPE1,TYPE2" into targets (name NULL = all). */
int kubectl_targets(kube_store *s, const kubectl_args *a, kubectl_target **out, size_t *n, osh_buf *err)
{
    *out = NULL;
    *n = 0;
    if (a->n_pos == 0) {
        osh_buf_appendf(err, "error: you must specify the type of resource to %s. Use \"kubectl api-resources\" for a "
                             "complete list of supported resources.\n",
                        a->verb);
        return -1;
    }
    kubectl_target *t = calloc(a->n_pos * 8 + 8, sizeof(*t));
    size_t k = 0;
    if (strchr(a->pos[0], '/')) {
        for (size_t i = 0; i < a->n_pos; i++) {
            char *slash = strchr(a->pos[i], '/');
            char *type = slash ? osh_str_ndup(a->pos[i], (size_t)(slash - a->pos[i])) : osh_str_dup(a->pos[i]);
            const kube_resource *r = kube_store_storage_of(s, kube_resource_by_user_name(type));
            if (!r || !slash) {
                if (!slash)
                    osh_buf_appendf(err, "error: there is no need to specify a resource type as a separate argument when "
                                         "passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' "
                                         "instead of 'kubectl get resource resource/<resource_name>'\n");
                else
                    osh_buf_appendf(err, "error: the server doesn't have a resource type \"%s\"\n", type);
                free(type);
                kubectl_targets_free(t, k);
                return -1;
            }
            free(type);
            t[k].r = r;
            t[k++].name = osh_str_dup(slash + 1);
        }
    } else {
        char *types = osh_str_dup(a->pos[0]);
        for (char *save = NULL, *type = strtok_r(types, ",", &save); type; type = strtok_r(NULL, ",", &save)) {
            const kube_resource *r = kube_store_storage_of(s, kube_resource_by_user_name(type));
            if (!r) {
                osh_buf_appendf(err, "error: the server doesn't have a resource type \"%s\"\n", type);
                free(types);
                kubectl_targets_free(t, k);
                return -1;
            }
            if (a->n_pos == 1) {
                t[k].r = r;
                t[k++].name = NULL;
            }
            for (size_t i = 1; i < a->n_pos && k < a->n_pos * 8 + 7; i++) {
                t[k].r = r;
                t[k++].name = osh_str_dup(a->pos[i]);
            }
        }
        free(types);
    }
    if (k == 0) {
        osh_buf_appendf(err, "error: the server doesn't have a resource type \"%s\"\n", a->pos[0]);
        kubectl_targets_free(t, 0);
        return -1;
    }
    *out = t;
    *n = k;
    return 0;
}

static void with_type(cJSON *obj, const kube_resource *r)
{
    if (!cJSON_GetObjectItemCaseSensitive(obj, "kind"))
        kube_meta_type_first(obj, kube_resource_api_version(r), r->kind);
}

/* ---- get ---- */

static int print_items(const kubectl_args *a, const kube_resource *r, cJSON *items, bool single, osh_buf *out,
                       osh_buf *err)
{
    const char *o = a->output ? a->output : "", *template;
    cJSON *doc;
    if (single) {
        doc = cJSON_Duplicate(cJSON_GetArrayItem(items, 0), true);
    } else {
        doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "apiVersion", "v1");
        cJSON_AddItemToObject(doc, "items", cJSON_Duplicate(items, true));
        cJSON_AddStringToObject(doc, "kind", "List");
        cJSON_AddStringToObject(cJSON_AddObjectToObject(doc, "metadata"), "resourceVersion", "");
    }
    int rc = 0;
    if (strcmp(o, "json") == 0) {
        kubectl_print_json(out, doc);
    } else if (strcmp(o, "yaml") == 0) {
        cJSON *sorted = kubectl_sorted_copy(doc);
        char *y = kube_yaml_emit(sorted);
        osh_buf_append_str(out, y);
        free(y);
        cJSON_Delete(sorted);
    } else if (strcmp(o, "name") == 0) {
        const cJSON *it;
        cJSON_ArrayForEach(it, items)
        {
            /* get pv,pvc mixes kinds: each item is named by its own type */
            const kube_resource *own = kube_resource_by_kind(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "apiVersion")),
                                                             cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "kind")));
            kubectl_print_name(out, own ? own : r, it);
        }
    } else if ((template = osh_str_after(o, "jsonpath=")) || (template = osh_str_after(o, "jsonpath:"))) {
        char *error = NULL;
        if (kubectl_jsonpath_render(template, doc, out, &error) != 0) {
            osh_buf_appendf(err, "error: error executing jsonpath \"%s\": Error executing template: %s. Printing more "
                                 "information for debugging the template:\n\ttemplate was:\n\t\t%s\n",
                            template, error, template);
            rc = 1;
        }
        free(error);
    } else if (osh_str_starts_with(o, "custom-columns=")) {
        char *error = NULL;
        if (kubectl_print_custom_columns(out, osh_str_after(o, "custom-columns="), items, a->no_headers, &error) != 0) {
            osh_buf_appendf(err, "error: %s\n", error);
            rc = 1;
        }
        free(error);
    } else if (strcmp(o, "") == 0 || strcmp(o, "wide") == 0) {
        kubectl_print_table(out, r, items, strcmp(o, "wide") == 0, a->all_ns && r->namespaced, a->no_headers);
    } else {
        osh_buf_appendf(err, "error: unable to match a printer suitable for the output format \"%s\", allowed formats "
                             "are: custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,"
                             "jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml\n",
                        o);
        rc = 1;
    }
    cJSON_Delete(doc);
    return rc;
}

static int cmd_get(const kubectl_env *env, const kubectl_args *a, osh_buf *out, osh_buf *err)
{
    kubectl_target *t;
    size_t n;
    if (kubectl_targets(env->store, a, &t, &n, err) != 0)
        return 1;
    int rc = 0;
    cJSON *items = cJSON_CreateArray();
    const kube_resource *r = t[0].r;
    bool named = t[0].name != NULL;
    osh_buf errors = OSH_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        const char *ns = t[i].r->namespaced ? (a->all_ns && !t[i].name ? NULL : kubectl_namespace(a)) : NULL;
        if (t[i].name) {
            kube_result res = kube_store_get(env->store, t[i].r, ns, t[i].name);
            if (res.code == 200) {
                cJSON_AddItemToArray(items, res.body);
                res.body = NULL;
            } else if (!(res.code == 404 && a->ignore_not_found)) {
                kubectl_print_status_error(&errors, res.body);
                rc = 1;
            }
            cJSON_Delete(res.body);
        } else {
            kube_result res = kube_store_list(env->store, t[i].r, ns, a->label_selector, a->field_selector);
            if (res.code != 200) {
                kubectl_print_status_error(&errors, res.body);
                rc = 1;
            } else {
                cJSON *it;
                cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(res.body, "items")) with_type(it, t[i].r);
                cJSON *list = cJSON_DetachItemFromObjectCaseSensitive(res.body, "items");
                while (cJSON_GetArraySize(list) > 0)
                    cJSON_AddItemToArray(items, cJSON_DetachItemFromArray(list, 0));
                cJSON_Delete(list);
            }
            cJSON_Delete(res.body);
        }
    }
    bool structured = a->output && (strcmp(a->output, "json") == 0 || strcmp(a->output, "yaml") == 0 ||
                                    osh_str_starts_with(a->output, "jsonpath"));
    if (cJSON_GetArraySize(items) > 0 || structured) {
        if (cJSON_GetArraySize(items) > 0 || !named)
            rc |= print_items(a, r, items, named && n == 1 && cJSON_GetArraySize(items) == 1, out, err);
    } else if (!named && rc == 0) {
        if (r->namespaced && !a->all_ns)
            osh_buf_appendf(err, "No resources found in %s namespace.\n", kubectl_namespace(a));
        else
            osh_buf_append_str(err, "No resources found\n");
    }
    osh_buf_append(err, errors.data, errors.len);
    osh_buf_free(&errors);
    cJSON_Delete(items);
    kubectl_targets_free(t, n);
    return rc;
}

/* ---- delete ---- */

void kubectl_print_deleted(osh_buf *out, const kube_resource *r, const char *name, bool forced)
{
    char *kind = osh_str_dup(r->kind);
    for (char *p = kind; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    osh_buf_appendf(out, "%s%s%s \"%s\" %sdeleted\n", kind, r->group[0] ? "." : "", r->group, name,
                    forced ? "force " : "");
    free(kind);
}

static int delete_one(const kubectl_env *env, const kubectl_args *a, const kube_resource *r, const char *ns,
                      const char *name, osh_buf *out, osh_buf *errors)
{
    kube_delete_opts o = {a->grace_period, NULL, a->dry_run && strcmp(a->dry_run, "none") != 0};
    if (a->force && o.grace_period_seconds < 0)
        o.grace_period_seconds = 0;
    kube_result res = kube_store_delete(env->store, r, ns, name, &o);
    int rc = 0;
    if (res.code == 200) {
        kubectl_print_deleted(out, r, name, a->force && o.grace_period_seconds == 0);
    } else if (!(res.code == 404 && a->ignore_not_found)) {
        kubectl_print_status_error(errors, res.body);
        rc = 1;
    }
    cJSON_Delete(res.body);
    return rc;
}

static int cmd_delete(const kubectl_env *env, const kubectl_args *a, osh_buf *out, osh_buf *err)
{
    if (a->n_files > 0)
        return kubectl_apply_files(env, a, out, err, KUBECTL_FILES_DELETE);
    kubectl_target *t;
    size_t n;
    if (kubectl_targets(env->store, a, &t, &n, err) != 0)
        return 1;
    int rc = 0;
    osh_buf errors = OSH_BUF_INIT;
    if (a->force && a->grace_period == 0)
        osh_buf_append_str(err, "Warning: Immediate deletion does not wait for confirmation that the running resource "
                                "has been terminated. The resource may continue to run on the cluster indefinitely.\n");
    for (size_t i = 0; i < n; i++) {
        const char *ns = t[i].r->namespaced ? kubectl_namespace(a) : NULL;
        if (t[i].name) {
            rc |= delete_one(env, a, t[i].r, ns, t[i].name, out, &errors);
            continue;
        }
        if (!a->all && !a->label_selector && !a->field_selector) {
            osh_buf_append_str(err, "error: resource(s) were provided, but no name was specified\n");
            rc = 1;
            break;
        }
        kube_result list = kube_store_list(env->store, t[i].r, a->all_ns ? NULL : ns, a->label_selector, a->field_selector);
        const cJSON *it;
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(list.body, "items"))
            rc |= delete_one(env, a, t[i].r, kube_meta_get(it, "namespace"), kube_meta_get(it, "name"), out, &errors);
        cJSON_Delete(list.body);
    }
    osh_buf_append(err, errors.data, errors.len);
    osh_buf_free(&errors);
    kubectl_targets_free(t, n);
    return rc;
}

/* ---- create ---- */

static int create_object(const kubectl_env *env, const kubectl_args *a, const kube_resource *r, cJSON *obj,
                         osh_buf *out, osh_buf *err)
{
    bool client_dry = a->dry_run && strcmp(a->dry_run, "client") == 0;
    if (client_dry && a->output) {
        with_type(obj, r);
        cJSON *items = cJSON_CreateArray();
        cJSON_AddItemToArray(items, cJSON_Duplicate(obj, true));
        int rc = print_items(a, r, items, true, out, err);
        cJSON_Delete(items);
        return rc;
    }
    const char *ns = r->namespaced ? (kube_meta_get(obj, "namespace") ? kube_meta_get(obj, "namespace") : kubectl_namespace(a)) : NULL;
    kube_result res = client_dry ? (kube_result){201, NULL}
                                 : kube_store_create(env->store, r, ns, obj, a->dry_run && strcmp(a->dry_run, "server") == 0);
    if (res.code != 201) {
        kubectl_print_status_error(err, res.body);
        cJSON_Delete(res.body);
        return 1;
    }
    osh_buf line = OSH_BUF_INIT;
    kubectl_print_name(&line, r, obj);
    if (line.len)
        line.data[--line.len] = '\0';
    osh_buf_appendf(out, "%s created%s\n", osh_buf_str(&line), a->dry_run ? (client_dry ? " (dry run)" : " (server dry run)") : "");
    osh_buf_free(&line);
    cJSON_Delete(res.body);
    return 0;
}

static int cmd_create(const kubectl_env *env, const kubectl_args *a, osh_buf *out, osh_buf *err)
{
    if (a->n_files > 0)
        return kubectl_apply_files(env, a, out, err, KUBECTL_FILES_CREATE);
    const char *what = a->n_pos > 0 ? a->pos[0] : "";
    cJSON *obj = cJSON_CreateObject();
    const kube_resource *r = NULL;
    if ((strcmp(what, "namespace") == 0 || strcmp(what, "ns") == 0) && a->n_pos == 2) {
        r = kube_resource_by_user_name("namespaces");
        kube_meta_set(obj, "name", a->pos[1]);
    } else if (strcmp(what, "secret") == 0 && a->n_pos == 3 && strcmp(a->pos[1], "generic") == 0) {
        r = kube_resource_by_user_name("secrets");
        kube_meta_set(obj, "name", a->pos[2]);
        if (a->ns)
            kube_meta_set(obj, "namespace", a->ns);
        cJSON *data = cJSON_AddObjectToObject(obj, "data");
        for (size_t i = 0; i < a->n_literals; i++) {
            const char *eq = strchr(a->literals[i], '=');
            if (!eq) {
                osh_buf_appendf(err, "error: invalid literal source %s, expected key=value\n", a->literals[i]);
                cJSON_Delete(obj);
                return 1;
            }
            char *key = osh_str_ndup(a->literals[i], (size_t)(eq - a->literals[i]));
            osh_buf b64 = OSH_BUF_INIT;
            osh_base64_encode(&b64, eq + 1, strlen(eq + 1));
            cJSON_AddStringToObject(data, key, osh_buf_str(&b64));
            osh_buf_free(&b64);
            free(key);
        }
    } else {
        osh_buf_appendf(err, "error: the simulated kubectl supports `create namespace NAME`, `create secret generic "
                             "NAME --from-literal=K=V` and `create -f FILE`\n");
        cJSON_Delete(obj);
        return 1;
    }
    int rc = create_object(env, a, r, obj, out, err);
    cJSON_Delete(obj);
    return rc;
}

int kubectl_sim_run(const kubectl_env *env, int argc, char **argv, osh_buf *out, osh_buf *err)
{
    kubectl_args a;
    char *error = NULL;
    if (kubectl_args_parse(argc, argv, &a, &error) != 0) {
        osh_buf_appendf(err, "error: %s\nSee 'kubectl --help' for usage.\n", error);
        free(error);
        return 1;
    }
    int rc;
    const char *verb = a.verb ? a.verb : "";
    if (strcmp(verb, "version") == 0 && !env->store) {
        osh_buf_append_str(out, "Client Version: v1.35.2+k3s1\nKustomize Version: v5.7.1\n");
        rc = 1;
    } else if (!env->store && *verb) {
        osh_buf_append_str(err, "The connection to the server 127.0.0.1:6443 was refused - did you specify the right "
                                "host or port?\n");
        rc = 1;
    } else if (strcmp(verb, "get") == 0) {
        rc = cmd_get(env, &a, out, err);
    } else if (strcmp(verb, "delete") == 0) {
        rc = cmd_delete(env, &a, out, err);
    } else if (strcmp(verb, "create") == 0) {
        rc = cmd_create(env, &a, out, err);
    } else if (strcmp(verb, "apply") == 0) {
        rc = kubectl_apply_files(env, &a, out, err, KUBECTL_FILES_APPLY);
    } else if (strcmp(verb, "rollout") == 0) {
        rc = kubectl_rollout(env, &a, out, err);
    } else if (strcmp(verb, "version") == 0) {
        osh_buf_append_str(out, "Client Version: v1.35.2+k3s1\nKustomize Version: v5.7.1\nServer Version: v1.35.2+k3s1\n");
        rc = 0;
    } else {
        osh_buf_appendf(err, "error: unknown command \"%s\" for \"kubectl\"\nRun 'kubectl --help' for usage.\n", verb);
        rc = 1;
    }
    kubectl_args_free(&a);
    return rc;
}
