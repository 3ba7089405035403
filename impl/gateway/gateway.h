/* gateway.h: the OpenShell single-node gateway bootstrap, usable from C.
 *
 * gw_deploy runs the whole `gateway start` flow of rules §4 (preflight, existing-gateway
 * decision, image, network, volume, container, start, stale-node cleanup, image push, health
 * wait, mTLS bundle, metadata); gw_stop, gw_destroy and the doctor calls are the other
 * lifecycle commands (rules §9). Progress is reported through a callback as events: a kind
 * and its bare text ("Checking Docker", never "[status] Checking Docker"); the CLI renders
 * them (rules §3.4). Errors are gw_error values (gw_error.h). Everything talks to Docker
 * through docker_client.h. */
#ifndef GATEWAY_H
#define GATEWAY_H

#include <stdbool.h>

#include "gw_config.h"
#include "gw_error.h"
#include "gw_names.h"

typedef enum gw_event {
    GW_EVENT_STATUS,    /* a step begins (the rules' "[status] X" line) */
    GW_EVENT_PROGRESS,  /* detail the CLI drops when not interactive (the rules' "[progress] X") */
    GW_EVENT_LOG,       /* a container log line forwarded during the health wait */
    GW_EVENT_WARNING,   /* a non-fatal problem */
    GW_EVENT_VERBOSE    /* diagnostics for verbose output */
} gw_event;

typedef void (*gw_event_fn)(void *ud, gw_event kind, const char *text);
/* Asked when an existing gateway is found and --recreate was not given; true = recreate. */
typedef bool (*gw_confirm_fn)(void *ud, const char *name);

/* Where a gateway lives: the local daemon (DOCKER_HOST) or a remote one over ssh. */
typedef struct gw_target {
    const char *name;
    const char *remote;       /* --remote DEST, or NULL for local */
    const char *ssh_key;      /* --ssh-key PATH or NULL */
    gw_event_fn on_event;
    void *event_ud;
} gw_target;

typedef struct gw_deploy_options {
    gw_target target;
    int port;                       /* requested host port (stored defaults already applied) */
    const char *image;              /* --image or NULL */
    bool recreate;
    bool gpu;
    bool plaintext;
    bool disable_gateway_auth;
    const char *gateway_host;       /* --gateway-host or the stored host, or NULL */
    const char *registry_username;  /* --registry-username or NULL */
    const char *registry_token;     /* --registry-token (or OPENSHELL_REGISTRY_TOKEN) or NULL */
    bool fetch_mtls;                /* from --plaintext and NAV_GATEWAY_TLS_ENABLED (gw_tls_wanted) */
    const char *config_root;
    gw_confirm_fn confirm_recreate; /* NULL: never ask */
    void *confirm_ud;
} gw_deploy_options;

typedef struct gw_deploy_result {
    char *endpoint;                 /* malloc'd */
    int port;                       /* actual host port */
    bool resumed;
    unsigned long docker_requests;  /* requests sent to the daemon by this deploy */
} gw_deploy_result;

void gw_deploy_result_free(gw_deploy_result *r);

/* Decide whether the mTLS bundle is fetched (rules §8.1). -1 with
 * `NAV_GATEWAY_TLS_ENABLED must be true or false` for any other value. */
int gw_tls_wanted(bool plaintext, const char *nav_gateway_tls_enabled, bool *fetch, gw_error *err);

int gw_deploy(const gw_deploy_options *o, gw_deploy_result *r, gw_error *err);

/* rules §9.3: stop the container; 304/404/409 are success. */
int gw_stop(const gw_target *t, gw_error *err);
/* rules §9.4 bootstrap layer: container, image, volume, network. The CLI removes the files. */
int gw_destroy(const gw_target *t, gw_error *err);

/* rules §9.5: write the log payloads to out; tail NULL = all. */
int gw_doctor_logs(const gw_target *t, const char *tail, bool follow, int out_fd, gw_error *err);
/* rules §9.5: run argv in the container through `sh -lc`; *exit_code gets the command's code. */
int gw_doctor_exec(const gw_target *t, char *const *argv, int argc, int out_fd, int err_fd, int *exit_code,
                   gw_error *err);
/* The shell escaping of doctor exec; malloc'd. */
char *gw_shell_escape(const char *arg);

/* The host part of a stored endpoint usable as --gateway-host (rules §4.2), else NULL. */
char *gw_endpoint_stored_host(const char *endpoint);

#endif
