/* k3s_bringup.h: what the cluster image deploys after k3s is up (namespace openshell, the
 * openshell workload, the CLI mTLS secret), what its healthcheck checks (rules §11.2), and the
 * scenario shorthand for a volume left by an older container (a legacy node). */
#ifndef K3S_BRINGUP_H
#define K3S_BRINGUP_H

#include <stdbool.h>

#include "k3s_config.h"
#include "kube_store.h"

/* Creates what is missing: namespace, workload (cfg->workload), and the secret unless the
 * scenario delays or withholds it. */
void k3s_bringup(kube_store *s, const k3s_config *cfg);
/* Creates (or replaces) the secret openshell-cli-client with the scenario's damage applied. */
void k3s_bringup_secret(kube_store *s, const k3s_config *cfg);
void k3s_remove_secret(kube_store *s);
/* The healthcheck's conditions: workload ready, and the secret complete when need_secret. */
bool k3s_healthcheck_passes(kube_store *s, const k3s_config *cfg, bool need_secret);

/* A store from a scenario volume document: a kube_store_import document plus the shorthand
 * "legacy_node": "NAME" (node NAME NotReady, pod openshell/openshell-0 Terminating on it, a
 * PV with affinity to it and its bound claim openshell/openshell-data-openshell-0) and
 * "images": [...] (kept aside). NULL and *error on a bad document. */
kube_store *k3s_volume_store_from_scenario(const cJSON *doc, const char *path, char **error);

#endif
