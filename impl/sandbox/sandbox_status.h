/* sandbox_status.h: what a Sandbox object says about itself (rules §10.7): its phase, its
 * sandbox id and the message shown to users. Pure functions of the object's JSON. */
#ifndef OSH_SANDBOX_STATUS_H
#define OSH_SANDBOX_STATUS_H

#include <cjson/cJSON.h>

typedef enum sandbox_phase {
    SANDBOX_PHASE_UNKNOWN,
    SANDBOX_PHASE_PROVISIONING,
    SANDBOX_PHASE_READY,
    SANDBOX_PHASE_ERROR,
    SANDBOX_PHASE_DELETING,
} sandbox_phase;

/* "Unknown", "Provisioning", "Ready", "Error", "Deleting". */
const char *sandbox_phase_name(sandbox_phase phase);
/* The phase table of §10.7. */
sandbox_phase sandbox_derive_phase(const cJSON *object);
/* The label openshell.ai/sandbox-id, else the name minus its "sandbox-" prefix; NULL when
 * neither exists. Malloc'd. */
char *sandbox_object_id(const cJSON *object);
/* The message shown to users for the object's Ready condition: the fixed GPU text when the
 * object asks for a GPU and Ready is False with reason Unschedulable, else the condition's
 * message; NULL without one. Malloc'd. */
char *sandbox_user_message(const cJSON *object);

#define SANDBOX_GPU_UNSCHEDULABLE_MESSAGE                                                          \
    "GPU sandbox could not be scheduled on the active gateway: no node can currently satisfy "      \
    "the nvidia.com/gpu request (another GPU sandbox may hold the GPU, or GPU support is not "     \
    "enabled on the gateway)"

#endif
