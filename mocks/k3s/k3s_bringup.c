/* k3s_bringup.c: the cluster image's deployment and healthcheck, and the legacy-node
 * scenario shorthand (see k3s_bringup.h). */
#include "k3s_bringup.h"

#include <stdlib.h>
#include <string.h>

#include "kube_meta.h"
#include "osh_base64.h"
#include "osh_str.h"

static const kube_resource *res(const char *plural) { return kube_resource_by_user_name(plural); }

static void create_json(kube_store *s, const char *plural, const char *ns, const char *json)
{
    cJSON *obj = cJSON_Parse(json);
    kube_result r = kube_store_create(s, res(plural), ns, obj, false);
    cJSON_Delete(r.body);
    cJSON_Delete(obj);
}

static bool exists(kube_store *s, const char *plural, const char *ns, const char *name)
{
    kube_result r = kube_store_get(s, res(plural), ns, name);
    cJSON_Delete(r.body);
    return r.code == 200;
}

static const char *WORKLOAD_SPEC =
    "\"spec\": {\"replicas\": 1, \"selector\": {\"matchLabels\": {\"app.kubernetes.io/name\": \"openshell\"}},"
    " \"template\": {\"metadata\": {\"labels\": {\"app.kubernetes.io/name\": \"openshell\"}},"
    "  \"spec\": {\"containers\": [{\"name\": \"openshell\", \"image\": \"ghcr.io/nvidia/openshell/gateway:dev\","
    "   \"ports\": [{\"containerPort\": 8080, \"name\": \"grpc\"}]}]}}";

void k3s_bringup(kube_store *s, const k3s_config *cfg)
{
    if (!exists(s, "namespaces", NULL, "openshell"))
        create_json(s, "namespaces", NULL, "{\"metadata\": {\"name\": \"openshell\"}}");
    if (strcmp(cfg->workload, "statefulset") == 0 && !exists(s, "statefulsets", "openshell", "openshell")) {
        char *json = osh_str_printf("{\"metadata\": {\"name\": \"openshell\", \"namespace\": \"openshell\"}, %s,"
                                    " \"serviceName\": \"openshell\", \"podManagementPolicy\": \"OrderedReady\","
                                    " \"updateStrategy\": {\"type\": \"RollingUpdate\", \"rollingUpdate\": {\"partition\": 0}},"
                                    " \"volumeClaimTemplates\": [{\"metadata\": {\"name\": \"workspace\"},"
                                    " \"spec\": {\"accessModes\": [\"ReadWriteOnce\"], \"resources\": {\"requests\": {\"storage\": \"1Gi\"}}}}]}}",
                                    WORKLOAD_SPEC);
        create_json(s, "statefulsets", "openshell", json);
        free(json);
    } else if (strcmp(cfg->workload, "deployment") == 0 && !exists(s, "deployments", "openshell", "openshell")) {
        char *json = osh_str_printf("{\"metadata\": {\"name\": \"openshell\", \"namespace\": \"openshell\"}, %s,"
                                    " \"strategy\": {\"type\": \"RollingUpdate\"}}}",
                                    WORKLOAD_SPEC);
        create_json(s, "deployments", "openshell", json);
        free(json);
    }
    if (!cfg->secret_never && cfg->secret_after_m1 == 0 && !exists(s, "secrets", "openshell", "openshell-cli-client"))
        k3s_bringup_secret(s, cfg);
}

static void add_pem(cJSON *data, const char *key, const char *label, const char *body, const k3s_config *cfg)
{
    if (cfg->missing_key && strcmp(cfg->missing_key, key) == 0)
        return;
    if (cfg->broken_key && strcmp(cfg->broken_key, key) == 0) {
        cJSON_AddStringToObject(data, key, cfg->broken_value ? cfg->broken_value : "!!notbase64");
        return;
    }
    char *pem = osh_str_printf("-----BEGIN %s-----\n%s\n-----END %s-----\n", label, body, label);
    osh_buf b64 = OSH_BUF_INIT;
    osh_base64_encode(&b64, pem, strlen(pem));
    cJSON_AddStringToObject(data, key, osh_buf_str(&b64));
    osh_buf_free(&b64);
    free(pem);
}

void k3s_bringup_secret(kube_store *s, const k3s_config *cfg)
{
    k3s_remove_secret(s);
    if (!exists(s, "namespaces", NULL, "openshell"))
        create_json(s, "namespaces", NULL, "{\"metadata\": {\"name\": \"openshell\"}}");
    cJSON *secret = cJSON_Parse("{\"metadata\": {\"name\": \"openshell-cli-client\", \"namespace\": \"openshell\"},"
                                " \"type\": \"kubernetes.io/tls\"}");
    cJSON *data = cJSON_AddObjectToObject(secret, "data");
    add_pem(data, "ca.crt", "CERTIFICATE", "MIIBszCCAVmgAwIBAgIUSIMULATEDopenshellCAsimulatedCA0", cfg);
    add_pem(data, "tls.crt", "CERTIFICATE", "MIIBtjCCAVygAwIBAgIUSIMULATEDopenshellclientCERT000", cfg);
    add_pem(data, "tls.key", "PRIVATE KEY", "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSIMULATEDKEY", cfg);
    kube_result r = kube_store_create(s, res("secrets"), "openshell", secret, false);
    cJSON_Delete(r.body);
    cJSON_Delete(secret);
}

void k3s_remove_secret(kube_store *s)
{
    kube_delete_opts o = {-1, NULL, false};
    kube_result r = kube_store_delete(s, res("secrets"), "openshell", "openshell-cli-client", &o);
    cJSON_Delete(r.body);
}

bool k3s_healthcheck_passes(kube_store *s, const k3s_config *cfg, bool need_secret)
{
    bool ok = false;
    const char *plural = strcmp(cfg->workload, "deployment") == 0 ? "deployments" : "statefulsets";
    kube_result w = kube_store_get(s, res(plural), "openshell", "openshell");
    if (w.code == 200) {
        const cJSON *ready = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(w.body, "status"), "readyReplicas");
        ok = cJSON_IsNumber(ready) && ready->valueint >= 1;
    }
    cJSON_Delete(w.body);
    if (ok && need_secret) {
        kube_result sec = kube_store_get(s, res("secrets"), "openshell", "openshell-cli-client");
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(sec.body, "data");
        const char *keys[] = {"ca.crt", "tls.crt", "tls.key"};
        for (size_t i = 0; i < 3; i++) {
            const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(data, keys[i]));
            ok = ok && v && *v;
        }
        ok = ok && sec.code == 200;
        cJSON_Delete(sec.body);
    }
    return ok;
}

/* Adds the legacy node's objects to a scenario document (a copy). */
static void expand_legacy(cJSON *doc, const char *node)
{
    char *json = osh_str_printf(
        "{\"nodes\": [{\"metadata\": {\"name\": \"%s\", \"labels\": {\"kubernetes.io/hostname\": \"%s\"}},"
        "  \"status\": {\"conditions\": [{\"type\": \"Ready\", \"status\": \"Unknown\", \"reason\": \"NodeStatusUnknown\","
        "   \"message\": \"Kubelet stopped posting node status.\"}],"
        "   \"nodeInfo\": {\"kubeletVersion\": \"v1.35.2+k3s1\"}}}],"
        " \"pods\": [{\"metadata\": {\"name\": \"openshell-0\", \"namespace\": \"openshell\","
        "   \"labels\": {\"app.kubernetes.io/name\": \"openshell\"}, \"deletionTimestamp\": \"2026-01-01T00:00:00Z\","
        "   \"deletionGracePeriodSeconds\": 30},"
        "  \"spec\": {\"nodeName\": \"%s\", \"containers\": [{\"name\": \"openshell\", \"image\": \"ghcr.io/nvidia/openshell/gateway:dev\"}]},"
        "  \"status\": {\"phase\": \"Running\", \"podIP\": \"10.42.0.9\"}}],"
        " \"persistentvolumes\": [{\"metadata\": {\"name\": \"pvc-3f9a1c2b-legacy\"},"
        "  \"spec\": {\"capacity\": {\"storage\": \"1Gi\"}, \"accessModes\": [\"ReadWriteOnce\"],"
        "   \"persistentVolumeReclaimPolicy\": \"Delete\", \"storageClassName\": \"local-path\","
        "   \"claimRef\": {\"kind\": \"PersistentVolumeClaim\", \"namespace\": \"openshell\", \"name\": \"openshell-data-openshell-0\"},"
        "   \"nodeAffinity\": {\"required\": {\"nodeSelectorTerms\": [{\"matchExpressions\": [{\"key\": \"kubernetes.io/hostname\","
        "    \"operator\": \"In\", \"values\": [\"%s\"]}]}]}}},"
        "  \"status\": {\"phase\": \"Bound\"}}],"
        " \"persistentvolumeclaims\": [{\"metadata\": {\"name\": \"openshell-data-openshell-0\", \"namespace\": \"openshell\"},"
        "  \"spec\": {\"accessModes\": [\"ReadWriteOnce\"], \"resources\": {\"requests\": {\"storage\": \"1Gi\"}},"
        "   \"storageClassName\": \"local-path\", \"volumeName\": \"pvc-3f9a1c2b-legacy\"},"
        "  \"status\": {\"phase\": \"Bound\", \"capacity\": {\"storage\": \"1Gi\"}, \"accessModes\": [\"ReadWriteOnce\"]}}]}",
        node, node, node, node);
    cJSON *extra = cJSON_Parse(json);
    free(json);
    cJSON *list;
    cJSON_ArrayForEach(list, extra)
    {
        cJSON *dst = cJSON_GetObjectItemCaseSensitive(doc, list->string);
        if (!dst)
            dst = cJSON_AddArrayToObject(doc, list->string);
        cJSON *item;
        cJSON_ArrayForEach(item, list) cJSON_AddItemToArray(dst, cJSON_Duplicate(item, true));
    }
    cJSON_Delete(extra);
}

kube_store *k3s_volume_store_from_scenario(const cJSON *doc, const char *path, char **error)
{
    *error = NULL;
    if (!cJSON_IsObject(doc)) {
        *error = osh_str_printf("%s: expected object", path);
        return NULL;
    }
    cJSON *copy = cJSON_Duplicate(doc, true);
    cJSON_DeleteItemFromObjectCaseSensitive(copy, "images");
    cJSON *legacy = cJSON_DetachItemFromObjectCaseSensitive(copy, "legacy_node");
    if (legacy && !cJSON_IsString(legacy)) {
        *error = osh_str_printf("%s.legacy_node: expected string", path);
        cJSON_Delete(legacy);
        cJSON_Delete(copy);
        return NULL;
    }
    if (legacy)
        expand_legacy(copy, legacy->valuestring);
    cJSON_Delete(legacy);
    char *inner = NULL;
    kube_store *s = kube_store_import(copy, &inner);
    cJSON_Delete(copy);
    if (!s) {
        *error = osh_str_printf("%s.%s", path, inner);
        free(inner);
    }
    return s;
}
