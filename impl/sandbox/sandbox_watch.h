/* sandbox_watch.h: the Sandbox watcher of SPEC §10.7: list, then watch from the list's
 * resourceVersion; resume on stream end; relist on 410 Gone; phase derivation and id
 * extraction for every event. */
#ifndef OSH_SANDBOX_WATCH_H
#define OSH_SANDBOX_WATCH_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "k8s_client.h"

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

typedef enum sandbox_event_type { SANDBOX_EVENT_APPLIED, SANDBOX_EVENT_DELETED } sandbox_event_type;

typedef struct sandbox_event {
    sandbox_event_type type;
    const char *id;
    const char *name;
    sandbox_phase phase;
    const cJSON *object;
} sandbox_event;

typedef struct sandbox_watch_options {
    const char *namespace_;
    /* Return false to stop watching (sandbox_watch_run then returns 0). */
    bool (*on_event)(const sandbox_event *event, void *user);
    void (*on_warning)(const char *text, void *user);
    void *user;
    /* Consecutive failed watch requests tolerated before giving up (default 5). */
    int max_failures;
} sandbox_watch_options;

/* Runs until on_event returns false (0) or the API fails for good (-1, err set). A failed
 * initial list is reported at once. */
int sandbox_watch_run(k8s_client *client, const sandbox_watch_options *options, k8s_error *err);

#endif
