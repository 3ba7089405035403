/* driver_status.c: what the driver reads from a Sandbox object (SPEC §13.7): whether it is
 * one of ours (managed-by, id, name, workspace; annotation first, then label, as
 * driver.rs:2134-2185) and its phase (the gateway's derive_phase, compute/mod.rs:3978-4062). */
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

/* A condition counts only with string type and status (driver.rs:4293-4314). */
static bool usable_condition(const cJSON *c)
{
    return field(c, "type") && field(c, "status");
}

static const cJSON *first_condition(const cJSON *object, const char *type, bool any_case)
{
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(object, "status");
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(status, "conditions"))
    {
        if (!usable_condition(c))
            continue;
        const char *t = field(c, "type");
        if (any_case ? osh_str_ieq(t, type) : strcmp(t, type) == 0)
            return c;
    }
    return NULL;
}

static bool suspended(const cJSON *object)
{
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(object, "status");
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(status, "conditions"))
    {
        if (usable_condition(c) && osh_str_ieq(field(c, "type"), "Suspended") && osh_str_ieq(field(c, "status"), "true"))
            return true;
    }
    return false;
}

/* Ready=False reasons that mean "still coming up" (is_terminal_failure_reason, mod.rs:4049-4062). */
static bool transient_reason(const char *reason)
{
    static const char *const reasons[] = {"ReconcilerError", "DependenciesNotReady", "SupervisorNotConnected",
                                          "Starting", "ContainerStarting", "ContainerCreated",
                                          "HealthcheckStarting", "InspectFailed"};
    for (size_t i = 0; i < sizeof reasons / sizeof *reasons; i++)
        if (osh_str_ieq(reason, reasons[i]))
            return true;
    return false;
}

driver_phase driver_derive_phase(const cJSON *object)
{
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(object, "status");
    if (!cJSON_IsObject(status))
        return DRIVER_PHASE_UNKNOWN;
    const cJSON *metadata = cJSON_GetObjectItemCaseSensitive(object, "metadata");
    const cJSON *deletion = cJSON_GetObjectItemCaseSensitive(metadata, "deletionTimestamp");
    if (deletion && !cJSON_IsNull(deletion))
        return DRIVER_PHASE_DELETING;
    if (suspended(object))
        return DRIVER_PHASE_STOPPED;
    const cJSON *ready = first_condition(object, "Ready", false);
    if (!ready)
        return DRIVER_PHASE_PROVISIONING;
    const char *value = field(ready, "status");
    if (osh_str_ieq(value, "true"))
        return DRIVER_PHASE_READY;
    if (osh_str_ieq(value, "false")) {
        const char *reason = field(ready, "reason");
        return transient_reason(reason ? reason : "") ? DRIVER_PHASE_PROVISIONING : DRIVER_PHASE_ERROR;
    }
    return DRIVER_PHASE_PROVISIONING;
}

const char *driver_ready_reason(const cJSON *object)
{
    const cJSON *ready = first_condition(object, "Ready", false);
    const char *reason = ready ? field(ready, "reason") : NULL;
    return reason ? reason : "";
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
