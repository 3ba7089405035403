/* sandbox_cli.c: `openshell sandbox create|delete|pod-ip|watch` (rules §10.8): flags, the
 * order of checks (everything is validated before any request), output and exit codes. */
#include "sandbox_cli.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s_client.h"
#include "k8s_config.h"
#include "osh_str.h"
#include "sandbox_cli_args.h"
#include "sandbox_cli_shell.h"
#include "sandbox_client.h"
#include "sandbox_spec.h"
#include "sandbox_translate.h"
#include "sandbox_uuid.h"
#include "sandbox_watch.h"

#define EXIT_OK 0
#define EXIT_FAILURE_RUNTIME SANDBOX_CLI_EXIT_RUNTIME
#define EXIT_USAGE SANDBOX_CLI_EXIT_USAGE

static const char USAGE_CREATE[] =
    "usage: openshell sandbox create --name NAME [--id ID] [--spec FILE.json] [--namespace NS]\n"
    "        [--default-image IMG] [--image-pull-policy P] [--grpc-endpoint URL]\n"
    "        [--ssh-listen-addr ADDR] [--ssh-handshake-secret S] [--ssh-handshake-skew-secs N]\n"
    "        [--client-tls-secret NAME] [--host-gateway-ip IP] [--dry-run] [--kubeconfig PATH]\n"
    "Create a Sandbox object and print `created NAME UID`; --dry-run prints the object instead.\n";
static const char USAGE_DELETE[] =
    "usage: openshell sandbox delete NAME [--namespace NS] [--kubeconfig PATH]\n"
    "Delete a Sandbox object: prints `deleted NAME`, or `not found NAME` when it does not exist.\n";
static const char USAGE_POD_IP[] =
    "usage: openshell sandbox pod-ip NAME [--namespace NS] [--kubeconfig PATH]\n"
    "Print the IP address of the sandbox's agent pod, or `none`.\n";
static const char USAGE_WATCH[] =
    "usage: openshell sandbox watch [--namespace NS] [--kubeconfig PATH] [--max-events N]\n"
    "Follow the Sandbox objects and print `APPLIED|DELETED ID NAME PHASE` per event.\n"
    "--max-events N exits 0 after N event lines.\n";
static const char USAGE_SANDBOX[] =
    "usage: openshell sandbox <create|delete|pod-ip|watch> [FLAGS]\n"
    "The server-side Sandbox CRD client. `openshell sandbox COMMAND --help` describes each command.\n";

static char *read_spec_file(const char *path, int *exit_code)
{
    char *why = NULL;
    char *text = sandbox_cli_read_spec(path, &why);
    if (!text) {
        fprintf(stderr, "error: --spec %s: %s\n", path, why);
        free(why);
        *exit_code = EXIT_USAGE;
    }
    return text;
}

typedef struct create_args {
    const char *name, *id, *spec_file, *kubeconfig, *skew;
    bool dry_run;
    sandbox_client_config config;
} create_args;

/* Checks everything a create needs before any request. Fills *spec; returns 0 or an exit code. */
static int prepare_create(int argc, char **argv, create_args *a, sandbox_spec **spec, bool *help)
{
    const sandbox_cli_flag flags[] = {
        {"--name", &a->name, NULL},
        {"--id", &a->id, NULL},
        {"--spec", &a->spec_file, NULL},
        {"--namespace", &a->config.namespace_, NULL},
        {"--default-image", &a->config.default_image, NULL},
        {"--image-pull-policy", &a->config.image_pull_policy, NULL},
        {"--grpc-endpoint", &a->config.grpc_endpoint, NULL},
        {"--ssh-listen-addr", &a->config.ssh_listen_addr, NULL},
        {"--ssh-handshake-secret", &a->config.ssh_handshake_secret, NULL},
        {"--ssh-handshake-skew-secs", &a->skew, NULL},
        {"--client-tls-secret", &a->config.client_tls_secret, NULL},
        {"--host-gateway-ip", &a->config.host_gateway_ip, NULL},
        {"--kubeconfig", &a->kubeconfig, NULL},
        {"--dry-run", NULL, &a->dry_run},
        {NULL, NULL, NULL},
    };
    sandbox_cli_parsed parsed;
    int rc = sandbox_cli_parse_flags(argc, argv, flags, false, USAGE_CREATE, &parsed);
    if (rc || (*help = parsed.help)) {
        if (*help)
            fputs(USAGE_CREATE, stdout);
        return rc;
    }
    if (!a->name)
        return sandbox_cli_usage_error(USAGE_CREATE, "%s", "--name is required");
    if (!*a->name)
        return sandbox_cli_usage_error(USAGE_CREATE, "%s", "--name must not be empty");
    if (a->id && !*a->id)
        return sandbox_cli_usage_error(USAGE_CREATE, "%s", "--id must not be empty");
    if (!*a->config.namespace_)
        return sandbox_cli_usage_error(USAGE_CREATE, "%s", "--namespace must not be empty");
    if (a->skew && !sandbox_cli_parse_u64(a->skew, &a->config.ssh_handshake_skew_secs))
        return sandbox_cli_usage_error(USAGE_CREATE,
                                       "--ssh-handshake-skew-secs must be a non-negative integer, got '%s'", a->skew);
    if (a->spec_file) {
        int exit_code = 0;
        char *text = read_spec_file(a->spec_file, &exit_code);
        if (!text)
            return exit_code;
        char *error = NULL;
        *spec = sandbox_spec_parse(text, &error);
        free(text);
        if (!*spec) {
            fprintf(stderr, "error: --spec %s: %s\n", a->spec_file, error);
            free(error);
            return EXIT_USAGE;
        }
    }
    return 0;
}

static int run_create(int argc, char **argv)
{
    create_args a = {.config = {.namespace_ = "openshell", .ssh_listen_addr = "0.0.0.0:2222",
                                .ssh_handshake_skew_secs = 300}};
    sandbox_spec *spec = NULL;
    bool help = false;
    int rc = prepare_create(argc, argv, &a, &spec, &help);
    if (rc || help) {
        sandbox_spec_free(spec);
        return rc;
    }
    char uuid[SANDBOX_UUID_LEN + 1];
    if (!a.id && sandbox_uuid_v4(uuid) != 0) {
        fprintf(stderr, "error: cannot generate a sandbox id: no randomness available\n");
        sandbox_spec_free(spec);
        return EXIT_FAILURE_RUNTIME;
    }
    cJSON *object = sandbox_build_object(a.id ? a.id : uuid, a.name, spec, &a.config);
    sandbox_spec_free(spec);
    if (a.dry_run) {
        sandbox_cli_print_json(object);
        cJSON_Delete(object);
        return EXIT_OK;
    }
    k8s_client *client = sandbox_cli_connect(a.kubeconfig);
    if (!client) {
        cJSON_Delete(object);
        return EXIT_FAILURE_RUNTIME;
    }
    k8s_error err = {0};
    cJSON *created = NULL;
    if (sandbox_create(client, a.config.namespace_, object, &created, &err) != 0) {
        rc = sandbox_cli_report_api_error(&err);
    } else {
        const cJSON *metadata = cJSON_GetObjectItemCaseSensitive(created, "metadata");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(metadata, "name");
        const cJSON *uid = cJSON_GetObjectItemCaseSensitive(metadata, "uid");
        printf("created %s %s\n", cJSON_IsString(name) ? name->valuestring : a.name,
               cJSON_IsString(uid) ? uid->valuestring : "unknown");
    }
    k8s_error_clear(&err);
    cJSON_Delete(created);
    cJSON_Delete(object);
    k8s_client_free(client);
    return rc;
}

typedef struct target_args {
    const char *namespace_, *kubeconfig, *max_events;
    long remaining; /* watch: event lines still to print; -1: unlimited */
    sandbox_cli_parsed parsed;
} target_args;

/* Flags shared by delete, pod-ip and watch. Returns 0 (with a->parsed) or an exit code. */
static int parse_target(int argc, char **argv, bool wants_name, bool is_watch, const char *usage, target_args *a)
{
    a->namespace_ = "openshell";
    sandbox_cli_flag flags[4] = {
        {"--namespace", &a->namespace_, NULL},
        {"--kubeconfig", &a->kubeconfig, NULL},
        {NULL, NULL, NULL},
        {NULL, NULL, NULL},
    };
    if (is_watch)
        flags[2] = (sandbox_cli_flag){"--max-events", &a->max_events, NULL};
    int rc = sandbox_cli_parse_flags(argc, argv, flags, wants_name, usage, &a->parsed);
    if (rc || a->parsed.help) {
        if (a->parsed.help)
            fputs(usage, stdout);
        return rc;
    }
    if (wants_name && (!a->parsed.positional || !*a->parsed.positional))
        return sandbox_cli_usage_error(usage, "%s", "NAME is required");
    if (!*a->namespace_)
        return sandbox_cli_usage_error(usage, "%s", "--namespace must not be empty");
    return sandbox_cli_max_events(a->max_events, usage, &a->remaining);
}

/* parse_target, then connect. *client stays NULL after help or a failure. */
static int open_target(int argc, char **argv, bool wants_name, bool is_watch, const char *usage, target_args *a,
                       k8s_client **client)
{
    *client = NULL;
    int rc = parse_target(argc, argv, wants_name, is_watch, usage, a);
    if (rc || a->parsed.help)
        return rc;
    return (*client = sandbox_cli_connect(a->kubeconfig)) ? 0 : EXIT_FAILURE_RUNTIME;
}

static int run_delete(int argc, char **argv)
{
    target_args a = {0};
    k8s_client *client = NULL;
    int rc = open_target(argc, argv, true, false, USAGE_DELETE, &a, &client);
    if (!client)
        return rc;
    k8s_error err = {0};
    bool deleted = false;
    if (sandbox_delete(client, a.namespace_, a.parsed.positional, &deleted, &err) != 0)
        rc = sandbox_cli_report_api_error(&err);
    else
        printf("%s %s\n", deleted ? "deleted" : "not found", a.parsed.positional);
    k8s_error_clear(&err);
    k8s_client_free(client);
    return rc;
}

static int run_pod_ip(int argc, char **argv)
{
    target_args a = {0};
    k8s_client *client = NULL;
    int rc = open_target(argc, argv, true, false, USAGE_POD_IP, &a, &client);
    if (!client)
        return rc;
    k8s_error err = {0};
    char *ip = NULL;
    if (sandbox_pod_ip(client, a.namespace_, a.parsed.positional, &ip, &err) != 0)
        rc = sandbox_cli_report_api_error(&err);
    else
        printf("%s\n", ip ? ip : "none");
    free(ip);
    k8s_error_clear(&err);
    k8s_client_free(client);
    return rc;
}

static bool print_event(const sandbox_event *event, void *user)
{
    long *remaining = user;
    printf("%s %s %s %s\n", event->type == SANDBOX_EVENT_APPLIED ? "APPLIED" : "DELETED", event->id,
           event->name, sandbox_phase_name(event->phase));
    fflush(stdout);
    return sandbox_cli_event_printed(remaining);
}

static int run_watch(int argc, char **argv)
{
    target_args a = {0};
    k8s_client *client = NULL;
    int rc = open_target(argc, argv, false, true, USAGE_WATCH, &a, &client);
    if (!client)
        return rc;
    sandbox_watch_options options = {.namespace_ = a.namespace_, .on_event = print_event,
                                     .on_warning = sandbox_cli_print_warning, .user = &a.remaining};
    k8s_error err = {0};
    if (sandbox_watch_run(client, &options, &err) != 0)
        rc = sandbox_cli_report_api_error(&err);
    k8s_error_clear(&err);
    k8s_client_free(client);
    return rc;
}

int openshell_sandbox_main(int argc, char **argv)
{
    static const sandbox_cli_command commands[] = {
        {"create", run_create}, {"delete", run_delete}, {"pod-ip", run_pod_ip}, {"watch", run_watch}};
    return sandbox_cli_dispatch(argc, argv, "sandbox", USAGE_SANDBOX, commands, sizeof commands / sizeof *commands);
}
