/* conf_world_mock.c: the world backend over mocks/world/mock_world.h. */
#include "conf_world.h"

#include "mock_world.h"

static void *mock_create(const cJSON *doc, const conf_world_settings *s, char **error)
{
    mock_world_options o = {0};
    o.docker_unix_disabled = !s->docker_unix;
    o.docker_tcp_host = s->docker_tcp_host;
    o.kube_enabled = s->kube;
    return mock_world_new(doc, &o, error);
}

static void mock_destroy(void *w) { mock_world_free(w); }
static const char *mock_unix(void *w) { return mock_world_docker_unix_url(w); }
static const char *mock_tcp(void *w) { return mock_world_docker_tcp_url(w); }
static const char *mock_kube(void *w) { return mock_world_kube_url(w); }
static int mock_kubeconfig(void *w, const char *path, char **error)
{
    return mock_world_write_kubeconfig(w, path, error);
}
static cJSON *mock_state(void *w) { return mock_world_state(w); }
static cJSON *mock_journal(void *w, const char *which) { return mock_world_journal(w, which); }

const conf_world_backend conf_world_default_backend = {
    "mock_world", mock_create, mock_destroy, mock_unix, mock_tcp, mock_kube,
    mock_kubeconfig, mock_state, mock_journal,
};
