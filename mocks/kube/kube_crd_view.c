/* kube_crd_view.c: stored custom objects as a client sees them at the version it asked for:
 * converted from the storage version and defaulted (the apiserver defaults on read too), and
 * printed as a Table from the version's additionalPrinterColumns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kube_api_internal.h"
#include "kube_crd_schema.h"
#include "kube_table.h"
#include "osh_str.h"

cJSON *kube_view_object(const kube_view *view, const cJSON *stored)
{
    char *error = NULL;
    cJSON *out = kube_crd_convert(view->crd, stored, view->v, &error);
    if (!out) {
        /* the apiserver answers 500 then; a watch or list item keeps the stored form */
        free(error);
        return cJSON_Duplicate(stored, true);
    }
    kube_schema_default(view->v->schema, out);
    return out;
}

/* Walks ".a.b[?(@.k=='v')].c" (the JSONPath forms printer columns use); NULL when absent. */
static const cJSON *json_path(const cJSON *o, const char *jp)
{
    const cJSON *cur = o;
    const char *p = jp;
    while (cur && *p) {
        if (*p == '.') {
            p++;
            continue;
        }
        const char *condition = osh_str_after(p, "[?(@.");
        if (condition) {
            char key[128], val[256];
            int used = 0;
            if (sscanf(condition, "%127[^=]=='%255[^']')]%n", key, val, &used) != 2 || used == 0)
                return NULL;
            p = condition + used;
            const cJSON *match = NULL, *it;
            cJSON_ArrayForEach(it, cur)
            {
                const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, key));
                if (!match && v && strcmp(v, val) == 0)
                    match = it;
            }
            cur = match;
            continue;
        }
        size_t n = strcspn(p, ".[");
        char name[256];
        if (n == 0 || n >= sizeof(name))
            return NULL;
        memcpy(name, p, n);
        name[n] = '\0';
        cur = cJSON_GetObjectItemCaseSensitive(cur, name);
        p += n;
    }
    return cur;
}

/* The version's columns, or the apiserver's default Age column when it declares none. */
static cJSON *columns_of(const kube_crd_version *v)
{
    if (v->columns)
        return cJSON_Duplicate(v->columns, true);
    return cJSON_Parse("[{\"name\": \"Age\", \"type\": \"date\", \"jsonPath\": \".metadata.creationTimestamp\"}]");
}

static cJSON *cell(const cJSON *col, const cJSON *obj)
{
    const cJSON *v = json_path(obj, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(col, "jsonPath")));
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(col, "type"));
    if (!v)
        return cJSON_CreateNull();
    if (type && strcmp(type, "date") == 0 && cJSON_IsString(v)) {
        cJSON *holder = cJSON_CreateObject();
        cJSON *meta = cJSON_AddObjectToObject(holder, "metadata");
        cJSON_AddStringToObject(meta, "creationTimestamp", v->valuestring);
        char age[32];
        kube_table_age(holder, time(NULL), age, sizeof(age));
        cJSON_Delete(holder);
        return cJSON_CreateString(age);
    }
    return cJSON_Duplicate(v, true);
}

cJSON *kube_view_table(const kube_view *view, const cJSON *items, const char *include_object, const char *rv)
{
    cJSON *defs, *rows;
    cJSON *t = kube_table_new(rv, &defs, &rows);
    kube_table_add_column(defs, "Name", "string", "name",
                          "Name must be unique within a namespace. Is required when creating resources, although "
                          "some resources may allow a client to request the generation of an appropriate name "
                          "automatically. Name is primarily intended for creation idempotence and configuration "
                          "definition. Cannot be updated. More info: "
                          "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
                          0);
    cJSON *cols = columns_of(view->v);
    const cJSON *c;
    cJSON_ArrayForEach(c, cols)
    {
        const cJSON *prio = cJSON_GetObjectItemCaseSensitive(c, "priority");
        const char *desc = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "description"));
        const char *format = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "format"));
        kube_table_add_column(defs, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "name")),
                              cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "type")), format ? format : "",
                              desc ? desc : "", cJSON_IsNumber(prio) ? prio->valueint : 0);
    }
    const cJSON *stored;
    cJSON_ArrayForEach(stored, items)
    {
        cJSON *o = kube_view_object(view, stored);
        cJSON *row = cJSON_CreateObject();
        cJSON *cells = cJSON_AddArrayToObject(row, "cells");
        const char *name = cJSON_GetStringValue(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "metadata"), "name"));
        cJSON_AddItemToArray(cells, cJSON_CreateString(name ? name : ""));
        cJSON_ArrayForEach(c, cols) cJSON_AddItemToArray(cells, cell(c, o));
        cJSON *object = kube_table_row_object(o, NULL, include_object);
        if (object)
            cJSON_AddItemToObject(row, "object", object);
        cJSON_AddItemToArray(rows, row);
        cJSON_Delete(o);
    }
    cJSON_Delete(cols);
    return t;
}
