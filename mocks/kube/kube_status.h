/* kube_status.h: meta/v1 Status objects worded as the apiserver words them, and the result
 * type every store operation returns (an HTTP code plus the object or the Status). */
#ifndef KUBE_STATUS_H
#define KUBE_STATUS_H

#include <cjson/cJSON.h>

#include "kube_resources.h"

typedef struct kube_result {
    int code;      /* HTTP status: 200, 201, 404, 409, 422... */
    cJSON *body;   /* the object, list or Status; owned by whoever holds the result */
} kube_result;

/* A Failure Status. details may be NULL (then {} is used); it is consumed. */
cJSON *kube_status_failure(int code, const char *reason, const char *message, cJSON *details);
/* A Success Status (what DELETE of a collection or some deletes return). */
cJSON *kube_status_success(const kube_resource *r, const char *name, const char *uid);

/* "pods" or "statefulsets.apps": the qualified resource as the apiserver names it in errors. */
char *kube_qualified_resource(const kube_resource *r);

kube_result kube_err_not_found(const kube_resource *r, const char *name);
kube_result kube_err_already_exists(const kube_resource *r, const char *name);
kube_result kube_err_conflict(const kube_resource *r, const char *name);
/* 409 Conflict "Operation cannot be fulfilled on {resource} \"{name}\": {why}". */
kube_result kube_err_conflict_because(const kube_resource *r, const char *name, const char *why);
/* 422 Invalid for one field. value may be NULL for a "Required value" cause. */
kube_result kube_err_invalid(const kube_resource *r, const char *name, const char *field, const char *value,
                             const char *detail);
kube_result kube_err_bad_request(const char *message);
kube_result kube_err_method_not_allowed(void);
kube_result kube_err_no_resource(void);
/* 410 Gone for a watch from a compacted resourceVersion. */
kube_result kube_err_gone(const char *rv, const char *oldest);

/* Reads code/reason/message back from a Status body (NULLs when absent). */
const char *kube_status_reason(const cJSON *status);
const char *kube_status_message(const cJSON *status);

#endif
