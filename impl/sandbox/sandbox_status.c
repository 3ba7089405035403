/* sandbox_status.c: what a Sandbox object says about itself (rules §10.7): the phase derived
 * from its Ready condition, its sandbox id, and the message shown to users. */
#include "sandbox_status.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "osh_str.h"
#include "sandbox_translate.h"

const char *sandbox_phase_name(sandbox_phase phase)
{
    switch (phase) {
    case SANDBOX_PHASE_PROVISIONING: return "Provisioning";
    case SANDBOX_PHASE_READY: return "Ready";
    case SANDBOX_PHASE_ERROR: return "Error";
    case SANDBOX_PHASE_DELETING: return "Deleting";
    default: return "Unknown";
    }
}

static const cJSON *ready_condition(const cJSON *status)
{
    const cJSON *condition;
    cJSON_ArrayForEach(condition, cJSON_GetObjectItemCaseSensitive(status, "conditions"))
    {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(condition, "type");
        if (cJSON_IsString(type) && strcmp(type->valuestring, "Ready") == 0)
            return condition;
    }
    return NULL;
}

static const char *condition_field(const cJSON *condition, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(condition, key);
    return cJSON_IsString(item) ? item->valuestring : "";
}

sandbox_phase sandbox_derive_phase(const cJSON *object)
{
    const cJSON *metadata = cJSON_GetObjectItemCaseSensitive(object, "metadata");
    const cJSON *deletion = cJSON_GetObjectItemCaseSensitive(metadata, "deletionTimestamp");
    if (deletion && !cJSON_IsNull(deletion))
        return SANDBOX_PHASE_DELETING;
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(object, "status");
    if (!status || cJSON_IsNull(status))
        return SANDBOX_PHASE_UNKNOWN;
    const cJSON *ready = ready_condition(status);
    if (!ready)
        return SANDBOX_PHASE_PROVISIONING;
    const char *value = condition_field(ready, "status");
    if (osh_str_ieq(value, "True"))
        return SANDBOX_PHASE_READY;
    if (osh_str_ieq(value, "False")) {
        const char *reason = condition_field(ready, "reason");
        if (osh_str_ieq(reason, "ReconcilerError") || osh_str_ieq(reason, "DependenciesNotReady"))
            return SANDBOX_PHASE_PROVISIONING;
        return SANDBOX_PHASE_ERROR;
    }
    return SANDBOX_PHASE_PROVISIONING;
}

char *sandbox_object_id(const cJSON *object)
{
    const cJSON *metadata = cJSON_GetObjectItemCaseSensitive(object, "metadata");
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(metadata, "labels");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(labels, SANDBOX_LABEL_ID);
    if (cJSON_IsString(id))
        return osh_str_dup(id->valuestring);
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(metadata, "name");
    if (cJSON_IsString(name) && osh_str_starts_with(name->valuestring, "sandbox-"))
        return osh_str_dup(name->valuestring + strlen("sandbox-"));
    return NULL;
}

/* Whether the stored spec asks for a GPU: a nvidia.com/gpu limit on any pod container. */
static bool object_requests_gpu(const cJSON *object)
{
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(object, "spec");
    const cJSON *pod = cJSON_GetObjectItemCaseSensitive(spec, "podTemplate");
    const cJSON *pod_spec = cJSON_GetObjectItemCaseSensitive(pod, "spec");
    const cJSON *container;
    cJSON_ArrayForEach(container, cJSON_GetObjectItemCaseSensitive(pod_spec, "containers"))
    {
        const cJSON *resources = cJSON_GetObjectItemCaseSensitive(container, "resources");
        const cJSON *limits = cJSON_GetObjectItemCaseSensitive(resources, "limits");
        if (cJSON_GetObjectItemCaseSensitive(limits, "nvidia.com/gpu"))
            return true;
    }
    return false;
}

char *sandbox_user_message(const cJSON *object)
{
    const cJSON *ready = ready_condition(cJSON_GetObjectItemCaseSensitive(object, "status"));
    if (!ready)
        return NULL;
    if (object_requests_gpu(object) && osh_str_ieq(condition_field(ready, "status"), "False") &&
        osh_str_ieq(condition_field(ready, "reason"), "Unschedulable"))
        return osh_str_dup(SANDBOX_GPU_UNSCHEDULABLE_MESSAGE);
    const cJSON *message = cJSON_GetObjectItemCaseSensitive(ready, "message");
    return cJSON_IsString(message) ? osh_str_dup(message->valuestring) : NULL;
}
