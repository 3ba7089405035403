/* driver_status.c: what the driver reads from a Sandbox object (rules §13.7): whether it is
 * one of ours (managed-by, id, name, workspace; annotation first, then label, as
 * driver.rs:2134-2185), the phase's name and the Ready reason. The phase is driver_phase.c. */
#include "driver.h"

#include <string.h>

#include "osh_str.h"

const char *driver_phase_name(driver_phase phase)
{
    switch (phase) {
    case DRIVER_PHASE_PROVISIONING: return "Provisioning";
    case DRIVER_PHASE_READY: return "Ready";
    case DRIVER_PHASE_ERROR: return "Error";
    case DRIVER_PHASE_DELETING: return "Deleting";
    case DRIVER_PHASE_STOPPED: return "Stopped";
    default: return "Unknown";
    }
}

static const char *field(const cJSON *object, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, key);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

const char *driver_ready_reason(const cJSON *object)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(object, "status"),
                                                           "conditions"))
    {
        const char *type = field(c, "type");
        if (type && field(c, "status") && strcmp(type, "Ready") == 0) {
            const char *reason = field(c, "reason");
            return reason ? reason : "";
        }
    }
    return "";
}

/* Annotation, else label. */
static const char *meta_value(const cJSON *metadata, const char *key)
{
    const char *v = field(cJSON_GetObjectItemCaseSensitive(metadata, "annotations"), key);
    return v ? v : field(cJSON_GetObjectItemCaseSensitive(metadata, "labels"), key);
}

bool driver_object_identity(const cJSON *object, driver_identity *out)
{
    const cJSON *metadata = cJSON_GetObjectItemCaseSensitive(object, "metadata");
    const char *managed = meta_value(metadata, DRIVER_LABEL_MANAGED_BY);
    if (!managed || strcmp(managed, "openshell") != 0)
        return false;
    out->id = meta_value(metadata, DRIVER_LABEL_ID);
    out->name = meta_value(metadata, DRIVER_LABEL_NAME);
    out->workspace = meta_value(metadata, DRIVER_LABEL_WORKSPACE);
    out->cr_name = field(metadata, "name");
    if (!out->cr_name)
        out->cr_name = "";
    return out->id && out->name && out->workspace;
}
