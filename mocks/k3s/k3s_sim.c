/* k3s_sim.c: the simulator's state (clusters by volume, cluster containers), the container
 * lifecycle hooks (start: node registration and bring-up; stop; remove; volume removal) and
 * the public API (see k3s_sim.h). Inspects are handled in k3s_sim_inspect.c, execs in
 * k3s_sim_exec.c; what gets deployed is in k3s_bringup.c, the controllers in
 * k3s_controllers.c. */
#include "k3s_sim_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "k3s_bringup.h"
#include "k3s_config.h"
#include "k3s_controllers.h"
#include "k3s_shell.h"
#include "osh_str.h"

#define K3S_DATA_DIR "/var/lib/rancher/k3s"

/* ---- clusters ---- */

static void reconcile_hook(kube_store *s, void *user)
{
    cluster *cl = user;
    pthread_mutex_lock(&cl->lock);
    char *node = osh_str_dup(cl->ready_node);
    pthread_mutex_unlock(&cl->lock);
    k3s_reconcile(s, node);
    free(node);
}

static cluster *cluster_add(k3s_sim *sim, const char *volume, kube_store *store)
{
    cluster *cl = calloc(1, sizeof(*cl));
    if (!cl)
        abort();
    cl->volume = osh_str_dup(volume);
    cl->store = store;
    cl->images = cJSON_CreateArray();
    pthread_mutex_init(&cl->lock, NULL);
    kube_store_set_hook(store, reconcile_hook, cl);
    cl->next = sim->clusters;
    sim->clusters = cl;
    return cl;
}

static void cluster_free(cluster *cl)
{
    kube_store_set_hook(cl->store, NULL, NULL);
    kube_store_unref(cl->store);
    cJSON_Delete(cl->images);
    pthread_mutex_destroy(&cl->lock);
    free(cl->ready_node);
    free(cl->volume);
    free(cl);
}

static cluster *cluster_find(k3s_sim *sim, const char *volume)
{
    for (cluster *cl = sim->clusters; cl; cl = cl->next)
        if (strcmp(cl->volume, volume) == 0)
            return cl;
    return NULL;
}

static void cluster_set_ready_node(cluster *cl, const char *node)
{
    pthread_mutex_lock(&cl->lock);
    free(cl->ready_node);
    cl->ready_node = osh_str_dup(node);
    pthread_mutex_unlock(&cl->lock);
}

/* Drops a cluster (its volume went away); the API falls back to its own store. */
static void cluster_remove(k3s_sim *sim, cluster *gone)
{
    for (cluster **p = &sim->clusters; *p; p = &(*p)->next) {
        if (*p != gone)
            continue;
        *p = gone->next;
        break;
    }
    for (container *c = sim->containers; c; c = c->next)
        if (c->cl == gone)
            c->cl = NULL;
    if (sim->kube) {
        kube_store *cur = mock_kube_current_store(sim->kube);
        if (cur == gone->store)
            mock_kube_use_store(sim->kube, NULL);
        kube_store_unref(cur);
    }
    cluster_free(gone);
}

/* ---- containers ---- */

container *k3s_container_find(k3s_sim *sim, const char *id)
{
    for (container *c = sim->containers; c; c = c->next)
        if (strcmp(c->id, id) == 0)
            return c;
    return NULL;
}

static void container_free(container *c)
{
    free(c->id);
    free(c->node);
    free(c->hostname);
    free(c);
}

static bool is_cluster_container(k3s_sim *sim, const char *id)
{
    cJSON *cmd = mock_docker_container_cmd(sim->d, id);
    const char *first = cJSON_GetStringValue(cJSON_GetArrayItem(cmd, 0));
    bool yes = first && strcmp(first, "server") == 0;
    cJSON_Delete(cmd);
    if (yes)
        return true;
    char *name = mock_docker_container_name(sim->d, id);
    for (size_t i = 0; name && i < sim->cfg.n_cluster_containers; i++)
        yes = yes || strcmp(sim->cfg.cluster_containers[i], name) == 0;
    free(name);
    return yes;
}

/* The env value of key, or NULL (malloc'd). */
static char *env_value(const cJSON *env, const char *key)
{
    const cJSON *e;
    size_t kl = strlen(key);
    cJSON_ArrayForEach(e, env)
    {
        const char *s = cJSON_GetStringValue(e);
        if (s && strncmp(s, key, kl) == 0 && s[kl] == '=')
            return osh_str_dup(s + kl + 1);
    }
    return NULL;
}

/* rules §11.1: --node-name, else OPENSHELL_NODE_NAME, else the hostname (Config.Hostname or
 * the 12-hex ID prefix). */
static char *node_name(k3s_sim *sim, const char *id, const cJSON *env, bool *from_env)
{
    *from_env = false;
    cJSON *cmd = mock_docker_container_cmd(sim->d, id);
    char *name = NULL;
    const cJSON *a;
    cJSON_ArrayForEach(a, cmd)
    {
        const char *s = cJSON_GetStringValue(a);
        if (s && osh_str_starts_with(s, "--node-name="))
            name = osh_str_dup(osh_str_after(s, "--node-name="));
        else if (s && strcmp(s, "--node-name") == 0 && a->next && cJSON_IsString(a->next))
            name = osh_str_dup(a->next->valuestring);
        if (name)
            break;
    }
    cJSON_Delete(cmd);
    if (name)
        return name;
    name = env_value(env, "OPENSHELL_NODE_NAME");
    if (name && *name) {
        *from_env = true;
        return name;
    }
    free(name);
    return mock_docker_container_hostname(sim->d, id);
}

/* The volume mounted at the k3s data dir ("vol:/var/lib/rancher/k3s[:mode]"), or NULL. */
static char *data_volume(k3s_sim *sim, const char *id)
{
    cJSON *binds = mock_docker_container_binds(sim->d, id);
    char *vol = NULL;
    const cJSON *b;
    cJSON_ArrayForEach(b, binds)
    {
        const char *s = cJSON_GetStringValue(b);
        const char *colon = s ? strchr(s, ':') : NULL;
        if (colon && s[0] != '/' && osh_str_starts_with(colon + 1, K3S_DATA_DIR) &&
            (colon[1 + strlen(K3S_DATA_DIR)] == '\0' || colon[1 + strlen(K3S_DATA_DIR)] == ':'))
            vol = osh_str_ndup(s, (size_t)(colon - s));
    }
    cJSON_Delete(binds);
    return vol;
}

static void serve_cluster(k3s_sim *sim, cluster *cl)
{
    if (sim->kube)
        mock_kube_use_store(sim->kube, cl->store);
}

/* The API becomes ready: deploy, reconcile, and let the API server serve the cluster. */
void k3s_api_up(k3s_sim *sim, container *c)
{
    c->api_ready = true;
    if (!c->cl)
        return;
    k3s_bringup(c->cl->store, &sim->cfg);
    k3s_reconcile(c->cl->store, c->node);
    serve_cluster(sim, c->cl);
}

static void on_start(k3s_sim *sim, const char *id)
{
    if (!is_cluster_container(sim, id))
        return;
    container *c = k3s_container_find(sim, id);
    if (!c) {
        c = calloc(1, sizeof(*c));
        c->id = osh_str_dup(id);
        c->next = sim->containers;
        sim->containers = c;
    }
    char *vol = data_volume(sim, id);
    char *key = vol ? osh_str_dup(vol) : osh_str_printf("container:%s", id);
    cluster *cl = cluster_find(sim, key);
    if (!cl) {
        kube_store *fresh = kube_store_new();
        if (sim->kube) /* the cluster serves the CRDs of the world's agent-sandbox release */
            kube_store_copy_crds(fresh, mock_kube_default_store(sim->kube));
        cl = cluster_add(sim, key, fresh);
    }
    free(key);
    free(vol);
    c->cl = cl;
    cJSON *env = mock_docker_container_env(sim->d, id);
    bool from_env;
    free(c->node);
    c->node = node_name(sim, id, env, &from_env);
    free(c->hostname);
    c->hostname = mock_docker_container_hostname(sim->d, id);
    char *disable_tls = env_value(env, "DISABLE_TLS");
    c->tls = !(disable_tls && strcmp(disable_tls, "true") == 0);
    free(disable_tls);
    cJSON_Delete(env);
    c->s1_calls = c->m1_calls = 0;
    c->api_ready = false;
    if (from_env) {
        char *line = osh_str_printf("Using deterministic k3s node name: %s", c->node);
        mock_docker_append_log(sim->d, id, 1, line);
        free(line);
    }
    for (size_t i = 0; i < sim->cfg.n_logs; i++) {
        const k3s_log_rule *r = &sim->cfg.logs[i];
        for (size_t j = 0; r->at_start && j < r->n_lines; j++)
            mock_docker_append_log(sim->d, id, r->stream, r->lines[j]);
    }
    cluster_set_ready_node(cl, c->node);
    k3s_register_node(cl->store, c->node);
    if (sim->cfg.api_ready_after_s1 == 0 || sim->cfg.api_ready_after_s1 < 0)
        k3s_api_up(sim, c);
}

void k3s_on_stop(k3s_sim *sim, const char *id)
{
    container *c = k3s_container_find(sim, id);
    if (!c || !c->cl)
        return;
    c->api_ready = false;
    cluster_set_ready_node(c->cl, NULL);
    if (sim->kube) {
        kube_store *cur = mock_kube_current_store(sim->kube);
        if (cur == c->cl->store)
            mock_kube_use_store(sim->kube, NULL);
        kube_store_unref(cur);
    }
}

static void on_remove(k3s_sim *sim, const char *id)
{
    for (container **p = &sim->containers; *p; p = &(*p)->next) {
        container *c = *p;
        if (strcmp(c->id, id) != 0)
            continue;
        *p = c->next;
        if (c->cl && osh_str_starts_with(c->cl->volume, "container:"))
            cluster_remove(sim, c->cl);
        container_free(c);
        return;
    }
}

static void container_event(void *ctx, mock_docker *d, const char *id, mock_docker_event event)
{
    (void)d;
    k3s_sim *sim = ctx;
    pthread_mutex_lock(&sim->lock);
    if (event == MOCK_DOCKER_EVENT_START)
        on_start(sim, id);
    else if (event == MOCK_DOCKER_EVENT_DIE || event == MOCK_DOCKER_EVENT_STOP || event == MOCK_DOCKER_EVENT_KILL)
        k3s_on_stop(sim, id);
    else if (event == MOCK_DOCKER_EVENT_REMOVE)
        on_remove(sim, id);
    pthread_mutex_unlock(&sim->lock);
}

static void volume_removed(void *ctx, mock_docker *d, const char *volume)
{
    (void)d;
    k3s_sim *sim = ctx;
    pthread_mutex_lock(&sim->lock);
    cluster *cl = cluster_find(sim, volume);
    if (cl)
        cluster_remove(sim, cl);
    pthread_mutex_unlock(&sim->lock);
}

/* ---- public ---- */

static int load_volumes(k3s_sim *sim, char **error)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, sim->cfg.volumes)
    {
        char *path = osh_str_printf("cluster.volumes.%s", v->string);
        kube_store *s = k3s_volume_store_from_scenario(v, path, error);
        free(path);
        if (!s)
            return -1;
        if (sim->kube)
            kube_store_copy_crds(s, mock_kube_default_store(sim->kube));
        cluster *cl = cluster_add(sim, v->string, s);
        const cJSON *img;
        cJSON_ArrayForEach(img, cJSON_GetObjectItemCaseSensitive(v, "images"))
        {
            if (cJSON_IsString(img))
                cJSON_AddItemToArray(cl->images, cJSON_CreateString(img->valuestring));
        }
    }
    return 0;
}

/* Containers a scenario starts running never passed through a start request: boot their
 * clusters now, as if k3s had been up all along. */
static void adopt_running(k3s_sim *sim)
{
    cJSON *state = mock_docker_state_json(sim->d);
    const cJSON *c;
    pthread_mutex_lock(&sim->lock);
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(state, "containers"))
    {
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(c, "State");
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "Id"));
        if (id && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(st, "Running")))
            on_start(sim, id);
    }
    pthread_mutex_unlock(&sim->lock);
    cJSON_Delete(state);
}

k3s_sim *k3s_sim_new(mock_docker *d, mock_kube *kube, const cJSON *cluster_section, char **error)
{
    k3s_sim *sim = calloc(1, sizeof(*sim));
    if (!sim)
        abort();
    pthread_mutex_init(&sim->lock, NULL);
    sim->d = d;
    sim->kube = kube;
    if (k3s_config_parse(cluster_section, &sim->cfg, error) != 0 || load_volumes(sim, error) != 0) {
        k3s_sim_free(sim);
        return NULL;
    }
    mock_docker_hooks hooks = {.ctx = sim,
                               .container_event = container_event,
                               .volume_removed = volume_removed,
                               .exec = k3s_exec_hook,
                               .inspect = k3s_inspect_hook};
    mock_docker_set_hooks(d, &hooks);
    adopt_running(sim);
    return sim;
}

void k3s_sim_note_docker_scripts(k3s_sim *sim, const cJSON *scripts)
{
    pthread_mutex_lock(&sim->lock);
    cJSON_Delete(sim->docker_health_scripts);
    sim->docker_health_scripts = cJSON_CreateArray();
    const cJSON *sc;
    cJSON_ArrayForEach(sc, scripts)
    {
        if (cJSON_GetObjectItemCaseSensitive(sc, "health") || cJSON_GetObjectItemCaseSensitive(sc, "health_by_seconds"))
            cJSON_AddItemToArray(sim->docker_health_scripts, cJSON_CreateString(sc->string));
    }
    pthread_mutex_unlock(&sim->lock);
}

void k3s_sim_free(k3s_sim *sim)
{
    if (!sim)
        return;
    cJSON_Delete(sim->docker_health_scripts);
    if (sim->d)
        mock_docker_set_hooks(sim->d, NULL);
    while (sim->clusters) {
        cluster *next = sim->clusters->next;
        cluster_free(sim->clusters);
        sim->clusters = next;
    }
    while (sim->containers) {
        container *next = sim->containers->next;
        container_free(sim->containers);
        sim->containers = next;
    }
    k3s_config_free(&sim->cfg);
    pthread_mutex_destroy(&sim->lock);
    free(sim);
}

cJSON *k3s_sim_state(k3s_sim *sim)
{
    cJSON *out = cJSON_CreateObject();
    pthread_mutex_lock(&sim->lock);
    for (cluster *cl = sim->clusters; cl; cl = cl->next) {
        cJSON *doc = kube_store_export(cl->store);
        cJSON_AddItemToObject(doc, "images", cJSON_Duplicate(cl->images, true));
        cJSON_AddItemToObject(out, cl->volume, doc);
    }
    pthread_mutex_unlock(&sim->lock);
    return out;
}

kube_store *k3s_sim_volume_store(k3s_sim *sim, const char *volume)
{
    pthread_mutex_lock(&sim->lock);
    cluster *cl = cluster_find(sim, volume);
    kube_store *s = cl ? kube_store_ref(cl->store) : NULL;
    pthread_mutex_unlock(&sim->lock);
    return s;
}
