/* kube_crd.c: reading a CustomResourceDefinition document into the serving model of
 * kube_crd.h, version priority, and conversion between versions. */
#include "kube_crd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube_meta.h"
#include "osh_buf.h"
#include "kube_yaml.h"
#include "osh_file.h"
#include "osh_str.h"

static const cJSON *get(const cJSON *o, const char *k) { return cJSON_GetObjectItemCaseSensitive(o, k); }

static char *dup_str(const cJSON *v) { return cJSON_IsString(v) ? osh_str_dup(v->valuestring) : NULL; }

/* Reads the scale subresource's paths (".spec.replicas" → "spec.replicas"). */
static char *scale_path(const cJSON *scale, const char *key)
{
    const char *p = cJSON_GetStringValue(get(scale, key));
    return p ? osh_str_dup(p[0] == '.' ? p + 1 : p) : NULL;
}

static char *parse_version(kube_crd *crd, kube_crd_version *v, const cJSON *doc, size_t i)
{
    const char *name = cJSON_GetStringValue(get(doc, "name"));
    if (!name || !*name)
        return osh_str_printf("spec.versions[%zu].name: expected a non-empty string", i);
    v->name = osh_str_dup(name);
    v->served = cJSON_IsTrue(get(doc, "served"));
    v->storage = cJSON_IsTrue(get(doc, "storage"));
    v->deprecated = cJSON_IsTrue(get(doc, "deprecated"));
    if (v->deprecated) {
        v->warning = dup_str(get(doc, "deprecationWarning"));
        if (!v->warning) /* the apiserver's default text */
            v->warning = osh_str_printf("%s/%s %s is deprecated", crd->group, name, crd->kind);
    }
    const cJSON *sub = get(doc, "subresources");
    v->status = cJSON_IsObject(get(sub, "status"));
    const cJSON *scale = get(sub, "scale");
    if (cJSON_IsObject(scale)) {
        v->scale = true;
        v->scale_spec = scale_path(scale, "specReplicasPath");
        v->scale_status = scale_path(scale, "statusReplicasPath");
        v->scale_selector = scale_path(scale, "labelSelectorPath");
        if (!v->scale_spec || !v->scale_status)
            return osh_str_printf("spec.versions[%zu].subresources.scale: specReplicasPath and statusReplicasPath "
                                  "are required",
                                  i);
    }
    const cJSON *cols = get(doc, "additionalPrinterColumns");
    if (cols && !cJSON_IsArray(cols))
        return osh_str_printf("spec.versions[%zu].additionalPrinterColumns: expected array", i);
    v->columns = cols ? cJSON_Duplicate(cols, true) : NULL;
    const cJSON *schema = get(get(doc, "schema"), "openAPIV3Schema");
    if (!cJSON_IsObject(schema))
        return osh_str_printf("spec.versions[%zu].schema.openAPIV3Schema: expected object", i);
    v->schema = cJSON_Duplicate(schema, true);
    v->r = kube_resource_by_path(crd->group, name, crd->plural);
    if (!v->r || strcmp(v->r->kind, crd->kind) != 0)
        return osh_str_printf("spec.versions[%zu]: %s/%s %s is not in the mock's resource table (kube_resources.c)", i,
                              crd->group, name, crd->plural);
    return NULL;
}

static char *parse_names(kube_crd *crd, const cJSON *doc)
{
    const cJSON *spec = get(doc, "spec"), *names = get(spec, "names");
    crd->name = dup_str(get(get(doc, "metadata"), "name"));
    crd->group = dup_str(get(spec, "group"));
    crd->kind = dup_str(get(names, "kind"));
    crd->plural = dup_str(get(names, "plural"));
    crd->singular = dup_str(get(names, "singular"));
    crd->list_kind = dup_str(get(names, "listKind"));
    const char *missing = !crd->name ? "metadata.name" : !crd->group ? "spec.group" : !crd->kind ? "spec.names.kind"
                          : !crd->plural ? "spec.names.plural" : NULL;
    if (missing)
        return osh_str_printf("%s: expected string", missing);
    if (!crd->singular)
        crd->singular = osh_str_dup(crd->kind); /* lower-cased below */
    for (char *p = crd->singular; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    if (!crd->list_kind)
        crd->list_kind = osh_str_printf("%sList", crd->kind);
    size_t n = 0;
    const cJSON *sn;
    cJSON_ArrayForEach(sn, get(names, "shortNames"))
    {
        if (cJSON_IsString(sn) && n < 3)
            crd->short_names[n++] = osh_str_dup(sn->valuestring);
    }
    const char *scope = cJSON_GetStringValue(get(spec, "scope"));
    crd->namespaced = !scope || strcmp(scope, "Namespaced") == 0;
    const cJSON *conv = get(spec, "conversion");
    crd->conversion = osh_str_dup(cJSON_GetStringValue(get(conv, "strategy")) ? get(conv, "strategy")->valuestring : "None");
    return NULL;
}

kube_crd *kube_crd_parse(const cJSON *doc, char **error)
{
    *error = NULL;
    const char *kind = cJSON_GetStringValue(get(doc, "kind"));
    if (!cJSON_IsObject(doc) || !kind || strcmp(kind, "CustomResourceDefinition") != 0) {
        *error = osh_str_dup("kind: expected CustomResourceDefinition");
        return NULL;
    }
    kube_crd *crd = calloc(1, sizeof(*crd));
    if (!crd)
        abort();
    crd->refs = 1;
    char *err = parse_names(crd, doc);
    const cJSON *versions = get(get(doc, "spec"), "versions");
    if (!err && (!cJSON_IsArray(versions) || cJSON_GetArraySize(versions) == 0))
        err = osh_str_dup("spec.versions: expected a non-empty array");
    if (!err) {
        crd->n_versions = (size_t)cJSON_GetArraySize(versions);
        crd->versions = calloc(crd->n_versions, sizeof(*crd->versions));
        if (!crd->versions)
            abort();
        size_t storage = 0;
        for (size_t i = 0; i < crd->n_versions && !err; i++) {
            err = parse_version(crd, &crd->versions[i], cJSON_GetArrayItem(versions, (int)i), i);
            storage += crd->versions[i].storage;
        }
        if (!err && storage != 1)
            err = osh_str_printf("spec.versions: exactly one version must be the storage version (found %zu)", storage);
    }
    if (err) {
        *error = err;
        kube_crd_unref(crd);
        return NULL;
    }
    return crd;
}

kube_crd *kube_crd_load_text(const char *text, size_t len, const char *origin, const char *name, char **error)
{
    *error = NULL;
    char *yerr = NULL;
    cJSON *docs = kube_yaml_parse_all(text, len, &yerr);
    if (!docs) {
        *error = osh_str_printf("%s: %s", origin, yerr);
        free(yerr);
        return NULL;
    }
    kube_crd *crd = NULL;
    const cJSON *d;
    cJSON_ArrayForEach(d, docs)
    {
        const char *dn = cJSON_GetStringValue(get(get(d, "metadata"), "name"));
        const char *kind = cJSON_GetStringValue(get(d, "kind"));
        if (!dn || !kind || strcmp(dn, name) != 0 || strcmp(kind, "CustomResourceDefinition") != 0)
            continue;
        char *perr = NULL;
        crd = kube_crd_parse(d, &perr);
        if (!crd)
            *error = osh_str_printf("%s: CustomResourceDefinition %s: %s", origin, name, perr);
        free(perr);
        break;
    }
    if (!crd && !*error)
        *error = osh_str_printf("%s: no CustomResourceDefinition named %s", origin, name);
    cJSON_Delete(docs);
    return crd;
}

kube_crd *kube_crd_load_file(const char *path, const char *name, char **error)
{
    size_t len = 0;
    char *text = osh_file_read(path, KUBE_CRD_FILE_MAX, &len, error);
    if (!text)
        return NULL;
    kube_crd *crd = kube_crd_load_text(text, len, path, name, error);
    free(text);
    return crd;
}

kube_crd *kube_crd_ref(kube_crd *crd)
{
    if (crd)
        __atomic_add_fetch(&crd->refs, 1, __ATOMIC_SEQ_CST);
    return crd;
}

void kube_crd_unref(kube_crd *crd)
{
    if (!crd || __atomic_sub_fetch(&crd->refs, 1, __ATOMIC_SEQ_CST) > 0)
        return;
    for (size_t i = 0; i < crd->n_versions; i++) {
        kube_crd_version *v = &crd->versions[i];
        free(v->name);
        free(v->warning);
        free(v->scale_spec);
        free(v->scale_status);
        free(v->scale_selector);
        cJSON_Delete(v->columns);
        cJSON_Delete(v->schema);
    }
    free(crd->versions);
    char *strs[] = {crd->name, crd->group, crd->kind, crd->list_kind, crd->plural, crd->singular, crd->conversion};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        free(strs[i]);
    for (size_t i = 0; crd->short_names[i]; i++)
        free(crd->short_names[i]);
    free(crd);
}

const kube_crd_version *kube_crd_version_named(const kube_crd *crd, const char *name)
{
    for (size_t i = 0; crd && name && i < crd->n_versions; i++)
        if (strcmp(crd->versions[i].name, name) == 0)
            return &crd->versions[i];
    return NULL;
}

const kube_crd_version *kube_crd_storage(const kube_crd *crd)
{
    for (size_t i = 0; i < crd->n_versions; i++)
        if (crd->versions[i].storage)
            return &crd->versions[i];
    return &crd->versions[0];
}

/* Kube-aware version priority (apimachinery's version.CompareKubeAwareVersionStrings): GA
 * before beta before alpha, higher numbers first, other names last alphabetically. */
static void version_rank(const char *v, int *stage, long *major, long *minor)
{
    *stage = -1;
    *major = *minor = 0;
    char *end;
    if (v[0] != 'v' || v[1] < '0' || v[1] > '9')
        return;
    *major = strtol(v + 1, &end, 10);
    if (*end == '\0') {
        *stage = 3;
    } else if (osh_str_starts_with(end, "beta") || osh_str_starts_with(end, "alpha")) {
        const char *num = end[0] == 'b' ? osh_str_after(end, "beta") : osh_str_after(end, "alpha");
        char *e2;
        *minor = strtol(num, &e2, 10);
        if (e2 != num && *e2 == '\0')
            *stage = end[0] == 'b' ? 2 : 1;
    }
}

static int compare_priority(const kube_crd_version *a, const kube_crd_version *b)
{
    int sa, sb;
    long ma, mb, na, nb;
    version_rank(a->name, &sa, &ma, &na);
    version_rank(b->name, &sb, &mb, &nb);
    if (sa != sb)
        return sb - sa;
    if (sa < 0)
        return strcmp(a->name, b->name);
    if (ma != mb)
        return mb > ma ? 1 : -1;
    return nb > na ? 1 : nb < na ? -1 : 0;
}

size_t kube_crd_served_sorted(const kube_crd *crd, const kube_crd_version **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < crd->n_versions && n < max; i++) {
        if (!crd->versions[i].served)
            continue;
        size_t j = n++;
        while (j > 0 && compare_priority(out[j - 1], &crd->versions[i]) > 0) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = &crd->versions[i];
    }
    return n;
}

char *kube_crd_api_version(const kube_crd *crd, const kube_crd_version *v)
{
    return osh_str_printf("%s/%s", crd->group, v->name);
}

cJSON *kube_crd_convert(const kube_crd *crd, const cJSON *obj, const kube_crd_version *v, char **error)
{
    *error = NULL;
    char *want = kube_crd_api_version(crd, v);
    const char *have = cJSON_GetStringValue(get(obj, "apiVersion"));
    cJSON *out;
    if ((have && strcmp(have, want) == 0) || strcmp(crd->conversion, "Webhook") != 0 || !crd->convert) {
        out = cJSON_Duplicate(obj, true);
    } else {
        /* list items may come without apiVersion: they are at the storage version */
        cJSON *typed = cJSON_Duplicate(obj, true);
        if (!have) {
            char *sv = kube_crd_api_version(crd, kube_crd_storage(crd));
            kube_meta_type_first(typed, sv, crd->kind);
            free(sv);
        }
        out = crd->convert(typed, want, error);
        cJSON_Delete(typed);
        if (!out) {
            free(want);
            return NULL;
        }
    }
    kube_meta_type_first(out, want, crd->kind);
    free(want);
    return out;
}
