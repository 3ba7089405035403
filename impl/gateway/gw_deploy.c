/* gw_deploy.c: the `gateway start` sequence (rules §4.0): preflight, the existing-gateway
 * decision, image, network and volume, SANs, port check, container, start, then the
 * post-start steps with the failure cleanup of rules §9.6. */
#include "gw_internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "osh_str.h"

typedef struct deploy_run {
    const gw_deploy_options *o;
    gw_ctx ctx;
    gw_host_env env;
    bool remote;
    bool cdi;
    bool resume;
    bool container_existed;
    char *image_ref;
    char *node_name;
    char *local_host;        /* local: SAN from DOCKER_HOST */
    char *resolved_host;     /* remote: ssh -G result */
    gw_strv sans;
    const char *ssh_gateway_host;
    int actual_port;
} deploy_run;

void gw_deploy_result_free(gw_deploy_result *r)
{
    free(r->endpoint);
    memset(r, 0, sizeof(*r));
}

char *gw_endpoint_stored_host(const char *endpoint)
{
    if (!endpoint)
        return NULL;
    const char *p = endpoint;
    if (osh_str_starts_with(p, "https://"))
        p += strlen("https://");
    else if (osh_str_starts_with(p, "http://"))
        p += strlen("http://");
    const char *colon = strrchr(p, ':');
    char *host = colon ? osh_str_ndup(p, (size_t)(colon - p)) : osh_str_dup(p);
    if (!*host || strcmp(host, "127.0.0.1") == 0 || strcmp(host, "localhost") == 0 || strcmp(host, "::1") == 0 ||
        strcmp(host, "[::1]") == 0) {
        free(host);
        return NULL;
    }
    return host;
}

/* --- step 1-2: preflight and CDI probe --- */

static void append_docker_hints(gw_error *err, const char *docker_host)
{
    if (docker_host)
        gw_error_append(err, "\n\nDOCKER_HOST is set to '%s' but the Docker daemon is not responding", docker_host);
    else if (access(DOCKER_DEFAULT_SOCKET, F_OK) != 0)
        gw_error_append(err, "\n\nNo Docker socket found at " DOCKER_DEFAULT_SOCKET " and DOCKER_HOST is not set");
    else
        gw_error_append(err, "\n\nDocker socket found at " DOCKER_DEFAULT_SOCKET " but the daemon is not responding");
    gw_error_append(err, "\n\nVerify Docker is working with: docker info");
}

static int open_client(deploy_run *d, gw_error *err)
{
    if (gw_ctx_open(&d->ctx, &d->o->target, err) == 0)
        return 0;
    gw_error_prefix(err, "Failed to create Docker client: ");
    if (!d->remote)
        append_docker_hints(err, d->env.docker_host);
    return -1;
}

static int preflight(deploy_run *d, gw_error *err)
{
    if (d->remote)
        return gw_docker_json(&d->ctx, "GET", "/version", NULL, NULL, NULL, NULL, err) == 0
                   ? 0
                   : (gw_error_prefix(err, "failed to reach the remote Docker daemon: "), -1);
    docker_response resp = DOCKER_RESPONSE_INIT;
    int rc = docker_call(d->ctx.docker, "GET", "/_ping", NULL, &resp, err);
    if (rc == 0 && !docker_status_ok(resp.status))
        rc = docker_status_error(&resp, err);
    docker_response_free(&resp);
    if (rc != 0) {
        gw_error_prefix(err, "Docker socket exists but the daemon is not responding\n\n");
        append_docker_hints(err, d->env.docker_host);
        return -1;
    }
    gw_error ignored = GW_ERROR_INIT;
    cJSON *version = NULL;
    if (gw_docker_json(&d->ctx, "GET", "/version", NULL, NULL, NULL, &version, &ignored) == 0) {
        const char *v = gw_json_string(version, "Version");
        gw_emit(&d->ctx, GW_EVENT_VERBOSE, "Docker version %s", v ? v : "unknown");
    }
    cJSON_Delete(version);
    gw_error_clear(&ignored);
    return 0;
}

static void probe_cdi(deploy_run *d)
{
    gw_error ignored = GW_ERROR_INIT;
    cJSON *info = NULL;
    if (gw_docker_json(&d->ctx, "GET", "/info", NULL, NULL, NULL, &info, &ignored) == 0) {
        const cJSON *dirs = cJSON_GetObjectItemCaseSensitive(info, "CDISpecDirs");
        d->cdi = cJSON_IsArray(dirs) && cJSON_GetArraySize(dirs) > 0;
    }
    cJSON_Delete(info);
    gw_error_clear(&ignored);
}

/* --- step 3: existing gateway --- */

static int decide_existing(deploy_run *d, gw_error *err)
{
    static const long ok[] = {200, 404, 0};
    char *vpath = osh_str_printf("/volumes/%s", d->ctx.resource);
    long vstatus = 0;
    int rc = gw_docker_json(&d->ctx, "GET", vpath, NULL, ok, &vstatus, NULL, err);
    free(vpath);
    cJSON *inspect = NULL;
    if (rc == 0)
        rc = gw_inspect_container(&d->ctx, &inspect, err);
    if (rc != 0)
        return -1;
    bool volume = vstatus == 200, container = inspect != NULL, running = gw_state_running(inspect);
    cJSON_Delete(inspect);
    bool recreate = d->o->recreate;
    if ((volume || container) && !recreate && d->o->confirm_recreate)
        recreate = d->o->confirm_recreate(d->o->confirm_ud, d->ctx.name);
    if (!volume && !container)
        return 0;
    if (recreate) {
        gw_emit(&d->ctx, GW_EVENT_STATUS, "Removing existing gateway");
        return gw_destroy_resources(&d->ctx, err);
    }
    gw_emit(&d->ctx, GW_EVENT_STATUS, container && running ? "Gateway is already running"
                                                           : "Resuming gateway from existing state");
    d->resume = true;
    d->container_existed = container;
    return 0;
}

/* --- step 6: SANs and the gateway host --- */

static void compute_sans(deploy_run *d)
{
    const char *gateway_host = d->o->gateway_host && *d->o->gateway_host ? d->o->gateway_host : NULL;
    if (!d->remote) {
        d->local_host = gw_local_host_from_docker_host(d->env.docker_host);
        gw_sans_add(&d->sans, d->local_host);
        gw_sans_add(&d->sans, gateway_host);
        d->ssh_gateway_host = gateway_host;
        return;
    }
    char *ssh_host = gw_ssh_host_of(d->o->target.remote);
    d->resolved_host = gw_ssh_resolve_host(ssh_host);
    gw_sans_add(&d->sans, d->resolved_host);
    gw_sans_add(&d->sans, ssh_host);
    gw_sans_add(&d->sans, gateway_host);
    d->ssh_gateway_host = gateway_host ? gateway_host : d->resolved_host;
    free(ssh_host);
}

static char *endpoint_of(const deploy_run *d)
{
    const char *gateway_host = d->o->gateway_host && *d->o->gateway_host ? d->o->gateway_host : NULL;
    const char *host = gateway_host       ? gateway_host
                       : d->remote        ? d->resolved_host
                       : d->local_host    ? d->local_host
                                          : "127.0.0.1";
    return osh_str_printf("%s://%s:%d", d->o->plaintext ? "http" : "https", host, d->actual_port);
}

/* --- steps 1-7: everything before the container exists --- */

static int prepare(deploy_run *d, gw_error *err)
{
    /* the metadata is written at the end: an unwritable config root would only be found
     * after everything was deployed (and then rolled back) */
    if (d->o->config_root && gw_config_root_check_writable(d->o->config_root, err) != 0)
        return -1;
    if (!d->remote)
        gw_emit(&d->ctx, GW_EVENT_STATUS, "Checking Docker");
    if (open_client(d, err) != 0 || preflight(d, err) != 0)
        return -1;
    probe_cdi(d);
    if (decide_existing(d, err) != 0)
        return -1;
    if (!(d->resume && d->container_existed)) {
        gw_emit(&d->ctx, GW_EVENT_STATUS, "Downloading gateway");
        int rc = d->remote ? gw_image_pull_remote(&d->ctx, d->image_ref, d->o->registry_username,
                                                  d->o->registry_token, err)
                           : gw_image_ensure_local(&d->ctx, d->image_ref, d->o->registry_username,
                                                   d->o->registry_token, err);
        if (rc != 0)
            return -1;
    }
    gw_emit(&d->ctx, GW_EVENT_STATUS, "Initializing environment");
    if (gw_network_ensure(&d->ctx, err) != 0 || gw_volume_ensure(&d->ctx, err) != 0)
        return -1;
    compute_sans(d);
    return gw_port_conflict_check(&d->ctx, d->o->port, err);
}

/* --- steps 8-14: failures here are cleaned up --- */

static int write_metadata(deploy_run *d, gw_deploy_result *r, gw_error *err)
{
    gw_metadata m = {
        .name = d->ctx.name,
        .gateway_endpoint = endpoint_of(d),
        .is_remote = d->remote,
        .gateway_port = d->actual_port,
        .remote_host = d->remote ? (char *)d->o->target.remote : NULL,
        .resolved_host = d->remote ? d->resolved_host : NULL,
    };
    int rc = gw_metadata_store(d->o->config_root, &m, err);
    r->endpoint = m.gateway_endpoint;
    return rc;
}

static int bring_up(deploy_run *d, gw_deploy_result *r, gw_error *err)
{
    gw_strv gpu = {0};
    gw_gpu_resolve(d->o->gpu, d->cdi, &gpu);
    gw_container_spec spec = {
        .name = d->ctx.name, .image_ref = d->image_ref, .node_name = d->node_name, .host_port = d->o->port,
        .sans = &d->sans, .ssh_gateway_host = d->ssh_gateway_host, .registry_username = d->o->registry_username,
        .registry_token = d->o->registry_token, .plaintext = d->o->plaintext,
        .disable_gateway_auth = d->o->disable_gateway_auth, .gpu_devices = &gpu, .env = &d->env,
    };
    int rc = gw_container_ensure(&d->ctx, &spec, d->resume, &d->actual_port, err);
    gw_strv_free(&gpu);
    if (rc != 0 || gw_container_start(&d->ctx, err) != 0)
        return -1;
    gw_error stale = GW_ERROR_INIT;
    if (gw_stale_node_cleanup(&d->ctx, d->node_name, &stale) < 0)
        gw_emit(&d->ctx, GW_EVENT_WARNING, "stale node cleanup failed (non-fatal): %s", gw_error_text(&stale));
    gw_error_clear(&stale);
    if (!d->remote && d->env.push_images_raw && gw_push_images(&d->ctx, d->env.push_images_raw, err) != 0)
        return -1;
    gw_emit(&d->ctx, GW_EVENT_STATUS, "Starting gateway");
    if (gw_health_wait(&d->ctx, err) != 0)
        return -1;
    if (d->o->fetch_mtls && gw_mtls_fetch(&d->ctx, d->o->config_root, err) != 0)
        return -1;
    return write_metadata(d, r, err);
}

static void cleanup_after_failure(deploy_run *d)
{
    gw_error e = GW_ERROR_INIT;
    int rc = d->resume ? gw_cleanup_resume(&d->ctx, &e) : gw_destroy_resources(&d->ctx, &e);
    if (rc != 0)
        gw_emit(&d->ctx, GW_EVENT_WARNING,
                "automatic cleanup after failed deploy also failed: %s. Manual cleanup may be required: "
                "openshell gateway destroy --name %s",
                gw_error_text(&e), d->ctx.name);
    gw_error_clear(&e);
}

int gw_deploy(const gw_deploy_options *o, gw_deploy_result *r, gw_error *err)
{
    memset(r, 0, sizeof(*r));
    if (gw_validate_name(o->target.name, err) != 0)
        return -1;
    deploy_run d = {.o = o, .remote = o->target.remote && *o->target.remote};
    d.ctx.on_event = o->target.on_event;
    d.ctx.event_ud = o->target.event_ud;
    gw_host_env_read(&d.env);
    d.image_ref = gw_image_ref(o->image, &d.env);
    d.node_name = gw_node_name(o->target.name, strlen(o->target.name));
    int rc = prepare(&d, err);
    if (rc == 0) {
        rc = bring_up(&d, r, err);
        if (rc != 0)
            cleanup_after_failure(&d);
    }
    r->port = d.actual_port;
    r->resumed = d.resume;
    r->docker_requests = d.ctx.docker ? docker_client_request_count(d.ctx.docker) : 0;
    gw_ctx_close(&d.ctx);
    gw_host_env_free(&d.env);
    gw_strv_free(&d.sans);
    free(d.image_ref);
    free(d.node_name);
    free(d.local_host);
    free(d.resolved_host);
    return rc;
}
