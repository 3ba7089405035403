/* docker_scenario.c: the initial world of a mock Docker Engine from the "docker" object of a
 * scenario (docs/scenarios.md): identity, images, pullable references, networks, volumes,
 * containers in any state with their scripts and files, scripted exec answers, faults.
 * Validation is complete before anything is applied to the instance's lists that matter
 * for error messages: a bad document yields an error naming the field. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker_internal.h"
#include "osh_json_check.h"
#include "osh_str.h"

static int bad(char **error, const char *where, const char *what)
{
    *error = osh_str_printf("%s: %s", where, what);
    return -1;
}

/* The "docker" section's keys and types, checked whole before anything is applied; the
 * loaders below check what a type cannot say (formats, ranges, one-of rules). Containers and
 * scripts have their own tables (docker_scenario_containers.c, docker_script.c), the fault
 * rules theirs (mocks/http). */
#define F(key, types) {key, types, false, NULL}
#define REQUIRED(key, types) {key, types, true, NULL}
static const osh_json_field image_fields[] = {
    F("ref", OSH_JSON_STRING), F("refs", OSH_JSON_STRINGS), F("id", OSH_JSON_STRING), F("config", OSH_JSON_OBJECT),
    F("architecture", OSH_JSON_STRING), F("size", OSH_JSON_NUMBER), F("comment", OSH_JSON_STRING), {NULL, 0, false, NULL}};
static const osh_json_field pull_error_fields[] = {
    REQUIRED("status", OSH_JSON_NUMBER), REQUIRED("message", OSH_JSON_STRING), {NULL, 0, false, NULL}};
static const osh_json_field auth_fields[] = {
    REQUIRED("username", OSH_JSON_STRING), REQUIRED("password", OSH_JSON_STRING), {NULL, 0, false, NULL}};
static const osh_json_field pullable_fields[] = {
    REQUIRED("ref", OSH_JSON_STRING), F("id", OSH_JSON_STRING), F("config", OSH_JSON_OBJECT),
    F("architecture", OSH_JSON_STRING), {"error", OSH_JSON_OBJECT, false, pull_error_fields},
    F("stream_error", OSH_JSON_STRING), {"auth", OSH_JSON_OBJECT, false, auth_fields}, F("comment", OSH_JSON_STRING),
    {NULL, 0, false, NULL}};
static const osh_json_field network_fields[] = {
    REQUIRED("name", OSH_JSON_STRING), F("id", OSH_JSON_STRING), F("driver", OSH_JSON_STRING),
    F("attachable", OSH_JSON_BOOL), F("internal", OSH_JSON_BOOL), F("labels", OSH_JSON_OBJECT),
    F("comment", OSH_JSON_STRING), {NULL, 0, false, NULL}};
static const osh_json_field volume_fields[] = {
    REQUIRED("name", OSH_JSON_STRING), F("labels", OSH_JSON_OBJECT), F("driver", OSH_JSON_STRING),
    F("comment", OSH_JSON_STRING), {NULL, 0, false, NULL}};
static const osh_json_field exec_fields[] = {
    F("argv", OSH_JSON_STRINGS), F("script", OSH_JSON_STRING), F("container", OSH_JSON_STRING),
    F("stdout", OSH_JSON_STRING), F("stderr", OSH_JSON_STRING), F("exit_code", OSH_JSON_NUMBER),
    F("exit_code_null", OSH_JSON_BOOL), F("nth", OSH_JSON_NUMBER), F("first", OSH_JSON_NUMBER),
    F("from", OSH_JSON_NUMBER), F("truncate_after", OSH_JSON_NUMBER), F("comment", OSH_JSON_STRING),
    {NULL, 0, false, NULL}};
static const osh_json_field docker_fields[] = {
    F("api_version", OSH_JSON_STRING), F("min_api_version", OSH_JSON_STRING), F("max_api_version", OSH_JSON_STRING),
    F("server_version", OSH_JSON_STRING), F("os", OSH_JSON_STRING), F("arch", OSH_JSON_STRING),
    F("kernel", OSH_JSON_STRING), F("hostname", OSH_JSON_STRING), F("builder_version", OSH_JSON_STRING),
    F("experimental", OSH_JSON_BOOL), F("cdi_spec_dirs", OSH_JSON_STRINGS | OSH_JSON_NULL),
    {"images", OSH_JSON_ARRAY, false, image_fields}, {"pullable", OSH_JSON_ARRAY, false, pullable_fields},
    {"networks", OSH_JSON_ARRAY, false, network_fields}, {"volumes", OSH_JSON_ARRAY, false, volume_fields},
    F("containers", OSH_JSON_ARRAY), F("scripts", OSH_JSON_OBJECT), {"execs", OSH_JSON_ARRAY, false, exec_fields},
    F("faults", OSH_JSON_ARRAY), F("comment", OSH_JSON_STRING), {NULL, 0, false, NULL}};
#undef F
#undef REQUIRED

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool is_hex64(const char *s)
{
    if (!s || strlen(s) != 64)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return false;
    return true;
}

static void set_string(char **field, const char *value)
{
    if (!value)
        return;
    free(*field);
    *field = osh_str_dup(value);
}

/* ---- Sections ---------------------------------------------------------------------------- */

static int load_identity(mock_docker *d, const cJSON *s, char **error)
{
    const cJSON *cdi = cJSON_GetObjectItemCaseSensitive(s, "cdi_spec_dirs");
    if (cdi && !cJSON_IsNull(cdi))
        d->cdi_spec_dirs = cJSON_Duplicate(cdi, true);
    set_string(&d->api_version, str(s, "api_version"));
    set_string(&d->min_api_version, str(s, "min_api_version"));
    set_string(&d->max_api_version, str(s, "max_api_version"));
    set_string(&d->server_version, str(s, "server_version"));
    set_string(&d->os, str(s, "os"));
    set_string(&d->arch, str(s, "arch"));
    set_string(&d->kernel, str(s, "kernel"));
    set_string(&d->hostname, str(s, "hostname"));
    set_string(&d->builder_version, str(s, "builder_version"));
    d->experimental = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "experimental"));
    return 0;
}

static int image_id_field(const cJSON *o, const char *where, char **error)
{
    const char *id = str(o, "id");
    if (id && !is_hex64(osh_str_skip_prefix(id, "sha256:"))) {
        char *at = osh_str_printf("%s.id", where);
        bad(error, at, "expected 64 hex digits (optionally prefixed with sha256:)");
        free(at);
        return -1;
    }
    return 0;
}

static int load_images(mock_docker *d, const cJSON *arr, char **error)
{
    size_t i = 0;
    for (const cJSON *o = arr->child; o; o = o->next, i++) {
        char where[64];
        snprintf(where, sizeof where, "docker.images[%zu]", i);
        if (image_id_field(o, where, error))
            return -1;
        const char *id = str(o, "id");
        dk_image *img = id ? dk_find_image_by_id(d, osh_str_starts_with(id, "sha256:") ? id : "") : NULL;
        if (!img)
            img = dk_add_image(d, id);
        if (cJSON_GetObjectItemCaseSensitive(o, "config")) {
            cJSON_Delete(img->config);
            img->config = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(o, "config"), true);
        }
        set_string(&img->architecture, str(o, "architecture"));
        const cJSON *size = cJSON_GetObjectItemCaseSensitive(o, "size");
        if (size && !(size->valuedouble >= 0 && size->valuedouble <= 9007199254740992.0 &&
                      size->valuedouble == (double)(long)size->valuedouble))
            return bad(error, where, "size: expected an integer between 0 and 9007199254740992");
        if (size)
            img->size = (long)size->valuedouble;
        if (str(o, "ref"))
            dk_image_add_tag(d, img, str(o, "ref"));
        const cJSON *refs = cJSON_GetObjectItemCaseSensitive(o, "refs");
        for (const cJSON *r = refs ? refs->child : NULL; r; r = r->next)
            dk_image_add_tag(d, img, r->valuestring);
    }
    return 0;
}

static int load_pullable(mock_docker *d, const cJSON *arr, char **error)
{
    size_t i = 0;
    for (const cJSON *o = arr->child; o; o = o->next, i++) {
        char where[64];
        snprintf(where, sizeof where, "docker.pullable[%zu]", i);
        if (image_id_field(o, where, error))
            return -1;
        const cJSON *err = cJSON_GetObjectItemCaseSensitive(o, "error");
        const cJSON *status = err ? cJSON_GetObjectItemCaseSensitive(err, "status") : NULL;
        if (err && (status->valuedouble < 400 || status->valuedouble > 599))
            return bad(error, where, "error.status: expected 400..599");
        const cJSON *auth = cJSON_GetObjectItemCaseSensitive(o, "auth");
        DK_GROW(d->pullable, d->pullable_count);
        dk_pullable *p = &d->pullable[d->pullable_count++];
        memset(p, 0, sizeof *p);
        p->ref = dk_normalize_ref(str(o, "ref"));
        p->id = osh_str_dup(str(o, "id"));
        const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(o, "config");
        p->config = cfg ? cJSON_Duplicate(cfg, true) : NULL;
        p->architecture = osh_str_dup(str(o, "architecture"));
        p->error_status = err ? status->valueint : 0;
        p->error_message = err ? osh_str_dup(str(err, "message")) : NULL;
        p->stream_error = osh_str_dup(str(o, "stream_error"));
        p->auth_user = auth ? osh_str_dup(str(auth, "username")) : NULL;
        p->auth_password = auth ? osh_str_dup(str(auth, "password")) : NULL;
    }
    return 0;
}

static int load_networks(mock_docker *d, const cJSON *arr, char **error)
{
    size_t i = 0;
    for (const cJSON *o = arr->child; o; o = o->next, i++) {
        char where[64];
        snprintf(where, sizeof where, "docker.networks[%zu]", i);
        if (str(o, "id") && !is_hex64(str(o, "id")))
            return bad(error, where, "id: expected 64 hex digits");
        dk_network *n = dk_add_network(d, str(o, "name"), str(o, "driver") ? str(o, "driver") : "bridge", false);
        if (str(o, "id"))
            snprintf(n->id, sizeof n->id, "%s", str(o, "id"));
        n->attachable = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "attachable"));
        n->internal = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "internal"));
        if (cJSON_GetObjectItemCaseSensitive(o, "labels")) {
            cJSON_Delete(n->labels);
            n->labels = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(o, "labels"), true);
        }
    }
    return 0;
}

static int load_volumes(mock_docker *d, const cJSON *arr, char **error)
{
    size_t i = 0;
    for (const cJSON *o = arr->child; o; o = o->next, i++) {
        char where[64];
        snprintf(where, sizeof where, "docker.volumes[%zu]", i);
        if (!dk_valid_name(str(o, "name")))
            return bad(error, where, "name: expected [a-zA-Z0-9][a-zA-Z0-9_.-]+");
        if (dk_find_volume(d, str(o, "name")))
            return bad(error, where, "name: duplicate volume");
        dk_volume *v = dk_volume_add(d, str(o, "name"));
        const cJSON *labels = cJSON_GetObjectItemCaseSensitive(o, "labels");
        v->labels = labels ? cJSON_Duplicate(labels, true) : NULL;
        set_string(&v->driver, str(o, "driver"));
    }
    return 0;
}

static int load_scripts(mock_docker *d, const cJSON *obj, char **error)
{
    for (const cJSON *o = obj->child; o; o = o->next) {
        char *where = osh_str_printf("docker.scripts.%s", o->string);
        dk_script s;
        int rc = dk_script_parse(o, where, &s, error);
        free(where);
        if (rc)
            return -1;
        DK_GROW(d->named_scripts, d->named_script_count);
        d->named_scripts[d->named_script_count].container_name = osh_str_dup(o->string);
        d->named_scripts[d->named_script_count++].script = s;
    }
    return 0;
}

static int load_execs(mock_docker *d, const cJSON *arr, char **error)
{
    size_t i = 0;
    for (const cJSON *o = arr->child; o; o = o->next, i++) {
        char where[64];
        snprintf(where, sizeof where, "docker.execs[%zu]", i);
        const char *counts[] = {"nth", "first", "from", "truncate_after"};
        long values[4] = {0, 0, 0, -1};
        int selectors = 0;
        for (size_t k = 0; k < 4; k++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, counts[k]);
            if (!v)
                continue;
            if (v->valuedouble < (k == 3 ? 0 : 1) ||
                v->valuedouble != (double)(long)v->valuedouble) {
                char *at = osh_str_printf("%s.%s", where, counts[k]);
                bad(error, at, k == 3 ? "expected an integer >= 0" : "expected an integer >= 1");
                free(at);
                return -1;
            }
            values[k] = (long)v->valuedouble;
            selectors += k < 3;
        }
        if (selectors > 1)
            return bad(error, where, "nth, first and from exclude each other");
        const cJSON *argv = cJSON_GetObjectItemCaseSensitive(o, "argv");
        if (!argv == !str(o, "script"))
            return bad(error, where, "exactly one of argv and script is required");
        DK_GROW(d->scripted_execs, d->scripted_exec_count);
        dk_scripted_exec *s = &d->scripted_execs[d->scripted_exec_count++];
        memset(s, 0, sizeof *s);
        s->argv = argv ? cJSON_Duplicate(argv, true) : NULL;
        s->script = osh_str_dup(str(o, "script"));
        s->container = osh_str_dup(str(o, "container"));
        s->out = osh_str_dup(str(o, "stdout"));
        s->err = osh_str_dup(str(o, "stderr"));
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(o, "exit_code");
        s->exit_code = code ? code->valueint : 0;
        s->exit_null = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "exit_code_null"));
        s->nth = values[0];
        s->first = values[1];
        s->from = values[2];
        s->truncate_after = values[3];
    }
    return 0;
}

int dk_load_containers(mock_docker *d, const cJSON *arr, char **error);
static int scenario_load(mock_docker *d, const cJSON *scenario, char **error);

/* Without a "pullable" list the registry offers the cluster image of rules §4.3 with the
 * HEALTHCHECK of rules §11.2, so the default world can deploy. */
static const char *const default_pullable =
    "[{\"ref\":\"ghcr.io/nvidia/openshell/cluster:dev\",\"config\":{\"Entrypoint\":"
    "[\"/usr/local/bin/cluster-entrypoint.sh\"],\"Cmd\":[\"server\"],\"Env\":[\"PATH=/usr/local/sbin:"
    "/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"Healthcheck\":{\"Test\":[\"CMD\","
    "\"/usr/local/bin/cluster-healthcheck.sh\"],\"Interval\":5000000000,\"Timeout\":5000000000,"
    "\"StartPeriod\":20000000000,\"Retries\":60}}},"
    " {\"ref\":\"ghcr.io/nvidia/openshell/cluster:latest\",\"config\":{\"Entrypoint\":"
    "[\"/usr/local/bin/cluster-entrypoint.sh\"],\"Cmd\":[\"server\"],\"Healthcheck\":{\"Test\":"
    "[\"CMD\",\"/usr/local/bin/cluster-healthcheck.sh\"],\"Interval\":5000000000,\"Timeout\":"
    "5000000000,\"StartPeriod\":20000000000,\"Retries\":60}}}]";

int dk_scenario_load(mock_docker *d, const cJSON *scenario, char **error)
{
    cJSON *empty = NULL;
    if (!scenario || cJSON_IsNull(scenario))
        scenario = empty = cJSON_CreateObject();
    int rc = scenario_load(d, scenario, error);
    cJSON_Delete(empty);
    mock_http_server_wake(d->http); /* its logs and states reach any waiting stream */
    return rc;
}

static int scenario_load(mock_docker *d, const cJSON *scenario, char **error)
{
    if (osh_json_check(scenario, docker_fields, "docker", error) != OSH_JSON_OK || load_identity(d, scenario, error))
        return -1;
    const cJSON *v;
    if ((v = cJSON_GetObjectItemCaseSensitive(scenario, "images")) && load_images(d, v, error))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(scenario, "pullable")) && load_pullable(d, v, error))
        return -1;
    if (!v) {
        cJSON *defaults = cJSON_Parse(default_pullable);
        int rc = load_pullable(d, defaults, error);
        cJSON_Delete(defaults);
        if (rc)
            return -1;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(scenario, "networks")) && load_networks(d, v, error))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(scenario, "volumes")) && load_volumes(d, v, error))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(scenario, "scripts")) && load_scripts(d, v, error))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(scenario, "execs")) && load_execs(d, v, error))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(scenario, "containers")) && dk_load_containers(d, v, error))
        return -1;
    if ((v = cJSON_GetObjectItemCaseSensitive(scenario, "faults"))) {
        char *inner = NULL;
        if (mock_http_fault_add_json(d->http, v, &inner) != 0) {
            *error = osh_str_printf("docker.%s", inner);
            free(inner);
            return -1;
        }
    }
    return 0;
}
