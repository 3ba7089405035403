/* driver_phase.c: the phase of a Sandbox object (rules §13.7), as the gateway derives it
 * (derive_phase and is_terminal_failure_reason, compute/mod.rs:3978-4062) from what the
 * driver reads (status_from_object, driver.rs:4147-4186). Alone in its file so a test mutant
 * can replace it. */
#include "driver.h"

#include <string.h>

#include "osh_str.h"

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
