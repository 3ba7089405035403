/* kubectl_print.c: kubectl's printers (see kubectl_print.h). */
#include "kubectl_print.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "kube_table.h"
#include "kubectl_jsonpath.h"
#include "osh_str.h"

static int compare_keys(const void *a, const void *b)
{
    return strcmp((*(cJSON *const *)a)->string, (*(cJSON *const *)b)->string);
}

cJSON *kubectl_sorted_copy(const cJSON *v)
{
    if (cJSON_IsArray(v)) {
        cJSON *arr = cJSON_CreateArray();
        const cJSON *c;
        cJSON_ArrayForEach(c, v) cJSON_AddItemToArray(arr, kubectl_sorted_copy(c));
        return arr;
    }
    if (!cJSON_IsObject(v))
        return cJSON_Duplicate(v, true);
    size_t n = (size_t)cJSON_GetArraySize(v), i = 0;
    cJSON **kids = calloc(n + 1, sizeof(*kids));
    const cJSON *c;
    cJSON_ArrayForEach(c, v)
    {
        kids[i] = kubectl_sorted_copy(c);
        free(kids[i]->string);
        kids[i]->string = osh_str_dup(c->string);
        i++;
    }
    qsort(kids, n, sizeof(*kids), compare_keys);
    cJSON *obj = cJSON_CreateObject();
    for (i = 0; i < n; i++) {
        char *key = kids[i]->string;
        kids[i]->string = NULL;
        cJSON_AddItemToObject(obj, key, kids[i]);
        free(key);
    }
    free(kids);
    return obj;
}

void kubectl_print_json(osh_buf *out, const cJSON *doc)
{
    cJSON *sorted = kubectl_sorted_copy(doc);
    char *text = cJSON_Print(sorted);
    cJSON_Delete(sorted);
    /* cJSON indents with tabs and separates keys with ":\t"; raw tabs never occur inside
     * strings (they are escaped), so every tab is layout. Go's encoder uses 4 spaces. */
    bool line_start = true;
    for (const char *p = text; *p; p++) {
        if (*p == '\t') {
            osh_buf_append_str(out, line_start ? "    " : " ");
            continue;
        }
        if (*p == '{' && p[1] == '\n') {
            const char *q = p + 2;
            while (*q == '\t')
                q++;
            if (*q == '}') {
                osh_buf_append_str(out, "{}");
                p = q;
                line_start = false;
                continue;
            }
        }
        line_start = *p == '\n';
        osh_buf_append_char(out, *p);
    }
    osh_buf_append_char(out, '\n');
    free(text);
}

void kubectl_print_name(osh_buf *out, const kube_resource *r, const cJSON *obj)
{
    char *kind = osh_str_dup(r->kind);
    for (char *p = kind; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, "metadata"), "name"));
    if (r->group[0])
        osh_buf_appendf(out, "%s.%s/%s\n", kind, r->group, name ? name : "");
    else
        osh_buf_appendf(out, "%s/%s\n", kind, name ? name : "");
    free(kind);
}

void kubectl_tabwrite(osh_buf *out, const char *text)
{
    /* split into lines and cells */
    size_t n_lines = 0, max_cols = 0;
    char *copy = osh_str_dup(text);
    char **lines = NULL;
    for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        lines = realloc(lines, (n_lines + 1) * sizeof(char *));
        lines[n_lines++] = l;
    }
    size_t *widths = NULL;
    for (size_t i = 0; i < n_lines; i++) {
        size_t col = 0, len = 0;
        for (const char *p = lines[i];; p++) {
            if (*p == '\t' || *p == '\0') {
                if (*p == '\t') {
                    if (col + 1 > max_cols) {
                        widths = realloc(widths, (col + 1) * sizeof(size_t));
                        for (size_t k = max_cols; k <= col; k++)
                            widths[k] = 6;
                        max_cols = col + 1;
                    }
                    if (len + 3 > widths[col])
                        widths[col] = len + 3;
                }
                if (*p == '\0')
                    break;
                col++;
                len = 0;
            } else {
                len++;
            }
        }
    }
    for (size_t i = 0; i < n_lines; i++) {
        size_t col = 0, len = 0;
        for (const char *p = lines[i];; p++) {
            if (*p == '\t') {
                for (size_t k = len; k < widths[col]; k++)
                    osh_buf_append_char(out, ' ');
                col++;
                len = 0;
            } else if (*p == '\0') {
                break;
            } else {
                osh_buf_append_char(out, *p);
                len++;
            }
        }
        osh_buf_append_char(out, '\n');
    }
    free(widths);
    free(lines);
    free(copy);
}

static void append_upper(osh_buf *b, const char *s)
{
    for (; *s; s++)
        osh_buf_append_char(b, (char)toupper((unsigned char)*s));
}

void kubectl_print_table(osh_buf *out, const kube_resource *r, const cJSON *items, bool wide, bool with_namespace,
                         bool no_headers)
{
    cJSON *t = kube_table_build(r, items, "None", NULL);
    const cJSON *cols = cJSON_GetObjectItemCaseSensitive(t, "columnDefinitions");
    osh_buf raw = OSH_BUF_INIT;
    if (!no_headers) {
        if (with_namespace)
            osh_buf_append_str(&raw, "NAMESPACE\t");
        const cJSON *c;
        bool first = true;
        cJSON_ArrayForEach(c, cols)
        {
            if (!wide && cJSON_GetObjectItemCaseSensitive(c, "priority")->valueint != 0)
                continue;
            if (!first)
                osh_buf_append_char(&raw, '\t');
            append_upper(&raw, cJSON_GetObjectItemCaseSensitive(c, "name")->valuestring);
            first = false;
        }
        osh_buf_append_char(&raw, '\n');
    }
    const cJSON *row, *item = items ? items->child : NULL;
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(t, "rows"))
    {
        if (with_namespace) {
            const char *ns = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(item, "metadata"), "namespace"));
            osh_buf_appendf(&raw, "%s\t", ns ? ns : "");
        }
        const cJSON *cell, *col = cols->child;
        bool first = true;
        cJSON_ArrayForEach(cell, cJSON_GetObjectItemCaseSensitive(row, "cells"))
        {
            bool show = wide || cJSON_GetObjectItemCaseSensitive(col, "priority")->valueint == 0;
            col = col->next;
            if (!show)
                continue;
            if (!first)
                osh_buf_append_char(&raw, '\t');
            if (cJSON_IsString(cell))
                osh_buf_append_str(&raw, cell->valuestring);
            else
                osh_buf_appendf(&raw, "%d", cell->valueint);
            first = false;
        }
        osh_buf_append_char(&raw, '\n');
        item = item ? item->next : NULL;
    }
    kubectl_tabwrite(out, osh_buf_str(&raw));
    osh_buf_free(&raw);
    cJSON_Delete(t);
}

typedef struct custom_columns {
    size_t n;
    char *names[32], *exprs[32];
} custom_columns;

static void custom_columns_free(custom_columns *cc)
{
    for (size_t i = 0; i < cc->n; i++) {
        free(cc->names[i]);
        free(cc->exprs[i]);
    }
}

/* "NAME:.metadata.name,READY:{.status.x}" into headers and expressions without braces. */
static int parse_custom_columns(const char *spec, custom_columns *cc, char **error)
{
    cc->n = 0;
    char *copy = osh_str_dup(spec);
    int rc = 0;
    for (char *save = NULL, *col = strtok_r(copy, ",", &save); col && cc->n < 32; col = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(col, ':');
        if (!colon) {
            *error = osh_str_printf("unexpected custom-columns spec: %s, expected <header>:<json-path-expr>", col);
            rc = -1;
            break;
        }
        cc->names[cc->n] = osh_str_ndup(col, (size_t)(colon - col));
        const char *e = colon + 1;
        size_t el = strlen(e);
        cc->exprs[cc->n] = e[0] == '{' && el > 1 && e[el - 1] == '}' ? osh_str_ndup(e + 1, el - 2) : osh_str_dup(e);
        cc->n++;
    }
    free(copy);
    if (rc)
        custom_columns_free(cc);
    return rc;
}

/* One cell: the expression's values joined by commas, <none> when there is none. */
static void custom_cell(osh_buf *raw, const char *expr, const cJSON *item)
{
    char *err = NULL;
    cJSON *vals = kubectl_jsonpath_eval(expr, item, &err);
    free(err);
    if (!vals || cJSON_GetArraySize(vals) == 0) {
        osh_buf_append_str(raw, "<none>");
        cJSON_Delete(vals);
        return;
    }
    size_t k = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, vals)
    {
        if (k++)
            osh_buf_append_char(raw, ',');
        if (cJSON_IsString(v)) {
            osh_buf_append_str(raw, v->valuestring);
        } else {
            char *text = cJSON_PrintUnformatted(v);
            osh_buf_append_str(raw, text);
            free(text);
        }
    }
    cJSON_Delete(vals);
}

int kubectl_print_custom_columns(osh_buf *out, const char *spec, const cJSON *items, bool no_headers, char **error)
{
    custom_columns cc;
    if (parse_custom_columns(spec, &cc, error) != 0)
        return -1;
    osh_buf raw = OSH_BUF_INIT;
    if (!no_headers) {
        for (size_t i = 0; i < cc.n; i++)
            osh_buf_appendf(&raw, "%s%s", i ? "\t" : "", cc.names[i]);
        osh_buf_append_char(&raw, '\n');
    }
    const cJSON *item;
    cJSON_ArrayForEach(item, items)
    {
        for (size_t i = 0; i < cc.n; i++) {
            if (i)
                osh_buf_append_char(&raw, '\t');
            custom_cell(&raw, cc.exprs[i], item);
        }
        osh_buf_append_char(&raw, '\n');
    }
    kubectl_tabwrite(out, osh_buf_str(&raw));
    osh_buf_free(&raw);
    custom_columns_free(&cc);
    return 0;
}
