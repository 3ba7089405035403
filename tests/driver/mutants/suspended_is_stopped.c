/* suspended_is_stopped.c: mutant of driver_phase.c that takes Ready=False/SandboxSuspended
 * for Stopped (a plausible misreading: agent-sandbox writes that reason while it suspends).
 * The reference maps that reason to Error unless Suspended=True already said Stopped
 * (compute/mod.rs:4049-4062); DRV-PHASE-READY-SANDBOXSUSPENDED must catch it. */
#include <string.h>

#include "driver.h"
#include "osh_str.h"

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

driver_phase driver_derive_phase(const cJSON *object)
{
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(object, "status");
    if (!cJSON_IsObject(status))
        return DRIVER_PHASE_UNKNOWN;
    if (cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(object, "metadata"), "deletionTimestamp"))
        return DRIVER_PHASE_DELETING;
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(status, "conditions"))
    {
        if (osh_str_ieq(str(c, "type"), "Suspended") && osh_str_ieq(str(c, "status"), "true"))
            return DRIVER_PHASE_STOPPED;
    }
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(status, "conditions"))
    {
        if (strcmp(str(c, "type"), "Ready") != 0)
            continue;
        if (osh_str_ieq(str(c, "status"), "true"))
            return DRIVER_PHASE_READY;
        if (!osh_str_ieq(str(c, "status"), "false"))
            return DRIVER_PHASE_PROVISIONING;
        const char *reason = str(c, "reason");
        if (osh_str_ieq(reason, "SandboxSuspended")) /* the mutation */
            return DRIVER_PHASE_STOPPED;
        static const char *const transient[] = {"ReconcilerError", "DependenciesNotReady", "SupervisorNotConnected",
                                                "Starting", "ContainerStarting", "ContainerCreated",
                                                "HealthcheckStarting", "InspectFailed"};
        for (size_t i = 0; i < sizeof transient / sizeof *transient; i++)
            if (osh_str_ieq(reason, transient[i]))
                return DRIVER_PHASE_PROVISIONING;
        return DRIVER_PHASE_ERROR;
    }
    return DRIVER_PHASE_PROVISIONING;
}
