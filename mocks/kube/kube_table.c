/* kube_table.c: server-side printing (pkg/printers/internalversion of the apiserver) for the
 * served kinds. Column names, priorities and cell formats follow the apiserver. */
#include "kube_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube_meta.h"
#include "osh_buf.h"
#include "osh_str.h"

typedef struct column {
    const char *name;
    const char *type;
    const char *format;
    int priority;
} column;

void kube_table_human_duration(long s, char *out, size_t size)
{
    if (s < -1) {
        snprintf(out, size, "<invalid>");
        return;
    }
    if (s < 0)
        s = 0;
    long m = s / 60, h = s / 3600;
    if (s < 120)
        snprintf(out, size, "%lds", s);
    else if (m < 10)
        s % 60 ? snprintf(out, size, "%ldm%lds", m, s % 60) : snprintf(out, size, "%ldm", m);
    else if (m < 180)
        snprintf(out, size, "%ldm", m);
    else if (h < 8)
        m % 60 ? snprintf(out, size, "%ldh%ldm", h, m % 60) : snprintf(out, size, "%ldh", h);
    else if (h < 48)
        snprintf(out, size, "%ldh", h);
    else if (h < 24 * 8)
        h % 24 ? snprintf(out, size, "%ldd%ldh", h / 24, h % 24) : snprintf(out, size, "%ldd", h / 24);
    else if (h < 24 * 365 * 2)
        snprintf(out, size, "%ldd", h / 24);
    else if (h < 24 * 365 * 8)
        (h / 24) % 365 ? snprintf(out, size, "%ldy%ldd", h / 24 / 365, (h / 24) % 365)
                       : snprintf(out, size, "%ldy", h / 24 / 365);
    else
        snprintf(out, size, "%ldy", h / 24 / 365);
}

void kube_table_age(const cJSON *obj, time_t now, char *out, size_t size)
{
    const char *ts = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, "metadata"),
                                                                           "creationTimestamp"));
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (!ts || !strptime(ts, "%Y-%m-%dT%H:%M:%SZ", &tm)) {
        snprintf(out, size, "<unknown>");
        return;
    }
    kube_table_human_duration((long)(now - timegm(&tm)), out, size);
}

static const char *str_at(const cJSON *o, const char *dotted, const char *fallback)
{
    const char *v = cJSON_GetStringValue(kube_field_at(o, dotted));
    return v && *v ? v : fallback;
}

static int int_at(const cJSON *o, const char *dotted, int fallback)
{
    const cJSON *v = kube_field_at(o, dotted);
    return cJSON_IsNumber(v) ? v->valueint : fallback;
}

static const char *condition_status(const cJSON *o, const char *type)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, kube_field_at(o, "status.conditions"))
    {
        if (strcmp(str_at(c, "type", ""), type) == 0)
            return str_at(c, "status", "Unknown");
    }
    return NULL;
}

static void add_str(cJSON *cells, const char *v) { cJSON_AddItemToArray(cells, cJSON_CreateString(v)); }
static void add_int(cJSON *cells, int v) { cJSON_AddItemToArray(cells, cJSON_CreateNumber(v)); }

static void add_age(cJSON *cells, const cJSON *o)
{
    char age[32];
    kube_table_age(o, time(NULL), age, sizeof(age));
    add_str(cells, age);
}

static void node_cells(cJSON *cells, const cJSON *o)
{
    const char *ready = condition_status(o, "Ready");
    osh_buf status = OSH_BUF_INIT;
    osh_buf_append_str(&status, ready && strcmp(ready, "True") == 0 ? "Ready" : ready ? "NotReady" : "Unknown");
    if (cJSON_IsTrue(kube_field_at(o, "spec.unschedulable")))
        osh_buf_append_str(&status, ",SchedulingDisabled");
    add_str(cells, osh_buf_str(&status));
    osh_buf_free(&status);
    osh_buf roles = OSH_BUF_INIT;
    const cJSON *l;
    cJSON_ArrayForEach(l, kube_field_at(o, "metadata.labels"))
    {
        if (osh_str_starts_with(l->string, "node-role.kubernetes.io/")) {
            if (roles.len)
                osh_buf_append_char(&roles, ',');
            osh_buf_append_str(&roles, l->string + strlen("node-role.kubernetes.io/"));
        }
    }
    add_str(cells, roles.len ? osh_buf_str(&roles) : "<none>");
    osh_buf_free(&roles);
    add_age(cells, o);
    add_str(cells, str_at(o, "status.nodeInfo.kubeletVersion", ""));
    const char *internal = "<none>", *external = "<none>";
    const cJSON *a;
    cJSON_ArrayForEach(a, kube_field_at(o, "status.addresses"))
    {
        if (strcmp(str_at(a, "type", ""), "InternalIP") == 0)
            internal = str_at(a, "address", "<none>");
        if (strcmp(str_at(a, "type", ""), "ExternalIP") == 0)
            external = str_at(a, "address", "<none>");
    }
    add_str(cells, internal);
    add_str(cells, external);
    add_str(cells, str_at(o, "status.nodeInfo.osImage", "<unknown>"));
    add_str(cells, str_at(o, "status.nodeInfo.kernelVersion", "<unknown>"));
    add_str(cells, str_at(o, "status.nodeInfo.containerRuntimeVersion", "<unknown>"));
}

static void pod_cells(cJSON *cells, const cJSON *o)
{
    int total = cJSON_GetArraySize(kube_field_at(o, "spec.containers")), ready = 0, restarts = 0;
    const cJSON *cs;
    cJSON_ArrayForEach(cs, kube_field_at(o, "status.containerStatuses"))
    {
        ready += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cs, "ready"));
        restarts += int_at(cs, "restartCount", 0);
    }
    char buf[32];
    snprintf(buf, sizeof(buf), "%d/%d", ready, total);
    add_str(cells, buf);
    const char *reason = str_at(o, "status.reason", str_at(o, "status.phase", "Unknown"));
    if (cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "metadata"), "deletionTimestamp"))
        reason = strcmp(str_at(o, "status.reason", ""), "NodeLost") == 0 ? "Unknown" : "Terminating";
    add_str(cells, reason);
    add_int(cells, restarts);
    add_age(cells, o);
    add_str(cells, str_at(o, "status.podIP", "<none>"));
    add_str(cells, str_at(o, "spec.nodeName", "<none>"));
    add_str(cells, str_at(o, "status.nominatedNodeName", "<none>"));
    add_str(cells, "<none>");
}

static void secret_cells(cJSON *cells, const cJSON *o)
{
    add_str(cells, str_at(o, "type", "Opaque"));
    add_int(cells, cJSON_GetArraySize(kube_field_at(o, "data")));
    add_age(cells, o);
}

/* The access modes as kubectl abbreviates them ("RWO,ROX"), as one cell. */
static void add_access_modes(cJSON *cells, const cJSON *modes)
{
    osh_buf out = OSH_BUF_INIT;
    const cJSON *m;
    cJSON_ArrayForEach(m, modes)
    {
        const char *v = cJSON_GetStringValue(m);
        const char *abbr = !v                                     ? ""
                           : strcmp(v, "ReadWriteOnce") == 0      ? "RWO"
                           : strcmp(v, "ReadOnlyMany") == 0       ? "ROX"
                           : strcmp(v, "ReadWriteMany") == 0      ? "RWX"
                           : strcmp(v, "ReadWriteOncePod") == 0   ? "RWOP"
                                                                  : v;
        if (out.len)
            osh_buf_append_char(&out, ',');
        osh_buf_append_str(&out, abbr);
    }
    char *text = osh_buf_detach(&out);
    add_str(cells, text);
    free(text);
}

static void pv_cells(cJSON *cells, const cJSON *o)
{
    add_str(cells, str_at(o, "spec.capacity.storage", ""));
    add_access_modes(cells, kube_field_at(o, "spec.accessModes"));
    add_str(cells, str_at(o, "spec.persistentVolumeReclaimPolicy", ""));
    add_str(cells, str_at(o, "status.phase", ""));
    const char *ns = str_at(o, "spec.claimRef.namespace", NULL), *name = str_at(o, "spec.claimRef.name", NULL);
    char *claim = ns && name ? osh_str_printf("%s/%s", ns, name) : osh_str_dup("");
    add_str(cells, claim);
    free(claim);
    add_str(cells, str_at(o, "spec.storageClassName", ""));
    add_str(cells, str_at(o, "spec.volumeAttributesClassName", "<unset>"));
    add_str(cells, str_at(o, "status.reason", ""));
    add_age(cells, o);
    add_str(cells, str_at(o, "spec.volumeMode", "Filesystem"));
}

static void pvc_cells(cJSON *cells, const cJSON *o)
{
    add_str(cells, str_at(o, "status.phase", ""));
    add_str(cells, str_at(o, "spec.volumeName", ""));
    add_str(cells, str_at(o, "status.capacity.storage", ""));
    add_access_modes(cells, kube_field_at(o, "status.accessModes"));
    add_str(cells, str_at(o, "spec.storageClassName", ""));
    add_str(cells, str_at(o, "spec.volumeAttributesClassName", "<unset>"));
    add_age(cells, o);
    add_str(cells, str_at(o, "spec.volumeMode", "Filesystem"));
}

static void containers_and_images(cJSON *cells, const cJSON *o)
{
    osh_buf names = OSH_BUF_INIT, images = OSH_BUF_INIT;
    const cJSON *c;
    cJSON_ArrayForEach(c, kube_field_at(o, "spec.template.spec.containers"))
    {
        if (names.len) {
            osh_buf_append_char(&names, ',');
            osh_buf_append_char(&images, ',');
        }
        osh_buf_append_str(&names, str_at(c, "name", ""));
        osh_buf_append_str(&images, str_at(c, "image", ""));
    }
    add_str(cells, osh_buf_str(&names));
    add_str(cells, osh_buf_str(&images));
    osh_buf_free(&names);
    osh_buf_free(&images);
}

static void statefulset_cells(cJSON *cells, const cJSON *o)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%d/%d", int_at(o, "status.readyReplicas", 0), int_at(o, "spec.replicas", 1));
    add_str(cells, buf);
    add_age(cells, o);
    containers_and_images(cells, o);
}

static void deployment_cells(cJSON *cells, const cJSON *o)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%d/%d", int_at(o, "status.readyReplicas", 0), int_at(o, "spec.replicas", 1));
    add_str(cells, buf);
    add_int(cells, int_at(o, "status.updatedReplicas", 0));
    add_int(cells, int_at(o, "status.availableReplicas", 0));
    add_age(cells, o);
    containers_and_images(cells, o);
    osh_buf sel = OSH_BUF_INIT;
    const cJSON *l;
    cJSON_ArrayForEach(l, kube_field_at(o, "spec.selector.matchLabels"))
    {
        if (sel.len)
            osh_buf_append_char(&sel, ',');
        osh_buf_appendf(&sel, "%s=%s", l->string, cJSON_GetStringValue(l) ? l->valuestring : "");
    }
    add_str(cells, sel.len ? osh_buf_str(&sel) : "<none>");
    osh_buf_free(&sel);
}

static void namespace_cells(cJSON *cells, const cJSON *o)
{
    add_str(cells, str_at(o, "status.phase", "Active"));
    add_age(cells, o);
}

static void age_only_cells(cJSON *cells, const cJSON *o) { add_age(cells, o); }

typedef struct printer {
    const char *plural;
    void (*cells)(cJSON *cells, const cJSON *o);
    column columns[12];
} printer;

#define NAME_COL {"Name", "string", "name", 0}
#define AGE_COL {"Age", "string", "", 0}

static const printer PRINTERS[] = {
    {"nodes", node_cells,
     {NAME_COL, {"Status", "string", "", 0}, {"Roles", "string", "", 0}, AGE_COL, {"Version", "string", "", 0},
      {"Internal-IP", "string", "", 1}, {"External-IP", "string", "", 1}, {"OS-Image", "string", "", 1},
      {"Kernel-Version", "string", "", 1}, {"Container-Runtime", "string", "", 1}}},
    {"pods", pod_cells,
     {NAME_COL, {"Ready", "string", "", 0}, {"Status", "string", "", 0}, {"Restarts", "string", "", 0}, AGE_COL,
      {"IP", "string", "", 1}, {"Node", "string", "", 1}, {"Nominated Node", "string", "", 1},
      {"Readiness Gates", "string", "", 1}}},
    {"namespaces", namespace_cells, {NAME_COL, {"Status", "string", "", 0}, AGE_COL}},
    {"secrets", secret_cells, {NAME_COL, {"Type", "string", "", 0}, {"Data", "string", "", 0}, AGE_COL}},
    {"persistentvolumes", pv_cells,
     {NAME_COL, {"Capacity", "string", "", 0}, {"Access Modes", "string", "", 0}, {"Reclaim Policy", "string", "", 0},
      {"Status", "string", "", 0}, {"Claim", "string", "", 0}, {"StorageClass", "string", "", 0},
      {"VolumeAttributesClass", "string", "", 0}, {"Reason", "string", "", 0}, AGE_COL,
      {"VolumeMode", "string", "", 1}}},
    {"persistentvolumeclaims", pvc_cells,
     {NAME_COL, {"Status", "string", "", 0}, {"Volume", "string", "", 0}, {"Capacity", "string", "", 0},
      {"Access Modes", "string", "", 0}, {"StorageClass", "string", "", 0}, {"VolumeAttributesClass", "string", "", 0},
      AGE_COL, {"VolumeMode", "string", "", 1}}},
    {"statefulsets", statefulset_cells,
     {NAME_COL, {"Ready", "string", "", 0}, AGE_COL, {"Containers", "string", "", 1}, {"Images", "string", "", 1}}},
    {"deployments", deployment_cells,
     {NAME_COL, {"Ready", "string", "", 0}, {"Up-to-date", "integer", "", 0}, {"Available", "integer", "", 0}, AGE_COL,
      {"Containers", "string", "", 1}, {"Images", "string", "", 1}, {"Selector", "string", "", 1}}},
    {"sandboxes", age_only_cells, {NAME_COL, AGE_COL}},
};

static const printer *printer_for(const kube_resource *r)
{
    for (size_t i = 0; i < sizeof(PRINTERS) / sizeof(PRINTERS[0]); i++)
        if (strcmp(PRINTERS[i].plural, r->plural) == 0)
            return &PRINTERS[i];
    return &PRINTERS[sizeof(PRINTERS) / sizeof(PRINTERS[0]) - 1];
}

cJSON *kube_table_row_object(const cJSON *o, const kube_resource *r, const char *include)
{
    if (include && strcmp(include, "None") == 0)
        return NULL;
    if (include && strcmp(include, "Object") == 0) {
        cJSON *copy = cJSON_Duplicate(o, true);
        if (r && !cJSON_GetObjectItemCaseSensitive(copy, "kind")) {
            cJSON_AddStringToObject(copy, "kind", r->kind);
            cJSON_AddStringToObject(copy, "apiVersion", kube_resource_api_version(r));
        }
        return copy;
    }
    cJSON *pom = cJSON_CreateObject();
    cJSON_AddStringToObject(pom, "kind", "PartialObjectMetadata");
    cJSON_AddStringToObject(pom, "apiVersion", "meta.k8s.io/v1");
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(o, "metadata");
    cJSON_AddItemToObject(pom, "metadata", meta ? cJSON_Duplicate(meta, true) : cJSON_CreateObject());
    return pom;
}

cJSON *kube_table_new(const char *resource_version, cJSON **columns, cJSON **rows)
{
    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "kind", "Table");
    cJSON_AddStringToObject(t, "apiVersion", "meta.k8s.io/v1");
    cJSON *meta = cJSON_AddObjectToObject(t, "metadata");
    if (resource_version)
        cJSON_AddStringToObject(meta, "resourceVersion", resource_version);
    *columns = cJSON_AddArrayToObject(t, "columnDefinitions");
    *rows = cJSON_AddArrayToObject(t, "rows");
    return t;
}

void kube_table_add_column(cJSON *columns, const char *name, const char *type, const char *format,
                           const char *description, int priority)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "name", name);
    cJSON_AddStringToObject(c, "type", type);
    cJSON_AddStringToObject(c, "format", format);
    cJSON_AddStringToObject(c, "description", description);
    cJSON_AddNumberToObject(c, "priority", priority);
    cJSON_AddItemToArray(columns, c);
}

cJSON *kube_table_build(const kube_resource *r, const cJSON *items, const char *include_object,
                        const char *resource_version)
{
    const printer *p = printer_for(r);
    cJSON *cols, *rows;
    cJSON *t = kube_table_new(resource_version, &cols, &rows);
    for (size_t i = 0; i < 12 && p->columns[i].name; i++)
        kube_table_add_column(cols, p->columns[i].name, p->columns[i].type, p->columns[i].format, "",
                              p->columns[i].priority);
    const cJSON *o;
    cJSON_ArrayForEach(o, items)
    {
        cJSON *row = cJSON_CreateObject();
        cJSON *cells = cJSON_AddArrayToObject(row, "cells");
        add_str(cells, str_at(o, "metadata.name", ""));
        p->cells(cells, o);
        cJSON *obj = kube_table_row_object(o, r, include_object);
        if (obj)
            cJSON_AddItemToObject(row, "object", obj);
        cJSON_AddItemToArray(rows, row);
    }
    return t;
}
