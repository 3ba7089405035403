/* conf_scenario.c: reading scenario files and checking their shape (conf_scenario.h). */
#include "conf_scenario.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_json.h"
#include "osh_buf.h"
#include "osh_file.h"
#include "osh_str.h"

/* ---- named matcher references ---- */

/* Replace every string matcher (in match, after_*, before_*, sequence) by a copy of the
 * named matcher; unknown names are an error. */
static char *resolve_ref(cJSON *parent, cJSON *item, const cJSON *named, const char *path)
{
    if (!cJSON_IsString(item))
        return NULL;
    const cJSON *def = cJSON_GetObjectItemCaseSensitive(named, item->valuestring);
    if (!def)
        return osh_str_printf("%s: no matcher named '%s' (define it in \"matchers\" or _common.json)",
                              path, item->valuestring);
    cJSON *copy = cJSON_Duplicate(def, true);
    if (cJSON_IsArray(parent))
        cJSON_ReplaceItemViaPointer(parent, item, copy);
    else
        cJSON_ReplaceItemInObjectCaseSensitive(parent, item->string, copy);
    return NULL;
}

static char *resolve_journal_refs(cJSON *checks, const cJSON *named, const char *path)
{
    int i = 0;
    for (cJSON *j = checks ? checks->child : NULL; j; j = j->next, i++) {
        static const char *const ms[] = {"match", "after_first", "after_last", "before_first",
                                         "before_last", NULL};
        for (int k = 0; ms[k]; k++) {
            cJSON *v = cJSON_GetObjectItemCaseSensitive(j, ms[k]);
            char *sub = osh_str_printf("%s[%d].%s", path, i, ms[k]);
            char *r = v ? resolve_ref(j, v, named, sub) : NULL;
            free(sub);
            if (r)
                return r;
        }
        cJSON *seq = cJSON_GetObjectItemCaseSensitive(j, "sequence");
        int n = 0;
        for (cJSON *e = seq ? seq->child : NULL; e; n++) {
            cJSON *next = e->next;
            char *sub = osh_str_printf("%s[%d].sequence[%d]", path, i, n);
            char *r = resolve_ref(seq, e, named, sub);
            free(sub);
            if (r)
                return r;
            e = next;
        }
    }
    return NULL;
}

static char *resolve_all_refs(cJSON *doc)
{
    const cJSON *named = cJSON_GetObjectItemCaseSensitive(doc, "matchers");
    char *r = resolve_journal_refs(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "expect"), "journal"),
        named, "scenario.expect.journal");
    int i = 0;
    for (cJSON *s = cJSON_GetObjectItemCaseSensitive(doc, "steps")->child; s && !r; s = s->next, i++) {
        cJSON *aw = cJSON_GetObjectItemCaseSensitive(s, "await");
        cJSON *am = aw ? cJSON_GetObjectItemCaseSensitive(aw, "match") : NULL;
        if (am) {
            char *sub = osh_str_printf("scenario.steps[%d].await.match", i);
            r = resolve_ref(aw, am, named, sub);
            free(sub);
            if (r)
                break;
        }
        char *sub = osh_str_printf("scenario.steps[%d].expect.journal", i);
        r = resolve_journal_refs(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(s, "expect"), "journal"),
            named, sub);
        free(sub);
    }
    return r;
}

/* Shared definitions go under the scenario's own (the scenario wins on a name clash). */
static void merge_defs(cJSON *doc, const cJSON *defs, const char *key)
{
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(defs, key);
    if (!cJSON_IsObject(src))
        return;
    cJSON *dst = cJSON_GetObjectItemCaseSensitive(doc, key);
    if (!dst)
        dst = cJSON_AddObjectToObject(doc, key);
    for (const cJSON *m = src->child; m; m = m->next)
        if (!cJSON_GetObjectItemCaseSensitive(dst, m->string))
            cJSON_AddItemToObject(dst, m->string, cJSON_Duplicate(m, true));
}

/* ---- loading ---- */

/* A scenario is a few KiB; the limit only stops a mistaken path from being read forever. */
#define CONF_SCENARIO_FILE_MAX ((size_t)16 * 1024 * 1024)

static char *read_file(const char *path, char **error)
{
    return osh_file_read(path, CONF_SCENARIO_FILE_MAX, NULL, error);
}

static char *base_id(const char *file)
{
    const char *slash = strrchr(file, '/');
    const char *name = slash ? slash + 1 : file;
    size_t n = strlen(name);
    if (n > 5 && strcmp(name + n - 5, ".json") == 0)
        n -= 5;
    return osh_str_ndup(name, n);
}

static char *join_spec(const cJSON *spec)
{
    if (cJSON_IsString(spec))
        return osh_str_dup(spec->valuestring);
    osh_buf b = OSH_BUF_INIT;
    for (const cJSON *e = spec->child; e; e = e->next) {
        if (b.len)
            osh_buf_append_str(&b, ", ");
        osh_buf_append_str(&b, e->valuestring);
    }
    return osh_buf_detach(&b);
}

conf_scenario *conf_scenario_load(const char *file, const cJSON *defs, char **error)
{
    char *text = read_file(file, error);
    if (!text)
        return NULL;
    cJSON *doc = cJSON_Parse(text);
    if (!doc) {
        const char *at = cJSON_GetErrorPtr();
        *error = osh_str_printf("%s: not valid JSON (near byte %ld)", file,
                                at && at >= text ? (long)(at - text) : -1L);
        free(text);
        return NULL;
    }
    free(text);
    char *id = base_id(file);
    if (defs && cJSON_IsObject(doc)) {
        merge_defs(doc, defs, "matchers");
        merge_defs(doc, defs, "vars");
    }
    char *why = conf_scenario_validate(doc);
    if (!why && strcmp(cJSON_GetObjectItemCaseSensitive(doc, "id")->valuestring, id) != 0)
        why = osh_str_printf("scenario.id: '%s' differs from the file name '%s'",
                             cJSON_GetObjectItemCaseSensitive(doc, "id")->valuestring, id);
    if (!why)
        why = resolve_all_refs(doc);
    if (why) {
        *error = osh_str_printf("%s: %s", file, why);
        free(why);
        free(id);
        cJSON_Delete(doc);
        return NULL;
    }
    conf_scenario *s = calloc(1, sizeof *s);
    s->id = id;
    s->file = osh_str_dup(file);
    const char *slash = strrchr(file, '/');
    s->dir = slash ? osh_str_ndup(file, (size_t)(slash - file)) : osh_str_dup(".");
    s->rule = osh_str_dup(cJSON_GetObjectItemCaseSensitive(doc, "rule")->valuestring);
    s->spec = join_spec(cJSON_GetObjectItemCaseSensitive(doc, "spec"));
    const cJSON *up = cJSON_GetObjectItemCaseSensitive(doc, "upstream");
    s->upstream = up ? osh_str_dup(up->valuestring) : NULL;
    s->doc = doc;
    return s;
}

void conf_scenario_free(conf_scenario *s)
{
    if (!s)
        return;
    free(s->id);
    free(s->file);
    free(s->dir);
    free(s->rule);
    free(s->spec);
    free(s->upstream);
    cJSON_Delete(s->doc);
    free(s);
}

void conf_scenario_free_all(conf_scenario **list, int n)
{
    for (int i = 0; i < n; i++)
        conf_scenario_free(list[i]);
    free(list);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static cJSON *load_defs(const char *dir, char **error)
{
    char *path = osh_str_printf("%s/_common.json", dir);
    char *text = read_file(path, error);
    if (!text && errno == ENOENT) { /* the shared definitions are optional */
        free(*error);
        *error = NULL;
        free(path);
        return cJSON_CreateObject();
    }
    if (!text) {
        free(path);
        return NULL;
    }
    cJSON *defs = cJSON_Parse(text);
    free(text);
    if (!cJSON_IsObject(defs)) {
        *error = osh_str_printf("%s: not a JSON object", path);
        cJSON_Delete(defs);
        defs = NULL;
    }
    free(path);
    return defs;
}

int conf_scenario_load_dir(const char *dir, conf_scenario ***out, char **error)
{
    DIR *d = opendir(dir);
    if (!d) {
        *error = osh_str_printf("scenario directory %s: %s", dir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '_' || e->d_name[0] == '.' || len < 6 ||
            strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        names = realloc(names, sizeof *names * (size_t)(n + 1));
        names[n++] = osh_str_dup(e->d_name);
    }
    closedir(d);
    if (n > 0) /* qsort wants an array, even of nothing */
        qsort(names, (size_t)n, sizeof *names, cmp_str);
    cJSON *defs = load_defs(dir, error);
    conf_scenario **list = calloc((size_t)n + 1, sizeof *list);
    int loaded = 0;
    for (int i = 0; i < n && defs; i++) {
        char *path = osh_str_printf("%s/%s", dir, names[i]);
        list[loaded] = conf_scenario_load(path, defs, error);
        free(path);
        if (!list[loaded]) {
            loaded = -1;
            break;
        }
        loaded++;
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (!defs || loaded < 0) {
        for (int i = 0; list[i]; i++)
            conf_scenario_free(list[i]);
        free(list);
        cJSON_Delete(defs);
        return -1;
    }
    cJSON_Delete(defs);
    *out = list;
    return loaded;
}

bool conf_scenario_filter_match(const char *filter, const char *id)
{
    if (!filter || !*filter)
        return true;
    char *copy = osh_str_dup(filter);
    bool hit = false;
    char *save = NULL;
    for (char *g = strtok_r(copy, ",", &save); g && !hit; g = strtok_r(NULL, ",", &save))
        hit = fnmatch(g, id, 0) == 0;
    free(copy);
    return hit;
}

const cJSON *conf_scenario_needs(const conf_scenario *s)
{
    return cJSON_GetObjectItemCaseSensitive(s->doc, "needs");
}
