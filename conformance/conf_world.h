/* conf_world.h: the runner's narrow view of the world a scenario runs in. Two backends ship:
 * the mock world (conf_world_mock.c, wrapping mocks/world/mock_world.h; the default) and a
 * real dockerd (conf_world_real.c, for --docker real); tests plug in a fake one. main opens
 * one backend per kind once and closes it at the end; conf_run.c only calls through this
 * struct, so it never knows which backend it drives and everything else can be tested
 * without the mocks. A backend keeps what it needs across scenarios in `self`, never in
 * globals, so two backends (the mocks and a real daemon) live side by side. */
#ifndef CONF_WORLD_H
#define CONF_WORLD_H

#include <stdbool.h>
#include <cjson/cJSON.h>

/* What the scenario asks of its world's endpoints. */
typedef struct conf_world_settings {
    bool docker_unix;           /* serve Docker on a private unix socket */
    const char *docker_tcp_host; /* also/instead serve Docker on tcp://HOST:ephemeral */
    bool kube;                  /* serve the Kubernetes API (a backend may have none) */
} conf_world_settings;

typedef struct conf_world_backend conf_world_backend;

struct conf_world_backend {
    const char *name;
    void *self; /* the backend's own state across scenarios; NULL when it needs none */
    /* The member of a scenario that describes its world to this backend: "world" for the
     * mocks, "real" for a real daemon. A scenario with "world": false gets no world at all
     * whatever the backend. */
    const char *member;

    /* Prepare one scenario's world from its member (an empty object when absent). Returns
     * an opaque world, or NULL with *error set (malloc'd). */
    void *(*create)(void *self, const cJSON *desc, const conf_world_settings *s, char **error);
    /* Tear it down: every object it stands for is gone afterwards. */
    void (*destroy)(void *world);

    /* The endpoints given to the implementation under test: NULL when not served (no
     * kube_url means no Kubernetes API, and no kubeconfig is asked for). */
    const char *(*docker_unix_url)(void *world);
    const char *(*docker_tcp_url)(void *world);
    const char *(*kube_url)(void *world);
    int (*write_kubeconfig)(void *world, const char *path, char **error);
    /* Variables the implementation's environment gets from the backend (whether or not the
     * scenario has a world), before the scenario's own "env" applies. */
    void (*environment)(void *self, cJSON *env);

    /* What happened: the world's state document and its request journal ("docker" or
     * "kube"), both new cJSON the caller deletes. */
    cJSON *(*state)(void *world);
    cJSON *(*journal)(void *world, const char *which);

    /* Release the backend (self and, when allocated, the struct itself). */
    void (*close)(conf_world_backend *b);
};

/* The mock world: what every scenario runs in unless --docker real. */
conf_world_backend *conf_world_mock_open(void);

/* A real dockerd at url (unix:///PATH or tcp://HOST:PORT; checked when a scenario's world is
 * prepared, so a bad one fails each scenario by name) with the fake cluster image ref on it
 * (fixtures/fake-cluster), tagged as the default cluster image before each scenario. Both
 * strings are copied. */
conf_world_backend *conf_world_real_open(const char *url, const char *image);

/* b->close(b); NULL is fine. */
static inline void conf_world_close(conf_world_backend *b)
{
    if (b)
        b->close(b);
}

#endif
