/* kube_status.c: Status objects with the apiserver's reasons, details and messages
 * (k8s.io/apimachinery/pkg/api/errors). */
#include "kube_status.h"

#include <stdlib.h>
#include <string.h>

#include "osh_str.h"

cJSON *kube_status_failure(int code, const char *reason, const char *message, cJSON *details)
{
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "kind", "Status");
    cJSON_AddStringToObject(s, "apiVersion", "v1");
    cJSON_AddItemToObject(s, "metadata", cJSON_CreateObject());
    cJSON_AddStringToObject(s, "status", "Failure");
    cJSON_AddStringToObject(s, "message", message);
    if (reason && *reason)
        cJSON_AddStringToObject(s, "reason", reason);
    cJSON_AddItemToObject(s, "details", details ? details : cJSON_CreateObject());
    cJSON_AddNumberToObject(s, "code", code);
    return s;
}

static cJSON *resource_details(const kube_resource *r, const char *name)
{
    cJSON *d = cJSON_CreateObject();
    if (name)
        cJSON_AddStringToObject(d, "name", name);
    if (r->group[0])
        cJSON_AddStringToObject(d, "group", r->group);
    cJSON_AddStringToObject(d, "kind", r->plural);
    return d;
}

cJSON *kube_status_success(const kube_resource *r, const char *name, const char *uid)
{
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "kind", "Status");
    cJSON_AddStringToObject(s, "apiVersion", "v1");
    cJSON_AddItemToObject(s, "metadata", cJSON_CreateObject());
    cJSON_AddStringToObject(s, "status", "Success");
    cJSON *d = resource_details(r, name);
    if (uid)
        cJSON_AddStringToObject(d, "uid", uid);
    cJSON_AddItemToObject(s, "details", d);
    return s;
}

char *kube_qualified_resource(const kube_resource *r)
{
    if (!r->group[0])
        return osh_str_dup(r->plural);
    return osh_str_printf("%s.%s", r->plural, r->group);
}

static kube_result failure(int code, const char *reason, char *message, cJSON *details)
{
    kube_result res = {code, kube_status_failure(code, reason, message, details)};
    free(message);
    return res;
}

kube_result kube_err_not_found(const kube_resource *r, const char *name)
{
    char *q = kube_qualified_resource(r);
    char *msg = osh_str_printf("%s \"%s\" not found", q, name);
    free(q);
    return failure(404, "NotFound", msg, resource_details(r, name));
}

kube_result kube_err_already_exists(const kube_resource *r, const char *name)
{
    char *q = kube_qualified_resource(r);
    char *msg = osh_str_printf("%s \"%s\" already exists", q, name);
    free(q);
    return failure(409, "AlreadyExists", msg, resource_details(r, name));
}

kube_result kube_err_conflict(const kube_resource *r, const char *name)
{
    char *q = kube_qualified_resource(r);
    char *msg = osh_str_printf("Operation cannot be fulfilled on %s \"%s\": the object has been modified; "
                               "please apply your changes to the latest version and try again",
                               q, name);
    free(q);
    return failure(409, "Conflict", msg, resource_details(r, name));
}

kube_result kube_err_conflict_because(const kube_resource *r, const char *name, const char *why)
{
    char *q = kube_qualified_resource(r);
    char *msg = osh_str_printf("Operation cannot be fulfilled on %s \"%s\": %s", q, name, why);
    free(q);
    return failure(409, "Conflict", msg, resource_details(r, name));
}

kube_result kube_err_invalid(const kube_resource *r, const char *name, const char *field, const char *value,
                             const char *detail)
{
    char *cause = value ? osh_str_printf("Invalid value: \"%s\": %s", value, detail)
                        : osh_str_printf("Required value: %s", detail);
    char *qk = r->group[0] ? osh_str_printf("%s.%s", r->kind, r->group) : osh_str_dup(r->kind);
    char *msg = osh_str_printf("%s \"%s\" is invalid: %s: %s", qk, name ? name : "", field, cause);
    free(qk);
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "name", name ? name : "");
    if (r->group[0])
        cJSON_AddStringToObject(d, "group", r->group);
    cJSON_AddStringToObject(d, "kind", r->kind);
    cJSON *causes = cJSON_AddArrayToObject(d, "causes");
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "reason", value ? "FieldValueInvalid" : "FieldValueRequired");
    cJSON_AddStringToObject(c, "message", cause);
    cJSON_AddStringToObject(c, "field", field);
    cJSON_AddItemToArray(causes, c);
    free(cause);
    return failure(422, "Invalid", msg, d);
}

kube_result kube_err_bad_request(const char *message)
{
    return failure(400, "BadRequest", osh_str_dup(message), NULL);
}

kube_result kube_err_method_not_allowed(void)
{
    return failure(405, "MethodNotAllowed", osh_str_dup("the server does not allow this method on the requested resource"),
                   NULL);
}

kube_result kube_err_no_resource(void)
{
    return failure(404, "NotFound", osh_str_dup("the server could not find the requested resource"), NULL);
}

kube_result kube_err_gone(const char *rv, const char *oldest)
{
    char *msg = osh_str_printf("too old resource version: %s (%s)", rv, oldest);
    return failure(410, "Expired", msg, NULL);
}

const char *kube_status_reason(const cJSON *status)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(status, "reason"));
}

const char *kube_status_message(const cJSON *status)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(status, "message"));
}
