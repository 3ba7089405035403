/* record_match.c: what "the same request" means in a replay. Paths lose their /vX.Y
 * prefix; queries are compared as decoded pairs sorted by key, with JSON values (filters)
 * printed with sorted keys (Go maps have no order) and since/until masked; JSON bodies are
 * compared with sorted keys, sorted "Env" lists, RFC 3339 timestamps and secrets (redacted or not) masked; other bodies (tar archives,
 * whose headers carry mtimes) by their length only. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "osh_str.h"
#include "record_internal.h"

char *rec_norm_path(const char *path)
{
    return osh_str_dup(mock_http_strip_version(path, NULL, NULL));
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static char *url_decode(const char *s, size_t len)
{
    osh_buf b = OSH_BUF_INIT;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%' && i + 2 < len + 0 && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            osh_buf_append_char(&b, (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
            i += 2;
        } else {
            osh_buf_append_char(&b, s[i] == '+' ? ' ' : s[i]);
        }
    }
    return osh_buf_detach(&b);
}

/* Sort object members by key, recursively (a canonical form for comparison). */
static void sort_keys(cJSON *j)
{
    if (!j || (!cJSON_IsObject(j) && !cJSON_IsArray(j)))
        return;
    for (cJSON *c = j->child; c; c = c->next)
        sort_keys(c);
    if (!cJSON_IsObject(j))
        return;
    /* insertion sort on the linked list */
    cJSON *sorted = NULL;
    cJSON *c = j->child;
    while (c) {
        cJSON *next = c->next;
        c->prev = c->next = NULL;
        if (!sorted || strcmp(c->string, sorted->string) < 0) {
            c->next = sorted;
            sorted = c;
        } else {
            cJSON *at = sorted;
            while (at->next && strcmp(at->next->string, c->string) <= 0)
                at = at->next;
            c->next = at->next;
            at->next = c;
        }
        c = next;
    }
    /* cJSON keeps child->prev pointing at the last element */
    cJSON *last = sorted, *prev = NULL;
    for (cJSON *x = sorted; x; x = x->next) {
        x->prev = prev;
        prev = x;
        last = x;
    }
    if (sorted)
        sorted->prev = last;
    j->child = sorted;
}

static bool looks_like_timestamp(const char *s)
{
    /* 2026-12-07T00:17:55 with anything after it */
    if (strlen(s) < 19)
        return false;
    for (size_t i = 0; i < 19; i++) {
        bool digit = isdigit((unsigned char)s[i]);
        char want = i == 4 || i == 7 ? '-' : i == 10 ? 'T' : i == 13 || i == 16 ? ':' : 0;
        if (want ? s[i] != want : !digit)
            return false;
    }
    return true;
}

static void mask_timestamps(cJSON *j)
{
    for (cJSON *c = j ? j->child : NULL; c; c = c->next) {
        if (cJSON_IsString(c) && looks_like_timestamp(c->valuestring))
            cJSON_SetValuestring(c, "<time>");
        mask_timestamps(c);
    }
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "Env" lists in sorted order: the docker CLI builds them from a map, so their order
 * changes from run to run while dockerd gives it no meaning. */
static void sort_env(cJSON *j)
{
    for (cJSON *c = j ? j->child : NULL; c; c = c->next) {
        sort_env(c);
        if (!cJSON_IsArray(c) || !c->string || strcmp(c->string, "Env") != 0)
            continue;
        int n = cJSON_GetArraySize(c);
        char **v = calloc((size_t)n + 1, sizeof *v);
        if (!v)
            abort();
        int k = 0;
        for (cJSON *x = c->child; x; x = x->next)
            if (cJSON_IsString(x))
                v[k++] = osh_str_dup(x->valuestring);
        if (k == n) {
            qsort(v, (size_t)n, sizeof *v, compare_strings);
            k = 0;
            for (cJSON *x = c->child; x; x = x->next)
                cJSON_SetValuestring(x, v[k++]);
        }
        for (int i = 0; i < n; i++)
            free(v[i]);
        free(v);
    }
}

/* A JSON text with sorted keys and masked timestamps; NULL when not JSON. */
static char *canonical_json(const char *text, size_t len)
{
    cJSON *j = cJSON_ParseWithLength(text, len);
    if (!j)
        return NULL;
    sort_keys(j);
    sort_env(j);
    mask_timestamps(j);
    char *out = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    char *copy = osh_str_dup(out);
    cJSON_free(out);
    return copy;
}

typedef struct pair { char *key, *value; size_t order; } pair;

static int compare_pairs(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->order > y->order) - (x->order < y->order);
}

char *rec_norm_query(const char *query)
{
    pair *pairs = NULL;
    size_t n = 0;
    for (const char *p = query; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len) {
            const char *eq = memchr(p, '=', len);
            pairs = realloc(pairs, (n + 1) * sizeof *pairs);
            if (!pairs)
                abort();
            pairs[n].key = url_decode(p, eq ? (size_t)(eq - p) : len);
            pairs[n].value = eq ? url_decode(eq + 1, len - (size_t)(eq - p) - 1) : osh_str_dup("");
            pairs[n].order = n;
            n++;
        }
        p = amp ? amp + 1 : p + len;
    }
    if (n)
        qsort(pairs, n, sizeof *pairs, compare_pairs);
    osh_buf b = OSH_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        const char *v = pairs[i].value;
        char *json = (v[0] == '{' || v[0] == '[') ? canonical_json(v, strlen(v)) : NULL;
        if (strcmp(pairs[i].key, "since") == 0 || strcmp(pairs[i].key, "until") == 0)
            v = "*";
        osh_buf_appendf(&b, "%s%s=%s", i ? "&" : "", pairs[i].key, json ? json : v);
        free(json);
        free(pairs[i].key);
        free(pairs[i].value);
    }
    free(pairs);
    return osh_buf_detach(&b);
}

char *rec_norm_body(const char *body, size_t len, size_t *out_len)
{
    osh_buf masked = OSH_BUF_INIT;
    osh_buf_append(&masked, body, len);
    rec_mask_secrets(&masked);
    char *json = len ? canonical_json(osh_buf_str(&masked), masked.len) : NULL;
    osh_buf_free(&masked);
    if (!json)
        json = len ? osh_str_printf("<%zu bytes>", len) : osh_str_dup("");
    *out_len = strlen(json);
    return json;
}
