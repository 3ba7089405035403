/* conf_scenario_check.c: the shape of a scenario document (conf_scenario_validate). Each
 * object's keys and types are a table checked by osh_json_check, which names the path of a
 * wrong or unknown key and lists the keys allowed there; the functions below add what a
 * table cannot say (enumerations, ranges, one-of rules, predicates, labels). */
#include <stdlib.h>
#include <string.h>

#include "conf_json.h"
#include "conf_scenario.h"
#include "osh_json_check.h"
#include "osh_str.h"

#define F(key, types) {key, types, false, NULL}
#define REQUIRED(key, types) {key, types, true, NULL}
#define END {NULL, 0, false, NULL}
#define MATCHER (OSH_JSON_OBJECT | OSH_JSON_STRING) /* a matcher, or the name of one */
#define TEXTS (OSH_JSON_STRING | OSH_JSON_STRINGS)

static const osh_json_field text_fields[] = {
    F("equals", OSH_JSON_STRING), F("matches", OSH_JSON_STRING), F("contains", TEXTS),
    F("not_contains", TEXTS),     F("in_order", OSH_JSON_STRINGS), F("empty", OSH_JSON_BOOL),
    F("json", OSH_JSON_ANY),      F("json_subset", OSH_JSON_ANY),  F("json_paths", OSH_JSON_ARRAY), END};
static const osh_json_field file_check_fields[] = {
    REQUIRED("path", OSH_JSON_STRING), F("what", OSH_JSON_STRING),  F("exists", OSH_JSON_BOOL),
    F("type", OSH_JSON_STRING),        F("content", OSH_JSON_STRING), F("contains", TEXTS),
    F("not_contains", TEXTS),          F("json", OSH_JSON_ANY),       F("json_subset", OSH_JSON_ANY),
    F("json_paths", OSH_JSON_ARRAY),   F("mode", OSH_JSON_STRING),    F("same_as", OSH_JSON_STRING),
    F("base64_of", OSH_JSON_STRING),   END};
static const osh_json_field matcher_fields[] = {
    F("method", OSH_JSON_STRING), F("path", OSH_JSON_STRING),  F("query", OSH_JSON_OBJECT),
    F("body", OSH_JSON_ARRAY),    F("body_equals", OSH_JSON_ANY), F("status", OSH_JSON_NUMBER),
    F("ref", OSH_JSON_ANY),       END};
static const osh_json_field journal_fields[] = {
    F("what", OSH_JSON_ANY),      F("which", OSH_JSON_STRING),   F("match", MATCHER),
    F("count", OSH_JSON_NUMBER),  F("at_least", OSH_JSON_NUMBER), F("at_most", OSH_JSON_NUMBER),
    F("sequence", OSH_JSON_ARRAY), F("contiguous", OSH_JSON_BOOL), F("after_first", MATCHER),
    F("after_last", MATCHER),     F("before_first", MATCHER),    F("before_last", MATCHER), END};
static const osh_json_field step_expect_fields[] = {
    F("exit", OSH_JSON_NUMBER | OSH_JSON_ARRAY), {"stdout", OSH_JSON_OBJECT, false, text_fields},
    {"stderr", OSH_JSON_OBJECT, false, text_fields}, {"files", OSH_JSON_ARRAY, false, file_check_fields},
    F("state", OSH_JSON_ARRAY), {"journal", OSH_JSON_ARRAY, false, journal_fields}, END};
static const osh_json_field end_expect_fields[] = {
    {"files", OSH_JSON_ARRAY, false, file_check_fields}, F("state", OSH_JSON_ARRAY),
    {"journal", OSH_JSON_ARRAY, false, journal_fields}, END};
static const osh_json_field file_setup_fields[] = {
    REQUIRED("path", OSH_JSON_STRING), F("content", OSH_JSON_STRING), F("json", OSH_JSON_ANY),
    F("mode", OSH_JSON_STRING),        F("dir", OSH_JSON_BOOL),       END};
static const osh_json_field request_fields[] = {
    F("method", OSH_JSON_STRING), REQUIRED("path", OSH_JSON_STRING), F("query", OSH_JSON_STRING),
    F("body", OSH_JSON_ANY),      F("content_type", OSH_JSON_STRING), F("which", OSH_JSON_STRING), END};
static const osh_json_field await_fields[] = {
    F("which", OSH_JSON_STRING), REQUIRED("match", MATCHER), F("count", OSH_JSON_NUMBER), END};
static const osh_json_field step_fields[] = {
    F("name", OSH_JSON_STRING),   F("args", OSH_JSON_STRINGS), {"request", OSH_JSON_OBJECT, false, request_fields},
    F("background", OSH_JSON_STRING), F("wait", OSH_JSON_STRING), {"await", OSH_JSON_OBJECT, false, await_fields},
    F("env", OSH_JSON_OBJECT),    {"files", OSH_JSON_ARRAY, false, file_setup_fields},
    F("timeout_ms", OSH_JSON_NUMBER), {"expect", OSH_JSON_OBJECT, false, step_expect_fields}, END};
/* "real": the scenario also runs on a real daemon (--docker real); names are the gateway
 * names it uses (their containers, volumes and networks are compared and cleaned up);
 * known_diff is the reason of a difference listed in docs/conformance.md (such a DIFF is
 * reported as a skip). */
static const osh_json_field real_fields[] = {
    REQUIRED("names", OSH_JSON_STRINGS), F("why", OSH_JSON_STRING), F("known_diff", OSH_JSON_STRING),
    F("image_changes", OSH_JSON_STRINGS), END};
static const osh_json_field top_fields[] = {
    F("id", OSH_JSON_STRING),         F("rule", OSH_JSON_STRING),       F("spec", TEXTS),
    F("upstream", OSH_JSON_STRING),   F("group", OSH_JSON_STRING),      F("needs", OSH_JSON_STRINGS),
    F("timeout_ms", OSH_JSON_NUMBER), F("world", OSH_JSON_OBJECT | OSH_JSON_BOOL),
    F("docker", OSH_JSON_STRING),     F("docker_tcp_host", OSH_JSON_STRING), F("kube", OSH_JSON_BOOL),
    F("vars", OSH_JSON_OBJECT),       F("env", OSH_JSON_OBJECT),
    {"files", OSH_JSON_ARRAY, false, file_setup_fields},
    {"steps", OSH_JSON_ARRAY, false, step_fields},
    {"expect", OSH_JSON_OBJECT, false, end_expect_fields},
    F("matchers", OSH_JSON_OBJECT),   F("notes", OSH_JSON_STRING),      {"real", OSH_JSON_OBJECT, false, real_fields},
    END};

static char *fail(const char *path, const char *what)
{
    return osh_str_printf("%s: %s", path, what);
}

/* One value of a table's key ("PATH.KEY"), or NULL. */
static const cJSON *get(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

static bool is_octal(const cJSON *v)
{
    return *v->valuestring && strspn(v->valuestring, "01234567") == strlen(v->valuestring);
}

static bool is_which(const cJSON *v)
{
    return strcmp(v->valuestring, "docker") == 0 || strcmp(v->valuestring, "kube") == 0;
}

/* A predicate set: "path" plus predicate keys (plus "what", a label for reports), from
 * conf_json's table, the evaluator's own. */
static char *check_predicates(const cJSON *p, const char *path, bool need_path)
{
    char *r = NULL;
    if (osh_json_check(p, conf_json_predicate_fields, path, &r) != OSH_JSON_OK)
        return r;
    const cJSON *where = get(p, "path");
    if (where && (r = conf_json_path_error(where->valuestring))) {
        char *e = osh_str_printf("%s.path: %s", path, r);
        free(r);
        return e;
    }
    if (need_path && !where)
        return fail(path, "missing \"path\"");
    bool has_pred = false;
    for (const cJSON *m = p->child; m; m = m->next)
        has_pred = has_pred || (strcmp(m->string, "path") != 0 && strcmp(m->string, "what") != 0);
    if (!has_pred)
        return fail(path, "no predicate (equals, contains, exists, ...)");
    return NULL;
}

typedef char *(*item_checker)(const cJSON *, const char *);

/* fn on each item of the array a (NULL: absent) at PATH[i]. */
static char *check_items(const cJSON *a, const char *path, item_checker fn)
{
    int i = 0;
    for (const cJSON *e = a ? a->child : NULL; e; e = e->next, i++) {
        char *sub = osh_str_printf("%s[%d]", path, i);
        char *r = fn(e, sub);
        free(sub);
        if (r)
            return r;
    }
    return NULL;
}

/* fn on obj's key (when present) at PATH.key. */
static char *check_key(const cJSON *obj, const char *key, const char *path,
                       char *(*fn)(const cJSON *, const char *))
{
    const cJSON *v = get(obj, key);
    if (!v)
        return NULL;
    char *sub = osh_str_printf("%s.%s", path, key);
    char *r = fn(v, sub);
    free(sub);
    return r;
}

static char *check_predicate_item(const cJSON *e, const char *path)
{
    return check_predicates(e, path, true);
}

static char *check_predicate_list(const cJSON *a, const char *path)
{
    return check_items(a, path, check_predicate_item);
}

static char *check_text(const cJSON *t, const char *path)
{
    return check_key(t, "json_paths", path, check_predicate_list);
}

static char *check_file_check(const cJSON *f, const char *path)
{
    const cJSON *v = get(f, "type");
    if (v && strcmp(v->valuestring, "file") != 0 && strcmp(v->valuestring, "dir") != 0)
        return osh_str_printf("%s.type: expected \"file\" or \"dir\"", path);
    if ((v = get(f, "mode")) && !is_octal(v))
        return osh_str_printf("%s.mode: expected an octal string such as \"0600\"", path);
    char *r = NULL;
    if ((v = get(f, "base64_of")) && (r = conf_json_path_error(v->valuestring))) {
        free(r);
        return osh_str_printf("%s.base64_of: expected a state path", path);
    }
    return check_key(f, "json_paths", path, check_predicate_list);
}

static char *check_matcher(const cJSON *m, const char *path)
{
    if (cJSON_IsString(m))
        return NULL; /* a reference to a named matcher, resolved when loading */
    char *r = NULL;
    if (osh_json_check(m, matcher_fields, path, &r) != OSH_JSON_OK)
        return r;
    const cJSON *q = get(m, "query");
    for (const cJSON *e = q ? q->child : NULL; e; e = e->next)
        if (!osh_json_is(e, OSH_JSON_STRING | OSH_JSON_NULL | OSH_JSON_STRINGS))
            return osh_str_printf("%s.query.%s: expected string, null or array of strings", path, e->string);
    return check_key(m, "body", path, check_predicate_list);
}

static char *check_journal_check(const cJSON *j, const char *path)
{
    const cJSON *w = get(j, "which");
    if (w && !is_which(w))
        return osh_str_printf("%s.which: expected \"docker\" or \"kube\"", path);
    const cJSON *seq = get(j, "sequence");
    bool counted = get(j, "count") || get(j, "at_least") || get(j, "at_most");
    if (!seq && !counted)
        return fail(path, "needs \"count\", \"at_least\", \"at_most\" or \"sequence\"");
    if (seq && (counted || get(j, "match")))
        return fail(path, "\"sequence\" cannot be combined with \"match\" or counts");
    static const char *const ms[] = {"match", "after_first", "after_last", "before_first", "before_last", NULL};
    char *r = NULL;
    for (int i = 0; ms[i] && !r; i++)
        r = check_key(j, ms[i], path, check_matcher);
    if (r)
        return r;
    if (seq && !seq->child)
        return osh_str_printf("%s.sequence: expected a non-empty array", path);
    char *sub = osh_str_printf("%s.sequence", path);
    r = check_items(seq, sub, check_matcher);
    free(sub);
    return r;
}

static char *check_exit(const cJSON *x, const char *path)
{
    bool ok = cJSON_IsNumber(x) || (cJSON_IsArray(x) && x->child);
    for (const cJSON *e = cJSON_IsArray(x) ? x->child : NULL; e; e = e->next)
        ok = ok && cJSON_IsNumber(e);
    return ok ? NULL : fail(path, "expected a number or an array of numbers");
}

static char *check_files(const cJSON *a, const char *path) { return check_items(a, path, check_file_check); }
static char *check_state(const cJSON *a, const char *path) { return check_items(a, path, check_predicate_item); }
static char *check_journal(const cJSON *a, const char *path) { return check_items(a, path, check_journal_check); }

/* What the expect tables cannot say; the tables were checked with the step or the document. */
static char *check_expect(const cJSON *x, const char *path)
{
    char *r = NULL;
    if (!r)
        r = check_key(x, "exit", path, check_exit);
    if (!r)
        r = check_key(x, "stdout", path, check_text);
    if (!r)
        r = check_key(x, "stderr", path, check_text);
    if (!r)
        r = check_key(x, "files", path, check_files);
    if (!r)
        r = check_key(x, "state", path, check_state);
    if (!r)
        r = check_key(x, "journal", path, check_journal);
    return r;
}

static char *check_file_setup(const cJSON *f, const char *path)
{
    const cJSON *c = get(f, "content"), *j = get(f, "json"), *d = get(f, "dir");
    if ((c != NULL) + (j != NULL) + cJSON_IsTrue(d) != 1)
        return fail(path, "exactly one of \"content\", \"json\" or \"dir\": true");
    const cJSON *mode = get(f, "mode");
    if (mode && !is_octal(mode))
        return osh_str_printf("%s.mode: expected an octal string such as \"0600\"", path);
    return NULL;
}

static char *check_env(const cJSON *env, const char *path)
{
    for (const cJSON *e = env->child; e; e = e->next)
        if (!cJSON_IsString(e) && !cJSON_IsNull(e))
            return osh_str_printf("%s.%s: expected string or null (unset)", path, e->string);
    return NULL;
}

static char *check_request(const cJSON *q, const char *path)
{
    if (get(q, "path")->valuestring[0] != '/')
        return osh_str_printf("%s.path: expected a string starting with '/'", path);
    const cJSON *w = get(q, "which");
    if (w && !is_which(w))
        return osh_str_printf("%s.which: expected \"docker\" or \"kube\"", path);
    return NULL;
}

static char *check_await(const cJSON *a, const char *path)
{
    const cJSON *w = get(a, "which");
    if (w && !is_which(w))
        return osh_str_printf("%s.which: expected \"docker\" or \"kube\"", path);
    const cJSON *n = get(a, "count");
    if (n && n->valuedouble < 1)
        return osh_str_printf("%s.count: expected a positive number", path);
    return check_key(a, "match", path, check_matcher);
}

/* A step is one of: a command (args, maybe "background"), a request, a "wait" for a
 * background command, or an "await" of a request in the journal. */
static char *check_step_kind(const cJSON *s, const char *path)
{
    const cJSON *a = get(s, "args"), *req = get(s, "request"), *wait = get(s, "wait"), *aw = get(s, "await");
    const cJSON *bg = get(s, "background");
    if ((a != NULL) + (req != NULL) + (wait != NULL) + (aw != NULL) != 1)
        return osh_str_printf("%s: exactly one of \"args\", \"request\", \"wait\" or \"await\"", path);
    if (bg && (!a || !*bg->valuestring))
        return osh_str_printf("%s.background: a non-empty label, on a step with \"args\"", path);
    if (bg && get(s, "expect"))
        return osh_str_printf("%s: a background step has no \"expect\"; put it on its \"wait\" step", path);
    if (wait && (get(s, "env") || get(s, "files")))
        return osh_str_printf("%s.wait: expected the label of an earlier background step (and no env or files)", path);
    return NULL;
}

/* Every "wait" names an earlier background step, and every background step is waited for. */
static char *check_background_labels(const cJSON *steps)
{
    int i = 0;
    for (const cJSON *s = steps->child; s; s = s->next, i++) {
        const cJSON *bg = get(s, "background");
        const cJSON *wait = get(s, "wait");
        if (bg) {
            int waits = 0;
            for (const cJSON *t = s->next; t; t = t->next) {
                const cJSON *w = get(t, "wait");
                waits += w && strcmp(w->valuestring, bg->valuestring) == 0;
                const cJSON *b2 = get(t, "background");
                if (b2 && strcmp(b2->valuestring, bg->valuestring) == 0)
                    return osh_str_printf("scenario.steps[%d].background: label '%s' is used twice", i, bg->valuestring);
            }
            if (waits != 1)
                return osh_str_printf("scenario.steps[%d].background: '%s' needs exactly one later \"wait\" step", i, bg->valuestring);
        }
        if (wait) {
            bool found = false;
            for (const cJSON *t = steps->child; t != s; t = t->next) {
                const cJSON *b = get(t, "background");
                found = found || (b && strcmp(b->valuestring, wait->valuestring) == 0);
            }
            if (!found)
                return osh_str_printf("scenario.steps[%d].wait: no earlier background step '%s'", i, wait->valuestring);
        }
    }
    return NULL;
}

static char *check_step(const cJSON *s, const char *path)
{
    char *r = check_step_kind(s, path);
    if (!r)
        r = check_key(s, "request", path, check_request);
    if (!r)
        r = check_key(s, "await", path, check_await);
    const cJSON *t = get(s, "timeout_ms");
    if (!r && t && t->valuedouble < 1)
        r = osh_str_printf("%s.timeout_ms: expected a positive number", path);
    if (!r)
        r = check_key(s, "env", path, check_env);
    if (!r) {
        char *sub = osh_str_printf("%s.files", path);
        r = check_items(get(s, "files"), sub, check_file_setup);
        free(sub);
    }
    if (!r)
        r = check_key(s, "expect", path, check_expect);
    return r;
}

static char *check_real(const cJSON *v)
{
    static const char *const strs[] = {"why", "known_diff", NULL};
    for (int i = 0; strs[i]; i++) {
        const cJSON *w = get(v, strs[i]);
        if (w && !*w->valuestring)
            return osh_str_printf("scenario.real.%s: expected a non-empty string", strs[i]);
    }
    return NULL;
}

/* id, rule, spec and steps: present and not empty. */
static char *check_required(const cJSON *doc)
{
    static const char *const strings[] = {"id", "rule", NULL};
    for (int i = 0; strings[i]; i++) {
        const cJSON *v = get(doc, strings[i]);
        if (!v || !*v->valuestring)
            return osh_str_printf("scenario.%s: expected a non-empty string", strings[i]);
    }
    const cJSON *v = get(doc, "spec");
    if (!v || (cJSON_IsArray(v) && !v->child))
        return osh_str_dup("scenario.spec: expected the docs/rules.md section(s) cited, e.g. \"§4.8.2\"");
    v = get(doc, "steps");
    if (!v || !v->child)
        return osh_str_dup("scenario.steps: expected a non-empty array");
    return NULL;
}

static char *check_top_values(const cJSON *doc)
{
    const cJSON *v = get(doc, "timeout_ms");
    if (v && v->valuedouble < 1)
        return osh_str_dup("scenario.timeout_ms: expected a positive number");
    v = get(doc, "world");
    if (cJSON_IsTrue(v))
        return osh_str_dup("scenario.world: expected object (the world document) or false");
    v = get(doc, "docker");
    if (v && strcmp(v->valuestring, "unix") && strcmp(v->valuestring, "tcp") && strcmp(v->valuestring, "both"))
        return osh_str_dup("scenario.docker: expected \"unix\", \"tcp\" or \"both\"");
    char *r = NULL;
    if ((v = get(doc, "real")) && (r = check_real(v)))
        return r;
    if ((r = check_key(doc, "vars", "scenario", check_env)) || (r = check_key(doc, "env", "scenario", check_env)))
        return r;
    return check_items(get(doc, "files"), "scenario.files", check_file_setup);
}

static char *check_matchers(const cJSON *named)
{
    char *r = NULL;
    for (const cJSON *m = named ? named->child : NULL; m && !r; m = m->next) {
        char *sub = osh_str_printf("scenario.matchers.%s", m->string);
        r = cJSON_IsString(m) ? fail(sub, "a named matcher cannot be a reference") : check_matcher(m, sub);
        free(sub);
    }
    return r;
}

char *conf_scenario_validate(const cJSON *doc)
{
    char *r = NULL;
    if (osh_json_check(doc, top_fields, "scenario", &r) != OSH_JSON_OK)
        return r;
    if ((r = check_required(doc)) || (r = check_top_values(doc)))
        return r;
    const cJSON *steps = get(doc, "steps");
    if ((r = check_items(steps, "scenario.steps", check_step)) || (r = check_background_labels(steps)))
        return r;
    if ((r = check_key(doc, "expect", "scenario", check_expect)))
        return r;
    return check_matchers(get(doc, "matchers"));
}
