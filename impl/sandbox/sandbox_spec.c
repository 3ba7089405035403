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

static bool parse_template_member(sandbox_template *t, const cJSON *item, const char *path,
                                  sandbox_spec_dialect dialect, char **error)
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
    if (strcmp(key, "volume_claim_templates") == 0 && dialect == SANDBOX_SPEC_CLIENT) {
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

static bool parse_template(const cJSON *json, sandbox_template **out, sandbox_spec_dialect dialect, char **error)
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
                                          : parse_template_member(t, item, path, dialect, error);
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

/* --- driver dialect members (rules §13.3) --- */

static bool is_driver_member(const char *key)
{
    return strcmp(key, "command") == 0 || strcmp(key, "tty") == 0 || strcmp(key, "gpu_count") == 0 ||
           strcmp(key, "mounts") == 0;
}

static bool parse_command(sandbox_spec *spec, const cJSON *item, const char *path, char **error)
{
    if (!cJSON_IsArray(item))
        return fail(error, path, "expected array of strings");
    int n = cJSON_GetArraySize(item);
    char **command = calloc((size_t)n + 1, sizeof *command);
    if (!command)
        abort();
    for (int i = 0; i < n; i++) {
        const cJSON *arg = cJSON_GetArrayItem(item, i);
        if (!cJSON_IsString(arg)) {
            for (int j = 0; j < i; j++)
                free(command[j]);
            free(command);
            char *arg_path = osh_str_printf("%s[%d]", path, i);
            fail(error, arg_path, "expected string");
            free(arg_path);
            return false;
        }
        command[i] = osh_str_dup(arg->valuestring);
    }
    if (n == 0) { /* an empty command means the default process, as not giving one */
        free(command);
        command = NULL;
    }
    spec->command = command;
    return true;
}

/* One member of a mounts[] entry; false with *error set when refused. */
static bool parse_mount_member(sandbox_mount *m, const cJSON *item, const char *path, char **error)
{
    const char *key = item->string;
    if (strcmp(key, "read_only") == 0) {
        if (!cJSON_IsBool(item))
            return fail(error, path, "expected boolean");
        m->read_only = cJSON_IsTrue(item);
        return true;
    }
    char **slot = strcmp(key, "claim") == 0      ? &m->claim
                  : strcmp(key, "path") == 0     ? &m->path
                  : strcmp(key, "name") == 0     ? &m->name
                  : strcmp(key, "sub_path") == 0 ? &m->sub_path
                                                 : NULL;
    if (!slot)
        return fail(error, path, "unknown field");
    if (!cJSON_IsString(item))
        return fail(error, path, "expected string");
    *slot = osh_str_dup(item->valuestring);
    return true;
}

static bool parse_mount(sandbox_mount *m, const cJSON *entry, const char *path, char **error)
{
    if (!cJSON_IsObject(entry))
        return fail(error, path, "expected object");
    m->read_only = true;
    const cJSON *item;
    cJSON_ArrayForEach(item, entry)
    {
        char *member_path = osh_str_printf("%s.%s", path, item->string);
        bool ok = is_repeated(entry, item) ? fail(error, member_path, "duplicate field")
                                           : parse_mount_member(m, item, member_path, error);
        free(member_path);
        if (!ok)
            return false;
    }
    if (!m->claim || !*m->claim) {
        char *p = osh_str_printf("%s.claim", path);
        fail(error, p, "required non-empty string");
        free(p);
        return false;
    }
    if (!m->path || !*m->path) {
        char *p = osh_str_printf("%s.path", path);
        fail(error, p, "required non-empty string");
        free(p);
        return false;
    }
    if (!m->name)
        m->name = osh_str_dup(m->claim);
    return true;
}

static bool parse_mounts(sandbox_spec *spec, const cJSON *item, const char *path, char **error)
{
    if (!cJSON_IsArray(item))
        return fail(error, path, "expected array");
    size_t n = (size_t)cJSON_GetArraySize(item);
    spec->mounts = calloc(n ? n : 1, sizeof *spec->mounts);
    if (!spec->mounts)
        abort();
    const cJSON *entry;
    cJSON_ArrayForEach(entry, item)
    {
        char *entry_path = osh_str_printf("%s[%zu]", path, spec->mount_count);
        bool ok = parse_mount(&spec->mounts[spec->mount_count++], entry, entry_path, error);
        free(entry_path);
        if (!ok)
            return false;
    }
    return true;
}

static bool parse_driver_member(sandbox_spec *spec, const cJSON *item, const char *path, char **error)
{
    const char *key = item->string;
    if (cJSON_IsNull(item))
        return true;
    if (strcmp(key, "command") == 0)
        return parse_command(spec, item, path, error);
    if (strcmp(key, "mounts") == 0)
        return parse_mounts(spec, item, path, error);
    if (strcmp(key, "tty") == 0) {
        if (!cJSON_IsBool(item))
            return fail(error, path, "expected boolean");
        spec->tty = cJSON_IsTrue(item);
        return true;
    }
    /* gpu_count: the reference's u32 */
    double v = item->valuedouble;
    if (!cJSON_IsNumber(item) || v < 0 || v > 4294967295.0 || v != (double)(unsigned long)v)
        return fail(error, path, "expected an integer from 0 to 4294967295");
    spec->has_gpu_count = true;
    spec->gpu_count = (unsigned long)v;
    return true;
}

static bool parse_spec_member(sandbox_spec *spec, const cJSON *parent, const cJSON *item,
                              sandbox_spec_dialect dialect, char **error)
{
    const char *key = item->string;
    char *path = osh_str_printf("spec.%s", key);
    bool ok;
    if (is_repeated(parent, item))
        ok = fail(error, path, "duplicate field");
    else if (dialect == SANDBOX_SPEC_DRIVER && is_driver_member(key))
        ok = parse_driver_member(spec, item, path, error);
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
        ok = parse_template(item, &spec->template_, dialect, error);
    else
        ok = fail(error, path, "unknown field");
    free(path);
    return ok;
}

sandbox_spec *sandbox_spec_from_json(const cJSON *json, char **error)
{
    return sandbox_spec_from_json_dialect(json, SANDBOX_SPEC_CLIENT, error);
}

sandbox_spec *sandbox_spec_from_json_dialect(const cJSON *json, sandbox_spec_dialect dialect, char **error)
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
        if (!parse_spec_member(spec, json, item, dialect, error)) {
            sandbox_spec_free(spec);
            return NULL;
        }
    }
    return spec;
}

sandbox_spec *sandbox_spec_parse(const char *text, char **error)
{
    return sandbox_spec_parse_dialect(text, SANDBOX_SPEC_CLIENT, error);
}

sandbox_spec *sandbox_spec_parse_dialect(const char *text, sandbox_spec_dialect dialect, char **error)
{
    const char *end = NULL;
    cJSON *json = cJSON_ParseWithOpts(text, &end, 1);
    if (!json) {
        size_t offset = end ? (size_t)(end - text) : 0;
        *error = osh_str_printf("not valid JSON (parse error at byte %zu)", offset);
        return NULL;
    }
    sandbox_spec *spec = sandbox_spec_from_json_dialect(json, dialect, error);
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
    for (char **c = spec->command; c && *c; c++)
        free(*c);
    free(spec->command);
    for (size_t i = 0; i < spec->mount_count; i++) {
        free(spec->mounts[i].name);
        free(spec->mounts[i].claim);
        free(spec->mounts[i].path);
        free(spec->mounts[i].sub_path);
    }
    free(spec->mounts);
    free(spec);
}
