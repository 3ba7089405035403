/* driver_internal.h: helpers shared by the files of impl/driver, not part of driver.h. */
#ifndef OSH_DRIVER_INTERNAL_H
#define OSH_DRIVER_INTERNAL_H

#include <cjson/cJSON.h>

#include "driver.h"

/* One bounded call whose answer must be 2xx; the answer parsed into *out when out is given
 * (an answer that is not a JSON object is an error). *status (when given) is the HTTP
 * status, 0 without an answer. Returns 0, or -1 with err set as §10.1. */
int driver_call_json(k8s_client *client, const char *method, const char *path, const char *content_type,
                     const char *body, cJSON **out, long *status, k8s_error *err);
/* metadata.KEY as a string, "" when absent. Borrowed. */
const char *driver_meta_string(const cJSON *object, const char *key);
/* The listed object's namespace, else the configured one (driver.rs:1684-1687). */
const char *driver_object_namespace(const cJSON *listed, const driver_config *config);

#endif
