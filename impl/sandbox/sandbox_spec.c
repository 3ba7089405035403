/* sandbox_spec.c: strict parsing of the SandboxSpec JSON document (schema: docs/sandbox.md).
 * Every refusal names the JSON path of the offending value, rooted at "spec". */
#include "sandbox_spec.h"

#include <stdlib.h>
#include <string.h>

#include "osh_str.h"

void sandbox_strmap_set(sandbox_strmap *map, const char *key, const char *value)
{
    size_t i = 0;
    while (i < map->count && strcmp(map->keys[i], key) < 0)
        i++;
    if (i < map->count && strcmp(map->keys[i], key) == 0) {
        free(map->values[i]);
        map->values[i] = osh_str_dup(value);
        return;
    }
    char **keys = realloc(map->keys, (map->count + 1) * sizeof *keys);
    char **values = realloc(map->values, (map->count + 1) * sizeof *values);
    if (!keys || !values)
        abort();
    map->keys = keys;
    map->values = values;
    memmove(keys + i + 1, keys + i, (map->count - i) * sizeof *keys);
    memmove(values + i + 1, values + i, (map->count - i) * sizeof *values);
    keys[i] = osh_str_dup(key);
    values[i] = osh_str_dup(value);
    map->count++;
}

void sandbox_strmap_clear(sandbox_strmap *map)
{
    for (size_t i = 0; i < map->count; i++) {
        free(map->keys[i]);
        free(map->values[i]);
    }
    free(map->keys);
    free(map->values);
    memset(map, 0, sizeof *map);
}

/* Set *error to "PATH: WHAT" and return false, so callers can `return fail(...)`. */
static bool fail(char **error, const char *path, const char *what)
{
    *error = osh_str_printf("%s: %s", path, what);
    return false;
}

static bool parse_string(const cJSON *item, const char *path, char **out, char **error)
{
    if (cJSON_IsNull(item))
        return true;
    if (!cJSON_IsString(item))
        return fail(error, path, "expected string");
    free(*out);
    *out = osh_str_dup(item->valuestring);
    return true;
}

static bool parse_strmap(const cJSON *item, const char *path, sandbox_strmap *out, char **error)
{
    if (cJSON_IsNull(item))
        return true;
    if (!cJSON_IsObject(item))
        return fail(error, path, "expected object of strings");
    const cJSON *entry;
    cJSON_ArrayForEach(entry, item)
    {
        if (!cJSON_IsString(entry)) {
            char *entry_path = osh_str_printf("%s.%s", path, entry->string);
            fail(error, entry_path, "expected string");
            free(entry_path);
            return false;
        }
        sandbox_strmap_set(out, entry->string, entry->valuestring);
    }
    return true;
}

/* serde refuses a repeated field; so do we, rather than silently keeping one of them. */
static bool is_repeated(const cJSON *parent, const cJSON *item)
{
    for (const cJSON *c = parent->child; c && c != item; c = c->next)
        if (strcmp(c->string, item->string) == 0)
            return true;
    return false;
}

static bool parse_template_member(sandbox_template *t, const cJSON *item, const char *path, char **error)
{
    const char *key = item->string;
    if (strcmp(key, "image") == 0)
        return parse_string(item, path, &t->image, error);
    if (strcmp(key, "runtime_class_name") == 0)
        return parse_string(item, path, &t->runtime_class_name, error);
    if (strcmp(key, "agent_socket") == 0)
        return parse_string(item, path, &t->agent_socket, error);
    if (strcmp(key, "labels") == 0)
        return parse_strmap(item, path, &t->labels, error);
    if (strcmp(key, "annotations") == 0)
        return parse_strmap(item, path, &t->annotations, error);
    if (strcmp(key, "environment") == 0)
        return parse_strmap(item, path, &t->environment, error);
    if (strcmp(key, "resources") == 0) {
        if (cJSON_IsNull(item))
            return true;
        if (!cJSON_IsObject(item))
            return fail(error, path, "expected object");
        cJSON_Delete(t->resources);
        t->resources = cJSON_Duplicate(item, 1);
        return true;
    }
    if (strcmp(key, "volume_claim_templates") == 0) {
        /* Any non-null value is copied verbatim (§10.3); null means absent. */
        cJSON_Delete(t->volume_claim_templates);
        t->volume_claim_templates = cJSON_IsNull(item) ? NULL : cJSON_Duplicate(item, 1);
        return true;
    }
    return fail(error, path, "unknown field");
}

static void template_free(sandbox_template *t)
{
    if (!t)
        return;
    free(t->image);
    free(t->runtime_class_name);
    free(t->agent_socket);
    sandbox_strmap_clear(&t->labels);
    sandbox_strmap_clear(&t->annotations);
    sandbox_strmap_clear(&t->environment);
    cJSON_Delete(t->resources);
    cJSON_Delete(t->volume_claim_templates);
    free(t);
}

static bool parse_template(const cJSON *json, sandbox_template **out, char **error)
{
    if (cJSON_IsNull(json))
        return true;
    if (!cJSON_IsObject(json))
        return fail(error, "spec.template", "expected object");
    sandbox_template *t = calloc(1, sizeof *t);
    if (!t)
        abort();
    t->image = osh_str_dup("");
    t->runtime_class_name = osh_str_dup("");
    t->agent_socket = osh_str_dup("");
    const cJSON *item;
    cJSON_ArrayForEach(item, json)
    {
        char *path = osh_str_printf("spec.template.%s", item->string);
        bool ok = is_repeated(json, item) ? fail(error, path, "duplicate field")
                                          : parse_template_member(t, item, path, error);
        free(path);
        if (!ok) {
            template_free(t);
            return false;
        }
    }
    template_free(*out);
    *out = t;
    return true;
}

static bool parse_spec_member(sandbox_spec *spec, const cJSON *parent, const cJSON *item, char **error)
{
    const char *key = item->string;
    char *path = osh_str_printf("spec.%s", key);
    bool ok;
    if (is_repeated(parent, item))
        ok = fail(error, path, "duplicate field");
    else if (strcmp(key, "log_level") == 0)
        ok = parse_string(item, path, &spec->log_level, error);
    else if (strcmp(key, "environment") == 0)
        ok = parse_strmap(item, path, &spec->environment, error);
    else if (strcmp(key, "gpu") == 0) {
        ok = cJSON_IsNull(item) || cJSON_IsBool(item);
        if (ok)
            spec->gpu = cJSON_IsTrue(item);
        else
            fail(error, path, "expected boolean");
    } else if (strcmp(key, "template") == 0)
        ok = parse_template(item, &spec->template_, error);
    else
        ok = fail(error, path, "unknown field");
    free(path);
    return ok;
}

sandbox_spec *sandbox_spec_from_json(const cJSON *json, char **error)
{
    *error = NULL;
    if (!cJSON_IsObject(json)) {
        fail(error, "spec", "expected object");
        return NULL;
    }
    sandbox_spec *spec = calloc(1, sizeof *spec);
    if (!spec)
        abort();
    spec->log_level = osh_str_dup("");
    const cJSON *item;
    cJSON_ArrayForEach(item, json)
    {
        if (!parse_spec_member(spec, json, item, error)) {
            sandbox_spec_free(spec);
            return NULL;
        }
    }
    return spec;
}

sandbox_spec *sandbox_spec_parse(const char *text, char **error)
{
    const char *end = NULL;
    cJSON *json = cJSON_ParseWithOpts(text, &end, 1);
    if (!json) {
        size_t offset = end ? (size_t)(end - text) : 0;
        *error = osh_str_printf("not valid JSON (parse error at byte %zu)", offset);
        return NULL;
    }
    sandbox_spec *spec = sandbox_spec_from_json(json, error);
    cJSON_Delete(json);
    return spec;
}

void sandbox_spec_free(sandbox_spec *spec)
{
    if (!spec)
        return;
    free(spec->log_level);
    sandbox_strmap_clear(&spec->environment);
    template_free(spec->template_);
    free(spec);
}
