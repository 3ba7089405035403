/* mock_http_fault.c: fault-injection rules: parsing them from JSON, matching requests to
 * them (method, path glob, occurrence) and the JSON field override action. */
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_http_internal.h"
#include "osh_json_check.h"
#include "osh_str.h"

static void rule_free(mock_http_rule *r)
{
    free(r->method);
    free(r->path);
    free(r->body);
    free(r->content_type);
    cJSON_Delete(r->json_set);
}

static void rules_append(mock_http_server *s, mock_http_rule *add, size_t n)
{
    pthread_mutex_lock(&s->lock);
    mock_http_rule *grown = realloc(s->rules, (s->rule_count + n) * sizeof *grown);
    if (!grown && s->rule_count + n > 0)
        abort();
    s->rules = grown;
    memcpy(&s->rules[s->rule_count], add, n * sizeof *add);
    s->rule_count += n;
    pthread_mutex_unlock(&s->lock);
}

static mock_http_rule rule_from_fault(const mock_http_fault *f)
{
    mock_http_rule r = {0};
    r.method = osh_str_dup(f->method);
    r.path = osh_str_dup(f->path ? f->path : "*");
    r.nth = f->nth;
    r.first = f->first;
    r.from = f->from;
    r.delay_ms = f->delay_ms;
    r.hang = f->hang;
    r.drop = f->drop;
    r.status = f->status;
    r.body = osh_str_dup(f->body);
    r.content_type = osh_str_dup(f->content_type);
    r.truncate_after = f->truncate_after;
    r.json_set = f->json_set ? cJSON_Duplicate(f->json_set, true) : NULL;
    return r;
}

void mock_http_fault_add(mock_http_server *s, const mock_http_fault *f)
{
    mock_http_rule r = rule_from_fault(f);
    rules_append(s, &r, 1);
}

void mock_http_rules_free(mock_http_server *s)
{
    for (size_t i = 0; i < s->rule_count; i++)
        rule_free(&s->rules[i]);
    free(s->rules);
    s->rules = NULL;
    s->rule_count = 0;
}

void mock_http_fault_clear(mock_http_server *s)
{
    pthread_mutex_lock(&s->lock);
    mock_http_rules_free(s);
    pthread_mutex_unlock(&s->lock);
}

/* ---- JSON form --------------------------------------------------------------------- */

/* A rule's keys and their types; the readers below check ranges and combinations. */
static const osh_json_field rule_fields[] = {
    {"method", OSH_JSON_STRING, false, NULL},      {"path", OSH_JSON_STRING, true, NULL},
    {"nth", OSH_JSON_NUMBER, false, NULL},         {"first", OSH_JSON_NUMBER, false, NULL},
    {"from", OSH_JSON_NUMBER, false, NULL},        {"delay_ms", OSH_JSON_NUMBER, false, NULL},
    {"hang", OSH_JSON_BOOL, false, NULL},          {"drop", OSH_JSON_BOOL, false, NULL},
    {"status", OSH_JSON_NUMBER, false, NULL},      {"body", OSH_JSON_ANY, false, NULL},
    {"content_type", OSH_JSON_STRING, false, NULL}, {"truncate_after", OSH_JSON_NUMBER, false, NULL},
    {"json_set", OSH_JSON_OBJECT, false, NULL},    {"comment", OSH_JSON_STRING, false, NULL},
    {NULL, 0, false, NULL}};

static int int_field(const cJSON *o, const char *key, int min, int *out, const char *where,
                     char **error)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v)
        return 0;
    /* range first: casting 1e300 to long is undefined behaviour (and NaN fails both tests) */
    if (!(v->valuedouble >= min && v->valuedouble <= 1e9) ||
        v->valuedouble != (double)(long)v->valuedouble) {
        *error = osh_str_printf("%s.%s: expected an integer >= %d and <= 1000000000", where, key, min);
        return -1;
    }
    *out = (int)v->valuedouble;
    return 0;
}

static void str_field(const cJSON *o, const char *key, char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (v)
        *out = osh_str_dup(v->valuestring);
}

/* body: a string is sent as is (so it may be malformed JSON), anything else serialized. */
static int body_field(const cJSON *o, mock_http_rule *r, const char *where, char **error)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "body");
    if (!v)
        return 0;
    if (cJSON_IsString(v)) {
        r->body = osh_str_dup(v->valuestring);
    } else {
        char *text = cJSON_PrintUnformatted(v);
        r->body = osh_str_printf("%s\n", text);
        cJSON_free(text);
    }
    if (r->status == 0) {
        *error = osh_str_printf("%s.body: needs status", where);
        return -1;
    }
    return 0;
}

static int rule_from_json(const cJSON *o, const char *where, mock_http_rule *r, char **error)
{
    memset(r, 0, sizeof *r);
    r->truncate_after = -1;
    if (osh_json_check(o, rule_fields, where, error) != OSH_JSON_OK)
        return -1;
    str_field(o, "method", &r->method);
    str_field(o, "path", &r->path);
    str_field(o, "content_type", &r->content_type);
    int truncate = -1;
    const cJSON *drop = cJSON_GetObjectItemCaseSensitive(o, "drop");
    const cJSON *hang = cJSON_GetObjectItemCaseSensitive(o, "hang");
    const cJSON *set = cJSON_GetObjectItemCaseSensitive(o, "json_set");
    if (int_field(o, "nth", 1, &r->nth, where, error) ||
        int_field(o, "first", 1, &r->first, where, error) ||
        int_field(o, "from", 1, &r->from, where, error) ||
        int_field(o, "delay_ms", 0, &r->delay_ms, where, error) ||
        int_field(o, "status", 100, &r->status, where, error) ||
        int_field(o, "truncate_after", 0, &truncate, where, error) ||
        body_field(o, r, where, error))
        return -1;
    r->drop = cJSON_IsTrue(drop);
    r->hang = cJSON_IsTrue(hang);
    if (r->status > 599) {
        *error = osh_str_printf("%s.status: expected 100..599", where);
        return -1;
    }
    if ((r->nth != 0) + (r->first != 0) + (r->from != 0) > 1) {
        *error = osh_str_printf("%s: nth, first and from exclude each other", where);
        return -1;
    }
    r->truncate_after = truncate;
    r->json_set = set ? cJSON_Duplicate(set, true) : NULL;
    return 0;
}

int mock_http_fault_add_json(mock_http_server *s, const cJSON *rules, char **error)
{
    bool is_array = cJSON_IsArray(rules);
    size_t n = is_array ? (size_t)cJSON_GetArraySize(rules) : 1;
    mock_http_rule *parsed = calloc(n ? n : 1, sizeof *parsed);
    if (!parsed)
        abort();
    size_t i = 0;
    for (const cJSON *o = is_array ? rules->child : rules; i < n; o = o->next, i++) {
        char where[32];
        if (is_array)
            snprintf(where, sizeof where, "faults[%zu]", i);
        else
            snprintf(where, sizeof where, "fault");
        if (rule_from_json(o, where, &parsed[i], error) != 0) {
            for (size_t k = 0; k <= i; k++)
                rule_free(&parsed[k]);
            free(parsed);
            return -1;
        }
    }
    rules_append(s, parsed, n);
    free(parsed);
    return 0;
}

cJSON *mock_http_fault_json(mock_http_server *s)
{
    cJSON *arr = cJSON_CreateArray();
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->rule_count; i++) {
        const mock_http_rule *r = &s->rules[i];
        cJSON *o = cJSON_CreateObject();
        if (r->method)
            cJSON_AddStringToObject(o, "method", r->method);
        cJSON_AddStringToObject(o, "path", r->path);
        if (r->nth)
            cJSON_AddNumberToObject(o, "nth", r->nth);
        if (r->first)
            cJSON_AddNumberToObject(o, "first", r->first);
        if (r->from)
            cJSON_AddNumberToObject(o, "from", r->from);
        if (r->delay_ms)
            cJSON_AddNumberToObject(o, "delay_ms", r->delay_ms);
        if (r->hang)
            cJSON_AddTrueToObject(o, "hang");
        if (r->drop)
            cJSON_AddTrueToObject(o, "drop");
        if (r->status)
            cJSON_AddNumberToObject(o, "status", r->status);
        if (r->body)
            cJSON_AddStringToObject(o, "body", r->body);
        if (r->content_type)
            cJSON_AddStringToObject(o, "content_type", r->content_type);
        if (r->truncate_after >= 0)
            cJSON_AddNumberToObject(o, "truncate_after", (double)r->truncate_after);
        if (r->json_set)
            cJSON_AddItemToObject(o, "json_set", cJSON_Duplicate(r->json_set, true));
        cJSON_AddNumberToObject(o, "matched", (double)r->matched);
        cJSON_AddItemToArray(arr, o);
    }
    pthread_mutex_unlock(&s->lock);
    return arr;
}

/* ---- Matching ---------------------------------------------------------------------- */

static bool occurrence_selected(const mock_http_rule *r)
{
    if (r->nth)
        return r->matched == r->nth;
    if (r->first)
        return r->matched <= r->first;
    if (r->from)
        return r->matched >= r->from;
    return true;
}

static const char *action_name(const mock_http_rule *r)
{
    if (r->hang)
        return "hang";
    if (r->drop)
        return "drop";
    if (r->status)
        return "respond";
    if (r->truncate_after >= 0)
        return "truncate";
    if (r->json_set)
        return "json_set";
    return "delay";
}

void mock_http_fault_decide(mock_http_server *s, const char *method, const char *path,
                            mock_http_fault_action *out)
{
    memset(out, 0, sizeof *out);
    out->truncate_after = -1;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->rule_count; i++) {
        mock_http_rule *r = &s->rules[i];
        if ((r->method && strcmp(r->method, method) != 0) || fnmatch(r->path, path, 0) != 0)
            continue;
        r->matched++;
        if (out->name || !occurrence_selected(r))
            continue;
        out->name = action_name(r);
        out->delay_ms = r->hang ? INT_MAX : r->delay_ms; /* a stop of the server ends it */
        out->drop = r->drop;
        out->status = r->status;
        out->body = osh_str_dup(r->body);
        out->content_type = osh_str_dup(r->content_type);
        out->truncate_after = r->truncate_after;
        out->json_set = r->json_set ? cJSON_Duplicate(r->json_set, true) : NULL;
    }
    pthread_mutex_unlock(&s->lock);
}

void mock_http_fault_action_free(mock_http_fault_action *a)
{
    free(a->body);
    free(a->content_type);
    cJSON_Delete(a->json_set);
    memset(a, 0, sizeof *a);
}

/* ---- json_set ---------------------------------------------------------------------- */

/* Walk a dotted path, creating objects on the way; numeric parts index arrays. */
static void set_path(cJSON *root, const char *dotted, const cJSON *value)
{
    char *copy = osh_str_dup(dotted);
    cJSON *node = root;
    char *save = NULL;
    char *part = strtok_r(copy, ".", &save);
    while (part && node) {
        char *next = strtok_r(NULL, ".", &save);
        cJSON *child = cJSON_IsArray(node) ? cJSON_GetArrayItem(node, atoi(part))
                                           : cJSON_GetObjectItemCaseSensitive(node, part);
        if (!next) {
            cJSON *dup = cJSON_Duplicate(value, true);
            if (cJSON_IsArray(node)) {
                if (child)
                    cJSON_ReplaceItemInArray(node, atoi(part), dup);
                else
                    cJSON_Delete(dup);
            } else if (child) {
                cJSON_ReplaceItemInObjectCaseSensitive(node, part, dup);
            } else {
                cJSON_AddItemToObject(node, part, dup);
            }
        } else if (!child && cJSON_IsObject(node)) {
            child = cJSON_AddObjectToObject(node, part);
        } else if (child && !cJSON_IsObject(child) && !cJSON_IsArray(child)) {
            cJSON *obj = cJSON_CreateObject();
            cJSON_ReplaceItemInObjectCaseSensitive(node, part, obj);
            child = obj;
        }
        node = child;
        part = next;
    }
    free(copy);
}

void mock_http_apply_json_set(osh_buf *body, const cJSON *set)
{
    cJSON *doc = cJSON_ParseWithLength(osh_buf_str(body), body->len);
    if (!doc)
        return; /* not JSON: nothing to override */
    for (const cJSON *c = set->child; c; c = c->next)
        set_path(doc, c->string, c);
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    osh_buf_reset(body);
    osh_buf_append_str(body, text);
    osh_buf_append_char(body, '\n');
    cJSON_free(text);
}
