/* conf_world_mock.c: the world backend over mocks/world/mock_world.h. It keeps nothing
 * across scenarios: each world is a fresh mock_world. */
#include "conf_world.h"

#include <stdlib.h>

#include "mock_world.h"

static void *mock_create(void *self, const cJSON *desc, const conf_world_settings *s, char **error)
{
    (void)self;
    mock_world_options o = {0};
    o.docker_unix_disabled = !s->docker_unix;
    o.docker_tcp_host = s->docker_tcp_host;
    o.kube_enabled = s->kube;
    return mock_world_new(desc, &o, error);
}

static void mock_destroy(void *w) { mock_world_free(w); }
static const char *mock_unix(void *w) { return mock_world_docker_unix_url(w); }
static const char *mock_tcp(void *w) { return mock_world_docker_tcp_url(w); }
static const char *mock_kube(void *w) { return mock_world_kube_url(w); }
static int mock_kubeconfig(void *w, const char *path, char **error)
{
    return mock_world_write_kubeconfig(w, path, error);
}

/* The mocks answer at once, so the implementation's poll sleeps would only cost time. */
static void mock_environment(void *self, cJSON *env)
{
    (void)self;
    cJSON_DeleteItemFromObjectCaseSensitive(env, "OPENSHELL_POLL_INTERVAL_MS");
    cJSON_AddStringToObject(env, "OPENSHELL_POLL_INTERVAL_MS", "0");
}

static cJSON *mock_state(void *w) { return mock_world_state(w); }
static cJSON *mock_journal(void *w, const char *which) { return mock_world_journal(w, which); }
static void mock_close(conf_world_backend *b) { free(b); }

conf_world_backend *conf_world_mock_open(void)
{
    conf_world_backend *b = malloc(sizeof *b);
    *b = (conf_world_backend){
        .name = "mock_world", .member = "world",
        .create = mock_create, .destroy = mock_destroy,
        .docker_unix_url = mock_unix, .docker_tcp_url = mock_tcp, .kube_url = mock_kube,
        .write_kubeconfig = mock_kubeconfig, .environment = mock_environment,
        .state = mock_state, .journal = mock_journal, .close = mock_close,
    };
    return b;
}
