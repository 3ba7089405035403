/* conf_json.c: path lookup and predicates over cJSON documents (see conf_json.h). */
#include "conf_json.h"

#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osh_buf.h"
#include "osh_str.h"

const osh_json_field conf_json_predicate_fields[] = {
    {"path", OSH_JSON_STRING, false, NULL},      {"what", OSH_JSON_STRING, false, NULL},
    {"equals", OSH_JSON_ANY, false, NULL},       {"not_equals", OSH_JSON_ANY, false, NULL},
    {"exists", OSH_JSON_BOOL, false, NULL},      {"contains", OSH_JSON_ANY, false, NULL},
    {"not_contains", OSH_JSON_ANY, false, NULL}, {"subset", OSH_JSON_ANY, false, NULL},
    {"length", OSH_JSON_NUMBER, false, NULL},    {"matches", OSH_JSON_STRING, false, NULL},
    {"any_match", OSH_JSON_STRING, false, NULL}, {"none_match", OSH_JSON_STRING, false, NULL},
    {"at_least", OSH_JSON_NUMBER, false, NULL},  {"at_most", OSH_JSON_NUMBER, false, NULL},
    {NULL, 0, false, NULL}};

char *conf_json_scalar_text(const cJSON *v)
{
    if (cJSON_IsString(v))
        return osh_str_dup(v->valuestring);
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d == floor(d) && fabs(d) < 1e15)
            return osh_str_printf("%.0f", d);
        return osh_str_printf("%.17g", d);
    }
    if (cJSON_IsTrue(v))
        return osh_str_dup("true");
    if (cJSON_IsFalse(v))
        return osh_str_dup("false");
    if (cJSON_IsNull(v))
        return osh_str_dup("null");
    return NULL;
}

static int cmp_member(const void *a, const void *b)
{
    return strcmp((*(cJSON *const *)a)->string, (*(cJSON *const *)b)->string);
}

/* Sort object members by key, recursively, so two documents that differ only in key
 * order print identically and a line diff shows only real differences. */
static void sort_keys(cJSON *node)
{
    for (cJSON *c = node->child; c; c = c->next)
        sort_keys(c);
    if (!cJSON_IsObject(node) || !node->child)
        return;
    int n = cJSON_GetArraySize(node);
    cJSON **v = malloc(sizeof *v * (size_t)n);
    int i = 0;
    for (cJSON *c = node->child; c; c = c->next)
        v[i++] = c;
    qsort(v, (size_t)n, sizeof *v, cmp_member);
    for (i = 0; i < n; i++) {
        v[i]->prev = i ? v[i - 1] : v[n - 1]; /* cJSON: the head's prev is the tail */
        v[i]->next = i + 1 < n ? v[i + 1] : NULL;
    }
    node->child = v[0];
    free(v);
}

char *conf_json_pretty(const cJSON *v)
{
    if (!v)
        return osh_str_dup("(absent)");
    cJSON *copy = cJSON_Duplicate(v, true);
    sort_keys(copy);
    char *raw = cJSON_Print(copy);
    cJSON_Delete(copy);
    if (!raw)
        return osh_str_dup("(unprintable)");
    /* cJSON indents with tabs and puts a tab after ':'; two spaces and one read better. */
    osh_buf b = OSH_BUF_INIT;
    for (const char *p = raw; *p; p++) {
        if (*p == '\t' && p > raw && p[-1] == ':')
            osh_buf_append_char(&b, ' ');
        else if (*p == '\t')
            osh_buf_append_str(&b, "  ");
        else
            osh_buf_append_char(&b, *p);
    }
    cJSON_free(raw);
    return osh_buf_detach(&b);
}

/* exact: objects have the same keys, at every depth; else a's keys are enough and b may
 * have more. Arrays match element by element either way; numbers by value. */
static bool json_match(const cJSON *a, const cJSON *b, bool exact)
{
    if (!a || !b)
        return a == b;
    if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
        return a->valuedouble == b->valuedouble;
    if ((a->type & 0xFF) != (b->type & 0xFF))
        return false;
    if (cJSON_IsString(a))
        return strcmp(a->valuestring, b->valuestring) == 0;
    if ((cJSON_IsArray(a) || exact) && cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
        return false;
    if (cJSON_IsArray(a)) {
        const cJSON *y = b->child;
        for (const cJSON *x = a->child; x; x = x->next, y = y->next)
            if (!json_match(x, y, exact))
                return false;
    } else if (cJSON_IsObject(a)) {
        for (const cJSON *x = a->child; x; x = x->next)
            if (!json_match(x, cJSON_GetObjectItemCaseSensitive(b, x->string), exact))
                return false;
    }
    return true; /* also true, false, null of the same type */
}

bool conf_json_equal(const cJSON *a, const cJSON *b) { return json_match(a, b, true); }

bool conf_json_subset(const cJSON *expected, const cJSON *actual) { return json_match(expected, actual, false); }

/* ---- paths ---- */

typedef struct path_cursor {
    const char *p;
    char *error;
} path_cursor;

static void path_fail(path_cursor *c, const char *what)
{
    if (!c->error)
        c->error = osh_str_printf("bad path near '%s': %s", c->p, what);
}

static const cJSON *select_by_filter(const cJSON *node, const char *sub, const char *want)
{
    if (!cJSON_IsArray(node) && !cJSON_IsObject(node))
        return NULL;
    for (const cJSON *e = node->child; e; e = e->next) {
        const cJSON *v = conf_json_find(e, sub, NULL);
        char *text = conf_json_scalar_text(v);
        bool hit = text && strcmp(text, want) == 0;
        free(text);
        if (hit)
            return e;
    }
    return NULL;
}

static const cJSON *select_index(const cJSON *node, long idx)
{
    if (!cJSON_IsArray(node))
        return NULL;
    int n = cJSON_GetArraySize(node);
    if (idx < 0)
        idx += n;
    if (idx < 0 || idx >= n)
        return NULL;
    return cJSON_GetArrayItem(node, (int)idx);
}

/* One [...] selector at c->p (just after '['). */
static const cJSON *apply_selector(path_cursor *c, const cJSON *node)
{
    const char *close;
    if (*c->p == '"') {
        close = strchr(c->p + 1, '"');
        if (!close || close[1] != ']') {
            path_fail(c, "unterminated [\"key\"]");
            return NULL;
        }
        char *key = osh_str_ndup(c->p + 1, (size_t)(close - c->p - 1));
        const cJSON *r = cJSON_IsObject(node) ? cJSON_GetObjectItemCaseSensitive(node, key) : NULL;
        free(key);
        c->p = close + 2;
        return r;
    }
    close = strchr(c->p, ']');
    if (!close || close == c->p) {
        path_fail(c, "unterminated or empty [...]");
        return NULL;
    }
    char *inner = osh_str_ndup(c->p, (size_t)(close - c->p));
    c->p = close + 1;
    const cJSON *r = NULL;
    char *eq = strchr(inner, '=');
    if (eq) {
        *eq = '\0';
        r = select_by_filter(node, inner, eq + 1);
    } else {
        char *end;
        long idx = strtol(inner, &end, 10);
        if (*end)
            path_fail(c, "selector is neither an index nor key=value");
        else
            r = select_index(node, idx);
    }
    free(inner);
    return r;
}

static const cJSON *walk(path_cursor *c, const cJSON *node)
{
    while (*c->p && !c->error) {
        if (*c->p == '[') {
            c->p++;
            node = apply_selector(c, node);
        } else {
            size_t n = strcspn(c->p, ".[");
            if (n == 0) {
                path_fail(c, "empty key");
                return NULL;
            }
            char *key = osh_str_ndup(c->p, n);
            if (cJSON_IsArray(node) && strspn(key, "0123456789") == n)
                node = select_index(node, strtol(key, NULL, 10)); /* a.0.b, usable inside [k=v] */
            else
                node = cJSON_IsObject(node) ? cJSON_GetObjectItemCaseSensitive(node, key) : NULL;
            free(key);
            c->p += n;
        }
        if (*c->p == '.') {
            c->p++;
            if (!*c->p)
                path_fail(c, "trailing '.'");
        } else if (*c->p && *c->p != '[') {
            path_fail(c, "expected '.' or '['");
        }
        if (!node)
            break; /* keep scanning for syntax errors would need a second pass; absent is enough */
    }
    return c->error ? NULL : node;
}

const cJSON *conf_json_find(const cJSON *doc, const char *path, char **error)
{
    path_cursor c = {path ? path : "", NULL};
    const cJSON *r = walk(&c, doc);
    if (c.error) {
        if (error)
            *error = c.error;
        else
            free(c.error);
        return NULL;
    }
    return r;
}

char *conf_json_path_error(const char *path)
{
    /* Walk a document that has nothing, syntax is checked up to the first missing node,
     * so validate against a permissive scan instead: every segment and selector. */
    path_cursor c = {path ? path : "", NULL};
    while (*c.p && !c.error) {
        if (*c.p == '[') {
            const char *close = c.p[1] == '"' ? strchr(c.p + 2, '"') : strchr(c.p + 1, ']');
            if (!close || (c.p[1] == '"' && close[1] != ']') || close == c.p + 1) {
                path_fail(&c, "unterminated or empty [...]");
                break;
            }
            c.p = close + (c.p[1] == '"' ? 2 : 1);
        } else {
            size_t n = strcspn(c.p, ".[");
            if (n == 0) {
                path_fail(&c, "empty key");
                break;
            }
            c.p += n;
        }
        if (*c.p == '.') {
            c.p++;
            if (!*c.p)
                path_fail(&c, "trailing '.'");
        } else if (*c.p && *c.p != '[') {
            path_fail(&c, "expected '.' or '['");
        }
    }
    return c.error;
}

/* ---- predicates ---- */

static char *short_text(const cJSON *v)
{
    if (!v)
        return osh_str_dup("(absent)");
    char *raw = cJSON_PrintUnformatted(v);
    char *s;
    if (strlen(raw) > 200)
        s = osh_str_printf("%.200s...", raw);
    else
        s = osh_str_dup(raw);
    cJSON_free(raw);
    return s;
}

static bool value_contains(const cJSON *value, const cJSON *want)
{
    if (cJSON_IsString(value) && cJSON_IsString(want))
        return strstr(value->valuestring, want->valuestring) != NULL;
    if (cJSON_IsArray(value)) {
        for (const cJSON *e = value->child; e; e = e->next)
            if (conf_json_equal(e, want))
                return true;
        return false;
    }
    if (cJSON_IsObject(value))
        return conf_json_subset(want, value);
    return false;
}

static long value_length(const cJSON *v)
{
    if (cJSON_IsString(v))
        return (long)strlen(v->valuestring);
    if (cJSON_IsArray(v) || cJSON_IsObject(v))
        return cJSON_GetArraySize(v);
    return -1;
}

static int count_glob_matches(const cJSON *v, const char *glob)
{
    if (cJSON_IsString(v))
        return fnmatch(glob, v->valuestring, 0) == 0;
    int n = 0;
    if (cJSON_IsArray(v))
        for (const cJSON *e = v->child; e; e = e->next)
            if (cJSON_IsString(e) && fnmatch(glob, e->valuestring, 0) == 0)
                n++;
    return n;
}

/* Each predicate: returns NULL when it holds, else a malloc'd reason. */
static char *check_one(const cJSON *value, const cJSON *p)
{
    const char *k = p->string;
    char *got = NULL, *want = NULL, *r = NULL;
    bool ok;
    if (strcmp(k, "exists") == 0) {
        if (cJSON_IsTrue(p) == (value != NULL))
            return NULL;
        if (cJSON_IsTrue(p))
            return osh_str_dup("expected to exist, absent");
        got = short_text(value);
        r = osh_str_printf("expected absent, found %s", got);
        free(got);
        return r;
    }
    if (!value)
        return osh_str_printf("%s: value is absent", k);
    if (strcmp(k, "equals") == 0)
        ok = conf_json_equal(p, value);
    else if (strcmp(k, "not_equals") == 0)
        ok = !conf_json_equal(p, value);
    else if (strcmp(k, "contains") == 0)
        ok = value_contains(value, p);
    else if (strcmp(k, "not_contains") == 0)
        ok = !value_contains(value, p);
    else if (strcmp(k, "subset") == 0)
        ok = conf_json_subset(p, value);
    else if (strcmp(k, "length") == 0)
        ok = cJSON_IsNumber(p) && value_length(value) == (long)p->valuedouble;
    else if (strcmp(k, "matches") == 0)
        ok = cJSON_IsString(p) && cJSON_IsString(value) && fnmatch(p->valuestring, value->valuestring, 0) == 0;
    else if (strcmp(k, "any_match") == 0)
        ok = cJSON_IsString(p) && count_glob_matches(value, p->valuestring) > 0;
    else if (strcmp(k, "none_match") == 0)
        ok = cJSON_IsString(p) && count_glob_matches(value, p->valuestring) == 0;
    else if (strcmp(k, "at_least") == 0)
        ok = cJSON_IsNumber(p) && cJSON_IsNumber(value) && value->valuedouble >= p->valuedouble;
    else if (strcmp(k, "at_most") == 0)
        ok = cJSON_IsNumber(p) && cJSON_IsNumber(value) && value->valuedouble <= p->valuedouble;
    else
        return osh_str_printf("unknown predicate '%s'", k);
    if (ok)
        return NULL;
    got = short_text(value);
    want = short_text(p);
    r = osh_str_printf("%s %s: got %s", k, want, got);
    free(got);
    free(want);
    return r;
}

bool conf_json_predicate(const cJSON *value, const cJSON *pred, char **why)
{
    osh_buf reasons = OSH_BUF_INIT;
    for (const cJSON *p = pred ? pred->child : NULL; p; p = p->next) {
        if (!p->string || strcmp(p->string, "path") == 0 || strcmp(p->string, "what") == 0)
            continue;
        char *r = check_one(value, p);
        if (r) {
            if (reasons.len)
                osh_buf_append_str(&reasons, "; ");
            osh_buf_append_str(&reasons, r);
            free(r);
        }
    }
    if (!reasons.len)
        return true;
    if (why)
        *why = osh_buf_detach(&reasons);
    else
        osh_buf_free(&reasons);
    return false;
}
