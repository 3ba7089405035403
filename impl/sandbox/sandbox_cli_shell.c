/* sandbox_cli_shell.c: what `openshell sandbox` and `openshell driver` share around their
 * commands (dispatch, connection, error and warning lines, --max-events). */
#include "sandbox_cli_shell.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

int sandbox_cli_dispatch(int argc, char **argv, const char *group, const char *usage,
                         const sandbox_cli_command *commands, size_t count)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return SANDBOX_CLI_EXIT_USAGE;
    }
    const char *command = argv[1];
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 || strcmp(command, "help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    int (*run)(int, char **) = NULL;
    for (size_t i = 0; i < count && !run; i++)
        if (strcmp(command, commands[i].name) == 0)
            run = commands[i].run;
    if (!run) {
        fprintf(stderr, "error: unknown command '%s %s'\n%s", group, command, usage);
        return SANDBOX_CLI_EXIT_USAGE;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = run(argc, argv);
    fflush(stdout);
    curl_global_cleanup();
    return rc;
}

int sandbox_cli_report_api_error(const k8s_error *err)
{
    if (err->code)
        fprintf(stderr, "error: kubernetes API error %d %s: %s\n", err->code, err->reason ? err->reason : "",
                err->message ? err->message : "");
    else
        fprintf(stderr, "error: %s\n", err->message ? err->message : "unknown error");
    return SANDBOX_CLI_EXIT_RUNTIME;
}

k8s_client *sandbox_cli_connect(const char *kubeconfig)
{
    char *error = NULL;
    k8s_config *config = k8s_config_load(kubeconfig, &error);
    if (!config) {
        fprintf(stderr, "error: %s\n", error);
        free(error);
        return NULL;
    }
    return k8s_client_new(config);
}

void sandbox_cli_print_json(const cJSON *object)
{
    char *text = cJSON_Print(object);
    printf("%s\n", text);
    cJSON_free(text);
}

int sandbox_cli_max_events(const char *text, const char *usage, long *remaining)
{
    *remaining = -1;
    if (!text)
        return 0;
    unsigned long long max = 0;
    if (!sandbox_cli_parse_u64(text, &max) || max == 0 || max > 1000000000ULL)
        return sandbox_cli_usage_error(usage, "--max-events must be a positive integer, got '%s'", text);
    *remaining = (long)max;
    return 0;
}

bool sandbox_cli_event_printed(long *remaining)
{
    if (*remaining > 0)
        (*remaining)--;
    return *remaining != 0;
}

void sandbox_cli_print_warning(const char *text, void *user)
{
    (void)user;
    fprintf(stderr, "warning: %s\n", text);
}
