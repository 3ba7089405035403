/* kubectl_apply.c: manifests given with -f for create, apply and delete. apply creates what
 * is missing and merge-patches what exists, reporting created/configured/unchanged. */
#include <stdlib.h>
#include <string.h>

#include "kube_meta.h"
#include "kube_yaml.h"
#include "kubectl_internal.h"
#include "kubectl_print.h"
#include "osh_str.h"

static char *name_of(const kube_resource *r, const cJSON *obj)
{
    osh_buf line = OSH_BUF_INIT;
    kubectl_print_name(&line, r, obj);
    if (line.len)
        line.data[--line.len] = '\0';
    return osh_buf_detach(&line);
}

static int apply_one(const kubectl_env *env, const kubectl_args *a, const kube_resource *r, cJSON *doc,
                     kubectl_files_mode mode, osh_buf *out, osh_buf *err)
{
    const char *name = kube_meta_get(doc, "name");
    const char *ns = r->namespaced ? (kube_meta_get(doc, "namespace") ? kube_meta_get(doc, "namespace") : kubectl_namespace(a)) : NULL;
    bool dry = a->dry_run && strcmp(a->dry_run, "none") != 0;
    char *label = name_of(r, doc);
    int rc = 0;
    kube_result res = {0, NULL};
    if (mode == KUBECTL_FILES_DELETE) {
        kube_delete_opts o = {a->grace_period, NULL, dry};
        res = name ? kube_store_delete(env->store, r, ns, name, &o) : kube_err_not_found(r, "");
        if (res.code == 200)
            kubectl_print_deleted(out, r, name, false);
        else if (!(res.code == 404 && a->ignore_not_found))
            rc = 1;
    } else {
        kube_result cur = name ? kube_store_get(env->store, r, ns, name) : (kube_result){404, NULL};
        if (cur.code == 200 && mode == KUBECTL_FILES_APPLY) {
            cJSON *patch = cJSON_Duplicate(doc, true);
            cJSON_DeleteItemFromObjectCaseSensitive(kube_meta_object(patch), "resourceVersion");
            res = kube_store_patch(env->store, r, ns, name, KUBE_PATCH_MERGE, patch, false, true);
            bool same = res.code == 200 && cJSON_Compare(res.body, cur.body, true);
            cJSON_Delete(res.body);
            res = same || dry ? (kube_result){200, NULL}
                              : kube_store_patch(env->store, r, ns, name, KUBE_PATCH_MERGE, patch, false, false);
            if (res.code == 200)
                osh_buf_appendf(out, "%s %s%s\n", label, same ? "unchanged" : "configured", dry ? " (dry run)" : "");
            cJSON_Delete(patch);
        } else {
            res = kube_store_create(env->store, r, ns, doc, dry);
            if (res.code == 201)
                osh_buf_appendf(out, "%s created%s\n", label, dry ? " (dry run)" : "");
        }
        cJSON_Delete(cur.body);
        rc = res.code == 200 || res.code == 201 ? 0 : 1;
    }
    if (rc && res.body) {
        const char *verb = mode == KUBECTL_FILES_DELETE ? "deleting" : mode == KUBECTL_FILES_APPLY ? "applying" : "creating";
        if (mode == KUBECTL_FILES_APPLY || mode == KUBECTL_FILES_DELETE) {
            osh_buf_appendf(err, "Error from server (%s): error when %s \"%s\": %s\n", kube_status_reason(res.body), verb,
                            a->files[0], kube_status_message(res.body));
        } else {
            kubectl_print_status_error(err, res.body);
        }
    }
    cJSON_Delete(res.body);
    free(label);
    return rc;
}

static cJSON *read_documents(const kubectl_env *env, const char *file, osh_buf *err)
{
    size_t len = 0;
    char *text = NULL;
    if (strcmp(file, "-") == 0)
        text = osh_str_dup(env->stdin_data ? env->stdin_data : "");
    else if (env->read_file)
        text = env->read_file(env->read_file_user, file, &len);
    if (!text) {
        osh_buf_appendf(err, "error: the path \"%s\" does not exist\n", file);
        return NULL;
    }
    char *error = NULL;
    cJSON *docs = kube_yaml_parse_all(text, strlen(text), &error);
    free(text);
    if (!docs) {
        osh_buf_appendf(err, "error: error parsing %s: %s\n", file, error);
        free(error);
    }
    return docs;
}

int kubectl_apply_files(const kubectl_env *env, const kubectl_args *a, osh_buf *out, osh_buf *err,
                        kubectl_files_mode mode)
{
    if (a->n_files == 0) {
        osh_buf_append_str(err, "error: must specify one of -f and -k\n");
        return 1;
    }
    int rc = 0, seen = 0;
    for (size_t f = 0; f < a->n_files; f++) {
        cJSON *docs = read_documents(env, a->files[f], err);
        if (!docs)
            return 1;
        seen += cJSON_GetArraySize(docs);
        cJSON *doc;
        cJSON_ArrayForEach(doc, docs)
        {
            const char *apiv = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "apiVersion"));
            const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "kind"));
            const kube_resource *asked = kube_resource_by_kind(apiv, kind);
            /* a custom resource is kept at its CRD's storage version (the conversion the API
             * server would do; the schema is not applied here) */
            const kube_resource *r = kube_store_storage_of(env->store, asked);
            if (!r) {
                osh_buf_appendf(err, "error: resource mapping not found for name: \"%s\" namespace: \"\" from \"%s\": "
                                     "no matches for kind \"%s\" in version \"%s\"\nensure CRDs are installed first\n",
                                kube_meta_get(doc, "name") ? kube_meta_get(doc, "name") : "", a->files[f],
                                kind ? kind : "", apiv ? apiv : "");
                rc = 1;
                continue;
            }
            cJSON *stored = kube_store_to_storage(env->store, asked, doc);
            rc |= apply_one(env, a, r, stored, mode, out, err);
            cJSON_Delete(stored);
        }
        cJSON_Delete(docs);
    }
    if (seen == 0 && mode != KUBECTL_FILES_DELETE) { /* kubectl 1.35 on empty input */
        osh_buf_appendf(err, "error: no objects passed to %s\n", mode == KUBECTL_FILES_APPLY ? "apply" : "create");
        return 1;
    }
    return rc;
}
