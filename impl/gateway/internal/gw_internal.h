/* gw_internal.h: what the flow files share inside the library: the per-command context
 * and the Docker operations several steps use. Not part of the public API. */
#ifndef GW_INTERNAL_H
#define GW_INTERNAL_H

#include <stdbool.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "docker_client.h"
#include "gateway.h"
#include "gw_spec.h"
#include "osh_buf.h"

typedef struct gw_ctx {
    docker_client *docker;
    char *name;
    char *resource;       /* openshell-cluster-{name}: container, volume and network */
    bool remote;
    gw_event_fn on_event;
    void *event_ud;
} gw_ctx;

/* Build the context and its Docker client (DOCKER_HOST or ssh); GW_E_INVALID for a bad
 * DOCKER_HOST (`unsupported DOCKER_HOST scheme`). */
int gw_ctx_open(gw_ctx *ctx, const gw_target *t, gw_error *err);
void gw_ctx_close(gw_ctx *ctx);
void gw_emit(gw_ctx *ctx, gw_event kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A JSON call that must answer one of the accepted statuses (0-terminated list); the body
 * is parsed into *out when out is non-NULL and the status is 2xx. */
int gw_docker_json(gw_ctx *ctx, const char *method, const char *path, const cJSON *body, const long *accepted,
                   long *status, cJSON **out, gw_error *err);

/* GET /containers/{c}/json: *out NULL when the container does not exist (404). */
int gw_inspect_container(gw_ctx *ctx, cJSON **out, gw_error *err);
/* Helpers over an inspect document. */
bool gw_state_running(const cJSON *inspect);
const char *gw_json_string(const cJSON *obj, const char *dotted_path);
const cJSON *gw_json_path(const cJSON *obj, const char *dotted_path);
/* A JSON number as a long, clamped to LONG_MIN..LONG_MAX (a daemon may send 1e300: casting
 * that is undefined behaviour); fallback when v is not a number. */
long gw_json_long(const cJSON *v, long fallback);
long gw_double_to_long(double d);

/* rules §4.4 */
int gw_network_force_remove(gw_ctx *ctx, gw_error *err);
int gw_network_ensure(gw_ctx *ctx, gw_error *err);
/* rules §4.5 */
int gw_volume_ensure(gw_ctx *ctx, gw_error *err);

/* rules §4.3 */
int gw_image_ensure_local(gw_ctx *ctx, const char *ref, const char *username, const char *token, gw_error *err);
int gw_image_pull_remote(gw_ctx *ctx, const char *ref, const char *username, const char *token, gw_error *err);
/* X-Registry-Auth header line, or NULL when not sent. */
char *gw_registry_auth_header(const char *repo, const char *username, const char *token);

/* rules §4.7 */
int gw_port_conflict_check(gw_ctx *ctx, int port, gw_error *err);
/* rules §4.8: *actual_port gets the port used for metadata. */
int gw_container_ensure(gw_ctx *ctx, const gw_container_spec *spec, bool resume, int *actual_port, gw_error *err);
/* rules §4.9 */
int gw_container_start(gw_ctx *ctx, gw_error *err);

/* rules §5.1: run Cmd in the container; output (UTF-8 repaired) and exit code. */
typedef struct gw_exec_result {
    osh_buf output;
    int exit_code;
} gw_exec_result;
void gw_exec_result_free(gw_exec_result *r);
int gw_exec_capture(gw_ctx *ctx, const char *const *cmd, gw_exec_result *r, gw_error *err);
int gw_exec_sh(gw_ctx *ctx, const char *script, gw_exec_result *r, gw_error *err);
/* The exec create body for cmd. */
cJSON *gw_exec_create_body(const char *const *cmd, int argc);

/* The exact command strings (for tests): S1, S3, S4 of rules §5 and M1 of rules §8.2. */
const char *gw_stale_script_s1(void);
const char *gw_stale_script_s3(void);
const char *gw_stale_script_s4(void);
const char *gw_mtls_script(void);

/* rules §5.2-5.3: returns the number of stale nodes found (>= 0) or -1. */
int gw_stale_node_cleanup(gw_ctx *ctx, const char *node_name, gw_error *err);

/* rules §6 */
int gw_push_images(gw_ctx *ctx, const char *raw_list, gw_error *err);
/* The one-entry archive `openshell-images.tar` (0644, uid/gid 0, mtime 0) around size bytes
 * of in, written to out. */
int gw_push_wrap_tar(FILE *in, long long size, FILE *out, gw_error *err);

/* rules §7 */
int gw_health_wait(gw_ctx *ctx, gw_error *err);

/* rules §8 */
/* The M1 answer: 1 = not yet, 0 = decoded into decoded[0..2] (ca.crt, tls.crt, tls.key),
 * -1 = `invalid base64 in {key}`. */
int gw_mtls_parse_secret(const char *output, int exit_code, osh_buf decoded[3], gw_error *err);
int gw_mtls_fetch(gw_ctx *ctx, const char *config_root, gw_error *err);
int gw_mtls_store(const char *dir, const char *ca, size_t ca_len, const char *crt, size_t crt_len, const char *key,
                  size_t key_len, gw_error *err);

/* rules §9.4 steps 1-7 */
int gw_destroy_resources(gw_ctx *ctx, gw_error *err);
/* rules §9.6 resume mode */
int gw_cleanup_resume(gw_ctx *ctx, gw_error *err);

/* rules §4.6 remote: `ssh -G host` hostname, or a copy of ssh_host. */
char *gw_ssh_resolve_host(const char *ssh_host);
/* The destination without ssh:// and without USER@. */
char *gw_ssh_host_of(const char *dest);

#endif
