/* conf_world.h: the runner's narrow view of the world a scenario runs in. Two backends ship:
 * the mock world (conf_world_mock.c, wrapping mocks/world/mock_world.h; the default) and a
 * real dockerd (conf_world_real.c, for --docker real); tests plug in a fake one. Keeping the
 * runner behind this interface lets everything else be tested without the mocks. */
#ifndef CONF_WORLD_H
#define CONF_WORLD_H

#include <stdbool.h>
#include <cjson/cJSON.h>

typedef struct conf_world_settings {
    bool docker_unix;           /* serve Docker on a private unix socket */
    const char *docker_tcp_host; /* also/instead serve Docker on tcp://HOST:ephemeral */
    bool kube;                  /* serve the Kubernetes API */
} conf_world_settings;

typedef struct conf_world_backend {
    const char *name;
    /* Returns an opaque world, or NULL with *error set (malloc'd). */
    void *(*create)(const cJSON *doc, const conf_world_settings *s, char **error);
    void (*destroy)(void *world);
    const char *(*docker_unix_url)(void *world);
    const char *(*docker_tcp_url)(void *world);
    const char *(*kube_url)(void *world);
    int (*write_kubeconfig)(void *world, const char *path, char **error);
    cJSON *(*state)(void *world);
    cJSON *(*journal)(void *world, const char *which);
} conf_world_backend;

/* The mock world: what every scenario runs in unless --docker real. */
extern const conf_world_backend conf_world_default_backend;

#endif
