/* agent_sandbox.h: kubernetes-sigs/agent-sandbox in the simulated cluster (rules §14): the
 * Sandbox CRD of a release, loaded from the CRD documents in fixtures/crds, its conversion
 * webhook (v1alpha1 <-> v1beta1), and its controller, deterministic and driven by request
 * counts.
 *
 * Releases: "0.1" (the reference commit's manifest: v1alpha1 only), "0.5" (v0.5.6: v1beta1
 * stored, v1alpha1 deprecated and converted), "1.0" (the v0.5.6 v1beta1 schema alone), "none"
 * (no CRD: the group is not served). */
#ifndef AGENT_SANDBOX_H
#define AGENT_SANDBOX_H

#include <stdbool.h>
#include <cjson/cJSON.h>

#include "kube_crd.h"
#include "kube_store.h"

#define AGENT_SANDBOX_DEFAULT_RELEASE "0.5"

/* Whether release names one of the releases above. */
bool agent_sandbox_release_known(const char *release);
/* The Sandbox CRD of release (referenced; kube_crd_unref), NULL for "none". On a bad release
 * or an unreadable CRD document: NULL and *error set. crd_dir NULL = the compiled-in
 * copy of fixtures/crds. */
kube_crd *agent_sandbox_crd(const char *release, const char *crd_dir, char **error);
/* Installs release's CRD into s (nothing for "none"). 0, or -1 with *error set. */
int agent_sandbox_install(kube_store *s, const char *release, char **error);

/* The conversion webhook of v0.5.6 (api/v1alpha1/sandbox_conversion.go): obj converted to
 * to_api_version, NULL with *error set when it cannot be. */
cJSON *agent_sandbox_convert(const cJSON *obj, const char *to_api_version, char **error);

/* 32-bit FNV-1a of name as 8 lowercase hex digits (the sandbox-name-hash label). */
void agent_sandbox_name_hash(const char *name, char out[9]);

/* ---- the controller ---- */

typedef struct agent_sandbox_knobs {
    bool paused;            /* the controller does nothing */
    const char *pod_outcome;/* NULL: pods become ready; "Unschedulable", "Failed", "Succeeded" */
    int pod_steps_per_request; /* steps a pod moves on each API request (scheduled, running,
                                * ready; a terminating pod goes): default 3, i.e. ready on the
                                * first request after its creation; 0 = pods never move */
    bool foreign_pod;       /* a pod of the Sandbox's name, not owned by it, appears before the controller's */
    bool two_pods;          /* a second owned pod appears next to the controller's (MultiplePods) */
    long status_write_at;   /* at request N (1-based), every Sandbox gets a status write; 0 = never */
    const char *node;       /* the node pods are scheduled to; NULL = "agent-sandbox-node" */
} agent_sandbox_knobs;

typedef struct agent_sandbox_controller agent_sandbox_controller;

/* Knobs from a world document's "kube.agent_sandbox_controller" object; NULL and *error when
 * it is bad. The strings stay owned by the controller. */
agent_sandbox_controller *agent_sandbox_controller_new(const cJSON *knobs, char **error);
void agent_sandbox_controller_free(agent_sandbox_controller *c);
/* Reconciles every Sandbox of s to a fixpoint (children, status). Thread-safe. */
void agent_sandbox_controller_reconcile(agent_sandbox_controller *c, kube_store *s);
/* One API request arrived: pods advance on their script, injected writes happen, then s is
 * reconciled. */
void agent_sandbox_controller_tick(agent_sandbox_controller *c, kube_store *s);

#endif
