/* k3s_sim_internal.h: the simulator's data (clusters by volume, cluster containers), shared
 * by k3s_sim.c (state and lifecycle), k3s_sim_inspect.c (health, markers, logs, exits) and
 * k3s_sim_exec.c (docker exec). */
#ifndef K3S_SIM_INTERNAL_H
#define K3S_SIM_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>

#include "k3s_config.h"
#include "k3s_sim.h"

typedef struct cluster {
    char *volume;              /* volume name, or "container:<id>" without a volume */
    kube_store *store;
    cJSON *images;             /* refs imported with ctr */
    pthread_mutex_t lock;      /* guards ready_node (read by the store hook) */
    char *ready_node;          /* node of the running k3s, NULL when stopped */
    struct cluster *next;
} cluster;

typedef struct container {
    char *id;
    cluster *cl;
    char *node, *hostname;
    bool tls;
    bool api_ready;
    long s1_calls, m1_calls;
    struct container *next;
} container;

struct k3s_sim {
    pthread_mutex_t lock;
    mock_docker *d;
    mock_kube *kube;
    k3s_config cfg;
    cluster *clusters;
    container *containers;
    cJSON *docker_health_scripts; /* names (or "*") whose health the Docker mock scripts */
};

container *k3s_container_find(k3s_sim *sim, const char *id);
/* The API comes up: deploy, reconcile, and let the API server serve the cluster. */
void k3s_api_up(k3s_sim *sim, container *c);
/* The container no longer runs: the API falls back to its own store. */
void k3s_on_stop(k3s_sim *sim, const char *id);

/* Docker hooks (see mock_docker_hooks). */
void k3s_inspect_hook(void *ctx, mock_docker *d, const char *id, long count);
int k3s_exec_hook(void *ctx, mock_docker *d, const char *id, const char *const *argv, size_t argc,
                  mock_docker_exec_result *res);

#endif
