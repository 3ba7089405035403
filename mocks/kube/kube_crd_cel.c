/* kube_crd_cel.c: the part of CEL that CRD immutability rules use, evaluated against the new
 * and old values of a field: self / oldSelf member access, has(), ==, !=, !, &&, ||,
 * parentheses, true and false. A rule using anything else is reported as unsupported (-1)
 * and left unenforced; docs/mocks.md names the limit. */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "kube_crd_schema.h"

typedef struct cel {
    const char *p;
    const cJSON *self, *old;
    bool failed;
} cel;

typedef struct value {
    bool is_bool;
    bool b;
    const cJSON *json; /* NULL: no such field */
} value;

static void skip_space(cel *c)
{
    while (isspace((unsigned char)*c->p))
        c->p++;
}

static bool accept(cel *c, const char *tok)
{
    skip_space(c);
    size_t n = strlen(tok);
    if (strncmp(c->p, tok, n) != 0)
        return false;
    if (isalpha((unsigned char)tok[0]) && (isalnum((unsigned char)c->p[n]) || c->p[n] == '_'))
        return false;
    c->p += n;
    return true;
}

static size_t ident(cel *c, char *out, size_t size)
{
    skip_space(c);
    size_t n = 0;
    while ((isalnum((unsigned char)c->p[n]) || c->p[n] == '_') && n + 1 < size) {
        out[n] = c->p[n];
        n++;
    }
    out[n] = '\0';
    c->p += n;
    return n;
}

/* self.a.b or oldSelf.a.b: the field, or NULL when a step is missing. */
static const cJSON *path(cel *c)
{
    char name[128];
    if (!ident(c, name, sizeof(name))) {
        c->failed = true;
        return NULL;
    }
    const cJSON *cur = strcmp(name, "self") == 0 ? c->self : strcmp(name, "oldSelf") == 0 ? c->old : NULL;
    if (!cur && strcmp(name, "self") != 0 && strcmp(name, "oldSelf") != 0)
        c->failed = true;
    /* the whole path is consumed even after a failure, so a skipped operand parses on */
    while (*c->p == '.') {
        c->p++;
        if (!ident(c, name, sizeof(name))) {
            c->failed = true;
            return NULL;
        }
        cur = cur ? cJSON_GetObjectItemCaseSensitive(cur, name) : NULL;
    }
    return cur;
}

static value expr(cel *c);

static value primary(cel *c)
{
    value v = {false, false, NULL};
    if (accept(c, "(")) {
        v = expr(c);
        if (!accept(c, ")"))
            c->failed = true;
    } else if (accept(c, "has")) {
        if (!accept(c, "("))
            c->failed = true;
        const cJSON *f = path(c);
        if (!accept(c, ")"))
            c->failed = true;
        v.is_bool = true;
        v.b = f != NULL;
    } else if (accept(c, "true") || accept(c, "false")) {
        v.is_bool = true;
        v.b = c->p[-1] == 'e' && c->p[-2] == 'u';
    } else {
        v.json = path(c);
        if (!v.json)
            c->failed = true; /* CEL: no such key */
    }
    return v;
}

static bool equal(const value *a, const value *b)
{
    if (a->is_bool || b->is_bool)
        return a->is_bool == b->is_bool && a->b == b->b;
    return a->json && b->json && cJSON_Compare(a->json, b->json, true);
}

static value comparison(cel *c)
{
    if (accept(c, "!")) {
        value v = comparison(c);
        v.b = !v.b;
        if (!v.is_bool)
            c->failed = true;
        return v;
    }
    value a = primary(c);
    bool ne = false;
    if (accept(c, "==") || (ne = accept(c, "!="))) {
        value b = primary(c);
        value r = {true, equal(&a, &b) != ne, NULL};
        return r;
    }
    return a;
}

static value conjunction(cel *c)
{
    value a = comparison(c);
    while (!c->failed && accept(c, "&&")) {
        /* CEL's && is commutative over errors; a short-circuit keeps guarded accesses legal */
        if (!a.b) {
            cel skip = *c;
            skip.failed = false;
            comparison(&skip);
            c->p = skip.p;
            continue;
        }
        a = comparison(c);
    }
    return a;
}

static value expr(cel *c)
{
    value a = conjunction(c);
    while (!c->failed && accept(c, "||")) {
        if (a.b) {
            cel skip = *c;
            conjunction(&skip);
            c->p = skip.p;
            continue;
        }
        a = conjunction(c);
    }
    return a;
}

int kube_schema_rule_eval(const char *rule, const cJSON *self, const cJSON *old, bool *result)
{
    cel c = {rule, self, old, false};
    value v = expr(&c);
    skip_space(&c);
    if (c.failed || *c.p || !v.is_bool)
        return -1;
    *result = v.b;
    return 0;
}
