/* docker_containers.c: the container lifecycle routes (create, inspect, list, start, stop,
 * kill, restart, wait, remove) with dockerd 20.10's status codes and error texts. Logs,
 * archive, attach and exec create live in their own files; docker_routes.c maps paths here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker_internal.h"
#include "osh_str.h"

/* ---- Create ---------------------------------------------------------------------------- */

static const char *const adjectives[] = {"eager", "brave", "calm", "dreamy", "focused",
                                         "jolly", "keen", "quirky", "vibrant", "zen"};
static const char *const surnames[] = {"bohr", "curie", "darwin", "euler", "fermi",
                                       "gauss", "hopper", "lovelace", "noether", "turing"};

static char *generated_name(mock_docker *d)
{
    for (;;) {
        char hex[3];
        dk_random_hex(d, hex, 2);
        unsigned v = (unsigned)strtoul(hex, NULL, 16);
        char *name = osh_str_printf("%s_%s%s", adjectives[v % 10], surnames[(v / 10) % 10],
                                    d->container_count >= 50 ? hex : "");
        if (!dk_find_container(d, name))
            return name;
        free(name);
    }
}

static bool has_command(const cJSON *body, const cJSON *image_cfg)
{
    const char *keys[] = {"Cmd", "Entrypoint"};
    for (size_t i = 0; i < 2; i++) {
        const cJSON *v = dk_body_get(body, keys[i]);
        if (cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0)
            return true;
        v = dk_body_get(image_cfg, keys[i]);
        if (cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0)
            return true;
    }
    return false;
}

static bool healthcheck_enabled(const cJSON *hc)
{
    const cJSON *test = dk_body_get(hc, "Test");
    if (!cJSON_IsArray(test) || cJSON_GetArraySize(test) == 0)
        return false;
    const cJSON *first = cJSON_GetArrayItem(test, 0);
    return !(cJSON_IsString(first) && strcmp(first->valuestring, "NONE") == 0);
}

static void attach_initial_network(mock_docker *d, dk_container *c)
{
    const char *mode = dk_body_str(dk_host_config(c), "NetworkMode");
    if (mode && (strcmp(mode, "host") == 0 || strcmp(mode, "none") == 0 ||
                 osh_str_starts_with(mode, "container:")))
        return;
    const char *net = !mode || !*mode || strcmp(mode, "default") == 0 ? "bridge" : mode;
    const cJSON *eps = dk_body_get(dk_body_get(c->body, "NetworkingConfig"), "EndpointsConfig");
    const cJSON *cfg = cJSON_IsObject(eps) ? cJSON_GetObjectItemCaseSensitive(eps, net) : NULL;
    /* The network is resolved by name at the first start, as dockerd does. */
    dk_endpoint ep = {0};
    ep.network_name = osh_str_dup(net);
    dk_random_hex(d, ep.endpoint_id, DK_ID_LEN);
    ep.config = cfg ? cJSON_Duplicate(cfg, true) : NULL;
    DK_GROW(c->endpoints, c->endpoint_count);
    c->endpoints[c->endpoint_count++] = ep;
}

/* dockerd creates a named volume a bind refers to when the container is created. */
static void create_bind_volumes(mock_docker *d, const dk_container *c)
{
    const cJSON *binds = dk_body_get(dk_host_config(c), "Binds");
    for (const cJSON *b = cJSON_IsArray(binds) ? binds->child : NULL; b; b = b->next) {
        if (!cJSON_IsString(b) || b->valuestring[0] == '/')
            continue;
        char *name = osh_str_ndup(b->valuestring, strcspn(b->valuestring, ":"));
        if (dk_valid_name(name) && !dk_find_volume(d, name))
            dk_volume_add(d, name);
        free(name);
    }
}

/* Builds the container (lock held). Answers the error itself and returns NULL on failure. */
static dk_container *create_locked(mock_docker *d, const char *name, cJSON *body,
                                   mock_http_response *res)
{
    const char *image_ref = dk_body_str(body, "Image");
    dk_image *img = dk_find_image(d, image_ref ? image_ref : "");
    if (!img) {
        dk_error(res, 404, "No such image: %s", image_ref ? image_ref : "");
        return NULL;
    }
    if (!has_command(body, img->config)) {
        dk_error(res, 400, "No command specified");
        return NULL;
    }
    if (name && *name) {
        const char *bare = name[0] == '/' ? name + 1 : name;
        if (!dk_valid_name(bare)) {
            dk_error(res, 400, "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name);
            return NULL;
        }
        for (size_t i = 0; i < d->container_count; i++) {
            if (strcmp(d->containers[i]->name, bare) == 0) {
                dk_error(res, 409, "Conflict. The container name \"/%s\" is already in use by "
                         "container \"%s\". You have to remove (or rename) that container to be "
                         "able to reuse that name.", bare, d->containers[i]->id);
                return NULL;
            }
        }
    }
    return dk_container_build(d, name && *name ? (name[0] == '/' ? name + 1 : name) : NULL, body, img);
}

dk_container *dk_container_build(mock_docker *d, const char *name, cJSON *body, dk_image *img)
{
    dk_container *c = calloc(1, sizeof *c);
    if (!c)
        abort();
    dk_random_hex(d, c->id, DK_ID_LEN);
    c->name = name ? osh_str_dup(name) : generated_name(d);
    c->body = body;
    c->image_ref = osh_str_dup(dk_body_str(body, "Image"));
    snprintf(c->image_id, sizeof c->image_id, "%s", img->id);
    c->status = DK_CREATED;
    c->created_ns = dk_now_ns();
    c->seq = d->next_seq++;
    const cJSON *hc = dk_body_get(body, "Healthcheck");
    c->has_health = healthcheck_enabled(hc ? hc : dk_body_get(img->config, "Healthcheck"));
    c->health_log = cJSON_CreateArray();
    const dk_script *script = dk_script_for_name(d, c->name);
    if (script)
        dk_script_copy(&c->script, script);
    attach_initial_network(d, c);
    dk_files_default(c);
    create_bind_volumes(d, c);
    DK_GROW(d->containers, d->container_count);
    d->containers[d->container_count++] = c;
    return c;
}

void dk_container_create(mock_docker *d, const char *param, const mock_http_request *req,
                         mock_http_response *res)
{
    cJSON *body;
    const char *text;
    size_t len;
    if (!dk_json_body(req, res, &body, &text, &len))
        return;
    if (!body) {
        dk_error(res, len ? 500 : 400, len ? "invalid character '%c' looking for beginning of value"
                                           : "Config cannot be empty in order to create a container",
                 len ? text[0] : ' ');
        return;
    }
    if (!cJSON_IsObject(body) || !body->child) {
        cJSON_Delete(body);
        dk_error(res, 400, "Config cannot be empty in order to create a container");
        return;
    }
    pthread_mutex_lock(&d->lock);
    dk_container *c = create_locked(d, mock_http_request_query_value(req, "name"), body, res);
    char id[DK_ID_LEN + 1] = "";
    if (c)
        snprintf(id, sizeof id, "%s", c->id);
    dk_unlock(d);
    if (!c) {
        cJSON_Delete(body);
        return;
    }
    dk_fire_event(d, id, MOCK_DOCKER_EVENT_CREATE);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "Id", id);
    cJSON_AddItemToObject(o, "Warnings", cJSON_CreateArray());
    mock_http_respond_json(res, 201, o);
    cJSON_Delete(o);
}

/* ---- Start ------------------------------------------------------------------------------ */

static bool same_host_ip(const char *a, const char *b)
{
    bool any_a = !a || !*a || strcmp(a, "0.0.0.0") == 0;
    bool any_b = !b || !*b || strcmp(b, "0.0.0.0") == 0;
    return any_a || any_b || strcmp(a, b) == 0;
}

/* A host port this container publishes that a running container already holds, or NULL. */
static const char *port_conflict(mock_docker *d, const dk_container *c)
{
    const cJSON *mine = dk_body_get(dk_host_config(c), "PortBindings");
    for (const cJSON *p = cJSON_IsObject(mine) ? mine->child : NULL; p; p = p->next) {
        for (const cJSON *b = cJSON_IsArray(p) ? p->child : NULL; b; b = b->next) {
            const char *port = dk_body_str(b, "HostPort");
            if (!port || !*port)
                continue;
            for (size_t i = 0; i < d->container_count; i++) {
                const dk_container *o = d->containers[i];
                if (o == c || o->status != DK_RUNNING)
                    continue;
                const cJSON *theirs = dk_body_get(dk_host_config(o), "PortBindings");
                const cJSON *tp = cJSON_IsObject(theirs) ? theirs->child : NULL;
                for (; tp; tp = tp->next) {
                    const char *proto_a = strchr(p->string, '/'), *proto_b = strchr(tp->string, '/');
                    if (strcmp(proto_a ? proto_a : "/tcp", proto_b ? proto_b : "/tcp") != 0)
                        continue;
                    for (const cJSON *tb = cJSON_IsArray(tp) ? tp->child : NULL; tb; tb = tb->next) {
                        const char *their_port = dk_body_str(tb, "HostPort");
                        if (their_port && strcmp(their_port, port) == 0 &&
                            same_host_ip(dk_body_str(b, "HostIp"), dk_body_str(tb, "HostIp")))
                            return port;
                    }
                }
            }
        }
    }
    return NULL;
}

/* Checks dockerd makes when starting; answers the error and returns false. Lock held. */
static bool start_checks(mock_docker *d, dk_container *c, mock_http_response *res)
{
    c->start_attempted = true;
    const char *host = dk_body_str(c->body, "Hostname");
    if (host && strlen(host) > 64) {
        const char *msg = "failed to create shim task: OCI runtime create failed: runc create "
                          "failed: unable to start container process: error during container "
                          "init: sethostname: invalid argument: unknown";
        free(c->error);
        c->error = osh_str_dup(msg);
        c->exit_code = 128;
        dk_error(res, 500, "%s", msg);
        return false;
    }
    for (size_t i = 0; i < c->endpoint_count; i++) {
        dk_endpoint *ep = &c->endpoints[i];
        if (ep->network_id[0] && !dk_find_network_by_id(d, ep->network_id)) {
            dk_error(res, 404, "network %s not found", ep->network_id);
            return false;
        }
        if (!ep->network_id[0]) {
            dk_network *n = NULL;
            for (size_t k = 0; k < d->network_count && !n; k++)
                if (strcmp(d->networks[k]->name, ep->network_name) == 0)
                    n = d->networks[k];
            if (!n) {
                dk_error(res, 404, "network %s not found", ep->network_name);
                return false;
            }
            snprintf(ep->network_id, sizeof ep->network_id, "%s", n->id);
        }
    }
    const char *port = port_conflict(d, c);
    if (port) {
        char ep_id[DK_ID_LEN + 1];
        dk_random_hex(d, ep_id, DK_ID_LEN);
        char *msg = osh_str_printf("driver failed programming external connectivity on endpoint "
                                   "%s (%s): Bind for 0.0.0.0:%s failed: port is already allocated",
                                   c->name, ep_id, port);
        free(c->error);
        c->error = osh_str_dup(msg);
        c->exit_code = 128;
        dk_error(res, 500, "%s", msg);
        free(msg);
        return false;
    }
    return true;
}

/* Log the lines a simple command would print at start (see dk_startup_output); a command
 * made only of such steps (`echo hi`) has then finished: the container exits with its
 * status. Returns true when it exited. Lock held. */
static bool startup_logs(mock_docker *d, dk_container *c)
{
    if (c->script.log_count > 0)
        return false; /* the scenario says what this container prints */
    const cJSON *img_cfg = NULL;
    dk_image *img = dk_find_image_by_id(d, c->image_id);
    if (img)
        img_cfg = img->config;
    bool own = dk_body_get(c->body, "Cmd") || dk_body_get(c->body, "Entrypoint");
    const cJSON *parts[2] = {dk_body_get(own ? c->body : img_cfg, "Entrypoint"),
                             dk_body_get(own ? c->body : img_cfg, "Cmd")};
    const char *argv[64];
    size_t argc = 0;
    for (size_t k = 0; k < 2; k++)
        for (const cJSON *v = cJSON_IsArray(parts[k]) ? parts[k]->child : NULL; v && argc < 64; v = v->next)
            if (cJSON_IsString(v))
                argv[argc++] = v->valuestring;
    mock_docker_exec_result r = {OSH_BUF_INIT, OSH_BUF_INIT, 0, false, false, 0, NULL};
    bool finished = argc > 0 && dk_startup_output(d, argv, argc, &r);
    for (int stream = 1; stream <= 2; stream++) {
        osh_buf *b = stream == 1 ? &r.out : &r.err;
        char *save = NULL;
        char *text = osh_str_dup(osh_buf_str(b));
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
            dk_container_append_log(c, stream, line);
        free(text);
    }
    osh_buf_free(&r.out);
    osh_buf_free(&r.err);
    if (finished)
        dk_container_set_exited(d, c, r.exit_code, NULL, false);
    return finished;
}

void dk_container_set_running(mock_docker *d, dk_container *c)
{
    c->status = DK_RUNNING;
    c->pid = d->next_pid++;
    c->started_ns = dk_now_ns();
    c->exit_code = 0;
    c->oom_killed = false;
    free(c->error);
    c->error = NULL;
    c->inspects = 0;
    c->failing_streak = 0;
    c->health_forced = false;
    if (c->has_health)
        snprintf(c->health, sizeof c->health, "starting");
    for (size_t i = 0; i < c->endpoint_count; i++) {
        dk_network *n = dk_find_network_by_id(d, c->endpoints[i].network_id);
        if (n && c->endpoints[i].ip_last == 0)
            c->endpoints[i].ip_last = n->next_ip++;
    }
    dk_apply_start_script(d, c);
}

void dk_container_start(mock_docker *d, const char *ref, const mock_http_request *req,
                        mock_http_response *res)
{
    dk_container *c = dk_lock_container_or_404(d, ref, res);
    if (!c)
        return;
    if (c->status == DK_RUNNING) {
        dk_unlock(d);
        mock_http_respond_empty(res, 304);
        return;
    }
    if (!start_checks(d, c, res)) {
        dk_unlock(d);
        return;
    }
    dk_container_set_running(d, c);
    bool exited = startup_logs(d, c);
    char id[DK_ID_LEN + 1];
    snprintf(id, sizeof id, "%s", c->id);
    dk_unlock(d);
    mock_http_server_wake_key(d->http, mock_http_key(id));
    dk_fire_event(d, id, MOCK_DOCKER_EVENT_START);
    if (exited) {
        dk_fire_event(d, id, MOCK_DOCKER_EVENT_DIE);
        dk_after_exit(d, id);
    }
    mock_http_respond_empty(res, 204);
}

/* ---- Stop, kill, restart ------------------------------------------------------------------ */

void dk_container_set_exited(mock_docker *d, dk_container *c, int code, const char *error,
                             bool oom)
{
    c->status = DK_EXITED;
    c->exit_code = code;
    free(c->error);
    c->error = error && *error ? osh_str_dup(error) : NULL;
    c->oom_killed = oom;
    c->finished_ns = dk_now_ns();
    c->pid = 0;
    c->exits++;
    if (c->has_health)
        snprintf(c->health, sizeof c->health, "unhealthy"); /* dockerd: no streak change */
    for (size_t i = 0; i < d->exec_count; i++)
        if (strcmp(d->execs[i]->container_id, c->id) == 0)
            d->execs[i]->running = false;
}

/* After a container stopped running: HostConfig.AutoRemove (docker run --rm) removes it, as
 * dockerd does. Lock NOT held; fires REMOVE. */
void dk_after_exit(mock_docker *d, const char *id)
{
    pthread_mutex_lock(&d->lock);
    dk_container *c = dk_find_container_by_id(d, id);
    bool remove = c && c->status != DK_RUNNING && cJSON_IsTrue(dk_body_get(dk_host_config(c), "AutoRemove"));
    if (remove && c->attached > 0) {
        c->remove_on_detach = true; /* the last attach stream removes it (docker_attach.c) */
        remove = false;
    }
    if (remove)
        dk_remove_container(d, c);
    dk_unlock(d);
    if (remove) {
        mock_http_server_wake_key(d->http, mock_http_key(id));
        dk_fire_event(d, id, MOCK_DOCKER_EVENT_REMOVE);
    }
}

/* Stop or kill; returns the HTTP status it answered with. */
static int stop_or_kill(mock_docker *d, const char *ref, bool kill, mock_http_response *res)
{
    pthread_mutex_lock(&d->lock);
    dk_container *c = dk_find_container(d, ref);
    if (!c) {
        dk_unlock(d);
        if (kill)
            dk_error(res, 404, "Cannot kill container: %s: No such container: %s", ref, ref);
        else
            dk_error(res, 404, "No such container: %s", ref);
        return 404;
    }
    if (c->status != DK_RUNNING) {
        char id[DK_ID_LEN + 1];
        snprintf(id, sizeof id, "%s", c->id);
        dk_unlock(d);
        if (kill)
            dk_error(res, 409, "Cannot kill container: %s: Container %s is not running", ref, id);
        else
            mock_http_respond_empty(res, 304);
        return kill ? 409 : 304;
    }
    dk_container_set_exited(d, c, kill ? 137 : c->script.stop_code, NULL, false);
    char id[DK_ID_LEN + 1];
    snprintf(id, sizeof id, "%s", c->id);
    dk_unlock(d);
    mock_http_server_wake_key(d->http, mock_http_key(id));
    dk_fire_event(d, id, kill ? MOCK_DOCKER_EVENT_KILL : MOCK_DOCKER_EVENT_STOP);
    dk_fire_event(d, id, MOCK_DOCKER_EVENT_DIE);
    dk_after_exit(d, id);
    mock_http_respond_empty(res, 204);
    return 204;
}

void dk_container_restart(mock_docker *d, const char *ref, const mock_http_request *req,
                          mock_http_response *res)
{
    dk_container *c = dk_lock_container_or_404(d, ref, res);
    if (!c)
        return;
    char id[DK_ID_LEN + 1];
    snprintf(id, sizeof id, "%s", c->id);
    bool was_running = c->status == DK_RUNNING;
    if (was_running)
        dk_container_set_exited(d, c, c->script.stop_code, NULL, false);
    dk_unlock(d);
    if (was_running) {
        dk_fire_event(d, id, MOCK_DOCKER_EVENT_STOP);
        dk_fire_event(d, id, MOCK_DOCKER_EVENT_DIE);
    }
    pthread_mutex_lock(&d->lock);
    c = dk_find_container_by_id(d, id);
    bool ok = c && start_checks(d, c, res);
    bool exited = false;
    if (ok) {
        dk_container_set_running(d, c);
        exited = startup_logs(d, c);
    }
    dk_unlock(d);
    mock_http_server_wake_key(d->http, mock_http_key(id));
    if (!c)
        dk_error(res, 404, "No such container: %s", ref);
    if (!ok)
        return;
    dk_fire_event(d, id, MOCK_DOCKER_EVENT_START);
    if (exited)
        dk_fire_event(d, id, MOCK_DOCKER_EVENT_DIE);
    mock_http_respond_empty(res, 204);
}

/* ---- Remove ------------------------------------------------------------------------------- */

void dk_container_remove(mock_docker *d, const char *ref, const mock_http_request *req,
                         mock_http_response *res)
{
    dk_container *c = dk_lock_container_or_404(d, ref, res);
    if (!c)
        return;
    char id[DK_ID_LEN + 1];
    snprintf(id, sizeof id, "%s", c->id);
    bool running = c->status == DK_RUNNING;
    if (running && !dk_query_bool(req, "force")) {
        dk_unlock(d);
        dk_error(res, 409, "You cannot remove a running container %s. Stop the container before "
                 "attempting removal or force remove", id);
        return;
    }
    if (running)
        dk_container_set_exited(d, c, 137, NULL, false);
    dk_unlock(d);
    if (running) {
        dk_fire_event(d, id, MOCK_DOCKER_EVENT_KILL);
        dk_fire_event(d, id, MOCK_DOCKER_EVENT_DIE);
    }
    pthread_mutex_lock(&d->lock);
    c = dk_find_container_by_id(d, id);
    if (c)
        dk_remove_container(d, c);
    dk_unlock(d);
    mock_http_server_wake_key(d->http, mock_http_key(id));
    dk_fire_event(d, id, MOCK_DOCKER_EVENT_REMOVE);
    mock_http_respond_empty(res, 204);
}

/* ---- Wait --------------------------------------------------------------------------------- */

typedef struct wait_stream {
    mock_docker *d;
    char id[DK_ID_LEN + 1];
    bool next_exit;      /* condition=next-exit: wait for the next stop even if not running */
    bool removed;        /* condition=removed */
    long exits_at_start; /* the container's exit count when the wait began */
} wait_stream;

static int wait_next(void *ctx, osh_buf *out)
{
    wait_stream *w = ctx;
    pthread_mutex_lock(&w->d->lock);
    dk_container *c = dk_find_container_by_id(w->d, w->id);
    bool done;
    int code = c ? c->exit_code : 0;
    if (w->removed)
        done = !c;
    else if (!c)
        done = true;
    else if (w->next_exit)
        done = c->exits > w->exits_at_start && c->status != DK_RUNNING;
    else
        done = c->status != DK_RUNNING;
    dk_unlock(w->d);
    if (!done)
        return MOCK_HTTP_STREAM_MORE;
    osh_buf_appendf(out, "{\"Error\":null,\"StatusCode\":%d}\n", code);
    return MOCK_HTTP_STREAM_END;
}

void dk_container_wait(mock_docker *d, const char *ref, const mock_http_request *req,
                       mock_http_response *res)
{
    const char *cond = mock_http_request_query_value(req, "condition");
    if (cond && *cond && strcmp(cond, "not-running") != 0 && strcmp(cond, "next-exit") != 0 &&
        strcmp(cond, "removed") != 0) {
        dk_error(res, 400, "invalid condition: \"%s\"", cond);
        return;
    }
    dk_container *c = dk_lock_container_or_404(d, ref, res);
    if (!c)
        return;
    wait_stream *w = calloc(1, sizeof *w);
    if (!w)
        abort();
    w->d = d;
    snprintf(w->id, sizeof w->id, "%s", c->id);
    w->next_exit = cond && strcmp(cond, "next-exit") == 0;
    w->removed = cond && strcmp(cond, "removed") == 0;
    w->exits_at_start = c->exits;
    dk_unlock(d);
    /* dockerd sends the headers at once and the body when the condition is met. */
    mock_http_respond_stream(res, 200, "application/json", wait_next, w, free);
    mock_http_response_wait_key(res, mock_http_key(w->id));
}

/* ---- Inspect and list --------------------------------------------------------------------- */

/* ?size=1: dockerd adds the writable layer's and the rootfs' sizes. */
static void add_sizes(cJSON *o, mock_docker *d, const dk_container *c)
{
    long rw = 0;
    for (size_t i = 0; i < c->file_count; i++)
        rw += (long)c->files[i].data.len;
    dk_image *img = dk_find_image_by_id(d, c->image_id);
    cJSON_AddNumberToObject(o, "SizeRw", (double)rw);
    cJSON_AddNumberToObject(o, "SizeRootFs", (double)(rw + (img ? img->size : 0)));
}

void dk_container_inspect(mock_docker *d, const char *ref, const mock_http_request *req,
                          mock_http_response *res)
{
    bool size = dk_query_bool(req, "size");
    dk_container *c = dk_lock_container_or_404(d, ref, res);
    if (!c)
        return;
    char id[DK_ID_LEN + 1];
    snprintf(id, sizeof id, "%s", c->id);
    long count = ++c->inspects; /* feeds the scripts; not part of the answer */
    size_t logs_before = c->log_count;
    mock_docker_hooks h = d->hooks;
    if (h.inspect) {
        dk_unlock_unchanged(d); /* what the hook changes goes through the C API: dk_unlock */
        h.inspect(h.ctx, d, id, count);
        pthread_mutex_lock(&d->lock);
        c = dk_find_container_by_id(d, id);
    }
    bool was_running = c && c->status == DK_RUNNING;
    if (c && dk_apply_inspect_script(d, c))
        d->generation++; /* health or state moved: the cached answer is stale */
    bool logged = c && c->log_count != logs_before; /* by the hook or the script */
    bool died = was_running && c->status != DK_RUNNING;
    osh_buf body = OSH_BUF_INIT;
    if (c && size) {
        cJSON *doc = dk_container_inspect_json(d, c);
        add_sizes(doc, d, c);
        char *text = cJSON_PrintUnformatted(doc);
        cJSON_Delete(doc);
        if (!text)
            abort();
        osh_buf_append_str(&body, text);
        osh_buf_append_char(&body, '\n');
        cJSON_free(text);
    } else if (c) {
        dk_inspect_body(d, c, &body);
    }
    dk_unlock_unchanged(d);
    if (logged || died) {
        mock_http_server_wake_key(d->http, mock_http_key(id)); /* scripted log lines reach followers at once */
        /* and before this answer: a client that drains its follower right after the
         * inspect sees them (rules §7.2 counts sightings per attempt) */
        mock_http_response_after_streams(res);
    }
    if (died) {
        dk_fire_event(d, id, MOCK_DOCKER_EVENT_DIE);
        dk_after_exit(d, id);
    }
    if (!c) {
        dk_error(res, 404, "No such container: %s", ref);
        return;
    }
    mock_http_respond(res, 200, "application/json", body.data, body.len);
    osh_buf_free(&body);
}

static bool match_name(const char *want, void *ctx)
{
    const dk_container *c = ctx;
    /* dockerd matches a regexp against "/name"; anchors and substrings cover real use. */
    char *pattern = osh_str_dup(want[0] == '/' ? want + 1 : want);
    bool anchored_start = pattern[0] == '^';
    char *p = anchored_start ? pattern + 1 : pattern;
    if (p[0] == '/')
        p++;
    size_t plen = strlen(p);
    bool anchored_end = plen > 0 && p[plen - 1] == '$';
    if (anchored_end)
        p[--plen] = '\0';
    bool ok;
    if (anchored_start && anchored_end)
        ok = strcmp(c->name, p) == 0;
    else if (anchored_start)
        ok = osh_str_starts_with(c->name, p);
    else if (anchored_end)
        ok = osh_str_ends_with(c->name, p);
    else
        ok = strstr(c->name, p) != NULL;
    free(pattern);
    return ok;
}

typedef struct label_ctx {
    const cJSON *labels;
} label_ctx;

static bool match_label(const char *want, void *ctx)
{
    const cJSON *labels = ((label_ctx *)ctx)->labels;
    const char *eq = strchr(want, '=');
    char *key = eq ? osh_str_ndup(want, (size_t)(eq - want)) : osh_str_dup(want);
    const cJSON *v = cJSON_IsObject(labels) ? cJSON_GetObjectItemCaseSensitive(labels, key) : NULL;
    bool ok = v && (!eq || (cJSON_IsString(v) && strcmp(v->valuestring, eq + 1) == 0));
    free(key);
    return ok;
}

static bool match_status(const char *want, void *ctx)
{
    return strcmp(want, dk_status_name(((dk_container *)ctx)->status)) == 0;
}

static bool match_id(const char *want, void *ctx)
{
    return osh_str_starts_with(((dk_container *)ctx)->id, want);
}

/* The values of the status filter are checked too (its keys by dk_query_filters). */
static int check_status_filter(const cJSON *filters, mock_http_response *res)
{
    static const char *const statuses[] = {"created", "restarting", "running", "removing",
                                           "paused", "exited", "dead", NULL};
    const cJSON *st = filters ? cJSON_GetObjectItemCaseSensitive(filters, "status") : NULL;
    for (const cJSON *v = st ? st->child : NULL; v; v = v->next) {
        bool ok = false;
        for (size_t i = 0; statuses[i]; i++)
            ok = ok || strcmp(v->valuestring, statuses[i]) == 0;
        if (!ok) {
            dk_error(res, 400, "Invalid filter 'status=%s'", v->valuestring);
            return -1;
        }
    }
    return 0;
}

static bool listed(mock_docker *d, dk_container *c, const cJSON *f, bool all)
{
    if (!all && c->status != DK_RUNNING && !dk_filter_has(f, "status"))
        return false;
    if (dk_filter_has(f, "name") && !dk_filter_any(f, "name", match_name, c))
        return false;
    if (dk_filter_has(f, "status") && !dk_filter_any(f, "status", match_status, c))
        return false;
    if (dk_filter_has(f, "id") && !dk_filter_any(f, "id", match_id, c))
        return false;
    if (dk_filter_has(f, "label")) {
        /* Every label filter must hold (AND), unlike the other keys. */
        const cJSON *labels = dk_body_get(c->body, "Labels");
        const cJSON *vals = cJSON_GetObjectItemCaseSensitive(f, "label");
        label_ctx lc = {labels};
        for (const cJSON *v = vals->child; v; v = v->next)
            if (!match_label(v->valuestring, &lc))
                return false;
    }
    return true;
}

void dk_container_list(mock_docker *d, const char *param, const mock_http_request *req,
                       mock_http_response *res)
{
    static const char *const known[] = {"ancestor", "before", "expose", "exited", "health",
                                        "id", "isolation", "is-task", "label", "name", "network",
                                        "publish", "since", "status", "volume", NULL};
    cJSON *filters;
    if (dk_query_filters(req, known, res, &filters) != 0)
        return;
    if (check_status_filter(filters, res) != 0) {
        cJSON_Delete(filters);
        return;
    }
    bool all = dk_query_bool(req, "all");
    const char *limit_s = mock_http_request_query_value(req, "limit");
    long limit = limit_s ? atol(limit_s) : -1;
    cJSON *arr = cJSON_CreateArray();
    pthread_mutex_lock(&d->lock);
    /* Newest first, as dockerd lists them. */
    for (size_t i = d->container_count; i-- > 0;) {
        if (limit > 0 && cJSON_GetArraySize(arr) >= limit)
            break;
        if (!listed(d, d->containers[i], filters, all))
            continue;
        cJSON *row = dk_container_summary_json(d, d->containers[i]);
        if (dk_query_bool(req, "size"))
            add_sizes(row, d, d->containers[i]);
        cJSON_AddItemToArray(arr, row);
    }
    dk_unlock(d);
    cJSON_Delete(filters);
    mock_http_respond_json(res, 200, arr);
    cJSON_Delete(arr);
}

/* POST /containers/{name}/stop and /kill: the route's last element says which. */
void dk_container_stop_or_kill(mock_docker *d, const char *ref, const mock_http_request *req,
                               mock_http_response *res)
{
    stop_or_kill(d, ref, osh_str_ends_with(mock_http_request_path(req), "/kill"), res);
}
