/* sandbox_watch.h: the Sandbox watcher of rules §10.7: list, then watch from the list's
 * resourceVersion; resume on stream end; relist on 410 Gone; one event per Applied/Deleted
 * object with its id and phase (sandbox_status.h). */
#ifndef OSH_SANDBOX_WATCH_H
#define OSH_SANDBOX_WATCH_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "k8s_client.h"
#include "sandbox_status.h"

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
