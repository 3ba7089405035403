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

/* ---- validation ---- */

static char *fail(const char *path, const char *what)
{
    return osh_str_printf("%s: %s", path, what);
}

static char *check_keys(const cJSON *obj, const char *path, const char *const allowed[])
{
    if (!cJSON_IsObject(obj))
        return fail(path, "expected object");
    for (const cJSON *m = obj->child; m; m = m->next) {
        bool ok = false;
        for (int i = 0; allowed[i]; i++)
            if (strcmp(allowed[i], m->string) == 0)
                ok = true;
        if (!ok)
            return osh_str_printf("%s.%s: unknown key", path, m->string);
    }
    return NULL;
}

static bool is_string_array(const cJSON *a)
{
    if (!cJSON_IsArray(a))
        return false;
    for (const cJSON *e = a->child; e; e = e->next)
        if (!cJSON_IsString(e))
            return false;
    return true;
}

/* A predicate set: "path" plus predicate keys (plus "what", a label for reports). */
static char *check_predicates(const cJSON *p, const char *path, bool need_path)
{
    if (!cJSON_IsObject(p))
        return fail(path, "expected object");
    bool has_pred = false;
    for (const cJSON *m = p->child; m; m = m->next) {
        if (strcmp(m->string, "path") == 0) {
            if (!cJSON_IsString(m))
                return osh_str_printf("%s.path: expected string", path);
            char *e = conf_json_path_error(m->valuestring);
            if (e) {
                char *r = osh_str_printf("%s.path: %s", path, e);
                free(e);
                return r;
            }
            continue;
        }
        if (strcmp(m->string, "what") == 0) {
            if (!cJSON_IsString(m))
                return osh_str_printf("%s.what: expected string", path);
            continue;
        }
        bool known = false;
        for (int i = 0; conf_json_predicate_keys[i]; i++)
            if (strcmp(conf_json_predicate_keys[i], m->string) == 0)
                known = true;
        if (!known)
            return osh_str_printf("%s.%s: unknown key", path, m->string);
        if ((strcmp(m->string, "exists") == 0 && !cJSON_IsBool(m)) ||
            ((strcmp(m->string, "length") == 0 || strcmp(m->string, "at_least") == 0 ||
              strcmp(m->string, "at_most") == 0) && !cJSON_IsNumber(m)) ||
            ((strcmp(m->string, "matches") == 0 || strcmp(m->string, "any_match") == 0 ||
              strcmp(m->string, "none_match") == 0) && !cJSON_IsString(m)))
            return osh_str_printf("%s.%s: wrong type", path, m->string);
        has_pred = true;
    }
    if (need_path && !cJSON_GetObjectItemCaseSensitive(p, "path"))
        return fail(path, "missing \"path\"");
    if (!has_pred)
        return fail(path, "no predicate (equals, contains, exists, ...)");
    return NULL;
}

static char *check_predicate_list(const cJSON *a, const char *path)
{
    if (!cJSON_IsArray(a))
        return fail(path, "expected array");
    int i = 0;
    for (const cJSON *e = a->child; e; e = e->next, i++) {
        char *sub = osh_str_printf("%s[%d]", path, i);
        char *r = check_predicates(e, sub, true);
        free(sub);
        if (r)
            return r;
    }
    return NULL;
}

static char *check_string_or_list(const cJSON *v, const char *path)
{
    if (cJSON_IsString(v) || is_string_array(v))
        return NULL;
    return fail(path, "expected string or array of strings");
}

static char *check_text(const cJSON *t, const char *path)
{
    static const char *const keys[] = {"equals", "matches", "contains", "not_contains", "in_order",
                                       "empty", "json", "json_subset", "json_paths", NULL};
    char *r = check_keys(t, path, keys);
    if (r)
        return r;
    for (const cJSON *m = t->child; m; m = m->next) {
        char *sub = osh_str_printf("%s.%s", path, m->string);
        if ((strcmp(m->string, "equals") == 0 || strcmp(m->string, "matches") == 0) && !cJSON_IsString(m))
            r = fail(sub, "expected string");
        else if ((strcmp(m->string, "contains") == 0 || strcmp(m->string, "not_contains") == 0))
            r = check_string_or_list(m, sub);
        else if (strcmp(m->string, "in_order") == 0 && !is_string_array(m))
            r = fail(sub, "expected array of strings");
        else if (strcmp(m->string, "empty") == 0 && !cJSON_IsBool(m))
            r = fail(sub, "expected true or false");
        else if (strcmp(m->string, "json_paths") == 0)
            r = check_predicate_list(m, sub);
        free(sub);
        if (r)
            return r;
    }
    return NULL;
}

static char *check_file_check(const cJSON *f, const char *path)
{
    static const char *const keys[] = {"path", "what", "exists", "type", "content", "contains",
                                       "not_contains", "json", "json_subset", "json_paths",
                                       "mode", "same_as", "base64_of", NULL};
    char *r = check_keys(f, path, keys);
    if (r)
        return r;
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(f, "path");
    if (!cJSON_IsString(p))
        return osh_str_printf("%s.path: expected string", path);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(f, "exists");
    if (v && !cJSON_IsBool(v))
        return osh_str_printf("%s.exists: expected true or false", path);
    v = cJSON_GetObjectItemCaseSensitive(f, "type");
    if (v && (!cJSON_IsString(v) || (strcmp(v->valuestring, "file") && strcmp(v->valuestring, "dir"))))
        return osh_str_printf("%s.type: expected \"file\" or \"dir\"", path);
    v = cJSON_GetObjectItemCaseSensitive(f, "mode");
    if (v && (!cJSON_IsString(v) || strspn(v->valuestring, "01234567") != strlen(v->valuestring) ||
              !*v->valuestring))
        return osh_str_printf("%s.mode: expected an octal string such as \"0600\"", path);
    v = cJSON_GetObjectItemCaseSensitive(f, "content");
    if (v && !cJSON_IsString(v))
        return osh_str_printf("%s.content: expected string", path);
    v = cJSON_GetObjectItemCaseSensitive(f, "same_as");
    if (v && !cJSON_IsString(v))
        return osh_str_printf("%s.same_as: expected string", path);
    v = cJSON_GetObjectItemCaseSensitive(f, "base64_of");
    if (v && (!cJSON_IsString(v) || (r = conf_json_path_error(v->valuestring)))) {
        free(r);
        return osh_str_printf("%s.base64_of: expected a state path", path);
    }
    for (const char *k = "contains"; k; k = strcmp(k, "contains") == 0 ? "not_contains" : NULL) {
        v = cJSON_GetObjectItemCaseSensitive(f, k);
        if (v && !cJSON_IsString(v) && !is_string_array(v))
            return osh_str_printf("%s.%s: expected string or array of strings", path, k);
    }
    v = cJSON_GetObjectItemCaseSensitive(f, "json_paths");
    if (v) {
        char *sub = osh_str_printf("%s.json_paths", path);
        r = check_predicate_list(v, sub);
        free(sub);
    }
    return r;
}

static char *check_matcher(const cJSON *m, const char *path)
{
    if (cJSON_IsString(m))
        return NULL; /* a reference to a named matcher, resolved when loading */
    static const char *const keys[] = {"method", "path", "query", "body", "body_equals",
                                       "status", "ref", NULL};
    char *r = check_keys(m, path, keys);
    if (r)
        return r;
    for (const char *k = "method"; k; k = strcmp(k, "method") == 0 ? "path" : NULL) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, k);
        if (v && !cJSON_IsString(v))
            return osh_str_printf("%s.%s: expected string", path, k);
    }
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(m, "query");
    if (q) {
        if (!cJSON_IsObject(q))
            return osh_str_printf("%s.query: expected object", path);
        for (const cJSON *e = q->child; e; e = e->next)
            if (!cJSON_IsString(e) && !cJSON_IsNull(e) && !is_string_array(e))
                return osh_str_printf("%s.query.%s: expected string, null or array of strings",
                                      path, e->string);
    }
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(m, "body");
    if (b) {
        char *sub = osh_str_printf("%s.body", path);
        r = check_predicate_list(b, sub);
        free(sub);
        if (r)
            return r;
    }
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(m, "status");
    if (st && !cJSON_IsNumber(st))
        return osh_str_printf("%s.status: expected number", path);
    return NULL;
}

static char *check_journal_check(const cJSON *j, const char *path)
{
    static const char *const keys[] = {"what", "which", "match", "count", "at_least", "at_most",
                                       "sequence", "contiguous", "after_first", "after_last",
                                       "before_first", "before_last", NULL};
    char *r = check_keys(j, path, keys);
    if (r)
        return r;
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(j, "which");
    if (w && (!cJSON_IsString(w) || (strcmp(w->valuestring, "docker") && strcmp(w->valuestring, "kube"))))
        return osh_str_printf("%s.which: expected \"docker\" or \"kube\"", path);
    const cJSON *seq = cJSON_GetObjectItemCaseSensitive(j, "sequence");
    bool counted = cJSON_GetObjectItemCaseSensitive(j, "count") ||
                   cJSON_GetObjectItemCaseSensitive(j, "at_least") ||
                   cJSON_GetObjectItemCaseSensitive(j, "at_most");
    if (!seq && !counted)
        return fail(path, "needs \"count\", \"at_least\", \"at_most\" or \"sequence\"");
    if (seq && (counted || cJSON_GetObjectItemCaseSensitive(j, "match")))
        return fail(path, "\"sequence\" cannot be combined with \"match\" or counts");
    for (const char *k = "count"; k; k = strcmp(k, "count") == 0 ? "at_least" :
                                       strcmp(k, "at_least") == 0 ? "at_most" : NULL) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
        if (v && !cJSON_IsNumber(v))
            return osh_str_printf("%s.%s: expected number", path, k);
    }
    static const char *const ms[] = {"match", "after_first", "after_last", "before_first",
                                     "before_last", NULL};
    for (int i = 0; ms[i]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, ms[i]);
        if (!v)
            continue;
        char *sub = osh_str_printf("%s.%s", path, ms[i]);
        r = check_matcher(v, sub);
        free(sub);
        if (r)
            return r;
    }
    if (seq) {
        if (!cJSON_IsArray(seq) || cJSON_GetArraySize(seq) == 0)
            return osh_str_printf("%s.sequence: expected a non-empty array", path);
        int i = 0;
        for (const cJSON *e = seq->child; e; e = e->next, i++) {
            char *sub = osh_str_printf("%s.sequence[%d]", path, i);
            r = check_matcher(e, sub);
            free(sub);
            if (r)
                return r;
        }
    }
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "contiguous");
    if (c && !cJSON_IsBool(c))
        return osh_str_printf("%s.contiguous: expected true or false", path);
    return NULL;
}

typedef char *(*item_checker)(const cJSON *, const char *);

static char *check_list(const cJSON *a, const char *path, item_checker fn)
{
    if (!cJSON_IsArray(a))
        return fail(path, "expected array");
    int i = 0;
    for (const cJSON *e = a->child; e; e = e->next, i++) {
        char *sub = osh_str_printf("%s[%d]", path, i);
        char *r = fn(e, sub);
        free(sub);
        if (r)
            return r;
    }
    return NULL;
}

static char *check_state_item(const cJSON *e, const char *path)
{
    return check_predicates(e, path, true);
}

static char *check_expect(const cJSON *x, const char *path, bool step_level)
{
    static const char *const step_keys[] = {"exit", "stdout", "stderr", "files", "state",
                                            "journal", NULL};
    static const char *const end_keys[] = {"files", "state", "journal", NULL};
    char *r = check_keys(x, path, step_level ? step_keys : end_keys);
    if (r)
        return r;
    for (const cJSON *m = x->child; m; m = m->next) {
        char *sub = osh_str_printf("%s.%s", path, m->string);
        if (strcmp(m->string, "exit") == 0) {
            bool ok = cJSON_IsNumber(m);
            if (cJSON_IsArray(m)) {
                ok = cJSON_GetArraySize(m) > 0;
                for (const cJSON *e = m->child; e; e = e->next)
                    ok = ok && cJSON_IsNumber(e);
            }
            if (!ok)
                r = fail(sub, "expected a number or an array of numbers");
        } else if (strcmp(m->string, "stdout") == 0 || strcmp(m->string, "stderr") == 0) {
            r = check_text(m, sub);
        } else if (strcmp(m->string, "files") == 0) {
            r = check_list(m, sub, check_file_check);
        } else if (strcmp(m->string, "state") == 0) {
            r = check_list(m, sub, check_state_item);
        } else if (strcmp(m->string, "journal") == 0) {
            r = check_list(m, sub, check_journal_check);
        }
        free(sub);
        if (r)
            return r;
    }
    return NULL;
}

static char *check_file_setup(const cJSON *f, const char *path)
{
    static const char *const keys[] = {"path", "content", "json", "mode", "dir", NULL};
    char *r = check_keys(f, path, keys);
    if (r)
        return r;
    if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(f, "path")))
        return osh_str_printf("%s.path: expected string", path);
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(f, "content");
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(f, "json");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(f, "dir");
    if (c && !cJSON_IsString(c))
        return osh_str_printf("%s.content: expected string", path);
    if (d && !cJSON_IsBool(d))
        return osh_str_printf("%s.dir: expected true or false", path);
    if ((c != NULL) + (j != NULL) + cJSON_IsTrue(d) != 1)
        return fail(path, "exactly one of \"content\", \"json\" or \"dir\": true");
    const cJSON *mode = cJSON_GetObjectItemCaseSensitive(f, "mode");
    if (mode && (!cJSON_IsString(mode) || !*mode->valuestring ||
                 strspn(mode->valuestring, "01234567") != strlen(mode->valuestring)))
        return osh_str_printf("%s.mode: expected an octal string such as \"0600\"", path);
    return NULL;
}

static char *check_env(const cJSON *env, const char *path)
{
    if (!cJSON_IsObject(env))
        return fail(path, "expected object");
    for (const cJSON *e = env->child; e; e = e->next)
        if (!cJSON_IsString(e) && !cJSON_IsNull(e))
            return osh_str_printf("%s.%s: expected string or null (unset)", path, e->string);
    return NULL;
}

static char *check_request(const cJSON *q, const char *path)
{
    static const char *const keys[] = {"method", "path", "query", "body", "content_type", "which", NULL};
    char *r = check_keys(q, path, keys);
    if (r)
        return r;
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(q, "path");
    if (!cJSON_IsString(p) || p->valuestring[0] != '/')
        return osh_str_printf("%s.path: expected a string starting with '/'", path);
    static const char *const strs[] = {"method", "query", "content_type", NULL};
    for (int i = 0; strs[i]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(q, strs[i]);
        if (v && !cJSON_IsString(v))
            return osh_str_printf("%s.%s: expected string", path, strs[i]);
    }
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(q, "which");
    if (w && (!cJSON_IsString(w) || (strcmp(w->valuestring, "docker") && strcmp(w->valuestring, "kube"))))
        return osh_str_printf("%s.which: expected \"docker\" or \"kube\"", path);
    return NULL;
}

static char *check_await(const cJSON *a, const char *path)
{
    static const char *const keys[] = {"which", "match", "count", NULL};
    char *r = check_keys(a, path, keys);
    if (r)
        return r;
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(a, "which");
    if (w && (!cJSON_IsString(w) || (strcmp(w->valuestring, "docker") && strcmp(w->valuestring, "kube"))))
        return osh_str_printf("%s.which: expected \"docker\" or \"kube\"", path);
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(a, "count");
    if (n && (!cJSON_IsNumber(n) || n->valueint < 1))
        return osh_str_printf("%s.count: expected a positive number", path);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(a, "match");
    if (!m)
        return osh_str_printf("%s.match: required", path);
    char *sub = osh_str_printf("%s.match", path);
    r = check_matcher(m, sub);
    free(sub);
    return r;
}

/* A step is one of: a command (args, maybe "background"), a request, a "wait" for a
 * background command, or an "await" of a request in the journal. */
static char *check_step_kind(const cJSON *s, const char *path)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(s, "args");
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(s, "request");
    const cJSON *wait = cJSON_GetObjectItemCaseSensitive(s, "wait");
    const cJSON *aw = cJSON_GetObjectItemCaseSensitive(s, "await");
    const cJSON *bg = cJSON_GetObjectItemCaseSensitive(s, "background");
    if ((a != NULL) + (req != NULL) + (wait != NULL) + (aw != NULL) != 1)
        return osh_str_printf("%s: exactly one of \"args\", \"request\", \"wait\" or \"await\"", path);
    if (bg && (!a || !cJSON_IsString(bg) || !*bg->valuestring))
        return osh_str_printf("%s.background: a non-empty label, on a step with \"args\"", path);
    if (bg && cJSON_GetObjectItemCaseSensitive(s, "expect"))
        return osh_str_printf("%s: a background step has no \"expect\"; put it on its \"wait\" step", path);
    if (wait && (!cJSON_IsString(wait) || cJSON_GetObjectItemCaseSensitive(s, "env") ||
                 cJSON_GetObjectItemCaseSensitive(s, "files")))
        return osh_str_printf("%s.wait: expected the label of an earlier background step (and no env or files)", path);
    if (aw) {
        char *sub = osh_str_printf("%s.await", path);
        char *r = check_await(aw, sub);
        free(sub);
        return r;
    }
    return NULL;
}

/* Every "wait" names an earlier background step, and every background step is waited for. */
static char *check_background_labels(const cJSON *steps)
{
    int i = 0;
    for (const cJSON *s = steps->child; s; s = s->next, i++) {
        const cJSON *bg = cJSON_GetObjectItemCaseSensitive(s, "background");
        const cJSON *wait = cJSON_GetObjectItemCaseSensitive(s, "wait");
        if (bg) {
            int waits = 0;
            for (const cJSON *t = s->next; t; t = t->next) {
                const cJSON *w = cJSON_GetObjectItemCaseSensitive(t, "wait");
                waits += cJSON_IsString(w) && strcmp(w->valuestring, bg->valuestring) == 0;
                const cJSON *b2 = cJSON_GetObjectItemCaseSensitive(t, "background");
                if (cJSON_IsString(b2) && strcmp(b2->valuestring, bg->valuestring) == 0)
                    return osh_str_printf("scenario.steps[%d].background: label '%s' is used twice", i, bg->valuestring);
            }
            if (waits != 1)
                return osh_str_printf("scenario.steps[%d].background: '%s' needs exactly one later \"wait\" step", i, bg->valuestring);
        }
        if (wait) {
            bool found = false;
            for (const cJSON *t = steps->child; t != s; t = t->next) {
                const cJSON *b = cJSON_GetObjectItemCaseSensitive(t, "background");
                found = found || (cJSON_IsString(b) && strcmp(b->valuestring, wait->valuestring) == 0);
            }
            if (!found)
                return osh_str_printf("scenario.steps[%d].wait: no earlier background step '%s'", i, wait->valuestring);
        }
    }
    return NULL;
}

static char *check_step(const cJSON *s, const char *path)
{
    static const char *const keys[] = {"name", "args", "request", "background", "wait", "await",
                                       "env", "files", "timeout_ms", "expect", NULL};
    char *r = check_keys(s, path, keys);
    if (r)
        return r;
    if ((r = check_step_kind(s, path)))
        return r;
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(s, "args");
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(s, "request");
    if (req) {
        char *sub = osh_str_printf("%s.request", path);
        r = check_request(req, sub);
        free(sub);
        if (r)
            return r;
    } else if (a && !is_string_array(a)) {
        return osh_str_printf("%s.args: expected array of strings", path);
    }
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(s, "name");
    if (n && !cJSON_IsString(n))
        return osh_str_printf("%s.name: expected string", path);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(s, "timeout_ms");
    if (t && (!cJSON_IsNumber(t) || t->valuedouble < 1))
        return osh_str_printf("%s.timeout_ms: expected a positive number", path);
    char *sub;
    if ((a = cJSON_GetObjectItemCaseSensitive(s, "env"))) {
        sub = osh_str_printf("%s.env", path);
        r = check_env(a, sub);
        free(sub);
        if (r)
            return r;
    }
    if ((a = cJSON_GetObjectItemCaseSensitive(s, "files"))) {
        sub = osh_str_printf("%s.files", path);
        r = check_list(a, sub, check_file_setup);
        free(sub);
        if (r)
            return r;
    }
    if ((a = cJSON_GetObjectItemCaseSensitive(s, "expect"))) {
        sub = osh_str_printf("%s.expect", path);
        r = check_expect(a, sub, true);
        free(sub);
    }
    return r;
}

/* "real": {"names": [...], "why": "...", "known_diff": "..."}: the scenario also runs on
 * a real daemon (--docker real); names are the gateway names it uses (their containers,
 * volumes and networks are what is compared and cleaned up); known_diff is the reason of
 * a difference listed in docs/conformance.md (such a DIFF is reported as a skip). */
static char *check_real(const cJSON *v)
{
    static const char *const keys[] = {"names", "why", "known_diff", "image_changes", NULL};
    char *r = check_keys(v, "scenario.real", keys);
    if (r)
        return r;
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(v, "names");
    if (!n || !is_string_array(n))
        return osh_str_dup("scenario.real.names: expected array of gateway names (strings)");
    const cJSON *ic = cJSON_GetObjectItemCaseSensitive(v, "image_changes");
    if (ic && !is_string_array(ic))
        return osh_str_dup("scenario.real.image_changes: expected array of Dockerfile instructions (strings)");
    static const char *const strs[] = {"why", "known_diff", NULL};
    for (int i = 0; strs[i]; i++) {
        const cJSON *w = cJSON_GetObjectItemCaseSensitive(v, strs[i]);
        if (w && (!cJSON_IsString(w) || !*w->valuestring))
            return osh_str_printf("scenario.real.%s: expected a non-empty string", strs[i]);
    }
    return NULL;
}

static char *check_top(const cJSON *doc)
{
    static const char *const keys[] = {"id", "rule", "spec", "upstream", "group", "needs",
                                       "timeout_ms", "world", "docker", "docker_tcp_host",
                                       "kube", "vars", "env", "files", "steps", "expect",
                                       "matchers", "notes", "real", NULL};
    char *r = check_keys(doc, "scenario", keys);
    if (r)
        return r;
    static const char *const strings[] = {"id", "rule", NULL};
    for (int i = 0; strings[i]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, strings[i]);
        if (!cJSON_IsString(v) || !*v->valuestring)
            return osh_str_printf("scenario.%s: expected a non-empty string", strings[i]);
    }
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, "spec");
    if (!v || check_string_or_list(v, "scenario.spec") || (cJSON_IsArray(v) && !v->child))
        return osh_str_dup("scenario.spec: expected the docs/rules.md section(s) cited, e.g. \"§4.8.2\"");
    static const char *const opt_strings[] = {"upstream", "group", "docker_tcp_host", "notes", NULL};
    for (int i = 0; opt_strings[i]; i++) {
        v = cJSON_GetObjectItemCaseSensitive(doc, opt_strings[i]);
        if (v && !cJSON_IsString(v))
            return osh_str_printf("scenario.%s: expected string", opt_strings[i]);
    }
    v = cJSON_GetObjectItemCaseSensitive(doc, "needs");
    if (v && !is_string_array(v))
        return osh_str_dup("scenario.needs: expected array of strings");
    v = cJSON_GetObjectItemCaseSensitive(doc, "timeout_ms");
    if (v && (!cJSON_IsNumber(v) || v->valuedouble < 1))
        return osh_str_dup("scenario.timeout_ms: expected a positive number");
    v = cJSON_GetObjectItemCaseSensitive(doc, "world");
    if (v && !cJSON_IsObject(v) && !cJSON_IsFalse(v))
        return osh_str_dup("scenario.world: expected object (the world document) or false");
    v = cJSON_GetObjectItemCaseSensitive(doc, "docker");
    if (v && (!cJSON_IsString(v) || (strcmp(v->valuestring, "unix") && strcmp(v->valuestring, "tcp") &&
                                     strcmp(v->valuestring, "both"))))
        return osh_str_dup("scenario.docker: expected \"unix\", \"tcp\" or \"both\"");
    if ((v = cJSON_GetObjectItemCaseSensitive(doc, "real")) && (r = check_real(v)))
        return r;
    v = cJSON_GetObjectItemCaseSensitive(doc, "kube");
    if (v && !cJSON_IsBool(v))
        return osh_str_dup("scenario.kube: expected true or false");
    if ((v = cJSON_GetObjectItemCaseSensitive(doc, "vars")) && (r = check_env(v, "scenario.vars")))
        return r;
    if ((v = cJSON_GetObjectItemCaseSensitive(doc, "env")) && (r = check_env(v, "scenario.env")))
        return r;
    if ((v = cJSON_GetObjectItemCaseSensitive(doc, "files")) &&
        (r = check_list(v, "scenario.files", check_file_setup)))
        return r;
    v = cJSON_GetObjectItemCaseSensitive(doc, "steps");
    if (!cJSON_IsArray(v) || !v->child)
        return osh_str_dup("scenario.steps: expected a non-empty array");
    if ((r = check_list(v, "scenario.steps", check_step)) || (r = check_background_labels(v)))
        return r;
    if ((v = cJSON_GetObjectItemCaseSensitive(doc, "expect")) &&
        (r = check_expect(v, "scenario.expect", false)))
        return r;
    v = cJSON_GetObjectItemCaseSensitive(doc, "matchers");
    if (v && !cJSON_IsObject(v))
        return osh_str_dup("scenario.matchers: expected object");
    for (const cJSON *m = v ? v->child : NULL; m; m = m->next) {
        char *sub = osh_str_printf("scenario.matchers.%s", m->string);
        r = cJSON_IsString(m) ? fail(sub, "a named matcher cannot be a reference") : check_matcher(m, sub);
        free(sub);
        if (r)
            return r;
    }
    return NULL;
}

char *conf_scenario_validate(const cJSON *doc)
{
    return check_top(doc);
}

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
