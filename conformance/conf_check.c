/* conf_check.c: the checks of an "expect" block (see conf_check.h). */
#include "conf_check.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf_json.h"
#include "osh_base64.h"
#include "osh_buf.h"
#include "osh_file.h"
#include "osh_str.h"

/* ---- helpers ---- */

static char *quote_short(const char *s)
{
    size_t n = strlen(s);
    return n > 160 ? osh_str_printf("'%.160s...'", s) : osh_str_printf("'%s'", s);
}

static void fail_msg(conf_result *r, const char *where, char *msg)
{
    conf_result_add_failure(r, where, msg, NULL, NULL);
}

/* Call fn for a string or each string of an array. */
#define FOR_EACH_STRING(v, s)                                                                  \
    for (const cJSON *it_ = cJSON_IsArray(v) ? (v)->child : (v); it_; it_ = cJSON_IsArray(v) ? it_->next : NULL) \
        for (const char *s = it_->valuestring; s; s = NULL)

/* ---- text (stdout/stderr) ---- */

static void check_json_text(const cJSON *t, const char *text, const char *label, const char *where,
                            conf_result *r)
{
    const cJSON *want = cJSON_GetObjectItemCaseSensitive(t, "json");
    const cJSON *subset = cJSON_GetObjectItemCaseSensitive(t, "json_subset");
    const cJSON *paths = cJSON_GetObjectItemCaseSensitive(t, "json_paths");
    if (!want && !subset && !paths)
        return;
    cJSON *got = cJSON_Parse(text);
    if (!got) {
        conf_result_add_failure(r, where, osh_str_printf("%s is not valid JSON", label), NULL,
                                osh_str_dup(text));
        return;
    }
    if (want && !conf_json_equal(want, got))
        conf_result_add_failure(r, where, osh_str_printf("%s JSON differs from the expected document", label),
                                conf_json_pretty(want), conf_json_pretty(got));
    if (subset && !conf_json_subset(subset, got))
        conf_result_add_failure(r, where, osh_str_printf("%s JSON lacks members of the expected subset", label),
                                conf_json_pretty(subset), conf_json_pretty(got));
    for (const cJSON *p = paths ? paths->child : NULL; p; p = p->next) {
        const char *path = cJSON_GetObjectItemCaseSensitive(p, "path")->valuestring;
        char *why = NULL;
        if (!conf_json_predicate(conf_json_find(got, path, NULL), p, &why)) {
            fail_msg(r, where, osh_str_printf("%s JSON at '%s': %s", label, path, why));
            free(why);
        }
    }
    cJSON_Delete(got);
}

static void check_text(const cJSON *t, const char *text, size_t len, const char *label,
                       const char *where, conf_result *r)
{
    const cJSON *v;
    if ((v = cJSON_GetObjectItemCaseSensitive(t, "equals")) && strcmp(v->valuestring, text) != 0)
        conf_result_add_failure(r, where, osh_str_printf("%s differs from the expected text", label),
                                osh_str_dup(v->valuestring), osh_str_dup(text));
    if ((v = cJSON_GetObjectItemCaseSensitive(t, "empty")) && cJSON_IsTrue(v) != (len == 0))
        conf_result_add_failure(r, where,
                                osh_str_printf(cJSON_IsTrue(v) ? "%s is not empty" : "%s is empty", label),
                                NULL, osh_str_dup(text));
    if ((v = cJSON_GetObjectItemCaseSensitive(t, "contains"))) {
        FOR_EACH_STRING(v, s) if (!strstr(text, s)) {
            char *q = quote_short(s);
            conf_result_add_failure(r, where, osh_str_printf("%s does not contain %s", label, q),
                                    NULL, osh_str_dup(text));
            free(q);
        }
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(t, "not_contains"))) {
        FOR_EACH_STRING(v, s) if (strstr(text, s)) {
            char *q = quote_short(s);
            conf_result_add_failure(r, where, osh_str_printf("%s contains %s, which it must not", label, q),
                                    NULL, osh_str_dup(text));
            free(q);
        }
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(t, "matches")) && fnmatch(v->valuestring, text, 0) != 0)
        conf_result_add_failure(r, where, osh_str_printf("%s does not match the pattern '%s'", label, v->valuestring),
                                NULL, osh_str_dup(text));
    if ((v = cJSON_GetObjectItemCaseSensitive(t, "in_order"))) {
        const char *at = text;
        int i = 0;
        for (const cJSON *e = v->child; e; e = e->next, i++) {
            const char *hit = strstr(at, e->valuestring);
            if (!hit) {
                char *q = quote_short(e->valuestring);
                conf_result_add_failure(
                    r, where,
                    osh_str_printf("%s: in_order item %d %s not found after the previous one%s", label,
                                   i + 1, q, strstr(text, e->valuestring) ? " (it appears earlier)" : ""),
                    NULL, osh_str_dup(text));
                free(q);
                break;
            }
            at = hit + strlen(e->valuestring);
        }
    }
    check_json_text(t, text, label, where, r);
}

static void check_exit(const cJSON *want, const conf_proc_result *p, const char *where, conf_result *r)
{
    bool ok = false;
    if (cJSON_IsNumber(want))
        ok = !p->timed_out && p->signal == 0 && p->exit_code == want->valueint;
    for (const cJSON *e = cJSON_IsArray(want) ? want->child : NULL; e; e = e->next)
        ok = ok || (!p->timed_out && p->signal == 0 && p->exit_code == e->valueint);
    if (ok)
        return;
    char *w = cJSON_PrintUnformatted(want);
    char *got = p->timed_out ? osh_str_printf("killed after the time limit (%.1f s)", p->seconds)
                : p->signal   ? osh_str_printf("killed by signal %d", p->signal)
                              : osh_str_printf("%d", p->exit_code);
    fail_msg(r, where, osh_str_printf("exit status: expected %s, got %s", w, got));
    cJSON_free(w);
    free(got);
}

/* ---- files ---- */

/* Files a scenario checks are small configs and keys; the limit only stops a mistaken
 * path (a device, a huge log) from being read forever. */
#define CONF_CHECKED_FILE_MAX ((size_t)64 * 1024 * 1024)

/* The file's bytes, or NULL and *why (malloc'd, when why is given) "PATH: cannot read: ...". */
static char *slurp(const char *path, size_t *len, char **why)
{
    char *error = NULL;
    char *data = osh_file_read(path, CONF_CHECKED_FILE_MAX, len, &error);
    if (!data && why)
        *why = errno == EFBIG ? osh_str_printf("%s: cannot read: larger than %zu bytes", path, CONF_CHECKED_FILE_MAX)
                              : osh_str_printf("%s: cannot read: %s", path, strerror(errno));
    free(error);
    return data;
}

static void check_file_content(const cJSON *f, const char *path, const char *where, conf_result *r)
{
    size_t len = 0;
    char *why = NULL;
    char *data = slurp(path, &len, &why);
    if (!data) {
        fail_msg(r, where, why);
        return;
    }
    const cJSON *v;
    char *label = osh_str_printf("file %s", path);
    if ((v = cJSON_GetObjectItemCaseSensitive(f, "content")) &&
        (strlen(v->valuestring) != len || memcmp(v->valuestring, data, len) != 0))
        conf_result_add_failure(r, where, osh_str_printf("%s: content differs", label),
                                osh_str_dup(v->valuestring), osh_str_dup(data));
    if ((v = cJSON_GetObjectItemCaseSensitive(f, "same_as"))) {
        size_t olen = 0;
        char *other = slurp(v->valuestring, &olen, NULL);
        if (!other || olen != len || memcmp(other, data, len) != 0)
            conf_result_add_failure(r, where,
                                    osh_str_printf("%s: not byte-identical to %s", label, v->valuestring),
                                    other ? osh_str_dup(other) : osh_str_dup("(unreadable)"),
                                    osh_str_dup(data));
        free(other);
    }
    cJSON *t = cJSON_CreateObject();
    static const char *const keys[] = {"contains", "not_contains", "json", "json_subset",
                                       "json_paths", NULL};
    for (int i = 0; keys[i]; i++)
        if ((v = cJSON_GetObjectItemCaseSensitive(f, keys[i])))
            cJSON_AddItemToObject(t, keys[i], cJSON_Duplicate(v, true));
    check_text(t, data, len, label, where, r);
    cJSON_Delete(t);
    free(label);
    free(data);
}

static cJSON *get_state(conf_observation *obs);

/* "base64_of": the file's bytes, base64-encoded, equal the string at a state path (the
 * mTLS files are the decoded secret of the cluster). */
static void check_file_base64_of(const cJSON *f, const char *path, conf_observation *obs,
                                 const char *where, conf_result *r)
{
    const cJSON *sp = cJSON_GetObjectItemCaseSensitive(f, "base64_of");
    if (!sp)
        return;
    cJSON *state = get_state(obs);
    const cJSON *want = state ? conf_json_find(state, sp->valuestring, NULL) : NULL;
    if (!cJSON_IsString(want)) {
        fail_msg(r, where, osh_str_printf("%s: base64_of: no string at state path %s", path, sp->valuestring));
        return;
    }
    size_t len = 0;
    char *data = slurp(path, &len, NULL);
    osh_buf enc = OSH_BUF_INIT;
    osh_base64_encode(&enc, data ? data : "", len);
    if (strcmp(osh_buf_str(&enc), want->valuestring) != 0)
        conf_result_add_failure(r, where,
                                osh_str_printf("%s: content is not the base64-decoded value at %s", path, sp->valuestring),
                                osh_str_dup(want->valuestring), osh_str_dup(osh_buf_str(&enc)));
    osh_buf_free(&enc);
    free(data);
}

static void check_file(const cJSON *f, conf_observation *obs, const char *where, conf_result *r)
{
    const char *path = cJSON_GetObjectItemCaseSensitive(f, "path")->valuestring;
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(f, "exists");
    bool want_exists = !ex || cJSON_IsTrue(ex);
    struct stat st;
    bool exists = lstat(path, &st) == 0;
    if (exists != want_exists) {
        fail_msg(r, where, osh_str_printf("%s: expected %s, but it %s", path,
                                          want_exists ? "to exist" : "absent",
                                          exists ? "exists" : "does not exist"));
        return;
    }
    if (!exists)
        return;
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(f, "type");
    bool is_dir = S_ISDIR(st.st_mode);
    if (type && (strcmp(type->valuestring, "dir") == 0) != is_dir) {
        fail_msg(r, where, osh_str_printf("%s: expected a %s", path, type->valuestring));
        return;
    }
    const cJSON *mode = cJSON_GetObjectItemCaseSensitive(f, "mode");
    if (mode) {
        unsigned long want = strtoul(mode->valuestring, NULL, 8);
        if ((st.st_mode & 07777) != want)
            fail_msg(r, where, osh_str_printf("%s: mode %04lo, expected %04lo", path,
                                              (unsigned long)(st.st_mode & 07777), want));
    }
    if (!is_dir) {
        check_file_content(f, path, where, r);
        check_file_base64_of(f, path, obs, where, r);
    }
}

/* ---- state ---- */

static cJSON *get_state(conf_observation *obs)
{
    if (!obs->state && obs->backend)
        obs->state = obs->backend->state(obs->world);
    return obs->state;
}

static void check_state(const cJSON *checks, conf_observation *obs, const char *where, conf_result *r)
{
    cJSON *state = get_state(obs);
    if (!state) {
        fail_msg(r, where, osh_str_dup("state checks need a mock world, and this scenario has none"));
        return;
    }
    for (const cJSON *c = checks->child; c; c = c->next) {
        const char *path = cJSON_GetObjectItemCaseSensitive(c, "path")->valuestring;
        const cJSON *what = cJSON_GetObjectItemCaseSensitive(c, "what");
        const cJSON *v = conf_json_find(state, path, NULL);
        char *why = NULL;
        if (conf_json_predicate(v, c, &why))
            continue;
        const cJSON *eq = cJSON_GetObjectItemCaseSensitive(c, "equals");
        const cJSON *sub = cJSON_GetObjectItemCaseSensitive(c, "subset");
        conf_result_add_failure(r, where,
                                osh_str_printf("state %s%s%s: %s", path, what ? " — " : "",
                                               what ? what->valuestring : "", why),
                                eq ? conf_json_pretty(eq) : sub ? conf_json_pretty(sub) : NULL,
                                (eq || sub) ? conf_json_pretty(v) : NULL);
        free(why);
    }
}

/* ---- journal ---- */

static const char *strip_version(const char *path)
{
    /* "/v1.41/containers/x/json" -> "/containers/x/json" */
    if (path[0] == '/' && path[1] == 'v' && isdigit((unsigned char)path[2])) {
        const char *p = path + 2;
        while (isdigit((unsigned char)*p) || *p == '.')
            p++;
        if (*p == '/' || !*p)
            return *p ? p : "/";
    }
    return path;
}

static char *unescape(const char *s, size_t n)
{
    char *plus = osh_str_ndup(s, n);
    for (char *p = plus; *p; p++)
        if (*p == '+')
            *p = ' ';
    int out_len = 0;
    char *u = curl_easy_unescape(NULL, plus, 0, &out_len);
    free(plus);
    char *r = osh_str_ndup(u ? u : "", u ? (size_t)out_len : 0);
    curl_free(u);
    return r;
}

/* The values of key in a query that is a raw string or an object. Returns a new array. */
static cJSON *query_values(const cJSON *query, const char *key)
{
    cJSON *vals = cJSON_CreateArray();
    if (cJSON_IsObject(query)) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(query, key);
        if (cJSON_IsArray(v)) {
            for (const cJSON *e = v->child; e; e = e->next) {
                char *t = conf_json_scalar_text(e);
                cJSON_AddItemToArray(vals, cJSON_CreateString(t ? t : ""));
                free(t);
            }
        } else if (v) {
            char *t = conf_json_scalar_text(v);
            cJSON_AddItemToArray(vals, cJSON_CreateString(t ? t : ""));
            free(t);
        }
        return vals;
    }
    const char *p = cJSON_IsString(query) ? query->valuestring : "";
    if (*p == '?')
        p++;
    while (*p) {
        size_t n = strcspn(p, "&");
        const char *eq = memchr(p, '=', n);
        size_t klen = eq ? (size_t)(eq - p) : n;
        char *k = unescape(p, klen);
        if (strcmp(k, key) == 0) {
            char *v = eq ? unescape(eq + 1, n - klen - 1) : osh_str_dup("");
            cJSON_AddItemToArray(vals, cJSON_CreateString(v));
            free(v);
        }
        free(k);
        p += n;
        if (*p == '&')
            p++;
    }
    return vals;
}

static bool query_matches(const cJSON *want, const cJSON *query)
{
    for (const cJSON *w = want->child; w; w = w->next) {
        cJSON *vals = query_values(query, w->string);
        bool ok;
        if (cJSON_IsNull(w))
            ok = cJSON_GetArraySize(vals) == 0;
        else if (cJSON_IsString(w))
            ok = cJSON_GetArraySize(vals) == 1 && fnmatch(w->valuestring, vals->child->valuestring, 0) == 0;
        else
            ok = conf_json_equal(w, vals);
        cJSON_Delete(vals);
        if (!ok)
            return false;
    }
    return true;
}

/* The body as JSON: a JSON value as is, a string parsed when it is JSON. Caller frees *owned. */
static const cJSON *entry_body(const cJSON *entry, cJSON **owned)
{
    *owned = NULL;
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(entry, "body");
    if (cJSON_IsString(b)) {
        *owned = cJSON_Parse(b->valuestring);
        if (*owned)
            return *owned;
    }
    return b;
}

bool conf_check_entry_matches(const cJSON *m, const cJSON *entry)
{
    const cJSON *v;
    if ((v = cJSON_GetObjectItemCaseSensitive(m, "method"))) {
        const cJSON *meth = cJSON_GetObjectItemCaseSensitive(entry, "method");
        if (!cJSON_IsString(meth) || strcmp(meth->valuestring, v->valuestring) != 0)
            return false;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(m, "path"))) {
        const cJSON *path = cJSON_GetObjectItemCaseSensitive(entry, "path");
        if (!cJSON_IsString(path) || fnmatch(v->valuestring, strip_version(path->valuestring), 0) != 0)
            return false;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(m, "status"))) {
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(entry, "status");
        if (!cJSON_IsNumber(st) || st->valueint != v->valueint)
            return false;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(m, "query")) &&
        !query_matches(v, cJSON_GetObjectItemCaseSensitive(entry, "query")))
        return false;
    const cJSON *preds = cJSON_GetObjectItemCaseSensitive(m, "body");
    const cJSON *beq = cJSON_GetObjectItemCaseSensitive(m, "body_equals");
    if (!preds && !beq)
        return true;
    cJSON *owned;
    const cJSON *body = entry_body(entry, &owned);
    bool ok = !beq || conf_json_equal(beq, body);
    for (const cJSON *p = preds ? preds->child : NULL; p && ok; p = p->next) {
        const char *path = cJSON_GetObjectItemCaseSensitive(p, "path")->valuestring;
        ok = conf_json_predicate(body ? conf_json_find(body, path, NULL) : NULL, p, NULL);
    }
    cJSON_Delete(owned);
    return ok;
}

char *conf_check_matcher_text(const cJSON *m)
{
    const cJSON *meth = cJSON_GetObjectItemCaseSensitive(m, "method");
    const cJSON *path = cJSON_GetObjectItemCaseSensitive(m, "path");
    osh_buf b = OSH_BUF_INIT;
    osh_buf_appendf(&b, "%s %s", meth ? meth->valuestring : "*", path ? path->valuestring : "*");
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(m, "query");
    if (q) {
        char *t = cJSON_PrintUnformatted(q);
        osh_buf_appendf(&b, " query %s", t);
        cJSON_free(t);
    }
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(m, "body");
    if (body) {
        char *t = cJSON_PrintUnformatted(body);
        osh_buf_appendf(&b, " body %.300s", t);
        cJSON_free(t);
    }
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(m, "status");
    if (st)
        osh_buf_appendf(&b, " status %d", st->valueint);
    return osh_buf_detach(&b);
}

char *conf_check_journal_lines(const cJSON *journal, int from)
{
    osh_buf b = OSH_BUF_INIT;
    int i = 0;
    for (const cJSON *e = journal ? journal->child : NULL; e; e = e->next, i++) {
        if (i < from)
            continue;
        const cJSON *seq = cJSON_GetObjectItemCaseSensitive(e, "seq");
        const cJSON *meth = cJSON_GetObjectItemCaseSensitive(e, "method");
        const cJSON *path = cJSON_GetObjectItemCaseSensitive(e, "path");
        const cJSON *q = cJSON_GetObjectItemCaseSensitive(e, "query");
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(e, "status");
        osh_buf_appendf(&b, "#%d %s %s", cJSON_IsNumber(seq) ? seq->valueint : i,
                        cJSON_IsString(meth) ? meth->valuestring : "?",
                        cJSON_IsString(path) ? path->valuestring : "?");
        if (cJSON_IsString(q) && *q->valuestring)
            osh_buf_appendf(&b, "%s%s", q->valuestring[0] == '?' ? "" : "?", q->valuestring);
        else if (cJSON_IsObject(q) && q->child) {
            char *t = cJSON_PrintUnformatted(q);
            osh_buf_appendf(&b, " %s", t);
            cJSON_free(t);
        }
        if (cJSON_IsNumber(st))
            osh_buf_appendf(&b, " -> %d", st->valueint);
        cJSON *owned;
        const cJSON *body = entry_body(e, &owned);
        if (body && !cJSON_IsNull(body) && !(cJSON_IsString(body) && !*body->valuestring)) {
            char *t = cJSON_PrintUnformatted(body);
            osh_buf_appendf(&b, "  %.400s%s", t, strlen(t) > 400 ? "..." : "");
            cJSON_free(t);
        }
        cJSON_Delete(owned);
        osh_buf_append_char(&b, '\n');
    }
    return b.data ? osh_buf_detach(&b) : osh_str_dup("(no requests)\n");
}

static cJSON *get_journal(conf_observation *obs, const char *which)
{
    bool kube = strcmp(which, "kube") == 0;
    cJSON **slot = kube ? &obs->kube_journal : &obs->docker_journal;
    if (!*slot && obs->backend)
        *slot = obs->backend->journal(obs->world, which);
    return *slot;
}

/* Index of the first (or last) entry in [from, to) matching m, or -1. */
static int find_entry(const cJSON *j, int from, int to, const cJSON *m, bool last)
{
    int found = -1;
    for (int i = from; i < to; i++) {
        if (conf_check_entry_matches(m, cJSON_GetArrayItem(j, i))) {
            found = i;
            if (!last)
                break;
        }
    }
    return found;
}

static bool narrow_window(const cJSON *c, const cJSON *j, int *from, int *to, char **why)
{
    static const char *const keys[] = {"after_first", "after_last", "before_first", "before_last"};
    for (int k = 0; k < 4; k++) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(c, keys[k]);
        if (!m)
            continue;
        int i = find_entry(j, *from, *to, m, k == 1 || k == 3);
        if (i < 0) {
            char *t = conf_check_matcher_text(m);
            *why = osh_str_printf("%s anchor not found: %s", keys[k], t);
            free(t);
            return false;
        }
        if (k < 2)
            *from = i + 1;
        else
            *to = i;
    }
    return true;
}

static void check_sequence(const cJSON *c, const cJSON *j, int from, int to, const char *label,
                           const char *where, conf_result *r)
{
    bool contiguous = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "contiguous"));
    int at = from, n = 0;
    for (const cJSON *m = cJSON_GetObjectItemCaseSensitive(c, "sequence")->child; m; m = m->next, n++) {
        int i = contiguous && n > 0 ? (at < to && conf_check_entry_matches(m, cJSON_GetArrayItem(j, at)) ? at : -1)
                                    : find_entry(j, at, to, m, false);
        if (i < 0) {
            char *t = conf_check_matcher_text(m);
            conf_result_add_failure(r, where,
                                    osh_str_printf("%s: sequence item %d (%s) not found %s", label, n + 1, t,
                                                   n == 0 ? "in the window" : contiguous ? "right after the previous one"
                                                                                       : "after the previous one"),
                                    NULL, conf_check_journal_lines(j, from));
            free(t);
            return;
        }
        at = i + 1;
    }
}

/* When a matcher with body conditions matched nothing, the request with the same method and
 * path is usually there with a wrong body: show that body, as a diff against body_equals when
 * the matcher has one, so the report says what differs rather than only "0 times". */
static void closest_request(const cJSON *m, const cJSON *j, int from, int to, char **expected, char **actual)
{
    const cJSON *beq = cJSON_GetObjectItemCaseSensitive(m, "body_equals");
    if (!beq && !cJSON_GetObjectItemCaseSensitive(m, "body"))
        return;
    cJSON *loose = cJSON_CreateObject();
    static const char *const keep[] = {"method", "path", NULL};
    for (int k = 0; keep[k]; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, keep[k]);
        if (v)
            cJSON_AddItemToObject(loose, keep[k], cJSON_Duplicate(v, true));
    }
    int i = find_entry(j, from, to, loose, false);
    cJSON_Delete(loose);
    if (i < 0)
        return;
    cJSON *owned;
    const cJSON *body = entry_body(cJSON_GetArrayItem(j, i), &owned);
    if (beq) {
        *expected = conf_json_pretty(beq);
        *actual = conf_json_pretty(body);
    } else {
        char *pretty = conf_json_pretty(body);
        char *lines = conf_check_journal_lines(j, from);
        *actual = osh_str_printf("closest request (#%d) body:\n%s\n\njournal:\n%s", i, pretty, lines);
        free(pretty);
        free(lines);
    }
    cJSON_Delete(owned);
}

static void check_count(const cJSON *c, const cJSON *j, int from, int to, const char *label,
                        const char *where, conf_result *r)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(c, "match");
    int n = 0;
    for (int i = from; i < to; i++)
        if (!m || conf_check_entry_matches(m, cJSON_GetArrayItem(j, i)))
            n++;
    const cJSON *exact = cJSON_GetObjectItemCaseSensitive(c, "count");
    const cJSON *lo = cJSON_GetObjectItemCaseSensitive(c, "at_least");
    const cJSON *hi = cJSON_GetObjectItemCaseSensitive(c, "at_most");
    if ((!exact || n == exact->valueint) && (!lo || n >= lo->valueint) && (!hi || n <= hi->valueint))
        return;
    char *t = m ? conf_check_matcher_text(m) : osh_str_dup("any request");
    osh_buf want = OSH_BUF_INIT;
    if (exact)
        osh_buf_appendf(&want, "exactly %d", exact->valueint);
    if (lo)
        osh_buf_appendf(&want, "%sat least %d", want.len ? ", " : "", lo->valueint);
    if (hi)
        osh_buf_appendf(&want, "%sat most %d", want.len ? ", " : "", hi->valueint);
    char *expected = NULL, *actual = NULL;
    if (n == 0 && m)
        closest_request(m, j, from, to, &expected, &actual);
    if (!actual)
        actual = conf_check_journal_lines(j, from);
    conf_result_add_failure(r, where,
                            osh_str_printf("%s: %s matched %d time(s), expected %s%s", label, t, n,
                                           osh_buf_str(&want), expected ? " (diff against the closest request body)" : ""),
                            expected, actual);
    osh_buf_free(&want);
    free(t);
}

static void check_journal(const cJSON *checks, conf_observation *obs, const char *where, conf_result *r)
{
    for (const cJSON *c = checks->child; c; c = c->next) {
        const cJSON *w = cJSON_GetObjectItemCaseSensitive(c, "which");
        const char *which = w ? w->valuestring : "docker";
        cJSON *j = get_journal(obs, which);
        if (!j) {
            fail_msg(r, where, osh_str_printf("journal checks need a mock world (%s journal unavailable)", which));
            continue;
        }
        const cJSON *what = cJSON_GetObjectItemCaseSensitive(c, "what");
        char *label = osh_str_printf("%s journal%s%s", which, what ? " — " : "", what ? what->valuestring : "");
        int from = strcmp(which, "kube") == 0 ? obs->kube_from : obs->docker_from;
        int to = cJSON_GetArraySize(j);
        char *why = NULL;
        if (!narrow_window(c, j, &from, &to, &why)) {
            conf_result_add_failure(r, where, osh_str_printf("%s: %s", label, why), NULL,
                                    conf_check_journal_lines(j, from));
            free(why);
        } else if (cJSON_GetObjectItemCaseSensitive(c, "sequence")) {
            check_sequence(c, j, from, to, label, where, r);
        } else {
            check_count(c, j, from, to, label, where, r);
        }
        free(label);
    }
}

/* ---- block ---- */

void conf_check_block(const cJSON *expect, conf_observation *obs, const char *where, conf_result *r)
{
    if (!expect)
        return;
    const cJSON *v;
    const conf_proc_result *p = obs->proc;
    if (p && (v = cJSON_GetObjectItemCaseSensitive(expect, "exit")))
        check_exit(v, p, where, r);
    if (p && (v = cJSON_GetObjectItemCaseSensitive(expect, "stdout")))
        check_text(v, p->out, p->out_len, "stdout", where, r);
    if (p && (v = cJSON_GetObjectItemCaseSensitive(expect, "stderr")))
        check_text(v, p->err, p->err_len, "stderr", where, r);
    if ((v = cJSON_GetObjectItemCaseSensitive(expect, "files")))
        for (const cJSON *f = v->child; f; f = f->next)
            check_file(f, obs, where, r);
    if ((v = cJSON_GetObjectItemCaseSensitive(expect, "state")))
        check_state(v, obs, where, r);
    if ((v = cJSON_GetObjectItemCaseSensitive(expect, "journal")))
        check_journal(v, obs, where, r);
}

void conf_observation_release(conf_observation *obs)
{
    cJSON_Delete(obs->docker_journal);
    cJSON_Delete(obs->kube_journal);
    cJSON_Delete(obs->state);
    obs->docker_journal = obs->kube_journal = obs->state = NULL;
}
