/* kube_selector.c: parsing and matching of label and field selectors (see kube_selector.h). */
#include "kube_selector.h"

#include <stdlib.h>
#include <string.h>

#include "kube_meta.h"
#include "osh_str.h"

typedef enum { OP_EQ, OP_NE, OP_IN, OP_NOTIN, OP_EXISTS, OP_NOT_EXISTS } selector_op;

typedef struct requirement {
    char *key;
    selector_op op;
    char **values;
    size_t n_values;
} requirement;

struct kube_selector {
    bool is_field;
    requirement *reqs;
    size_t n_reqs;
};

void kube_selector_free(kube_selector *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_reqs; i++) {
        free(s->reqs[i].key);
        osh_str_list_free(s->reqs[i].values, s->reqs[i].n_values);
    }
    free(s->reqs);
    free(s);
}

static requirement *add_req(kube_selector *s)
{
    s->reqs = realloc(s->reqs, (s->n_reqs + 1) * sizeof(*s->reqs));
    if (!s->reqs)
        abort();
    requirement *r = &s->reqs[s->n_reqs++];
    memset(r, 0, sizeof(*r));
    return r;
}

/* Appends text[0..len) without surrounding blanks to the list. */
static void push_trimmed(char ***list, size_t *n, const char *text, size_t len)
{
    char *raw = osh_str_ndup(text, len);
    osh_str_list_push(list, n, osh_str_trim_dup(raw));
    free(raw);
}

static void add_value(requirement *r, const char *v, size_t len) { push_trimmed(&r->values, &r->n_values, v, len); }

/* Splits text at top-level commas (commas inside "(...)" belong to a set). */
static char **split_terms(const char *text, size_t *n)
{
    char **out = NULL;
    *n = 0;
    int depth = 0;
    const char *start = text;
    for (const char *p = text;; p++) {
        if (*p == '(')
            depth++;
        else if (*p == ')')
            depth--;
        if (*p == '\0' || (*p == ',' && depth == 0)) {
            push_trimmed(&out, n, start, (size_t)(p - start));
            if (*p == '\0')
                break;
            start = p + 1;
        }
    }
    return out;
}

static bool parse_set(requirement *r, const char *p, char **error)
{
    while (*p == ' ')
        p++;
    if (*p != '(') {
        *error = osh_str_dup("unable to parse requirement: found '', expected: '('");
        return false;
    }
    const char *close = strchr(p, ')');
    if (!close || close[1] != '\0') {
        *error = osh_str_dup("unable to parse requirement: found '', expected: ')'");
        return false;
    }
    const char *v = p + 1;
    while (v <= close) {
        const char *e = v;
        while (e < close && *e != ',')
            e++;
        add_value(r, v, (size_t)(e - v));
        v = e + 1;
    }
    return true;
}

static bool parse_label_term(kube_selector *s, const char *t, char **error)
{
    requirement *r = add_req(s);
    if (t[0] == '!') {
        r->key = osh_str_trim_dup(t + 1);
        r->op = OP_NOT_EXISTS;
        if (r->key[0] != '\0')
            return true;
        *error = osh_str_dup("unable to parse requirement: missing key");
        return false;
    }
    const char *op = strpbrk(t, "=!");
    const char *sp = strchr(t, ' ');
    if (sp && (!op || sp < op)) {
        r->key = osh_str_ndup(t, (size_t)(sp - t));
        const char *rest = sp;
        while (*rest == ' ')
            rest++;
        const char *set;
        if ((set = osh_str_after(rest, "notin"))) {
            r->op = OP_NOTIN;
            return parse_set(r, set, error);
        }
        if ((set = osh_str_after(rest, "in"))) {
            r->op = OP_IN;
            return parse_set(r, set, error);
        }
        *error = osh_str_printf("unable to parse requirement: found '%s', expected: in, notin, =, ==, !=, gt, lt", rest);
        return false;
    }
    if (!op) {
        r->key = osh_str_dup(t);
        r->op = OP_EXISTS;
        return true;
    }
    char *raw = osh_str_ndup(t, (size_t)(op - t));
    r->key = osh_str_trim_dup(raw);
    free(raw);
    size_t skip = 1;
    if (op[0] == '!' && op[1] == '=') {
        r->op = OP_NE;
        skip = 2;
    } else if (op[0] == '=' && op[1] == '=') {
        r->op = OP_EQ;
        skip = 2;
    } else if (op[0] == '=') {
        r->op = OP_EQ;
    } else {
        *error = osh_str_printf("unable to parse requirement: invalid operator in '%s'", t);
        return false;
    }
    add_value(r, op + skip, strlen(op + skip));
    if (r->key[0] == '\0') {
        *error = osh_str_printf("unable to parse requirement: missing key in '%s'", t);
        return false;
    }
    return true;
}

static kube_selector *parse_terms(const char *text, bool is_field, const kube_resource *res, char **error)
{
    kube_selector *s = calloc(1, sizeof(*s));
    if (!s)
        abort();
    s->is_field = is_field;
    if (!text || !*text)
        return s;
    size_t n;
    char **terms = split_terms(text, &n);
    for (size_t i = 0; i < n; i++) {
        if (terms[i][0] == '\0')
            continue;
        if (!parse_label_term(s, terms[i], error))
            goto fail;
        requirement *r = &s->reqs[s->n_reqs - 1];
        if (!is_field)
            continue;
        if (r->op != OP_EQ && r->op != OP_NE) {
            *error = osh_str_printf("invalid selector: '%s'; can't understand '%s'", text, terms[i]);
            goto fail;
        }
        bool ok = strcmp(r->key, "metadata.name") == 0 || strcmp(r->key, "metadata.namespace") == 0;
        if (res && strcmp(res->plural, "pods") == 0)
            ok = ok || strcmp(r->key, "status.phase") == 0 || strcmp(r->key, "spec.nodeName") == 0;
        if (!ok) {
            *error = osh_str_printf("field label not supported: %s", r->key);
            goto fail;
        }
    }
    osh_str_list_free(terms, n);
    return s;
fail:
    osh_str_list_free(terms, n);
    kube_selector_free(s);
    return NULL;
}

kube_selector *kube_label_selector_parse(const char *text, char **error)
{
    *error = NULL;
    return parse_terms(text, false, NULL, error);
}

kube_selector *kube_field_selector_parse(const char *text, const kube_resource *r, char **error)
{
    *error = NULL;
    return parse_terms(text, true, r, error);
}

/* The value at a dotted path ("spec.nodeName"), "" when absent or not a string. */
static const char *field_value(const cJSON *obj, const char *path)
{
    const char *v = cJSON_GetStringValue(kube_field_at(obj, path));
    return v ? v : "";
}

static bool value_in(const requirement *r, const char *v)
{
    for (size_t i = 0; i < r->n_values; i++)
        if (strcmp(r->values[i], v) == 0)
            return true;
    return false;
}

static bool requirement_matches(const kube_selector *s, const requirement *r, const cJSON *obj)
{
    const char *v;
    bool present;
    if (s->is_field) {
        v = field_value(obj, r->key);
        present = true;
    } else {
        const cJSON *labels = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, "metadata"), "labels");
        const cJSON *item = cJSON_GetObjectItemCaseSensitive(labels, r->key);
        v = cJSON_GetStringValue(item);
        present = v != NULL;
        if (!v)
            v = "";
    }
    switch (r->op) {
    case OP_EQ:
    case OP_IN:
        return present && value_in(r, v);
    case OP_NE:
    case OP_NOTIN:
        return !present || !value_in(r, v);
    case OP_EXISTS:
        return present;
    case OP_NOT_EXISTS:
        return !present;
    }
    return false;
}

bool kube_selector_matches(const kube_selector *s, const cJSON *obj)
{
    if (!s)
        return true;
    for (size_t i = 0; i < s->n_reqs; i++)
        if (!requirement_matches(s, &s->reqs[i], obj))
            return false;
    return true;
}
