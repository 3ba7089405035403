/* cli_lifecycle.c: `gateway stop|destroy|info|select` (rules §9.2-9.4). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_common.h"
#include "osh_str.h"

/* Config root and resolved name for a non-start command; 0 or an exit code. */
static int open_command(const cli_args *a, char **root, char **name)
{
    int code = 0;
    *name = NULL;
    *root = NULL;
    /* The name is validated before anything else, even when HOME is unset. */
    gw_error root_err = GW_ERROR_INIT;
    char *maybe_root = gw_config_root(&root_err);
    *name = cli_resolve_name(a, false, maybe_root, &code);
    if (*name && !maybe_root) {
        free(*name);
        *name = NULL;
        code = cli_fail(&root_err);
    }
    gw_error_clear(&root_err);
    if (!*name) {
        free(maybe_root);
        return code;
    }
    *root = maybe_root;
    return 0;
}

int cli_gateway_stop(const cli_args *a)
{
    char *root, *name;
    int code = open_command(a, &root, &name);
    if (code)
        return code;
    char *remote = cli_remote_for(a, root, name);
    fprintf(stderr, "\xE2\x80\xA2 Stopping gateway %s...\n", name);
    gw_target t = {.name = name, .remote = remote, .ssh_key = a->ssh_key, .on_event = cli_render_event};
    gw_error err = GW_ERROR_INIT;
    if (gw_stop(&t, &err) != 0)
        code = cli_fail(&err);
    else
        fprintf(stderr, "\xE2\x9C\x93 Gateway %s stopped.\n", name);
    gw_error_clear(&err);
    free(remote);
    free(root);
    free(name);
    return code;
}

/* Temp files a killed start left (SPEC: destroy leaves only the kept mTLS directory). */
static void sweep_config_temps(const char *root, const char *name)
{
    char *gateways = osh_str_printf("%s/gateways", root);
    char *mtls = gw_mtls_dir(root, name);
    gw_sweep_stale_temps(root);
    gw_sweep_stale_temps(gateways);
    gw_mtls_recover(mtls);
    gw_sweep_stale_temps(mtls);
    free(mtls);
    free(gateways);
}

int cli_gateway_destroy(const cli_args *a)
{
    char *root, *name;
    int code = open_command(a, &root, &name);
    if (code)
        return code;
    char *remote = cli_remote_for(a, root, name);
    fprintf(stderr, "\xE2\x80\xA2 Destroying gateway %s...\n", name);
    gw_target t = {.name = name, .remote = remote, .ssh_key = a->ssh_key, .on_event = cli_render_event};
    gw_error err = GW_ERROR_INIT;
    if (gw_destroy(&t, &err) != 0 || gw_metadata_remove(root, name, &err) != 0 ||
        gw_active_gateway_clear_if(root, name, &err) != 0) {
        code = cli_fail(&err);
    } else {
        sweep_config_temps(root, name);
        fprintf(stderr, "\xE2\x9C\x93 Gateway %s destroyed.\n", name);
    }
    gw_error_clear(&err);
    free(remote);
    free(root);
    free(name);
    return code;
}

int cli_gateway_info(const cli_args *a)
{
    char *root, *name;
    int code = open_command(a, &root, &name);
    if (code)
        return code;
    gw_metadata m;
    gw_error err = GW_ERROR_INIT;
    if (gw_metadata_load(root, name, &m, &err) != 0) {
        code = cli_fail(&err);
    } else {
        printf("Gateway Info\n\n  Gateway: %s\n  Gateway endpoint: %s\n", m.name, m.gateway_endpoint);
        if (m.is_remote) {
            printf("  Remote host: %s\n", m.remote_host ? m.remote_host : "");
            if (m.resolved_host)
                printf("  Resolved host: %s\n", m.resolved_host);
        }
        gw_metadata_free(&m);
    }
    gw_error_clear(&err);
    free(root);
    free(name);
    return code;
}

static size_t max_width(size_t header, const gw_metadata *list, int n, int column)
{
    size_t w = header;
    for (int i = 0; i < n; i++) {
        const char *v = column == 0 ? list[i].name : list[i].gateway_endpoint;
        if (strlen(v) > w)
            w = strlen(v);
    }
    return w;
}

static int list_gateways(const cli_args *a, const char *root)
{
    gw_metadata *list = NULL;
    gw_error err = GW_ERROR_INIT;
    int n = gw_metadata_list(root, &list, &err);
    if (n < 0) {
        int code = cli_fail(&err);
        gw_error_clear(&err);
        return code;
    }
    if (n == 0) {
        printf("No gateways found.\n\nDeploy a gateway with: openshell gateway start\n");
        return 0;
    }
    char *active = a->gateway ? osh_str_dup(a->gateway) : gw_active_gateway_read(root);
    int wn = (int)max_width(4, list, n, 0), we = (int)max_width(8, list, n, 1);
    int wt = 4;
    for (int i = 0; i < n; i++)
        if (wt < (list[i].is_remote ? 6 : 5))
            wt = list[i].is_remote ? 6 : 5;
    printf("  %-*s  %-*s  %-*s  %s\n", wn, "NAME", we, "ENDPOINT", wt, "TYPE", "AUTH");
    for (int i = 0; i < n; i++) {
        bool is_active = active && strcmp(active, list[i].name) == 0;
        printf("%s%-*s  %-*s  %-*s  %s\n", is_active ? "* " : "  ", wn, list[i].name, we, list[i].gateway_endpoint,
               wt, list[i].is_remote ? "remote" : "local", list[i].auth_mode ? list[i].auth_mode : "mtls");
    }
    fflush(stdout);
    fprintf(stderr, "Select a gateway with: openshell gateway select <name>\n");
    free(active);
    gw_metadata_list_free(list, n);
    return 0;
}

int cli_gateway_select(const cli_args *a)
{
    int code = CLI_EXIT_OK;
    char *root = cli_config_root(&code);
    if (!root)
        return code;
    if (!a->has_positional) {
        code = list_gateways(a, root);
        free(root);
        return code;
    }
    gw_error err = GW_ERROR_INIT;
    int rc = gw_validate_name(a->positional, &err);
    if (rc == 0 && !gw_metadata_exists(root, a->positional))
        rc = gw_fail(&err, GW_E_NOT_FOUND, "No gateway metadata found for '%s'", a->positional);
    if (rc == 0)
        rc = gw_active_gateway_write(root, a->positional, &err);
    if (rc != 0)
        code = cli_fail(&err);
    else
        fprintf(stderr, "\xE2\x9C\x93 Active gateway set to '%s'\n", a->positional);
    gw_error_clear(&err);
    free(root);
    return code;
}
