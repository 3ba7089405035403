/* kubectl_jsonpath.c: a JSONPath evaluator with the k8s.io/client-go/util/jsonpath grammar
 * subset kubectl users write (see kubectl_jsonpath.h). */
#include "kubectl_jsonpath.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "osh_str.h"

typedef struct eval_ctx {
    bool missing_is_error;
    char *error;
} eval_ctx;

static void add_copy(cJSON *set, const cJSON *v) { cJSON_AddItemToArray(set, cJSON_Duplicate(v, true)); }

/* Reads a field name starting at *p (after '.'), honouring "\." escapes. */
static char *read_name(const char **p)
{
    osh_buf name = OSH_BUF_INIT;
    const char *s = *p;
    while (*s && *s != '.' && *s != '[') {
        if (*s == '\\' && s[1]) {
            osh_buf_append_char(&name, s[1]);
            s += 2;
            continue;
        }
        osh_buf_append_char(&name, *s++);
    }
    *p = s;
    char *out = osh_buf_detach(&name);
    return out ? out : osh_str_dup("");
}

static bool filter_matches(const cJSON *item, const char *filter)
{
    /* @.key=="value" or @.key==value or @.key */
    const char *eq = strstr(filter, "==");
    const char *ne = strstr(filter, "!=");
    const char *op = eq ? eq : ne;
    char *path = osh_str_ndup(filter, op ? (size_t)(op - filter) : strlen(filter));
    char *trimmed = osh_str_trim_dup(path);
    free(path);
    char *err = NULL;
    cJSON *vals = kubectl_jsonpath_eval(trimmed[0] == '@' ? trimmed + 1 : trimmed, item, &err);
    free(trimmed);
    free(err);
    bool result = false;
    if (!op) {
        result = cJSON_GetArraySize(vals) > 0;
    } else {
        char *want = osh_str_trim_dup(op + 2);
        size_t wl = strlen(want);
        if (wl >= 2 && (want[0] == '"' || want[0] == '\'') && want[wl - 1] == want[0]) {
            memmove(want, want + 1, wl - 2);
            want[wl - 2] = '\0';
        }
        const cJSON *v;
        cJSON_ArrayForEach(v, vals)
        {
            char *text = cJSON_IsString(v) ? osh_str_dup(v->valuestring) : cJSON_PrintUnformatted(v);
            bool same = strcmp(text, want) == 0;
            free(text);
            if (same)
                result = true;
        }
        if (ne)
            result = !result;
        free(want);
    }
    cJSON_Delete(vals);
    return result;
}

/* Applies one bracket selector ("*", "N", "'key'", "?(...)") to every value of in. */
static cJSON *apply_bracket(const cJSON *in, const char *sel, eval_ctx *ctx)
{
    cJSON *out = cJSON_CreateArray();
    const cJSON *v;
    cJSON_ArrayForEach(v, in)
    {
        if (strcmp(sel, "*") == 0) {
            const cJSON *c;
            cJSON_ArrayForEach(c, v) add_copy(out, c);
        } else if (sel[0] == '\'' || sel[0] == '"') {
            char *key = osh_str_ndup(sel + 1, strlen(sel) >= 2 ? strlen(sel) - 2 : 0);
            const cJSON *c = cJSON_GetObjectItemCaseSensitive(v, key);
            if (c)
                add_copy(out, c);
            else if (ctx->missing_is_error && !ctx->error)
                ctx->error = osh_str_printf("%s is not found", key);
            free(key);
        } else if (sel[0] == '?') {
            char *filter = osh_str_ndup(sel + 2, strlen(sel) >= 3 ? strlen(sel) - 3 : 0);
            const cJSON *c;
            cJSON_ArrayForEach(c, v)
            {
                if (filter_matches(c, filter))
                    add_copy(out, c);
            }
            free(filter);
        } else {
            int idx = atoi(sel);
            int n = cJSON_GetArraySize(v);
            if (idx < 0)
                idx += n;
            const cJSON *c = cJSON_IsArray(v) && idx >= 0 && idx < n ? cJSON_GetArrayItem(v, idx) : NULL;
            if (c)
                add_copy(out, c);
            else if (ctx->missing_is_error && !ctx->error)
                ctx->error = osh_str_dup("array index out of bounds");
        }
    }
    return out;
}

static cJSON *apply_field(const cJSON *in, const char *name, eval_ctx *ctx)
{
    cJSON *out = cJSON_CreateArray();
    const cJSON *v;
    cJSON_ArrayForEach(v, in)
    {
        const cJSON *c = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, name) : NULL;
        if (c)
            add_copy(out, c);
        else if (ctx->missing_is_error && !ctx->error)
            ctx->error = osh_str_printf("%s is not found", name);
    }
    return out;
}

static cJSON *eval_path(const char *expr, const cJSON *doc, eval_ctx *ctx)
{
    cJSON *cur = cJSON_CreateArray();
    add_copy(cur, doc);
    const char *p = expr;
    if (*p == '$')
        p++;
    while (*p && !ctx->error) {
        cJSON *next;
        if (*p == '.') {
            p++;
            if (*p == '\0' || *p == '[')
                continue;
            char *name = read_name(&p);
            next = apply_field(cur, name, ctx);
            free(name);
        } else if (*p == '[') {
            const char *close = strchr(p, ']');
            if (!close) {
                ctx->error = osh_str_printf("unterminated array in %s", expr);
                break;
            }
            char *sel = osh_str_ndup(p + 1, (size_t)(close - p - 1));
            next = apply_bracket(cur, sel, ctx);
            free(sel);
            p = close + 1;
        } else {
            char *name = read_name(&p);
            next = apply_field(cur, name, ctx);
            free(name);
        }
        cJSON_Delete(cur);
        cur = next;
    }
    return cur;
}

cJSON *kubectl_jsonpath_eval(const char *expr, const cJSON *doc, char **error)
{
    eval_ctx ctx = {false, NULL};
    cJSON *vals = eval_path(expr, doc, &ctx);
    if (ctx.error) {
        cJSON_Delete(vals);
        *error = ctx.error;
        return NULL;
    }
    return vals;
}

static void print_value(osh_buf *out, const cJSON *v)
{
    if (cJSON_IsString(v)) {
        osh_buf_append_str(out, v->valuestring);
    } else {
        char *text = cJSON_PrintUnformatted(v);
        osh_buf_append_str(out, text);
        free(text);
    }
}

/* Appends a "..." literal's content, with \n, \t and \\ escapes. */
static void print_literal(osh_buf *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\\' && i + 1 < len) {
            char c = s[++i];
            osh_buf_append_char(out, c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c);
        } else {
            osh_buf_append_char(out, s[i]);
        }
    }
}

/* The index of the '}' closing the action opened at open (quotes respected). */
static const char *action_end(const char *open)
{
    char quote = 0;
    for (const char *p = open + 1; *p; p++) {
        if (quote) {
            if (*p == '\\' && p[1])
                p++;
            else if (*p == quote)
                quote = 0;
        } else if (*p == '"' || *p == '\'') {
            quote = *p;
        } else if (*p == '}') {
            return p;
        }
    }
    return NULL;
}

static int render(const char *tpl, const char *end, const cJSON *doc, osh_buf *out, eval_ctx *ctx);

/* Renders a {range EXPR}BODY{end} block; *after gets the text after {end}. */
static int render_range(const char *expr, const char *body, const char *limit, const cJSON *doc, osh_buf *out,
                        eval_ctx *ctx, const char **after)
{
    /* find the matching {end} */
    int depth = 1;
    const char *p = body, *body_end = NULL;
    while (p < limit && (p = strchr(p, '{')) && p < limit) {
        const char *close = action_end(p);
        if (!close)
            break;
        char *inner = osh_str_ndup(p + 1, (size_t)(close - p - 1));
        char *t = osh_str_trim_dup(inner);
        free(inner);
        if (osh_str_starts_with(t, "range "))
            depth++;
        else if (strcmp(t, "end") == 0 && --depth == 0)
            body_end = p;
        free(t);
        p = close + 1;
        if (body_end) {
            *after = p;
            break;
        }
    }
    if (!body_end) {
        ctx->error = osh_str_dup("unclosed action: range without end");
        return -1;
    }
    cJSON *vals = eval_path(expr, doc, ctx);
    const cJSON *v;
    int rc = ctx->error ? -1 : 0;
    cJSON_ArrayForEach(v, vals)
    {
        if (rc == 0)
            rc = render(body, body_end, v, out, ctx);
    }
    cJSON_Delete(vals);
    return rc;
}

static int render(const char *tpl, const char *end, const cJSON *doc, osh_buf *out, eval_ctx *ctx)
{
    const char *p = tpl;
    while (p < end) {
        const char *open = memchr(p, '{', (size_t)(end - p));
        if (!open) {
            osh_buf_append(out, p, (size_t)(end - p));
            break;
        }
        osh_buf_append(out, p, (size_t)(open - p));
        const char *close = action_end(open);
        if (!close || close >= end) {
            ctx->error = osh_str_dup("unclosed action");
            return -1;
        }
        char *inner = osh_str_ndup(open + 1, (size_t)(close - open - 1));
        char *action = osh_str_trim_dup(inner);
        free(inner);
        p = close + 1;
        size_t al = strlen(action);
        if (al >= 2 && (action[0] == '"' || action[0] == '\'') && action[al - 1] == action[0]) {
            print_literal(out, action + 1, al - 2);
        } else if (osh_str_starts_with(action, "range ")) {
            const char *after = p;
            int rc = render_range(osh_str_after(action, "range "), p, end, doc, out, ctx, &after);
            free(action);
            if (rc)
                return rc;
            p = after;
            continue;
        } else if (strcmp(action, "end") == 0) {
            ctx->error = osh_str_dup("not in range, nothing to end");
        } else {
            cJSON *vals = eval_path(action, doc, ctx);
            size_t i = 0;
            const cJSON *v;
            cJSON_ArrayForEach(v, vals)
            {
                if (i++)
                    osh_buf_append_char(out, ' ');
                print_value(out, v);
            }
            cJSON_Delete(vals);
        }
        free(action);
        if (ctx->error)
            return -1;
    }
    return 0;
}

int kubectl_jsonpath_render(const char *template_text, const cJSON *doc, osh_buf *out, char **error)
{
    eval_ctx ctx = {true, NULL};
    *error = NULL;
    osh_buf tmp = OSH_BUF_INIT;
    int rc = render(template_text, template_text + strlen(template_text), doc, &tmp, &ctx);
    if (rc == 0)
        osh_buf_append(out, tmp.data ? tmp.data : "", tmp.len);
    else
        *error = ctx.error;
    osh_buf_free(&tmp);
    return rc;
}
