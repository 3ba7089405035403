/* mock_world.c: one simulated machine (see mock_world.h): the Docker mock with the default
 * world's images added, the Kubernetes API mock, and the k3s simulator joining them. The
 * scenario's "docker" section goes to the Docker mock, "cluster" to the simulator, "kube" to
 * the API server; "defaults" turns the default images off. */
#include "mock_world.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "k3s_sim.h"
#include "mock_docker.h"
#include "agent_sandbox.h"
#include "mock_kube.h"
#include "mock_world_tls.h"
#include "osh_buf.h"
#include "osh_json_check.h"
#include "osh_str.h"

#define DEFAULT_CLUSTER_IMAGE "ghcr.io/nvidia/openshell/cluster:dev"

struct mock_world {
    char *tmpdir;
    char *sock_path;
    mock_docker *docker;
    mock_kube *kube;
    struct agent_sandbox_controller *sandbox_controller; /* runs on the API's default store */
    k3s_sim *sim;
    char *docker_unix_url, *docker_tcp_url;
    mock_world_tls kube_tls; /* url set when the API is served over HTTPS */
};

/* The cluster image's config (rules §11.2): entrypoint, k3s command, healthcheck. */
static cJSON *cluster_image_config(void)
{
    return cJSON_Parse("{\"Entrypoint\": [\"/usr/local/bin/cluster-entrypoint.sh\"], \"Cmd\": [\"server\"],"
                       " \"Env\": [\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/bin/aux\"],"
                       " \"Volumes\": {\"/var/lib/rancher/k3s\": {}},"
                       " \"Healthcheck\": {\"Test\": [\"CMD\", \"/usr/local/bin/cluster-healthcheck.sh\"],"
                       "  \"Interval\": 5000000000, \"Timeout\": 5000000000, \"StartPeriod\": 20000000000, \"Retries\": 60}}");
}

static bool image_listed(const cJSON *list, const char *ref)
{
    const cJSON *img;
    cJSON_ArrayForEach(img, list)
    {
        const char *r = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(img, "ref"));
        if (r && strcmp(r, ref) == 0)
            return true;
        const cJSON *t;
        cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(img, "refs"))
        {
            if (cJSON_IsString(t) && strcmp(t->valuestring, ref) == 0)
                return true;
        }
    }
    return false;
}

static cJSON *array_in(cJSON *obj, const char *key)
{
    cJSON *a = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsArray(a) ? a : (a ? NULL : cJSON_AddArrayToObject(obj, key));
}

/* The Docker section with the default world added: the default cluster image present, the
 * usual refs under ghcr.io/nvidia/openshell/ pullable, and a volume for every cluster state
 * the scenario seeds. */
static cJSON *docker_section(const cJSON *scenario)
{
    const cJSON *given = cJSON_GetObjectItemCaseSensitive(scenario, "docker");
    cJSON *d = cJSON_IsObject(given) ? cJSON_Duplicate(given, true) : cJSON_CreateObject();
    const cJSON *defaults = cJSON_GetObjectItemCaseSensitive(scenario, "defaults");
    bool want_image = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(defaults, "cluster_image"));
    bool want_pullable = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(defaults, "pullable"));
    cJSON *images = array_in(d, "images");
    if (want_image && images && !image_listed(images, DEFAULT_CLUSTER_IMAGE)) {
        cJSON *img = cJSON_CreateObject();
        cJSON_AddStringToObject(img, "ref", DEFAULT_CLUSTER_IMAGE);
        cJSON_AddItemToObject(img, "config", cluster_image_config());
        cJSON_AddItemToArray(images, img);
    }
    /* a scenario that lists what is pullable (even `[]`) decides alone */
    if (cJSON_GetObjectItemCaseSensitive(d, "pullable"))
        want_pullable = false;
    cJSON *pullable = want_pullable ? array_in(d, "pullable") : NULL;
    const char *refs[] = {"ghcr.io/nvidia/openshell/cluster:dev", "ghcr.io/nvidia/openshell/cluster:latest",
                          "ghcr.io/nvidia/openshell/gateway:dev", "ghcr.io/nvidia/openshell/gateway:latest"};
    for (size_t i = 0; want_pullable && pullable && i < sizeof(refs) / sizeof(refs[0]); i++) {
        if (image_listed(pullable, refs[i]))
            continue;
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "ref", refs[i]);
        if (strstr(refs[i], "/cluster:"))
            cJSON_AddItemToObject(p, "config", cluster_image_config());
        cJSON_AddItemToArray(pullable, p);
    }
    cJSON *volumes = array_in(d, "volumes");
    const cJSON *seeded = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(scenario, "cluster"), "volumes");
    const cJSON *v;
    cJSON_ArrayForEach(v, seeded)
    {
        bool have = false;
        const cJSON *dv;
        cJSON_ArrayForEach(dv, volumes)
        {
            const char *n = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(dv, "name"));
            have = have || (n && strcmp(n, v->string) == 0);
        }
        if (!have && volumes) {
            cJSON *nv = cJSON_CreateObject();
            cJSON_AddStringToObject(nv, "name", v->string);
            cJSON_AddItemToArray(volumes, nv);
        }
    }
    return d;
}

/* The world document's keys, the one list of them (openshell-mockd and the runner load worlds
 * through here): the error for an unknown key lists them all, and tests/docs diffs that list
 * with docs/scenarios.md. The sections' own keys are checked by their loaders. */
static const osh_json_field defaults_fields[] = {
    {"cluster_image", OSH_JSON_BOOL, false, NULL}, {"pullable", OSH_JSON_BOOL, false, NULL}, {NULL, 0, false, NULL}};
static const osh_json_field world_fields[] = {
    {"docker", OSH_JSON_OBJECT, false, NULL},   {"cluster", OSH_JSON_OBJECT, false, NULL},
    {"kube", OSH_JSON_OBJECT, false, NULL},     {"defaults", OSH_JSON_OBJECT, false, defaults_fields},
    {"comment", OSH_JSON_STRING, false, NULL},  {"description", OSH_JSON_STRING, false, NULL},
    {"name", OSH_JSON_STRING, false, NULL},     {NULL, 0, false, NULL}};

static const osh_json_field kube_fields[] = {
    {"objects", OSH_JSON_OBJECT, false, NULL},        {"faults", OSH_JSON_ARRAY | OSH_JSON_OBJECT, false, NULL},
    {"agent_sandbox", OSH_JSON_STRING, false, NULL},  {"agent_sandbox_crd", OSH_JSON_OBJECT, false, NULL},
    {"agent_sandbox_controller", OSH_JSON_OBJECT, false, NULL},
    {"comment", OSH_JSON_STRING, false, NULL},        {NULL, 0, false, NULL}};

static int check_top_level(const cJSON *scenario, char **error)
{
    if (!scenario) /* no document: the default world */
        return 0;
    osh_json_problem p = osh_json_check(scenario, world_fields, "scenario", error);
    if (p == OSH_JSON_UNKNOWN_KEY) {
        char *inner = *error;
        *error = osh_str_printf("%s; Docker objects go under \"docker\", see docs/scenarios.md", inner);
        free(inner);
    }
    return p == OSH_JSON_OK ? 0 : -1;
}

static int load_kube_faults(mock_world *w, const cJSON *section, char **error)
{
    const cJSON *faults = cJSON_GetObjectItemCaseSensitive(section, "faults");
    if (faults && mock_http_fault_add_json(mock_kube_http(w->kube), faults, error) != 0) {
        char *inner = *error;
        *error = osh_str_printf("kube.faults: %s", inner);
        free(inner);
        return -1;
    }
    return 0;
}

/* The default store outside any cluster: the usual namespaces plus `openshell`, as on a
 * deployed gateway's cluster (the Sandbox client's default namespace). */
static void default_kube_objects(mock_world *w)
{
    cJSON *ns = cJSON_Parse("{\"metadata\": {\"name\": \"openshell\"}}");
    kube_result r = kube_store_create(mock_kube_default_store(w->kube), kube_resource_by_user_name("namespaces"), NULL, ns,
                                      false);
    cJSON_Delete(r.body);
    cJSON_Delete(ns);
}

/* The "kube" section: {"objects": store document, "faults": [rules]}. */
static int load_kube(mock_world *w, const cJSON *section, char **error)
{
    if (!section)
        return 0;
    if (osh_json_check(section, kube_fields, "kube", error) != OSH_JSON_OK)
        return -1;
    const cJSON *release = cJSON_GetObjectItemCaseSensitive(section, "agent_sandbox");
    if (release && !agent_sandbox_release_known(cJSON_GetStringValue(release))) {
        *error = osh_str_dup("kube.agent_sandbox: expected \"0.1\", \"0.5\", \"1.0\" or \"none\"");
        return -1;
    }
    if (!w->kube)
        return 0;
    const cJSON *objects = cJSON_GetObjectItemCaseSensitive(section, "objects");
    if (!objects)
        return load_kube_faults(w, section, error);
    if (objects) {
        char *inner = NULL;
        kube_store *s = kube_store_import(objects, &inner);
        if (!s) {
            *error = osh_str_printf("kube.objects.%s", inner);
            free(inner);
            return -1;
        }
        mock_kube_set_default_store(w->kube, s);
        kube_store_unref(s);
    }
    return load_kube_faults(w, section, error);
}

/* Requests count for the API's own store; a running cluster's store has the k3s controllers. */
static void tick_agent_sandbox(kube_store *s, void *user)
{
    mock_world *w = user;
    if (s == mock_kube_default_store(w->kube))
        agent_sandbox_controller_tick(w->sandbox_controller, s);
}
static void reconcile_agent_sandbox(kube_store *s, void *user) { agent_sandbox_controller_reconcile(user, s); }

/* The agent-sandbox release of the world (kube.agent_sandbox, else the options', else the
 * default) installed in the API's store, and its controller run on every change and every
 * request. */
static int setup_agent_sandbox(mock_world *w, const cJSON *section, const char *release, char **error)
{
    if (!w->kube)
        return 0;
    const char *given = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(section, "agent_sandbox"));
    release = given ? given : release ? release : AGENT_SANDBOX_DEFAULT_RELEASE;
    kube_store *s = mock_kube_default_store(w->kube);
    const cJSON *crd_doc = cJSON_GetObjectItemCaseSensitive(section, "agent_sandbox_crd");
    if (crd_doc) {
        /* another Sandbox CRD document, served the same way as a release's */
        char *inner = NULL;
        kube_crd *crd = kube_crd_parse(crd_doc, &inner);
        if (!crd) {
            *error = osh_str_printf("kube.agent_sandbox_crd: %s", inner);
            free(inner);
            return -1;
        }
        crd->convert = agent_sandbox_convert;
        kube_store_install_crd(s, crd);
        kube_crd_unref(crd);
    } else if (agent_sandbox_install(s, release, error) != 0) {
        return -1;
    }
    char *inner = NULL;
    w->sandbox_controller =
        agent_sandbox_controller_new(cJSON_GetObjectItemCaseSensitive(section, "agent_sandbox_controller"), &inner);
    if (!w->sandbox_controller) {
        *error = inner;
        return -1;
    }
    kube_store_set_hook(s, reconcile_agent_sandbox, w->sandbox_controller);
    mock_kube_set_request_hook(w->kube, tick_agent_sandbox, w);
    return 0;
}

static int listen_docker(mock_world *w, const mock_world_options *o, char **error)
{
    if (!o->docker_unix_disabled || !o->docker_tcp_host) {
        const char *path = o->docker_unix_path;
        if (!path) {
            w->tmpdir = osh_str_dup("/tmp/mock-world-XXXXXX");
            if (!mkdtemp(w->tmpdir)) {
                *error = osh_str_printf("cannot create a temporary directory: %s", strerror(errno));
                return -1;
            }
            w->sock_path = osh_str_printf("%s/docker.sock", w->tmpdir);
            path = w->sock_path;
        }
        if (mock_docker_listen_unix(w->docker, path, error) != 0)
            return -1;
        w->docker_unix_url = osh_str_printf("unix://%s", path);
    }
    if (o->docker_tcp_host) {
        int port = 0;
        if (mock_docker_listen_tcp(w->docker, o->docker_tcp_host, o->docker_tcp_port, &port, error) != 0)
            return -1;
        w->docker_tcp_url = osh_str_printf("tcp://%s:%d", o->docker_tcp_host, port);
    }
    return 0;
}

mock_world *mock_world_new(const cJSON *scenario, const mock_world_options *opts, char **error)
{
    *error = NULL;
    if (check_top_level(scenario, error) != 0)
        return NULL;
    mock_world_options defaults = {0};
    defaults.kube_enabled = true;
    const mock_world_options *o = opts ? opts : &defaults;
    mock_world *w = calloc(1, sizeof(*w));
    if (!w)
        abort();
    cJSON *docker = docker_section(scenario);
    w->docker = mock_docker_new(docker, error);
    cJSON_Delete(docker);
    if (!w->docker)
        goto fail;
    if (o->kube_enabled) {
        /* mock_kube always listens on plain HTTP; with TLS that listener gets an ephemeral
         * port nobody is told about and the HTTPS one takes the asked port. */
        mock_kube_options ko = {"127.0.0.1", o->kube_tls ? 0 : o->kube_port, NULL};
        w->kube = mock_kube_new(&ko, error);
        if (!w->kube)
            goto fail;
        if (o->kube_tls && mock_world_tls_listen(&w->kube_tls, mock_kube_http(w->kube), o->kube_port,
                                                 o->kube_tls_cert_path, o->kube_tls_key_path, error) != 0)
            goto fail;
    }
    if (w->kube)
        default_kube_objects(w);
    if (load_kube(w, cJSON_GetObjectItemCaseSensitive(scenario, "kube"), error) != 0 ||
        setup_agent_sandbox(w, cJSON_GetObjectItemCaseSensitive(scenario, "kube"), o->agent_sandbox, error) != 0)
        goto fail;
    w->sim = k3s_sim_new(w->docker, w->kube, cJSON_GetObjectItemCaseSensitive(scenario, "cluster"), error);
    if (!w->sim)
        goto fail;
    k3s_sim_note_docker_scripts(w->sim, cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(scenario, "docker"),
                                                                         "scripts"));
    if (listen_docker(w, o, error) != 0)
        goto fail;
    return w;
fail:
    mock_world_free(w);
    return NULL;
}

void mock_world_free(mock_world *w)
{
    if (!w)
        return;
    /* Both servers stop first (joining their connection threads): a Docker hook or an API
     * request running the simulator's controllers must not run into a freed simulator. */
    if (w->docker)
        mock_http_server_stop(mock_docker_http(w->docker));
    if (w->kube)
        mock_http_server_stop(mock_kube_http(w->kube));
    if (w->docker)
        mock_docker_set_hooks(w->docker, NULL);
    if (w->kube) {
        mock_kube_set_request_hook(w->kube, NULL, NULL);
        kube_store_set_hook(mock_kube_default_store(w->kube), NULL, NULL);
    }
    k3s_sim_free(w->sim);
    mock_docker_free(w->docker);
    mock_kube_free(w->kube);
    agent_sandbox_controller_free(w->sandbox_controller);
    if (w->sock_path)
        unlink(w->sock_path);
    if (w->tmpdir)
        rmdir(w->tmpdir);
    free(w->sock_path);
    free(w->tmpdir);
    free(w->docker_unix_url);
    free(w->docker_tcp_url);
    mock_world_tls_clear(&w->kube_tls);
    free(w);
}

const char *mock_world_docker_unix_url(const mock_world *w) { return w->docker_unix_url; }
const char *mock_world_docker_tcp_url(const mock_world *w) { return w->docker_tcp_url; }
const char *mock_world_kube_url(const mock_world *w)
{
    if (!w->kube)
        return NULL;
    return w->kube_tls.url ? w->kube_tls.url : mock_kube_url(w->kube);
}

int mock_world_write_kubeconfig(const mock_world *w, const char *path, char **error)
{
    if (!w->kube) {
        *error = osh_str_dup("this world serves no Kubernetes API (kube_enabled is false)");
        return -1;
    }
    if (w->kube_tls.url)
        return mock_world_tls_write_kubeconfig(&w->kube_tls, path, error);
    return mock_kube_write_kubeconfig(w->kube, path, error);
}

cJSON *mock_world_state(mock_world *w)
{
    cJSON *s = cJSON_CreateObject();
    cJSON_AddItemToObject(s, "docker", mock_docker_state_json(w->docker));
    cJSON_AddItemToObject(s, "clusters", k3s_sim_state(w->sim));
    cJSON_AddItemToObject(s, "kube", w->kube ? kube_store_export(mock_kube_default_store(w->kube)) : cJSON_CreateObject());
    return s;
}

cJSON *mock_world_journal(mock_world *w, const char *which)
{
    if (which && strcmp(which, "kube") == 0)
        return w->kube ? mock_http_journal_json(mock_kube_http(w->kube)) : cJSON_CreateArray();
    return mock_http_journal_json(mock_docker_http(w->docker));
}

mock_docker *mock_world_docker(mock_world *w) { return w->docker; }
mock_kube *mock_world_kube(mock_world *w) { return w->kube; }
