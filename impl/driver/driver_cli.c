/* driver_cli.c: `openshell driver probe|create|get|list|delete|stop|start|watch` (rules §13):
 * flags, the order of checks (all input is validated before any request), output lines
 * and exit codes (0 done, 1 runtime failure, 2 bad input). */
#include "driver_cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "k8s_config.h"
#include "osh_buf.h"
#include "osh_str.h"
#include "sandbox_cli_args.h"
#include "sandbox_cli_shell.h"
#include "sandbox_uuid.h"

#define EXIT_RUNTIME SANDBOX_CLI_EXIT_RUNTIME
#define EXIT_USAGE SANDBOX_CLI_EXIT_USAGE

#define COMMON_FLAGS                                                                                       \
    "        [--namespace NS] [--gateway-id GW] [--workspace WS] [--api-version auto|v1beta1|v1alpha1]\n" \
    "        [--kubeconfig PATH]\n"

static const char USAGE_DRIVER[] =
    "usage: openshell driver <probe|create|get|list|delete|stop|start|watch> [FLAGS]\n"
    "The OpenShell Kubernetes compute driver contract (v0.0.111) against agent-sandbox.\n"
    "`openshell driver COMMAND --help` describes each command.\n"
    "Common flags:\n" COMMON_FLAGS;
static const char USAGE_PROBE[] = "usage: openshell driver probe\n" COMMON_FLAGS
                                  "Print the Sandbox API version the cluster serves (v1beta1, else v1alpha1).\n";
static const char USAGE_CREATE[] =
    "usage: openshell driver create --name NAME [--id ID] [--spec FILE.json] [--dry-run]\n"
    "        [--default-image IMG] [--image-pull-policy P] [--grpc-endpoint URL]\n"
    "        [--client-tls-secret NAME] [--host-gateway-ip IP] [--supervisor-image IMG]\n"
    "        [--ssh-socket-path P] [--storage-size S] [--storage-class C]\n"
    "        [--sandbox-uid N] [--sandbox-gid N]\n" COMMON_FLAGS
    "Create the Sandbox {WS}--{NAME} and print `created CRNAME UID VERSION`;\n"
    "--dry-run prints the object instead and sends nothing.\n";
static const char USAGE_GET[] = "usage: openshell driver get --id ID\n" COMMON_FLAGS
                                "Print `ID CRNAME PHASE READY-REASON` (`-` without a Ready reason).\n";
static const char USAGE_LIST[] = "usage: openshell driver list\n" COMMON_FLAGS
                                 "Print `ID CRNAME PHASE READY-REASON` for each sandbox of this gateway.\n";
static const char USAGE_DELETE[] = "usage: openshell driver delete --id ID\n" COMMON_FLAGS
                                   "Delete the sandbox: `deleted CRNAME`, or `not found ID`.\n";
static const char USAGE_STOP[] = "usage: openshell driver stop --id ID\n" COMMON_FLAGS
                                 "Suspend the sandbox and wait for the controller: `stopped CRNAME`.\n";
static const char USAGE_START[] = "usage: openshell driver start --id ID\n" COMMON_FLAGS
                                  "Resume the sandbox (no wait): `started CRNAME`.\n";
static const char USAGE_WATCH[] = "usage: openshell driver watch [--max-events N]\n" COMMON_FLAGS
                                  "Print `APPLIED ID CRNAME PHASE`, `DELETED ID` and `RESTARTED` lines;\n"
                                  "--max-events N exits 0 after N lines.\n";

typedef struct cli {
    driver_config config;
    const char *kubeconfig, *id, *name, *spec_file, *uid, *gid, *max_events;
    bool dry_run;
    long remaining; /* watch: event lines still to print; -1: unlimited */
} cli;

/* The common flags' values. Returns 0 or the usage exit code. */
static int check_common(cli *c, const char *usage)
{
    const driver_config *k = &c->config;
    if (strcmp(k->api_version, "auto") != 0 && strcmp(k->api_version, "v1beta1") != 0 &&
        strcmp(k->api_version, "v1alpha1") != 0)
        return sandbox_cli_usage_error(usage, "--api-version must be auto, v1beta1 or v1alpha1, got '%s'",
                                       k->api_version);
    if (!driver_is_dns_label(k->namespace_))
        return sandbox_cli_usage_error(usage, "--namespace must be a DNS-1123 label, got '%s'", k->namespace_);
    if (!*k->gateway_id)
        return sandbox_cli_usage_error(usage, "%s", "--gateway-id must not be empty");
    if (strlen(k->gateway_id) > 63)
        return sandbox_cli_usage_error(usage, "--gateway-id must be a label value of at most 63 characters, got '%s'",
                                       k->gateway_id);
    if (!driver_is_dns_label(k->workspace))
        return sandbox_cli_usage_error(usage, "--workspace must be a DNS-1123 label, got '%s'", k->workspace);
    if (c->id && (!*c->id || strlen(c->id) > 63 || strchr(c->id, ',') || strchr(c->id, '=') || strchr(c->id, ' ')))
        return sandbox_cli_usage_error(usage, "--id must be a label value (at most 63 characters, no ',', '=' or "
                                              "blanks), got '%s'",
                                       c->id);
    return sandbox_cli_max_events(c->max_events, usage, &c->remaining);
}

/* Parse argv against the common flags plus extra. help: usage printed, exit 0. */
static int parse(int argc, char **argv, cli *c, const sandbox_cli_flag *extra, const char *usage, bool *help)
{
    sandbox_cli_flag flags[40];
    size_t n = 0;
    flags[n++] = (sandbox_cli_flag){"--namespace", &c->config.namespace_, NULL};
    flags[n++] = (sandbox_cli_flag){"--gateway-id", &c->config.gateway_id, NULL};
    flags[n++] = (sandbox_cli_flag){"--workspace", &c->config.workspace, NULL};
    flags[n++] = (sandbox_cli_flag){"--api-version", &c->config.api_version, NULL};
    flags[n++] = (sandbox_cli_flag){"--kubeconfig", &c->kubeconfig, NULL};
    for (; extra && extra->name && n < 39; extra++)
        flags[n++] = *extra;
    flags[n] = (sandbox_cli_flag){NULL, NULL, NULL};
    sandbox_cli_parsed parsed;
    int rc = sandbox_cli_parse_flags(argc, argv, flags, false, usage, &parsed);
    if (rc)
        return rc;
    if ((*help = parsed.help)) {
        fputs(usage, stdout);
        return 0;
    }
    return check_common(c, usage);
}

/* Connect and select the version; NULL after printing why. */
static k8s_client *open_driver(const cli *c, const char **version)
{
    k8s_client *client = sandbox_cli_connect(c->kubeconfig);
    if (!client)
        return NULL;
    k8s_error err = {0};
    if (driver_probe(client, &c->config, version, &err) != 0) {
        sandbox_cli_report_api_error(&err);
        k8s_error_clear(&err);
        k8s_client_free(client);
        return NULL;
    }
    return client;
}

/* The commands without --id: parse, connect, probe. *client stays NULL after help or a failure. */
static int parse_and_open(int argc, char **argv, cli *c, const sandbox_cli_flag *extra, const char *usage,
                          k8s_client **client, const char **version)
{
    bool help = false;
    *client = NULL;
    int rc = parse(argc, argv, c, extra, usage, &help);
    if (rc || help)
        return rc;
    return (*client = open_driver(c, version)) ? 0 : EXIT_RUNTIME;
}

static int run_probe(int argc, char **argv)
{
    cli c = {.config = driver_config_defaults()};
    k8s_client *client = NULL;
    const char *version = NULL;
    int rc = parse_and_open(argc, argv, &c, NULL, USAGE_PROBE, &client, &version);
    if (client)
        printf("%s\n", version);
    k8s_client_free(client);
    return rc;
}

static sandbox_spec *read_spec(const char *path, int *exit_code)
{
    *exit_code = EXIT_USAGE;
    char *error = NULL;
    sandbox_spec *spec = NULL;
    char *text = sandbox_cli_read_spec(path, &error);
    if (text)
        spec = sandbox_spec_parse_dialect(text, SANDBOX_SPEC_DRIVER, &error);
    if (!spec)
        fprintf(stderr, "error: --spec %s: %s\n", path, error);
    free(error);
    free(text);
    return spec;
}

static bool parse_id_number(const char *text, unsigned long *out)
{
    unsigned long long v = 0;
    if (!sandbox_cli_parse_u64(text, &v) || v > 4294967294ULL || v == 0)
        return false;
    *out = (unsigned long)v;
    return true;
}

/* Every check of create before any request (§13.3 step 1). Returns 0 or an exit code. */
static int prepare_create(int argc, char **argv, cli *c, sandbox_spec **spec, bool *help)
{
    const sandbox_cli_flag extra[] = {
        {"--name", &c->name, NULL},
        {"--id", &c->id, NULL},
        {"--spec", &c->spec_file, NULL},
        {"--dry-run", NULL, &c->dry_run},
        {"--default-image", &c->config.default_image, NULL},
        {"--image-pull-policy", &c->config.image_pull_policy, NULL},
        {"--grpc-endpoint", &c->config.grpc_endpoint, NULL},
        {"--client-tls-secret", &c->config.client_tls_secret, NULL},
        {"--host-gateway-ip", &c->config.host_gateway_ip, NULL},
        {"--supervisor-image", &c->config.supervisor_image, NULL},
        {"--ssh-socket-path", &c->config.ssh_socket_path, NULL},
        {"--storage-size", &c->config.storage_size, NULL},
        {"--storage-class", &c->config.storage_class, NULL},
        {"--sandbox-uid", &c->uid, NULL},
        {"--sandbox-gid", &c->gid, NULL},
        {NULL, NULL, NULL},
    };
    int rc = parse(argc, argv, c, extra, USAGE_CREATE, help);
    if (rc || *help)
        return rc;
    if (!c->name)
        return sandbox_cli_usage_error(USAGE_CREATE, "%s", "--name is required");
    if (c->uid && !(c->config.has_uid = parse_id_number(c->uid, &c->config.uid)))
        return sandbox_cli_usage_error(USAGE_CREATE, "--sandbox-uid must be an integer from 1 to 4294967294, got '%s'",
                                       c->uid);
    if (c->gid && !(c->config.has_gid = parse_id_number(c->gid, &c->config.gid)))
        return sandbox_cli_usage_error(USAGE_CREATE, "--sandbox-gid must be an integer from 1 to 4294967294, got '%s'",
                                       c->gid);
    if (c->spec_file && !(*spec = read_spec(c->spec_file, &rc)))
        return rc;
    char *invalid = NULL;
    if (driver_validate_create(&c->config, c->name, *spec, &invalid) != 0) {
        fprintf(stderr, "error: %s\n", invalid);
        free(invalid);
        return EXIT_USAGE;
    }
    return 0;
}

static int create_on_cluster(const cli *c, const char *id, const sandbox_spec *spec)
{
    const char *version = NULL;
    k8s_client *client = open_driver(c, &version);
    if (!client)
        return EXIT_RUNTIME;
    cJSON *annotations = driver_namespace_annotations(client, &c->config);
    driver_create_context ctx = {.api_version = version, .namespace_annotations = annotations};
    driver_resolve_identity(&c->config, annotations, &ctx.uid, &ctx.gid);
    cJSON *object = driver_build_object(id, c->name, spec, &c->config, &ctx);
    cJSON *created = NULL;
    k8s_error err = {0};
    int rc = 0;
    if (driver_create(client, version, &c->config, object, &created, &err) != 0) {
        rc = sandbox_cli_report_api_error(&err);
    } else {
        const cJSON *meta = cJSON_GetObjectItemCaseSensitive(created, "metadata");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(meta, "name");
        const cJSON *uid = cJSON_GetObjectItemCaseSensitive(meta, "uid");
        char *cr = driver_cr_name(&c->config, c->name);
        printf("created %s %s %s\n", cJSON_IsString(name) ? name->valuestring : cr,
               cJSON_IsString(uid) ? uid->valuestring : "unknown", version);
        free(cr);
    }
    k8s_error_clear(&err);
    cJSON_Delete(created);
    cJSON_Delete(object);
    cJSON_Delete(annotations);
    k8s_client_free(client);
    return rc;
}

static int run_create(int argc, char **argv)
{
    cli c = {.config = driver_config_defaults()};
    sandbox_spec *spec = NULL;
    bool help = false;
    int rc = prepare_create(argc, argv, &c, &spec, &help);
    char uuid[SANDBOX_UUID_LEN + 1];
    if (!rc && !help && !c.id && sandbox_uuid_v4(uuid) != 0) {
        fprintf(stderr, "error: cannot generate a sandbox id: no randomness available\n");
        rc = EXIT_RUNTIME;
    }
    if (rc || help) {
        sandbox_spec_free(spec);
        return rc;
    }
    const char *id = c.id ? c.id : uuid;
    if (c.dry_run) {
        /* No connection: the version is the one asked for (v1beta1 for auto), the identity the
         * configured or default one, without namespace annotations. */
        driver_create_context ctx = {.api_version = strcmp(c.config.api_version, "v1alpha1") == 0 ? "v1alpha1"
                                                                                                   : "v1beta1"};
        driver_resolve_identity(&c.config, NULL, &ctx.uid, &ctx.gid);
        cJSON *object = driver_build_object(id, c.name, spec, &c.config, &ctx);
        sandbox_cli_print_json(object);
        cJSON_Delete(object);
    } else {
        rc = create_on_cluster(&c, id, spec);
    }
    sandbox_spec_free(spec);
    return rc;
}

/* The id commands: parse --id, connect, probe, look the sandbox up. *found NULL: not found. */
static int open_by_id(int argc, char **argv, cli *c, const char *usage, bool *help, k8s_client **client,
                      const char **version, cJSON **found)
{
    const sandbox_cli_flag extra[] = {{"--id", &c->id, NULL}, {NULL, NULL, NULL}};
    int rc = parse(argc, argv, c, extra, usage, help);
    if (rc || *help)
        return rc;
    if (!c->id)
        return sandbox_cli_usage_error(usage, "%s", "--id is required");
    if (!(*client = open_driver(c, version)))
        return EXIT_RUNTIME;
    k8s_error err = {0};
    if (driver_lookup(*client, *version, &c->config, c->id, found, &err) != 0) {
        rc = sandbox_cli_report_api_error(&err);
        k8s_error_clear(&err);
    }
    return rc;
}

static void print_status_line(const cJSON *object, const driver_identity *who)
{
    const char *reason = driver_ready_reason(object);
    printf("%s %s %s %s\n", who->id, who->cr_name, driver_phase_name(driver_derive_phase(object)),
           *reason ? reason : "-");
}

static int run_get(int argc, char **argv)
{
    cli c = {.config = driver_config_defaults()};
    bool help = false;
    k8s_client *client = NULL;
    const char *version = NULL;
    cJSON *found = NULL;
    int rc = open_by_id(argc, argv, &c, USAGE_GET, &help, &client, &version, &found);
    driver_identity who;
    if (!rc && !help) {
        if (found && driver_object_identity(found, &who))
            print_status_line(found, &who);
        else
            rc = (fprintf(stderr, "error: sandbox not found\n"), EXIT_RUNTIME);
    }
    cJSON_Delete(found);
    k8s_client_free(client);
    return rc;
}

typedef struct row {
    driver_identity who;
    const cJSON *object;
} row;

static int compare_rows(const void *a, const void *b)
{
    const row *x = *(const row *const *)a, *y = *(const row *const *)b;
    int by_name = strcmp(x->who.name, y->who.name);
    return by_name ? by_name : strcmp(x->who.id, y->who.id);
}

static int run_list(int argc, char **argv)
{
    cli c = {.config = driver_config_defaults()};
    k8s_client *client = NULL;
    const char *version = NULL;
    int rc = parse_and_open(argc, argv, &c, NULL, USAGE_LIST, &client, &version);
    if (!client)
        return rc;
    char *selector = driver_list_selector(&c.config);
    cJSON *items = NULL;
    k8s_error err = {0};
    if (driver_list(client, version, &c.config, selector, 0, &items, NULL, &err) != 0) {
        rc = sandbox_cli_report_api_error(&err);
    } else {
        size_t n = (size_t)cJSON_GetArraySize(items), count = 0;
        row *rows = calloc(n ? n : 1, sizeof *rows);
        row **order = calloc(n ? n : 1, sizeof *order);
        const cJSON *item;
        cJSON_ArrayForEach(item, items)
        {
            if (driver_object_identity(item, &rows[count].who)) {
                rows[count].object = item;
                order[count] = &rows[count];
                count++;
            } else {
                fprintf(stderr, "warning: skipping an unrecognized Sandbox in the list\n");
            }
        }
        /* The reference sorts by sandbox name, then id (driver.rs:1314-1318). */
        qsort(order, count, sizeof *order, compare_rows);
        for (size_t i = 0; i < count; i++)
            print_status_line(order[i]->object, &order[i]->who);
        free(order);
        free(rows);
    }
    k8s_error_clear(&err);
    cJSON_Delete(items);
    free(selector);
    k8s_client_free(client);
    return rc;
}

static const char *cr_name_of(const cJSON *object)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(object, "metadata"), "name");
    return cJSON_IsString(name) ? name->valuestring : "";
}

static int run_delete(int argc, char **argv)
{
    cli c = {.config = driver_config_defaults()};
    bool help = false;
    k8s_client *client = NULL;
    const char *version = NULL;
    cJSON *found = NULL;
    int rc = open_by_id(argc, argv, &c, USAGE_DELETE, &help, &client, &version, &found);
    if (!rc && !help) {
        bool deleted = false;
        k8s_error err = {0};
        if (found && driver_delete(client, version, &c.config, found, &deleted, &err) != 0)
            rc = sandbox_cli_report_api_error(&err);
        else if (deleted)
            printf("deleted %s\n", cr_name_of(found));
        else
            printf("not found %s\n", c.id);
        k8s_error_clear(&err);
    }
    cJSON_Delete(found);
    k8s_client_free(client);
    return rc;
}

static int run_lifecycle(int argc, char **argv, bool running)
{
    cli c = {.config = driver_config_defaults()};
    bool help = false;
    k8s_client *client = NULL;
    const char *version = NULL;
    cJSON *found = NULL;
    int rc = open_by_id(argc, argv, &c, running ? USAGE_START : USAGE_STOP, &help, &client, &version, &found);
    if (!rc && !help && !found)
        rc = (fprintf(stderr, "error: sandbox not found\n"), EXIT_RUNTIME);
    if (!rc && !help) {
        k8s_error err = {0};
        if (driver_patch_state(client, version, &c.config, found, running, &err) != 0 ||
            (!running && driver_wait_stopped(client, version, &c.config, found, &err) != 0))
            rc = sandbox_cli_report_api_error(&err);
        else
            printf("%s %s\n", running ? "started" : "stopped", cr_name_of(found));
        k8s_error_clear(&err);
    }
    cJSON_Delete(found);
    k8s_client_free(client);
    return rc;
}

static int run_stop(int argc, char **argv) { return run_lifecycle(argc, argv, false); }
static int run_start(int argc, char **argv) { return run_lifecycle(argc, argv, true); }

static bool print_event(const driver_event *e, void *user)
{
    long *remaining = user;
    if (e->type == DRIVER_EVENT_APPLIED)
        printf("APPLIED %s %s %s\n", e->id, e->cr_name, driver_phase_name(e->phase));
    else if (e->type == DRIVER_EVENT_DELETED)
        printf("DELETED %s\n", e->id);
    else
        printf("RESTARTED\n");
    fflush(stdout);
    if (e->type == DRIVER_EVENT_RESTARTED && e->why)
        fprintf(stderr, "warning: sandbox watch restarted: %s\n", e->why);
    return sandbox_cli_event_printed(remaining);
}

static int run_watch(int argc, char **argv)
{
    cli c = {.config = driver_config_defaults()};
    const sandbox_cli_flag extra[] = {{"--max-events", &c.max_events, NULL}, {NULL, NULL, NULL}};
    k8s_client *client = NULL;
    const char *version = NULL;
    int rc = parse_and_open(argc, argv, &c, extra, USAGE_WATCH, &client, &version);
    if (!client)
        return rc;
    driver_watch_options options = {.version = version, .config = &c.config, .on_event = print_event,
                                    .on_warning = sandbox_cli_print_warning, .user = &c.remaining};
    k8s_error err = {0};
    if (driver_watch_run(client, &options, &err) != 0)
        rc = sandbox_cli_report_api_error(&err);
    k8s_error_clear(&err);
    k8s_client_free(client);
    return rc;
}

int openshell_driver_main(int argc, char **argv)
{
    static const sandbox_cli_command commands[] = {
        {"probe", run_probe},   {"create", run_create}, {"get", run_get},     {"list", run_list},
        {"delete", run_delete}, {"stop", run_stop},     {"start", run_start}, {"watch", run_watch}};
    return sandbox_cli_dispatch(argc, argv, "driver", USAGE_DRIVER, commands, sizeof commands / sizeof *commands);
}
