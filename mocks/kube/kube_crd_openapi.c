/* kube_crd_openapi.c: the OpenAPI v3 document of a served CRD version (/openapi/v3/apis/
 * {group}/{version}), made as the apiserver makes it: the version's openAPIV3Schema under
 * io.{reversed group}.{version}.{Kind} with x-kubernetes-group-version-kind and metadata
 * pointing at ObjectMeta, and the REST paths of a namespaced resource. The paths and shared
 * meta/v1 schemas come from the trimmed template of openapi/ (made by trim_openapi.py). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube_api_internal.h"
#include "osh_buf.h"
#include "osh_str.h"

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    osh_buf b = OSH_BUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        osh_buf_append(&b, chunk, n);
    fclose(f);
    osh_buf_append_char(&b, '\0');
    return b.data;
}

static char *replace_all(const char *text, const char *from, const char *to)
{
    osh_buf b = OSH_BUF_INIT;
    size_t fl = strlen(from);
    const char *p = text, *hit;
    while ((hit = strstr(p, from))) {
        osh_buf_append(&b, p, (size_t)(hit - p));
        osh_buf_append_str(&b, to);
        p = hit + fl;
    }
    osh_buf_append_str(&b, p);
    return b.data ? b.data : osh_str_dup("");
}

cJSON *kube_crd_openapi(const kube_crd *crd, const kube_crd_version *v, const char *template_path)
{
    char *text = read_file(template_path);
    if (!text)
        return NULL;
    /* the template is the v1alpha1 Sandbox document: rename its version throughout */
    char cap[64];
    snprintf(cap, sizeof(cap), "%s", v->name);
    cap[0] = (char)(cap[0] >= 'a' && cap[0] <= 'z' ? cap[0] - 32 : cap[0]);
    const char *pairs[][2] = {{"io.x-k8s.agents.v1alpha1", NULL}, {"/apis/agents.x-k8s.io/v1alpha1", NULL},
                              {"\"version\":\"v1alpha1\"", NULL}, {"AgentsXK8sIoV1alpha1", NULL}};
    char *tos[4] = {osh_str_printf("io.x-k8s.agents.%s", v->name), osh_str_printf("/apis/agents.x-k8s.io/%s", v->name),
                    osh_str_printf("\"version\":\"%s\"", v->name), osh_str_printf("AgentsXK8sIo%s", cap)};
    for (size_t i = 0; i < 4; i++) {
        char *next = replace_all(text, pairs[i][0], tos[i]);
        free(text);
        free(tos[i]);
        text = next;
    }
    cJSON *doc = cJSON_Parse(text);
    free(text);
    if (!doc)
        return NULL;
    cJSON *schemas = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "components"), "schemas");
    char *name = osh_str_printf("io.x-k8s.agents.%s.%s", v->name, crd->kind);
    cJSON *schema = cJSON_Duplicate(v->schema, true);
    cJSON *gvk = cJSON_AddArrayToObject(schema, "x-kubernetes-group-version-kind");
    cJSON *g = cJSON_CreateObject();
    cJSON_AddStringToObject(g, "group", crd->group);
    cJSON_AddStringToObject(g, "kind", crd->kind);
    cJSON_AddStringToObject(g, "version", v->name);
    cJSON_AddItemToArray(gvk, g);
    cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
    if (props) {
        cJSON_DeleteItemFromObjectCaseSensitive(props, "metadata");
        cJSON_AddItemToObject(props, "metadata",
                              cJSON_Parse("{\"allOf\": [{\"$ref\": "
                                          "\"#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta\"}]}"));
    }
    cJSON_DeleteItemFromObjectCaseSensitive(schemas, name);
    cJSON_AddItemToObject(schemas, name, schema);
    free(name);
    /* a custom resource takes no strategic merge patch: its PATCH operations do not list it
     * (kubectl apply reads this to choose a JSON merge patch) */
    cJSON *path;
    cJSON_ArrayForEach(path, cJSON_GetObjectItemCaseSensitive(doc, "paths"))
    {
        cJSON *content = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(path, "patch"), "requestBody"), "content");
        cJSON_DeleteItemFromObjectCaseSensitive(content, "application/strategic-merge-patch+json");
    }
    if (!v->scale) {
        char *scale_path = osh_str_printf("/apis/%s/%s/namespaces/{namespace}/%s/{name}/scale", crd->group, v->name,
                                          crd->plural);
        cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "paths"), scale_path);
        free(scale_path);
    }
    return doc;
}
