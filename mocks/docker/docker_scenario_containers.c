/* docker_scenario_containers.c: pre-existing containers of a scenario: their create body,
 * state (created, running, exited with code/error/OOMKilled), health, extra networks, files,
 * log lines and script. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker_internal.h"
#include "osh_base64.h"
#include "osh_json_check.h"
#include "osh_str.h"

static int fail(char **error, const char *where, const char *what)
{
    *error = osh_str_printf("%s.%s", where, what);
    return -1;
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A container's keys and types; check() adds names, ids and states. */
static const osh_json_field container_fields[] = {
    {"name", OSH_JSON_STRING, true, NULL},      {"id", OSH_JSON_STRING, false, NULL},
    {"create", OSH_JSON_OBJECT, false, NULL},   {"state", OSH_JSON_STRING, false, NULL},
    {"exit_code", OSH_JSON_NUMBER, false, NULL}, {"error", OSH_JSON_STRING, false, NULL},
    {"oom_killed", OSH_JSON_BOOL, false, NULL}, {"health", OSH_JSON_STRING, false, NULL},
    {"networks", OSH_JSON_ARRAY, false, NULL},  {"files", OSH_JSON_ARRAY, false, NULL},
    {"logs", OSH_JSON_ARRAY, false, NULL},      {"script", OSH_JSON_OBJECT, false, NULL},
    {"restart_count", OSH_JSON_NUMBER, false, NULL}, {"comment", OSH_JSON_STRING, false, NULL},
    {NULL, 0, false, NULL}};

static int check(const cJSON *o, const char *where, char **error)
{
    if (osh_json_check(o, container_fields, where, error) != OSH_JSON_OK)
        return -1;
    const char *name = str(o, "name");
    if (!dk_valid_name(name))
        return fail(error, where, "name: expected [a-zA-Z0-9][a-zA-Z0-9_.-]+");
    const char *id = str(o, "id");
    if (id && (strlen(id) != DK_ID_LEN || strspn(id, "0123456789abcdef") != DK_ID_LEN))
        return fail(error, where, "id: expected 64 hex digits");
    const cJSON *create = cJSON_GetObjectItemCaseSensitive(o, "create");
    if (!str(create, "Image"))
        return fail(error, where, "create: expected the create body, with Image");
    const char *state = str(o, "state");
    if (state && ((strcmp(state, "created") != 0 && strcmp(state, "running") != 0 &&
                    strcmp(state, "exited") != 0)))
        return fail(error, where, "state: expected \"created\", \"running\" or \"exited\"");
    const char *health = str(o, "health");
    if (health && ((strcmp(health, "starting") != 0 && strcmp(health, "healthy") != 0 &&
                     strcmp(health, "unhealthy") != 0)))
        return fail(error, where, "health: expected \"starting\", \"healthy\" or \"unhealthy\"");
    return 0;
}

static int add_files(dk_container *c, const cJSON *files, const char *where, char **error)
{
    size_t i = 0;
    for (const cJSON *f = files ? files->child : NULL; f; f = f->next, i++) {
        const char *path = str(f, "path");
        char *norm = path ? dk_path_normalize(path) : NULL;
        if (!norm || strcmp(norm, "/") == 0) {
            free(norm);
            *error = osh_str_printf("%s.files[%zu].path: expected an absolute path inside the container", where, i);
            return -1;
        }
        const char *type = str(f, "type");
        const cJSON *mode = cJSON_GetObjectItemCaseSensitive(f, "mode");
        bool dir = type && strcmp(type, "dir") == 0;
        dk_file *file = dk_file_put(c, norm, dir ? 'd' : 'f',
                                    cJSON_IsNumber(mode) ? (unsigned)mode->valueint : dir ? 0755 : 0644);
        const char *content = str(f, "content");
        const char *b64 = str(f, "content_base64");
        if (content)
            osh_buf_append_str(&file->data, content);
        if (b64 && !osh_base64_decode(&file->data, b64, strlen(b64))) {
            free(norm);
            *error = osh_str_printf("%s.files[%zu].content_base64: invalid base64", where, i);
            return -1;
        }
        free(norm);
    }
    return 0;
}

static int attach_networks(mock_docker *d, dk_container *c, const cJSON *nets, const char *where,
                           char **error)
{
    size_t i = 0;
    for (const cJSON *n = nets ? nets->child : NULL; n; n = n->next, i++) {
        dk_network *net = NULL;
        for (size_t k = 0; cJSON_IsString(n) && k < d->network_count && !net; k++)
            if (strcmp(d->networks[k]->name, n->valuestring) == 0 ||
                strcmp(d->networks[k]->id, n->valuestring) == 0)
                net = d->networks[k];
        if (!net) {
            *error = osh_str_printf("%s.networks[%zu]: no such network in the scenario", where, i);
            return -1;
        }
        if (!dk_endpoint_find(c, net))
            dk_endpoint_attach(d, c, net, NULL);
    }
    return 0;
}

static int load_one(mock_docker *d, const cJSON *o, const char *where, char **error)
{
    if (check(o, where, error))
        return -1;
    const char *name = str(o, "name");
    if (dk_find_container(d, name))
        return fail(error, where, "name: duplicate container name");
    const cJSON *create = cJSON_GetObjectItemCaseSensitive(o, "create");
    dk_image *img = dk_find_image(d, str(create, "Image"));
    if (!img) {
        *error = osh_str_printf("%s.create.Image: no image %s in docker.images", where, str(create, "Image"));
        return -1;
    }
    const cJSON *script = cJSON_GetObjectItemCaseSensitive(o, "script");
    dk_script parsed = {0};
    if (script) {
        char *at = osh_str_printf("%s.script", where);
        int rc = dk_script_parse(script, at, &parsed, error);
        free(at);
        if (rc)
            return -1;
    }
    dk_container *c = dk_container_build(d, name, cJSON_Duplicate(create, true), img);
    if (str(o, "id"))
        snprintf(c->id, sizeof c->id, "%s", str(o, "id"));
    if (script) {
        dk_script_free(&c->script);
        c->script = parsed;
    }
    if (add_files(c, cJSON_GetObjectItemCaseSensitive(o, "files"), where, error) ||
        attach_networks(d, c, cJSON_GetObjectItemCaseSensitive(o, "networks"), where, error))
        return -1;
    const cJSON *logs = cJSON_GetObjectItemCaseSensitive(o, "logs");
    for (const cJSON *l = logs ? logs->child : NULL; l; l = l->next)
        if (str(l, "text"))
            dk_container_append_log(c, str(l, "stream") && strcmp(str(l, "stream"), "stderr") == 0 ? 2 : 1,
                                    str(l, "text"));
    const cJSON *rc = cJSON_GetObjectItemCaseSensitive(o, "restart_count");
    c->restart_count = rc ? rc->valueint : 0;
    const char *state = str(o, "state");
    if (state && strcmp(state, "created") != 0) {
        /* it ran: its endpoints name existing networks by ID, as dockerd records them */
        for (size_t i = 0; i < c->endpoint_count; i++) {
            dk_endpoint *ep = &c->endpoints[i];
            for (size_t k = 0; !ep->network_id[0] && k < d->network_count; k++)
                if (strcmp(d->networks[k]->name, ep->network_name) == 0 ||
                    strcmp(d->networks[k]->id, ep->network_name) == 0)
                    snprintf(ep->network_id, sizeof ep->network_id, "%s", d->networks[k]->id);
            if (!ep->network_id[0]) {
                *error = osh_str_printf("%s.create.HostConfig.NetworkMode: no network %s in "
                                        "docker.networks (a container that ran needs it)",
                                        where, ep->network_name);
                return -1;
            }
        }
        dk_container_set_running(d, c);
        if (strcmp(state, "exited") == 0) {
            const cJSON *code = cJSON_GetObjectItemCaseSensitive(o, "exit_code");
            dk_container_set_exited(d, c, code ? code->valueint : 0, str(o, "error"),
                                    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "oom_killed")));
        }
    }
    if (str(o, "health") && c->has_health) {
        snprintf(c->health, sizeof c->health, "%s", str(o, "health"));
        c->health_forced = true;
    }
    return 0;
}

int dk_load_containers(mock_docker *d, const cJSON *arr, char **error)
{
    size_t i = 0;
    for (const cJSON *o = arr->child; o; o = o->next, i++) {
        char where[64];
        snprintf(where, sizeof where, "docker.containers[%zu]", i);
        if (load_one(d, o, where, error))
            return -1;
    }
    return 0;
}
