/* kube_meta.c: metadata helpers (see kube_meta.h). Validation messages are the ones of
 * k8s.io/apimachinery/pkg/util/validation. */
#include "kube_meta.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "osh_str.h"

static bool is_alnum_lower(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

static bool valid_label(const char *s, size_t len)
{
    if (len == 0 || !is_alnum_lower(s[0]) || !is_alnum_lower(s[len - 1]))
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_alnum_lower(s[i]) && s[i] != '-')
            return false;
    return true;
}

const char *kube_meta_name_problem(const char *name, bool label)
{
    size_t len = strlen(name);
    if (label) {
        if (len > 63)
            return "must be no more than 63 characters";
        if (!valid_label(name, len))
            return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
                   "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
                   "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
        return NULL;
    }
    if (len > 253)
        return "must be no more than 253 characters";
    const char *p = name;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t part = dot ? (size_t)(dot - p) : strlen(p);
        if (!valid_label(p, part))
            return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                   "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
                   "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
        if (!dot)
            return NULL;
        p = dot + 1;
    }
}

static void random_bytes(unsigned char *b, size_t n)
{
    if (getrandom(b, n, 0) != (ssize_t)n)
        for (size_t i = 0; i < n; i++)
            b[i] = (unsigned char)rand();
}

char *kube_meta_new_uid(void)
{
    unsigned char b[16];
    random_bytes(b, sizeof(b));
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    return osh_str_printf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
                          b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

void kube_meta_random_suffix(char out[6])
{
    static const char ALPHABET[] = "bcdfghjklmnpqrstvwxz2456789";
    unsigned char b[5];
    random_bytes(b, sizeof(b));
    for (int i = 0; i < 5; i++)
        out[i] = ALPHABET[b[i] % (sizeof(ALPHABET) - 1)];
    out[5] = '\0';
}

char *kube_meta_now(void)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[32];
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return osh_str_dup(buf);
}

const cJSON *kube_field_at(const cJSON *obj, const char *dotted)
{
    char *copy = osh_str_dup(dotted);
    const cJSON *cur = obj;
    for (char *save = NULL, *part = strtok_r(copy, ".", &save); part && cur; part = strtok_r(NULL, ".", &save))
        cur = cJSON_GetObjectItemCaseSensitive(cur, part);
    free(copy);
    return cur;
}

const char *kube_meta_get(const cJSON *obj, const char *field)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, "metadata"), field));
}

cJSON *kube_meta_object(cJSON *obj)
{
    cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
    if (!cJSON_IsObject(m)) {
        if (m)
            cJSON_DeleteItemFromObjectCaseSensitive(obj, "metadata");
        m = cJSON_AddObjectToObject(obj, "metadata");
    }
    return m;
}

void kube_meta_set(cJSON *obj, const char *field, const char *value)
{
    cJSON *m = kube_meta_object(obj);
    cJSON *v = cJSON_CreateString(value);
    if (cJSON_GetObjectItemCaseSensitive(m, field))
        cJSON_ReplaceItemInObjectCaseSensitive(m, field, v);
    else
        cJSON_AddItemToObject(m, field, v);
}

void kube_meta_type_first(cJSON *obj, const char *api_version, const char *kind)
{
    cJSON_DeleteItemFromObjectCaseSensitive(obj, "apiVersion");
    cJSON_DeleteItemFromObjectCaseSensitive(obj, "kind");
    cJSON *rest = cJSON_CreateObject();
    rest->child = obj->child;
    obj->child = NULL;
    cJSON_AddStringToObject(obj, "apiVersion", api_version);
    cJSON_AddStringToObject(obj, "kind", kind);
    while (rest->child) {
        cJSON *c = cJSON_DetachItemViaPointer(rest, rest->child);
        cJSON_AddItemToObject(obj, c->string, c);
    }
    cJSON_Delete(rest);
}
