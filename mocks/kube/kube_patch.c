/* kube_patch.c: merge, strategic merge and JSON patch (see kube_patch.h). */
#include "kube_patch.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "osh_str.h"

static void merge_into(cJSON *target, const cJSON *patch, bool strategic);

static cJSON *merge_value(const cJSON *target, const cJSON *patch, bool strategic)
{
    if (!cJSON_IsObject(patch))
        return cJSON_Duplicate(patch, true);
    cJSON *out = cJSON_IsObject(target) ? cJSON_Duplicate(target, true) : cJSON_CreateObject();
    merge_into(out, patch, strategic);
    return out;
}

/* The merge key of a list field in strategic merge patches (from the Kubernetes types'
 * patchMergeKey tags), or NULL for lists that are replaced. */
static const char *merge_key_for(const char *field)
{
    static const char *KEYS[][2] = {
        {"containers", "name"},     {"initContainers", "name"}, {"ephemeralContainers", "name"},
        {"env", "name"},            {"volumes", "name"},        {"volumeMounts", "mountPath"},
        {"volumeDevices", "devicePath"}, {"ports", "containerPort"}, {"conditions", "type"},
        {"imagePullSecrets", "name"}, {"hostAliases", "ip"},    {"tolerations", "key"},
        {"ownerReferences", "uid"}, {"addresses", "type"},      {"taints", "key"},
    };
    for (size_t i = 0; i < sizeof(KEYS) / sizeof(KEYS[0]); i++)
        if (strcmp(KEYS[i][0], field) == 0)
            return KEYS[i][1];
    return NULL;
}

static cJSON *find_by_key(cJSON *list, const char *key, const cJSON *value)
{
    cJSON *el;
    cJSON_ArrayForEach(el, list)
    {
        if (cJSON_Compare(cJSON_GetObjectItemCaseSensitive(el, key), value, true))
            return el;
    }
    return NULL;
}

static cJSON *merge_keyed_list(const cJSON *target, const cJSON *patch, const char *key)
{
    cJSON *out = cJSON_IsArray(target) ? cJSON_Duplicate(target, true) : cJSON_CreateArray();
    const cJSON *el;
    cJSON_ArrayForEach(el, patch)
    {
        const cJSON *kv = cJSON_GetObjectItemCaseSensitive(el, key);
        const char *directive = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(el, "$patch"));
        cJSON *existing = kv ? find_by_key(out, key, kv) : NULL;
        if (directive && strcmp(directive, "delete") == 0) {
            if (existing)
                cJSON_Delete(cJSON_DetachItemViaPointer(out, existing));
            continue;
        }
        if (existing) {
            merge_into(existing, el, true);
        } else {
            cJSON *copy = cJSON_CreateObject();
            merge_into(copy, el, true);
            cJSON_AddItemToArray(out, copy);
        }
    }
    return out;
}

static void merge_into(cJSON *target, const cJSON *patch, bool strategic)
{
    const cJSON *p;
    if (strategic) {
        const char *directive = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(patch, "$patch"));
        if (directive && strcmp(directive, "replace") == 0) {
            cJSON *child;
            while ((child = target->child))
                cJSON_Delete(cJSON_DetachItemViaPointer(target, child));
        }
    }
    cJSON_ArrayForEach(p, patch)
    {
        if (strategic && (p->string[0] == '$' || osh_str_starts_with(p->string, "$setElementOrder/")))
            continue;
        cJSON *existing = cJSON_GetObjectItemCaseSensitive(target, p->string);
        if (cJSON_IsNull(p)) {
            if (existing)
                cJSON_DeleteItemFromObjectCaseSensitive(target, p->string);
            continue;
        }
        cJSON *merged;
        const char *key = strategic && cJSON_IsArray(p) ? merge_key_for(p->string) : NULL;
        if (key)
            merged = merge_keyed_list(existing, p, key);
        else
            merged = merge_value(existing, p, strategic);
        if (existing)
            cJSON_ReplaceItemInObjectCaseSensitive(target, p->string, merged);
        else
            cJSON_AddItemToObject(target, p->string, merged);
    }
}

/* Go's JSON decoder keeps the last of duplicate keys; values copied from a patch may carry
 * duplicates, so the result keeps only the last of each, as the apiserver would. */
static void keep_last_keys(cJSON *v)
{
    cJSON *c = v ? v->child : NULL;
    while (c) {
        cJSON *next = c->next;
        if (cJSON_IsObject(v) && c->string) {
            for (cJSON *later = next; later; later = later->next)
                if (later->string && strcmp(later->string, c->string) == 0) {
                    cJSON_Delete(cJSON_DetachItemViaPointer(v, c));
                    c = NULL;
                    break;
                }
        }
        if (c)
            keep_last_keys(c);
        c = next;
    }
}

static cJSON *merge_document(const cJSON *target, const cJSON *patch, bool strategic, char **error)
{
    *error = NULL;
    if (!cJSON_IsObject(patch)) {
        *error = osh_str_dup("patch must be a JSON object");
        return NULL;
    }
    cJSON *out = merge_value(target, patch, strategic);
    keep_last_keys(out);
    return out;
}

cJSON *kube_merge_patch(const cJSON *target, const cJSON *patch, char **error)
{
    return merge_document(target, patch, false, error);
}

cJSON *kube_strategic_merge_patch(const cJSON *target, const cJSON *patch, char **error)
{
    return merge_document(target, patch, true, error);
}

/* ---- JSON patch ---- */

/* Splits a JSON pointer into unescaped tokens. */
static char **pointer_tokens(const char *ptr, size_t *n, char **error)
{
    *n = 0;
    if (ptr[0] == '\0')
        return NULL;
    if (ptr[0] != '/') {
        *error = osh_str_printf("invalid JSON pointer \"%s\"", ptr);
        return NULL;
    }
    char **out = NULL;
    const char *p = ptr + 1;
    for (;;) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char *tok = malloc(len + 1), *w = tok;
        if (!tok)
            abort();
        for (size_t i = 0; i < len; i++) {
            if (p[i] == '~' && i + 1 < len && (p[i + 1] == '0' || p[i + 1] == '1')) {
                *w++ = p[i + 1] == '0' ? '~' : '/';
                i++;
            } else {
                *w++ = p[i];
            }
        }
        *w = '\0';
        osh_str_list_push(&out, n, tok);
        if (!e)
            break;
        p = e + 1;
    }
    return out;
}

static bool parse_index(const char *tok, size_t size, bool allow_end, int *out)
{
    if (allow_end && strcmp(tok, "-") == 0) {
        *out = (int)size;
        return true;
    }
    char *end;
    long v = strtol(tok, &end, 10);
    if (*tok == '\0' || *end != '\0' || v < 0 || (size_t)v > size || (!allow_end && (size_t)v == size))
        return false;
    *out = (int)v;
    return true;
}

/* The container of the last token, or NULL with *error set. */
static cJSON *walk_parent(cJSON *doc, char **tok, size_t n, const char *path, char **error)
{
    cJSON *cur = doc;
    for (size_t i = 0; i + 1 < n; i++) {
        int idx;
        if (cJSON_IsArray(cur) && parse_index(tok[i], (size_t)cJSON_GetArraySize(cur), false, &idx))
            cur = cJSON_GetArrayItem(cur, idx);
        else if (cJSON_IsObject(cur))
            cur = cJSON_GetObjectItemCaseSensitive(cur, tok[i]);
        else
            cur = NULL;
        if (!cur) {
            *error = osh_str_printf("doc is missing path: \"%s\"", path);
            return NULL;
        }
    }
    return cur;
}

/* The item at path (the document itself for ""), or, with detach, the item taken out of its
 * parent (the whole document cannot be). NULL with *error when there is none. */
static cJSON *item_at(cJSON *doc, const char *path, bool detach, char **error)
{
    size_t n;
    char **tok = pointer_tokens(path, &n, error);
    if (*error || n == 0) {
        if (!*error && detach)
            *error = osh_str_dup("cannot remove the whole document");
        osh_str_list_free(tok, n);
        return *error ? NULL : doc;
    }
    cJSON *parent = walk_parent(doc, tok, n, path, error), *item = NULL;
    int idx;
    if (parent && cJSON_IsArray(parent) && parse_index(tok[n - 1], (size_t)cJSON_GetArraySize(parent), false, &idx))
        item = detach ? cJSON_DetachItemFromArray(parent, idx) : cJSON_GetArrayItem(parent, idx);
    else if (parent && cJSON_IsObject(parent))
        item = detach ? cJSON_DetachItemFromObjectCaseSensitive(parent, tok[n - 1])
                      : cJSON_GetObjectItemCaseSensitive(parent, tok[n - 1]);
    if (parent && !item)
        *error = detach ? osh_str_printf("unable to remove nonexistent key: \"%s\"", path)
                        : osh_str_printf("doc is missing key: \"%s\"", path);
    osh_str_list_free(tok, n);
    return item;
}

static cJSON *get_at(cJSON *doc, const char *path, char **error) { return item_at(doc, path, false, error); }
static cJSON *remove_at(cJSON *doc, const char *path, char **error) { return item_at(doc, path, true, error); }

/* Adds value (consumed) at path; replaces an existing object member. */
static bool add_at(cJSON **doc, const char *path, cJSON *value, char **error)
{
    size_t n;
    char **tok = pointer_tokens(path, &n, error);
    if (*error) {
        cJSON_Delete(value);
        return false;
    }
    if (n == 0) {
        cJSON_Delete(*doc);
        *doc = value;
        return true;
    }
    cJSON *parent = walk_parent(*doc, tok, n, path, error);
    bool ok = false;
    int idx;
    if (parent && cJSON_IsArray(parent)) {
        if (parse_index(tok[n - 1], (size_t)cJSON_GetArraySize(parent), true, &idx)) {
            if (idx == cJSON_GetArraySize(parent))
                cJSON_AddItemToArray(parent, value);
            else
                cJSON_InsertItemInArray(parent, idx, value);
            ok = true;
        } else {
            *error = osh_str_printf("invalid array index in \"%s\"", path);
        }
    } else if (parent && cJSON_IsObject(parent)) {
        if (cJSON_GetObjectItemCaseSensitive(parent, tok[n - 1]))
            cJSON_ReplaceItemInObjectCaseSensitive(parent, tok[n - 1], value);
        else
            cJSON_AddItemToObject(parent, tok[n - 1], value);
        ok = true;
    } else if (parent) {
        *error = osh_str_printf("doc is missing path: \"%s\"", path);
    }
    if (!ok)
        cJSON_Delete(value);
    osh_str_list_free(tok, n);
    return ok;
}

/* Replaces the existing value at path in place (value consumed). */
static bool replace_at(cJSON **doc, const char *path, cJSON *value, char **error)
{
    if (!get_at(*doc, path, error)) {
        cJSON_Delete(value);
        return false;
    }
    size_t n;
    char **tok = pointer_tokens(path, &n, error);
    if (n == 0) {
        cJSON_Delete(*doc);
        *doc = value;
        return true;
    }
    cJSON *parent = walk_parent(*doc, tok, n, path, error);
    int idx;
    if (cJSON_IsArray(parent) && parse_index(tok[n - 1], (size_t)cJSON_GetArraySize(parent), false, &idx))
        cJSON_ReplaceItemInArray(parent, idx, value);
    else
        cJSON_ReplaceItemInObjectCaseSensitive(parent, tok[n - 1], value);
    osh_str_list_free(tok, n);
    return true;
}

static bool apply_op(cJSON **doc, const cJSON *op, char **error)
{
    const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(op, "op"));
    const char *path = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(op, "path"));
    const char *from = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(op, "from"));
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(op, "value");
    if (!kind || !path) {
        *error = osh_str_dup("json patch operation needs \"op\" and \"path\"");
        return false;
    }
    if (strcmp(kind, "add") == 0 || strcmp(kind, "replace") == 0) {
        if (!value) {
            *error = osh_str_printf("%s operation does not apply: missing value", kind);
            return false;
        }
        if (strcmp(kind, "replace") == 0)
            return replace_at(doc, path, cJSON_Duplicate(value, true), error);
        return add_at(doc, path, cJSON_Duplicate(value, true), error);
    }
    if (strcmp(kind, "remove") == 0) {
        cJSON *gone = remove_at(*doc, path, error);
        cJSON_Delete(gone);
        return gone != NULL;
    }
    if (strcmp(kind, "test") == 0) {
        cJSON *cur = get_at(*doc, path, error);
        if (!cur)
            return false;
        if (!cJSON_Compare(cur, value, true)) {
            *error = osh_str_printf("testing value %s failed", path);
            return false;
        }
        return true;
    }
    if (strcmp(kind, "move") == 0 || strcmp(kind, "copy") == 0) {
        if (!from) {
            *error = osh_str_printf("%s operation needs \"from\"", kind);
            return false;
        }
        cJSON *src = strcmp(kind, "move") == 0 ? remove_at(*doc, from, error) : cJSON_Duplicate(get_at(*doc, from, error), true);
        if (!src)
            return false;
        return add_at(doc, path, src, error);
    }
    *error = osh_str_printf("Unexpected kind: %s", kind);
    return false;
}

cJSON *kube_json_patch(const cJSON *target, const cJSON *ops, char **error)
{
    *error = NULL;
    if (!cJSON_IsArray(ops)) {
        *error = osh_str_dup("json patch must be a JSON array of operations");
        return NULL;
    }
    cJSON *doc = cJSON_Duplicate(target, true);
    const cJSON *op;
    cJSON_ArrayForEach(op, ops)
    {
        if (!apply_op(&doc, op, error)) {
            cJSON_Delete(doc);
            return NULL;
        }
    }
    return doc;
}
