/* kube_crd_schema.c: structural-schema defaulting, pruning and validation (see
 * kube_crd_schema.h). Messages follow k8s.io/kube-openapi's validate errors as the
 * apiextensions-apiserver reports them through field.Error. */
#include "kube_crd_schema.h"

#include <math.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osh_buf.h"
#include "osh_str.h"

static const cJSON *get(const cJSON *o, const char *k) { return cJSON_GetObjectItemCaseSensitive(o, k); }

static char *child_path(const char *path, const char *key)
{
    return path && *path ? osh_str_printf("%s.%s", path, key) : osh_str_dup(key);
}

static char *index_path(const char *path, int i) { return osh_str_printf("%s[%d]", path ? path : "", i); }

/* ---- defaulting ---- */

static void default_node(const cJSON *schema, cJSON *x, bool root)
{
    if (cJSON_IsObject(x)) {
        const cJSON *props = get(schema, "properties");
        const cJSON *p;
        cJSON_ArrayForEach(p, props)
        {
            if (root && (strcmp(p->string, "metadata") == 0 || strcmp(p->string, "apiVersion") == 0 ||
                         strcmp(p->string, "kind") == 0))
                continue;
            const cJSON *def = get(p, "default");
            cJSON *have = cJSON_GetObjectItemCaseSensitive(x, p->string);
            if (def && (!have || (cJSON_IsNull(have) && !cJSON_IsTrue(get(p, "nullable"))))) {
                if (have)
                    cJSON_DeleteItemFromObjectCaseSensitive(x, p->string);
                cJSON_AddItemToObject(x, p->string, cJSON_Duplicate(def, true));
            }
        }
        cJSON *c;
        cJSON_ArrayForEach(c, x)
        {
            if (root && strcmp(c->string, "metadata") == 0)
                continue;
            const cJSON *sub = get(props, c->string);
            if (!sub && cJSON_IsObject(get(schema, "additionalProperties")))
                sub = get(schema, "additionalProperties");
            if (sub)
                default_node(sub, c, false);
        }
    } else if (cJSON_IsArray(x) && get(schema, "items")) {
        cJSON *c;
        cJSON_ArrayForEach(c, x) default_node(get(schema, "items"), c, false);
    }
}

void kube_schema_default(const cJSON *schema, cJSON *obj) { default_node(schema, obj, true); }

/* ---- pruning ---- */

static void prune_node(const cJSON *schema, cJSON *x, const char *path, cJSON *pruned, bool root)
{
    bool preserve = cJSON_IsTrue(get(schema, "x-kubernetes-preserve-unknown-fields"));
    bool embedded = root || cJSON_IsTrue(get(schema, "x-kubernetes-embedded-resource"));
    if (cJSON_IsObject(x)) {
        const cJSON *props = get(schema, "properties");
        const cJSON *addl = get(schema, "additionalProperties");
        cJSON *c = x->child;
        while (c) {
            cJSON *next = c->next;
            if (!(embedded && (strcmp(c->string, "apiVersion") == 0 || strcmp(c->string, "kind") == 0 ||
                               strcmp(c->string, "metadata") == 0))) {
                const cJSON *sub = get(props, c->string);
                if (!sub && cJSON_IsObject(addl))
                    sub = addl;
                char *p = child_path(path, c->string);
                if (sub) {
                    prune_node(sub, c, p, pruned, false);
                } else if (!preserve && !cJSON_IsTrue(addl)) {
                    if (pruned)
                        cJSON_AddItemToArray(pruned, cJSON_CreateString(p));
                    cJSON_Delete(cJSON_DetachItemViaPointer(x, c));
                }
                free(p);
            }
            c = next;
        }
    } else if (cJSON_IsArray(x) && get(schema, "items")) {
        int i = 0;
        cJSON *c;
        cJSON_ArrayForEach(c, x)
        {
            char *p = index_path(path, i++);
            prune_node(get(schema, "items"), c, p, pruned, false);
            free(p);
        }
    }
}

void kube_schema_prune(const cJSON *schema, cJSON *obj, cJSON *pruned) { prune_node(schema, obj, "", pruned, true); }

/* ---- validation ---- */

static void add_cause(cJSON *causes, const char *reason, const char *field, char *message)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "reason", reason);
    cJSON_AddStringToObject(c, "message", message);
    cJSON_AddStringToObject(c, "field", field);
    cJSON_AddItemToArray(causes, c);
    free(message);
}

/* A value as field.Error prints it: strings quoted, numbers plain. */
static char *value_text(const cJSON *v)
{
    if (cJSON_IsString(v))
        return osh_str_printf("\"%s\"", v->valuestring);
    if (cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble) && fabs(v->valuedouble) < 1e15)
        return osh_str_printf("%lld", (long long)v->valuedouble);
    if (cJSON_IsNumber(v))
        return osh_str_printf("%g", v->valuedouble);
    if (cJSON_IsBool(v))
        return osh_str_dup(cJSON_IsTrue(v) ? "true" : "false");
    return osh_str_dup(cJSON_IsObject(v) ? "\"object\"" : cJSON_IsArray(v) ? "\"array\"" : "\"null\"");
}

static const char *json_type(const cJSON *v)
{
    if (cJSON_IsString(v))
        return "string";
    if (cJSON_IsBool(v))
        return "boolean";
    if (cJSON_IsNumber(v))
        return v->valuedouble == floor(v->valuedouble) ? "integer" : "number";
    if (cJSON_IsArray(v))
        return "array";
    if (cJSON_IsObject(v))
        return "object";
    return "null";
}

static bool type_ok(const cJSON *schema, const cJSON *v)
{
    const char *t = cJSON_GetStringValue(get(schema, "type"));
    if (cJSON_IsTrue(get(schema, "x-kubernetes-int-or-string")))
        return cJSON_IsString(v) || (cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble));
    if (!t)
        return true;
    const char *have = json_type(v);
    if (strcmp(t, "number") == 0)
        return cJSON_IsNumber(v);
    return strcmp(t, have) == 0;
}

static void type_error(cJSON *causes, const char *path, const char *want, const cJSON *v)
{
    const char *have = json_type(v);
    add_cause(causes, "FieldValueTypeInvalid", path,
              osh_str_printf("Invalid value: \"%s\": %s in body must be of type %s: \"%s\"", have, path, want, have));
}

/* RFC 3339 date-time, as strfmt.IsDateTime accepts it. */
static bool is_date_time(const char *s)
{
    regex_t re;
    if (regcomp(&re,
                "^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$",
                REG_EXTENDED | REG_NOSUB) != 0)
        return true;
    bool ok = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

static int validate_node(const cJSON *schema, const cJSON *x, const cJSON *old, const char *path, cJSON *causes,
                         bool root);

static void check_scalar(const cJSON *schema, const cJSON *x, const char *path, cJSON *causes)
{
    const cJSON *en = get(schema, "enum");
    if (cJSON_IsArray(en)) {
        bool found = false;
        const cJSON *e;
        cJSON_ArrayForEach(e, en) found = found || cJSON_Compare(e, x, true);
        if (!found) {
            osh_buf list = OSH_BUF_INIT;
            cJSON_ArrayForEach(e, en)
            {
                /* supported values are printed as quoted strings whatever their type */
                char *raw = cJSON_IsString(e) ? NULL : value_text(e);
                char *t = raw ? osh_str_printf("\"%s\"", raw) : value_text(e);
                free(raw);
                osh_buf_append_str(&list, list.len ? ", " : "");
                osh_buf_append_str(&list, t);
                free(t);
            }
            char *v = value_text(x);
            add_cause(causes, "FieldValueNotSupported", path,
                      osh_str_printf("Unsupported value: %s: supported values: %s", v, list.data ? list.data : ""));
            free(v);
            osh_buf_free(&list);
        }
    }
    const cJSON *mx = get(schema, "maximum"), *mn = get(schema, "minimum");
    char *v = value_text(x);
    if (cJSON_IsNumber(x) && cJSON_IsNumber(mx) && x->valuedouble > mx->valuedouble)
        add_cause(causes, "FieldValueInvalid", path,
                  osh_str_printf("Invalid value: %s: %s in body should be less than or equal to %g", v, path, mx->valuedouble));
    if (cJSON_IsNumber(x) && cJSON_IsNumber(mn) && x->valuedouble < mn->valuedouble)
        add_cause(causes, "FieldValueInvalid", path,
                  osh_str_printf("Invalid value: %s: %s in body should be greater than or equal to %g", v, path,
                                 mn->valuedouble));
    if (cJSON_IsString(x)) {
        size_t len = strlen(x->valuestring);
        const cJSON *maxl = get(schema, "maxLength"), *minl = get(schema, "minLength");
        if (cJSON_IsNumber(maxl) && (double)len > maxl->valuedouble)
            add_cause(causes, "FieldValueTooLong", path,
                      osh_str_printf("Too long: may not be more than %d bytes", maxl->valueint));
        if (cJSON_IsNumber(minl) && (double)len < minl->valuedouble)
            add_cause(causes, "FieldValueInvalid", path,
                      osh_str_printf("Invalid value: %s: %s in body should be at least %d chars long", v, path,
                                     minl->valueint));
        const char *pattern = cJSON_GetStringValue(get(schema, "pattern"));
        regex_t re;
        if (pattern && regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) == 0) {
            if (regexec(&re, x->valuestring, 0, NULL, 0) != 0)
                add_cause(causes, "FieldValueInvalid", path,
                          osh_str_printf("Invalid value: %s: %s in body should match '%s'", v, path, pattern));
            regfree(&re);
        }
        const char *format = cJSON_GetStringValue(get(schema, "format"));
        if (format && strcmp(format, "date-time") == 0 && !is_date_time(x->valuestring))
            add_cause(causes, "FieldValueInvalid", path,
                      osh_str_printf("Invalid value: %s: %s in body must be of type date-time: %s", v, path, v));
    }
    free(v);
}

static void check_rules(const cJSON *schema, const cJSON *x, const cJSON *old, const char *path, cJSON *causes)
{
    const cJSON *rule;
    cJSON_ArrayForEach(rule, get(schema, "x-kubernetes-validations"))
    {
        const char *text = cJSON_GetStringValue(get(rule, "rule"));
        bool transition = text && strstr(text, "oldSelf");
        if (!text || (transition && !old))
            continue;
        bool ok = true;
        if (kube_schema_rule_eval(text, x, old, &ok) != 0 || ok)
            continue; /* a rule outside the supported subset is not enforced (docs/mocks.md) */
        /* a rule's error shows the type of the value, not the value */
        const char *msg = cJSON_GetStringValue(get(rule, "message"));
        const char *type = cJSON_GetStringValue(get(schema, "type"));
        const char *shown = type ? type : json_type(x);
        add_cause(causes, "FieldValueInvalid", path,
                  msg ? osh_str_printf("Invalid value: \"%s\": %s", shown, msg)
                      : osh_str_printf("Invalid value: \"%s\": failed rule: %s", shown, text));
    }
}

static int validate_object(const cJSON *schema, const cJSON *x, const cJSON *old, const char *path, cJSON *causes,
                           bool root)
{
    const cJSON *req;
    cJSON_ArrayForEach(req, get(schema, "required"))
    {
        if (cJSON_IsString(req) && !cJSON_GetObjectItemCaseSensitive(x, req->valuestring)) {
            char *p = child_path(path, req->valuestring);
            add_cause(causes, "FieldValueRequired", p, osh_str_dup("Required value"));
            free(p);
        }
    }
    const cJSON *props = get(schema, "properties"), *addl = get(schema, "additionalProperties");
    const cJSON *c;
    cJSON_ArrayForEach(c, x)
    {
        if (root && (strcmp(c->string, "metadata") == 0 || strcmp(c->string, "apiVersion") == 0 ||
                     strcmp(c->string, "kind") == 0))
            continue;
        const cJSON *sub = get(props, c->string);
        if (!sub && cJSON_IsObject(addl))
            sub = addl;
        if (!sub)
            continue;
        char *p = child_path(path, c->string);
        validate_node(sub, c, old ? cJSON_GetObjectItemCaseSensitive(old, c->string) : NULL, p, causes, false);
        free(p);
    }
    return 0;
}

static int validate_node(const cJSON *schema, const cJSON *x, const cJSON *old, const char *path, cJSON *causes,
                         bool root)
{
    if (cJSON_IsNull(x) && cJSON_IsTrue(get(schema, "nullable")))
        return 0;
    if (!type_ok(schema, x)) {
        /* the apiserver reports the enum too (apiextensions validation_test.go "enum") */
        type_error(causes, path, cJSON_GetStringValue(get(schema, "type")), x);
        if (get(schema, "enum") && !cJSON_IsObject(x) && !cJSON_IsArray(x)) {
            cJSON *enum_only = cJSON_CreateObject();
            cJSON_AddItemReferenceToObject(enum_only, "enum", (cJSON *)get(schema, "enum"));
            check_scalar(enum_only, x, path, causes);
            cJSON_Delete(enum_only);
        }
        return 0;
    }
    if (cJSON_IsObject(x)) {
        validate_object(schema, x, old, path, causes, root);
    } else if (cJSON_IsArray(x)) {
        const cJSON *maxi = get(schema, "maxItems");
        if (cJSON_IsNumber(maxi) && cJSON_GetArraySize(x) > maxi->valueint)
            add_cause(causes, "FieldValueTooMany", path,
                      osh_str_printf("Too many: %d: must have at most %d items", cJSON_GetArraySize(x), maxi->valueint));
        int i = 0;
        const cJSON *c;
        cJSON_ArrayForEach(c, x)
        {
            char *p = index_path(path, i++);
            if (get(schema, "items"))
                validate_node(get(schema, "items"), c, NULL, p, causes, false);
            free(p);
        }
    } else {
        check_scalar(schema, x, path, causes);
    }
    check_rules(schema, x, old, path, causes);
    return 0;
}

int kube_schema_validate(const cJSON *schema, const cJSON *obj, const cJSON *old, cJSON *causes)
{
    int before = cJSON_GetArraySize(causes);
    validate_node(schema, obj, old, "", causes, true);
    return cJSON_GetArraySize(causes) - before;
}

char *kube_schema_cause_text(const cJSON *cause)
{
    const char *field = cJSON_GetStringValue(get(cause, "field"));
    const char *msg = cJSON_GetStringValue(get(cause, "message"));
    return field && *field ? osh_str_printf("%s: %s", field, msg ? msg : "") : osh_str_dup(msg ? msg : "");
}
