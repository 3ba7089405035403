/* driver.h: the OpenShell Kubernetes compute driver contract of rules §13 (OpenShell v0.0.111,
 * agent-sandbox v1beta1/v1alpha1): version probing, the create body, lookup by label
 * selector, delete with preconditions, stop/start through operatingMode or replicas, phases
 * from the controller's conditions, list and watch. It speaks to the API through impl/sandbox's
 * one Kubernetes client (k8s_client.h) and kubeconfig reader (k8s_config.h).
 * Every call returns 0 or -1 with a k8s_error set; the CLI (`openshell driver`) is
 * driver_cli.h. Facts and decisions: docs/driver.md. */
#ifndef OSH_DRIVER_H
#define OSH_DRIVER_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "k8s_client.h"
#include "sandbox_spec.h"

#define DRIVER_GROUP "agents.x-k8s.io"
#define DRIVER_LABEL_ID "openshell.ai/sandbox-id"
#define DRIVER_LABEL_NAME "openshell.ai/sandbox-name"
#define DRIVER_LABEL_WORKSPACE "openshell.ai/sandbox-workspace"
#define DRIVER_LABEL_MANAGED_BY "openshell.ai/managed-by"
#define DRIVER_LABEL_GATEWAY_ID "openshell.ai/gateway-id"
#define DRIVER_ANNOTATION_POD_NAME "agents.x-k8s.io/pod-name"
#define DRIVER_ANNOTATION_SCC_UID_RANGE "openshift.io/sa.scc.uid-range"
#define DRIVER_ANNOTATION_SCC_GROUPS "openshift.io/sa.scc.supplemental-groups"
#define DRIVER_MAX_KUBE_NAME 63
#define DRIVER_DEFAULT_UID 1000u

/* The harness flags of §13.1. Strings are borrowed; "" means empty. */
typedef struct driver_config {
    const char *namespace_;     /* "openshell" */
    const char *gateway_id;     /* "openshell" */
    const char *workspace;      /* "default" */
    const char *api_version;    /* "auto", "v1beta1" or "v1alpha1" */
    const char *default_image;
    const char *image_pull_policy;
    const char *grpc_endpoint;
    const char *client_tls_secret;
    const char *host_gateway_ip;
    const char *supervisor_image; /* "ghcr.io/nvidia/openshell/supervisor:dev" */
    const char *ssh_socket_path;  /* "/run/openshell/ssh.sock" */
    const char *storage_size;     /* "2Gi" */
    const char *storage_class;    /* "" */
    bool has_uid, has_gid;
    unsigned long uid, gid;
} driver_config;

/* The defaults of §13.1. */
driver_config driver_config_defaults(void);

/* ---- validation and the object (driver_object.c, driver_pod.c) ---- */

/* The checks of §13.3 step 1 and of the spec's mounts, before any request: 0 when the input
 * is valid, else -1 with *error set to the message (malloc'd). */
int driver_validate_create(const driver_config *config, const char *name, const sandbox_spec *spec,
                           char **error);
/* "{workspace}--{name}". Malloc'd. */
char *driver_cr_name(const driver_config *config, const char *name);
/* A DNS-1123 label: 1..63 of [a-z0-9-], alphanumeric at both ends (names, namespaces, workspaces). */
bool driver_is_dns_label(const char *s);

/* What the create body needs besides the config and the input: the version, the resolved
 * identity and the namespace's annotations (NULL or an object). */
typedef struct driver_create_context {
    const char *api_version;
    unsigned long uid, gid;
    const cJSON *namespace_annotations;
} driver_create_context;

/* The Sandbox object POSTed by create (§13.3), fields in the reference's order. */
cJSON *driver_build_object(const char *id, const char *name, const sandbox_spec *spec, const driver_config *config,
                           const driver_create_context *ctx);
/* The pod template alone (spec.podTemplate). inject: the default workspace is injected. */
cJSON *driver_build_pod_template(const char *id, const char *name, const sandbox_spec *spec,
                                 const driver_config *config, const driver_create_context *ctx, bool inject);
/* Whether a spec mount sits at or under /sandbox (which switches the workspace claim off). */
bool driver_spec_mounts_workspace(const sandbox_spec *spec);
/* The identity of §13.3 step 2 from the namespace's annotations (NULL when the GET failed). */
void driver_resolve_identity(const driver_config *config, const cJSON *namespace_annotations, unsigned long *uid,
                             unsigned long *gid);

/* ---- API calls (driver_api.c) ---- */

/* "/apis/agents.x-k8s.io/{version}/namespaces/{ns}/sandboxes[/{name}]". Malloc'd. */
char *driver_sandbox_path(const char *version, const char *namespace_, const char *name);
/* §13.2: *version is "v1beta1" or "v1alpha1" (static). With config->api_version fixed, no
 * request is sent. */
int driver_probe(k8s_client *client, const driver_config *config, const char **version, k8s_error *err);
/* GET /api/v1/namespaces/{ns}: its annotations (a copy, NULL without any or on any error,
 * as the reference falls back to the defaults then). Skipped when a UID is configured. */
cJSON *driver_namespace_annotations(k8s_client *client, const driver_config *config);
/* POST the object. 409 is an error with the message "sandbox already exists". */
int driver_create(k8s_client *client, const char *version, const driver_config *config, const cJSON *object,
                  cJSON **created, k8s_error *err);
/* §13.4: the first item of the lookup list, or *found = NULL. */
int driver_lookup(k8s_client *client, const char *version, const driver_config *config, const char *id,
                  cJSON **found, k8s_error *err);
/* A list with the label selector (every page), items in the order the API gave them.
 * page_limit > 0 asks for pages of that size (the watcher's initial list uses 500, as
 * kube-runtime's does); 0 asks for everything at once, as the driver's own lists do. */
int driver_list(k8s_client *client, const char *version, const driver_config *config, const char *selector,
                long page_limit, cJSON **items, char **resource_version, k8s_error *err);
/* §13.5: DELETE with the preconditions of the listed object. *deleted false for 404/409. */
int driver_delete(k8s_client *client, const char *version, const driver_config *config, const cJSON *listed,
                  bool *deleted, k8s_error *err);
/* §13.6: the merge patch to Suspended/Running (v1beta1) or replicas 0/1 (v1alpha1). */
int driver_patch_state(k8s_client *client, const char *version, const driver_config *config, const cJSON *listed,
                       bool running, k8s_error *err);
/* §13.6: wait until the controller confirms the stop. */
int driver_wait_stopped(k8s_client *client, const char *version, const driver_config *config, const cJSON *listed,
                        k8s_error *err);
/* The stop deadline in ms: OPENSHELL_SANDBOX_STOP_TIMEOUT_MS, else (grace, 30 when absent) + 30 s. */
long driver_stop_timeout_ms(const cJSON *listed);

/* The selectors of §13.4 / §13.7. Malloc'd. */
char *driver_lookup_selector(const driver_config *config, const char *id);
char *driver_list_selector(const driver_config *config);
#define DRIVER_WATCH_SELECTOR DRIVER_LABEL_MANAGED_BY "=openshell," DRIVER_LABEL_ID

/* ---- status (driver_status.c) ---- */

typedef enum driver_phase {
    DRIVER_PHASE_UNKNOWN,
    DRIVER_PHASE_PROVISIONING,
    DRIVER_PHASE_READY,
    DRIVER_PHASE_ERROR,
    DRIVER_PHASE_DELETING,
    DRIVER_PHASE_STOPPED,
} driver_phase;

const char *driver_phase_name(driver_phase phase);
/* The phase table of §13.7. */
driver_phase driver_derive_phase(const cJSON *object);
/* The first Ready condition's reason ("" without one). Borrowed. */
const char *driver_ready_reason(const cJSON *object);

/* What the driver reads from an object it accepts (§13.7). Borrowed from the object. */
typedef struct driver_identity {
    const char *id, *name, *workspace, *cr_name;
} driver_identity;
/* Fills *out and returns true when the object is managed by openshell and carries id, name
 * and workspace (annotation, else label); false when it is to be skipped. */
bool driver_object_identity(const cJSON *object, driver_identity *out);

/* ---- watch (driver_watch.c) ---- */

typedef enum driver_event_type { DRIVER_EVENT_APPLIED, DRIVER_EVENT_DELETED, DRIVER_EVENT_RESTARTED } driver_event_type;

typedef struct driver_event {
    driver_event_type type;
    const char *id;      /* NULL for RESTARTED */
    const char *cr_name; /* NULL for RESTARTED */
    driver_phase phase;
    const char *why;     /* RESTARTED: what ended the stream */
} driver_event;

typedef struct driver_watch_options {
    const char *version;
    const driver_config *config;
    /* false stops the watch (driver_watch_run then returns 0). */
    bool (*on_event)(const driver_event *event, void *user);
    void (*on_warning)(const char *text, void *user);
    void *user;
} driver_watch_options;

/* Runs until on_event returns false. Never gives up on API errors: each one is a RESTARTED
 * and a relist after the pause, as the gateway reopens the driver's stream. */
int driver_watch_run(k8s_client *client, const driver_watch_options *options, k8s_error *err);

/* Sleep helpers scaled by OPENSHELL_POLL_INTERVAL_MS (rules §3.7). */
long driver_scaled_sleep_ms(long default_ms);
void driver_sleep_ms(long ms);

#endif
