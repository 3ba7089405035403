/* cli_start.c: `openshell gateway start` (rules §3.4, 4.2 stored defaults, 9.2 active gateway). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_common.h"
#include "gw_spec.h"
#include "osh_str.h"

typedef struct start_settings {
    int port;
    char *gateway_host;
    char *username;
    char *token;
} start_settings;

/* Stored defaults (rules §4.2): without --recreate, the metadata's port and host fill in. */
static void apply_stored_defaults(const cli_args *a, const char *root, const char *name, start_settings *s)
{
    s->port = a->port > 0 ? a->port : 8080;
    s->gateway_host = a->gateway_host && *a->gateway_host ? osh_str_dup(a->gateway_host) : NULL;
    if (a->recreate)
        return;
    gw_metadata m;
    if (gw_metadata_load(root, name, &m, NULL) != 0)
        return;
    if (m.gateway_port > 0 && m.gateway_port <= 65535)
        s->port = (int)m.gateway_port;
    if (!s->gateway_host)
        s->gateway_host = gw_endpoint_stored_host(m.gateway_endpoint);
    gw_metadata_free(&m);
}

static char *flag_or_env(const char *flag, const char *env)
{
    if (flag && *flag)
        return osh_str_dup(flag);
    return gw_env_trimmed(env);
}

static bool ask_recreate(void *ud, const char *name)
{
    fprintf(stderr, "Gateway '%s' already exists. Destroy and recreate it? [y/N] ", name);
    fflush(stderr);
    char *line = NULL; /* the whole line, however long: a cut one would judge its first part */
    size_t cap = 0;
    bool yes = false;
    if (getline(&line, &cap, stdin) >= 0) {
        char *answer = osh_str_trim_dup(line);
        yes = osh_str_ieq(answer, "y") || osh_str_ieq(answer, "yes");
        free(answer);
    }
    free(line);
    return yes;
}

static void print_ready(const char *name, const gw_deploy_result *r)
{
    fprintf(stderr, "Gateway %s ready.\n\n\xE2\x9C\x93 Gateway ready\n\n  Name: %s\n  Endpoint: %s\n\n", name, name,
            r->endpoint ? r->endpoint : "");
}

static int deploy(const cli_args *a, const char *root, const char *name, bool fetch_mtls)
{
    start_settings s;
    apply_stored_defaults(a, root, name, &s);
    s.username = flag_or_env(a->registry_username, "OPENSHELL_REGISTRY_USERNAME");
    s.token = flag_or_env(a->registry_token, "OPENSHELL_REGISTRY_TOKEN");
    bool remote = a->remote && *a->remote;
    gw_deploy_options o = {
        .target = {.name = name, .remote = remote ? a->remote : NULL, .ssh_key = a->ssh_key,
                   .on_event = cli_render_event},
        .port = s.port, .image = a->image, .recreate = a->recreate, .gpu = a->gpu, .plaintext = a->plaintext,
        .disable_gateway_auth = a->disable_gateway_auth, .gateway_host = s.gateway_host,
        .registry_username = s.username, .registry_token = s.token, .fetch_mtls = fetch_mtls, .config_root = root,
    };
    if (!a->recreate && isatty(STDIN_FILENO) && isatty(STDERR_FILENO))
        o.confirm_recreate = ask_recreate;
    fprintf(stderr, "Deploying %s gateway %s...\n", remote ? "remote" : "local", name);
    gw_deploy_result r;
    gw_error err = GW_ERROR_INIT;
    int code = 0;
    int rc = gw_deploy(&o, &r, &err);
    cli_end_progress();
    if (rc != 0) {
        fprintf(stderr, "x Gateway failed: %s\n", name);
        cli_write_clean(stderr, gw_error_text(&err));
        fputc('\n', stderr);
        code = cli_failure_status(&err);
    } else {
        print_ready(name, &r);
        if (gw_active_gateway_write(root, name, &err) != 0) {
            code = cli_fail(&err);
        } else {
            fprintf(stderr, "\xE2\x9C\x93 Active gateway set to '%s'\n", name);
        }
    }
    gw_deploy_result_free(&r);
    gw_error_clear(&err);
    free(s.gateway_host);
    free(s.username);
    free(s.token);
    return code;
}

int cli_gateway_start(const cli_args *a)
{
    int code = 0;
    char *name = cli_resolve_name(a, true, NULL, &code);
    if (!name)
        return code;
    bool fetch = true;
    gw_error err = GW_ERROR_INIT;
    char *root = NULL;
    if (gw_tls_wanted(a->plaintext, getenv("NAV_GATEWAY_TLS_ENABLED"), &fetch, &err) != 0)
        code = cli_fail(&err);
    else if ((root = cli_config_root(&code)))
        code = deploy(a, root, name, fetch);
    gw_error_clear(&err);
    free(root);
    free(name);
    return code;
}
