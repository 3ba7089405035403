/* k3s_sim.h: the k3s simulator, joining a mock Docker Engine and a mock Kubernetes API.
 *
 * It watches the Docker mock through its hooks. A container is a cluster container when its
 * Cmd[0] is "server" or the scenario names it. Its cluster state (a kube_store) belongs to
 * the volume mounted at /var/lib/rancher/k3s: it survives stop/start and remove+recreate,
 * and goes away with the volume. On every start the simulator registers the node (rules
 * 11.1 naming), brings up the namespace, workload and secret, drives Docker health, log
 * markers and exits by the scenario's counters, answers `docker exec` (k3s_shell.h), and
 * points the Kubernetes API at the running cluster's store. The "cluster" section of a
 * scenario (docs/scenarios.md) configures all of it. Thread-safe. */
#ifndef K3S_SIM_H
#define K3S_SIM_H

#include <cjson/cJSON.h>

#include "mock_docker.h"
#include "mock_kube.h"

typedef struct k3s_sim k3s_sim;

/* Installs the simulator's hooks on d. kube may be NULL (no API server). cluster is the
 * scenario's "cluster" object (NULL = defaults). NULL and *error ("cluster.health[2]:
 * expected string") when the section is invalid. */
k3s_sim *k3s_sim_new(mock_docker *d, mock_kube *kube, const cJSON *cluster, char **error);
/* docker.scripts of the scenario: containers whose script sets `health` keep the Docker
 * mock's scripted health (the simulator then leaves health alone unless cluster.health is
 * given). */
void k3s_sim_note_docker_scripts(k3s_sim *sim, const cJSON *scripts);
/* Removes the hooks and frees everything. NULL is fine. Stop the Docker and Kubernetes
 * servers first (mock_http_server_stop): a hook or an API request may be running the
 * simulator's code until then (mock_world_free does this). */
void k3s_sim_free(k3s_sim *sim);

/* {"<volume>": {...store export..., "images": [...]}} for every cluster state. */
cJSON *k3s_sim_state(k3s_sim *sim);
/* The store of a volume's cluster (referenced; kube_store_unref), or NULL. */
kube_store *k3s_sim_volume_store(k3s_sim *sim, const char *volume);

#endif
