/* docker_scenario.c: the initial world of a mock Docker Engine from the "docker" object of a
 * scenario (docs/scenarios.md): identity, images, pullable references, networks, volumes,
 * containers in any state with their scripts and files, scripted exec answers, faults.
 * Validation is complete before anything is applied to the instance's lists that matter
 * for error messages: a bad document yields an error naming the field. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker_internal.h"
#include "osh_str.h"

static int bad(char **error, const char *where, const char *what)
{
    *error = osh_str_printf("%s: %s", where, what);
    return -1;
}

static int check_keys(const cJSON *o, const char *where, const char *const *keys, char **error)
{
    if (!cJSON_IsObject(o))
        return bad(error, where, "expected object");
    for (const cJSON *k = o->child; k; k = k->next) {
        bool known = false;
        for (size_t i = 0; keys[i]; i++)
            known = known || strcmp(k->string, keys[i]) == 0;
        if (!known) {
            char *at = osh_str_printf("%s.%s", where, k->string);
            int rc = bad(error, at, "unknown field");
            free(at);
            return rc;
        }
    }
    return 0;
}

/* Optional typed field: 0 if absent or right, -1 with the error otherwise. */
static int want(const cJSON *o, const char *key, int type, const char *where, char **error)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v)
        return 0;
    bool ok = (type == cJSON_String && cJSON_IsString(v)) ||
              (type == cJSON_Number && cJSON_IsNumber(v)) ||
              (type == cJSON_True && cJSON_IsBool(v)) ||
              (type == cJSON_Array && cJSON_IsArray(v)) ||
              (type == cJSON_Object && cJSON_IsObject(v));
    if (ok)
        return 0;
    const char *names[] = {"string", "number", "boolean", "array", "object"};
    int idx = type == cJSON_String ? 0 : type == cJSON_Number ? 1 : type == cJSON_True ? 2
            : type == cJSON_Array ? 3 : 4;
    char *at = osh_str_printf("%s.%s", where, key);
    char *what = osh_str_printf("expected %s", names[idx]);
    bad(error, at, what);
    free(at);
    free(what);
    return -1;
}

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
    const char *keys[] = {"api_version", "min_api_version", "max_api_version", "server_version",
                          "os", "arch", "kernel", "hostname", "builder_version", NULL};
    for (size_t i = 0; keys[i]; i++)
        if (want(s, keys[i], cJSON_String, "docker", error))
            return -1;
    if (want(s, "experimental", cJSON_True, "docker", error))
        return -1;
    const cJSON *cdi = cJSON_GetObjectItemCaseSensitive(s, "cdi_spec_dirs");
    if (cdi && !cJSON_IsNull(cdi)) {
        if (!cJSON_IsArray(cdi))
            return bad(error, "docker.cdi_spec_dirs", "expected array of strings or null");
        for (const cJSON *v = cdi->child; v; v = v->next)
            if (!cJSON_IsString(v))
                return bad(error, "docker.cdi_spec_dirs", "expected array of strings or null");
        d->cdi_spec_dirs = cJSON_Duplicate(cdi, true);
    }
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
        const char *keys[] = {"ref", "refs", "id", "config", "architecture", "size", "comment", NULL};
        if (check_keys(o, where, keys, error) || want(o, "ref", cJSON_String, where, error) ||
            want(o, "refs", cJSON_Array, where, error) || want(o, "config", cJSON_Object, where, error) ||
            want(o, "architecture", cJSON_String, where, error) ||
            want(o, "size", cJSON_Number, where, error) || image_id_field(o, where, error))
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
        for (const cJSON *r = refs ? refs->child : NULL; r; r = r->next) {
            if (!cJSON_IsString(r))
                return bad(error, where, "refs: expected strings");
            dk_image_add_tag(d, img, r->valuestring);
        }
    }
    return 0;
}

static int load_pullable(mock_docker *d, const cJSON *arr, char **error)
{
    size_t i = 0;
    for (const cJSON *o = arr->child; o; o = o->next, i++) {
        char where[64];
        snprintf(where, sizeof where, "docker.pullable[%zu]", i);
        const char *keys[] = {"ref", "id", "config", "architecture", "error", "stream_error", "auth",
                              "comment", NULL};
        if (check_keys(o, where, keys, error) || want(o, "ref", cJSON_String, where, error) ||
            want(o, "config", cJSON_Object, where, error) ||
            want(o, "architecture", cJSON_String, where, error) ||
            want(o, "error", cJSON_Object, where, error) ||
            want(o, "stream_error", cJSON_String, where, error) || image_id_field(o, where, error))
            return -1;
        if (!str(o, "ref"))
            return bad(error, where, "ref: required");
        const cJSON *err = cJSON_GetObjectItemCaseSensitive(o, "error");
        const cJSON *status = err ? cJSON_GetObjectItemCaseSensitive(err, "status") : NULL;
        if (err && (!cJSON_IsNumber(status) || status->valuedouble < 400 || !str(err, "message")))
            return bad(error, where, "error: expected {\"status\": 4xx/5xx, \"message\": string}");
        const cJSON *auth = cJSON_GetObjectItemCaseSensitive(o, "auth");
        if (auth && (!str(auth, "username") || !str(auth, "password")))
            return bad(error, where, "auth: expected {\"username\": string, \"password\": string}");
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
        const char *keys[] = {"name", "id", "driver", "attachable", "internal", "labels", "comment", NULL};
        if (check_keys(o, where, keys, error) || want(o, "name", cJSON_String, where, error) ||
            want(o, "id", cJSON_String, where, error) || want(o, "driver", cJSON_String, where, error) ||
            want(o, "attachable", cJSON_True, where, error) ||
            want(o, "internal", cJSON_True, where, error) || want(o, "labels", cJSON_Object, where, error))
            return -1;
        if (!str(o, "name"))
            return bad(error, where, "name: required");
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
        const char *keys[] = {"name", "labels", "driver", "comment", NULL};
        if (check_keys(o, where, keys, error) || want(o, "name", cJSON_String, where, error) ||
            want(o, "labels", cJSON_Object, where, error) || want(o, "driver", cJSON_String, where, error))
            return -1;
        if (!str(o, "name") || !dk_valid_name(str(o, "name")))
            return bad(error, where, "name: required, [a-zA-Z0-9][a-zA-Z0-9_.-]+");
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
    if (!cJSON_IsObject(obj))
        return bad(error, "docker.scripts", "expected object {container name: script}");
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
        const char *keys[] = {"argv", "script", "container", "stdout", "stderr", "exit_code",
                              "exit_code_null", "nth", "first", "from", "truncate_after",
                              "comment", NULL};
        if (check_keys(o, where, keys, error) || want(o, "argv", cJSON_Array, where, error) ||
            want(o, "script", cJSON_String, where, error) ||
            want(o, "container", cJSON_String, where, error) ||
            want(o, "stdout", cJSON_String, where, error) || want(o, "stderr", cJSON_String, where, error) ||
            want(o, "exit_code", cJSON_Number, where, error) ||
            want(o, "exit_code_null", cJSON_True, where, error))
            return -1;
        const char *counts[] = {"nth", "first", "from", "truncate_after"};
        long values[4] = {0, 0, 0, -1};
        int selectors = 0;
        for (size_t k = 0; k < 4; k++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, counts[k]);
            if (!v)
                continue;
            if (!cJSON_IsNumber(v) || v->valuedouble < (k == 3 ? 0 : 1) ||
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
    const char *keys[] = {"api_version", "min_api_version", "max_api_version", "server_version",
                          "os", "arch", "kernel", "hostname", "builder_version", "experimental", "cdi_spec_dirs",
                          "images", "pullable", "networks", "volumes", "containers", "scripts",
                          "execs", "faults", "comment", NULL};
    if (check_keys(scenario, "docker", keys, error) || load_identity(d, scenario, error))
        return -1;
    const char *arrays[] = {"images", "pullable", "networks", "volumes", "containers", "execs", "faults", NULL};
    for (size_t i = 0; arrays[i]; i++)
        if (want(scenario, arrays[i], cJSON_Array, "docker", error))
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
