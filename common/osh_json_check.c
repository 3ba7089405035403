/* osh_json_check.c: table-driven key and type checks of JSON objects (osh_json_check.h). */
#include "osh_json_check.h"

#include <stdlib.h>
#include <string.h>

#include "osh_buf.h"
#include "osh_str.h"

static const struct {
    unsigned type;
    const char *words;
} type_words[] = {{OSH_JSON_STRING, "string"}, {OSH_JSON_NUMBER, "number"}, {OSH_JSON_BOOL, "true or false"},
                  {OSH_JSON_NULL, "null"},     {OSH_JSON_OBJECT, "object"}, {OSH_JSON_ARRAY, "array"},
                  {OSH_JSON_STRINGS, "array of strings"}};
#define N_TYPE_WORDS (sizeof type_words / sizeof type_words[0])

static bool all_strings(const cJSON *a)
{
    for (const cJSON *e = a->child; e; e = e->next)
        if (!cJSON_IsString(e))
            return false;
    return true;
}

bool osh_json_is(const cJSON *v, unsigned types)
{
    if (!v)
        return false;
    return ((types & OSH_JSON_STRING) && cJSON_IsString(v)) || ((types & OSH_JSON_NUMBER) && cJSON_IsNumber(v)) ||
           ((types & OSH_JSON_BOOL) && cJSON_IsBool(v)) || ((types & OSH_JSON_NULL) && cJSON_IsNull(v)) ||
           ((types & OSH_JSON_OBJECT) && cJSON_IsObject(v)) || ((types & OSH_JSON_ARRAY) && cJSON_IsArray(v)) ||
           ((types & OSH_JSON_STRINGS) && cJSON_IsArray(v) && all_strings(v));
}

char *osh_json_types_text(unsigned types)
{
    if ((types & OSH_JSON_ANY) == OSH_JSON_ANY)
        return osh_str_dup("any JSON value");
    if (types & OSH_JSON_ARRAY)
        types &= ~(unsigned)OSH_JSON_STRINGS; /* "array" already says it */
    /* "true or false" alone; "true, false or object" with others */
    const char *words[N_TYPE_WORDS + 1];
    size_t n = 0;
    for (size_t i = 0; i < N_TYPE_WORDS; i++) {
        if (!(types & type_words[i].type))
            continue;
        bool split = type_words[i].type == OSH_JSON_BOOL && types != OSH_JSON_BOOL;
        if (split)
            words[n++] = "true";
        words[n++] = split ? "false" : type_words[i].words;
    }
    osh_buf b = OSH_BUF_INIT;
    for (size_t i = 0; i < n; i++)
        osh_buf_appendf(&b, "%s%s", i == 0 ? "" : i == n - 1 ? " or " : ", ", words[i]);
    return b.data ? osh_buf_detach(&b) : osh_str_dup("nothing");
}

char *osh_json_path(const char *where, const char *key)
{
    return where && *where ? osh_str_printf("%s.%s", where, key) : osh_str_dup(key);
}

static const osh_json_field *find_field(const osh_json_field *fields, const char *key)
{
    for (const osh_json_field *f = fields; f->key; f++)
        if (strcmp(f->key, key) == 0)
            return f;
    return NULL;
}

static osh_json_problem unknown_key(const osh_json_field *fields, const char *where, const char *key, char **error)
{
    osh_buf list = OSH_BUF_INIT;
    for (const osh_json_field *f = fields; f->key; f++)
        osh_buf_appendf(&list, "%s%s", f == fields ? "" : ", ", f->key);
    char *path = osh_json_path(where, key);
    *error = fields->key ? osh_str_printf("%s: unknown key (expected one of: %s)", path, osh_buf_str(&list))
                         : osh_str_printf("%s: unknown key (expected no keys)", path);
    free(path);
    osh_buf_free(&list);
    return OSH_JSON_UNKNOWN_KEY;
}

static osh_json_problem type_problem(osh_json_problem problem, const char *path, unsigned types, char **error)
{
    char *words = osh_json_types_text(types);
    *error = problem == OSH_JSON_MISSING ? osh_str_printf("%s: required (%s)", path, words)
                                         : osh_str_printf("%s: expected %s", path, words);
    free(words);
    return problem;
}

/* The nested table of f, applied to an object value or to each object item of an array. */
static osh_json_problem check_nested(const cJSON *v, const osh_json_field *f, const char *path, char **error)
{
    if (cJSON_IsObject(v))
        return osh_json_check(v, f->fields, path, error);
    if (!cJSON_IsArray(v))
        return OSH_JSON_OK;
    int i = 0;
    for (const cJSON *e = v->child; e; e = e->next, i++) {
        char *item = osh_str_printf("%s[%d]", path, i);
        osh_json_problem p = osh_json_check(e, f->fields, item, error);
        free(item);
        if (p != OSH_JSON_OK)
            return p;
    }
    return OSH_JSON_OK;
}

static osh_json_problem check_field(const cJSON *obj, const osh_json_field *f, const char *where, char **error)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, f->key);
    if (!v && !f->required)
        return OSH_JSON_OK;
    char *path = osh_json_path(where, f->key);
    osh_json_problem p = OSH_JSON_OK;
    if (!v)
        p = type_problem(OSH_JSON_MISSING, path, f->types, error);
    else if (!osh_json_is(v, f->types))
        p = type_problem(OSH_JSON_WRONG_TYPE, path, f->types, error);
    else if (f->fields)
        p = check_nested(v, f, path, error);
    free(path);
    return p;
}

osh_json_problem osh_json_check(const cJSON *obj, const osh_json_field *fields, const char *where, char **error)
{
    if (!cJSON_IsObject(obj)) {
        *error = osh_str_printf("%s: expected object", where && *where ? where : "document");
        return OSH_JSON_NOT_OBJECT;
    }
    for (const cJSON *m = obj->child; m; m = m->next)
        if (!find_field(fields, m->string))
            return unknown_key(fields, where, m->string, error);
    for (const osh_json_field *f = fields; f->key; f++) {
        osh_json_problem p = check_field(obj, f, where, error);
        if (p != OSH_JSON_OK)
            return p;
    }
    return OSH_JSON_OK;
}
