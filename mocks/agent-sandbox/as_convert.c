/* as_convert.c: the Sandbox conversion webhook of agent-sandbox v0.5.6
 * (api/v1alpha1/sandbox_conversion.go): v1beta1 is the hub; v1alpha1 replicas 0/1 map to
 * operatingMode Suspended/Running, and the whole v1alpha1 object rides along in an annotation
 * so that it reads back unchanged. Only the fields the Go types know are carried. */
#include <stdlib.h>
#include <string.h>

#include "agent_sandbox.h"
#include "kube_meta.h"
#include "osh_str.h"

#define STATE_ANNOTATION "api.agents.x-k8s.io/v1alpha1-sandbox-state"
#define ALPHA "agents.x-k8s.io/v1alpha1"
#define BETA "agents.x-k8s.io/v1beta1"

static const cJSON *get(const cJSON *o, const char *k) { return cJSON_GetObjectItemCaseSensitive(o, k); }

static void copy_key(cJSON *dst, const cJSON *src, const char *key)
{
    const cJSON *v = get(src, key);
    if (v && !cJSON_IsNull(v))
        cJSON_AddItemToObject(dst, key, cJSON_Duplicate(v, true));
}

/* The fields both versions share: podTemplate, volumeClaimTemplates, lifecycle, service. */
static cJSON *common_spec(const cJSON *src)
{
    cJSON *spec = cJSON_CreateObject();
    const char *keys[] = {"podTemplate", "volumeClaimTemplates", "shutdownTime", "shutdownPolicy"};
    for (size_t i = 0; i < 4; i++)
        copy_key(spec, src, keys[i]);
    return spec;
}

static cJSON *common_status(const cJSON *src)
{
    cJSON *st = cJSON_CreateObject();
    const char *keys[] = {"serviceFQDN", "service", "conditions", "selector", "podIPs", "lifecycle"};
    for (size_t i = 0; i < 6; i++)
        copy_key(st, src, keys[i]);
    return st;
}

static cJSON *envelope(const char *api_version, const cJSON *src)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kind", "Sandbox");
    cJSON_AddStringToObject(o, "apiVersion", api_version);
    const cJSON *meta = get(src, "metadata");
    cJSON_AddItemToObject(o, "metadata", meta ? cJSON_Duplicate(meta, true) : cJSON_CreateObject());
    return o;
}

static cJSON *to_beta(const cJSON *a)
{
    cJSON *b = envelope(BETA, a);
    const cJSON *aspec = get(a, "spec");
    cJSON *spec = common_spec(aspec);
    const cJSON *replicas = get(aspec, "replicas");
    cJSON_AddStringToObject(spec, "operatingMode",
                            cJSON_IsNumber(replicas) && replicas->valuedouble == 0 ? "Suspended" : "Running");
    copy_key(spec, aspec, "service");
    cJSON_AddItemToObject(b, "spec", spec);
    cJSON_AddItemToObject(b, "status", common_status(get(a, "status")));
    /* the original, minus the annotation itself, for a lossless way back */
    cJSON *state = cJSON_Duplicate(a, true);
    cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(kube_meta_object(state), "annotations"),
                                            STATE_ANNOTATION);
    char *json = cJSON_PrintUnformatted(state);
    cJSON_Delete(state);
    cJSON *meta = kube_meta_object(b);
    cJSON *ann = cJSON_GetObjectItemCaseSensitive(meta, "annotations");
    if (!cJSON_IsObject(ann)) {
        cJSON_DeleteItemFromObjectCaseSensitive(meta, "annotations");
        ann = cJSON_AddObjectToObject(meta, "annotations");
    }
    cJSON_DeleteItemFromObjectCaseSensitive(ann, STATE_ANNOTATION);
    cJSON_AddStringToObject(ann, STATE_ANNOTATION, json);
    free(json);
    return b;
}

static cJSON *to_alpha(const cJSON *b)
{
    cJSON *a = envelope(ALPHA, b);
    const cJSON *bspec = get(b, "spec");
    const char *mode = cJSON_GetStringValue(get(bspec, "operatingMode"));
    bool suspended = mode && strcmp(mode, "Suspended") == 0;
    cJSON *spec = common_spec(bspec);
    cJSON_AddNumberToObject(spec, "replicas", suspended ? 0 : 1);
    copy_key(spec, bspec, "service");
    cJSON_AddItemToObject(a, "spec", spec);
    cJSON *status = common_status(get(b, "status"));
    int status_replicas = suspended ? 0 : 1;
    cJSON *ann = cJSON_GetObjectItemCaseSensitive(kube_meta_object(a), "annotations");
    const char *state = cJSON_GetStringValue(get(ann, STATE_ANNOTATION));
    if (state) {
        cJSON *original = cJSON_Parse(state);
        const cJSON *orep = get(get(original, "spec"), "replicas");
        if (!suspended) {
            cJSON_DeleteItemFromObjectCaseSensitive(spec, "replicas");
            if (!cJSON_IsNumber(orep))
                ; /* nil stays nil */
            else
                cJSON_AddNumberToObject(spec, "replicas", orep->valuedouble != 0 ? orep->valuedouble : 1);
        }
        const cJSON *osr = get(get(original, "status"), "replicas");
        status_replicas = cJSON_IsNumber(osr) ? osr->valueint : 0;
        cJSON_Delete(original);
        cJSON_DeleteItemFromObjectCaseSensitive(ann, STATE_ANNOTATION);
        if (!ann->child)
            cJSON_DeleteItemFromObjectCaseSensitive(kube_meta_object(a), "annotations");
    }
    if (status_replicas) /* int32 with omitempty */
        cJSON_AddNumberToObject(status, "replicas", status_replicas);
    cJSON_AddItemToObject(a, "status", status);
    return a;
}

cJSON *agent_sandbox_convert(const cJSON *obj, const char *to, char **error)
{
    *error = NULL;
    const char *from = cJSON_GetStringValue(get(obj, "apiVersion"));
    if (!from || !to || (strcmp(to, ALPHA) != 0 && strcmp(to, BETA) != 0) ||
        (strcmp(from, ALPHA) != 0 && strcmp(from, BETA) != 0)) {
        *error = osh_str_printf("unsupported conversion from %s to %s", from ? from : "(none)", to ? to : "(none)");
        return NULL;
    }
    if (strcmp(from, to) == 0)
        return cJSON_Duplicate(obj, true);
    cJSON *out = strcmp(to, BETA) == 0 ? to_beta(obj) : to_alpha(obj);
    /* an empty status is not written back (omitempty on a struct marshals {} in Go; the
     * apiserver keeps what the webhook returns) */
    const cJSON *st = get(out, "status");
    if (st && !st->child)
        cJSON_DeleteItemFromObjectCaseSensitive(out, "status");
    return out;
}

void agent_sandbox_name_hash(const char *name, char out[9])
{
    unsigned h = 2166136261u;
    for (const char *p = name; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    static const char hex[] = "0123456789abcdef";
    for (int i = 7; i >= 0; i--) {
        out[i] = hex[h & 0xf];
        h >>= 4;
    }
    out[8] = '\0';
}
