/* sandbox_cli_shell.h: the shell both Kubernetes CLIs run in (`openshell sandbox`, rules §10.8,
 * and `openshell driver`, rules §13): the command dispatch with libcurl's global setup, the
 * kubeconfig connection, the API error line, and the pieces of their watch printers. What each
 * command checks and prints stays in sandbox_cli.c and driver_cli.c. */
#ifndef OSH_SANDBOX_CLI_SHELL_H
#define OSH_SANDBOX_CLI_SHELL_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "k8s_client.h"
#include "sandbox_cli_args.h"

#define SANDBOX_CLI_EXIT_RUNTIME 1

typedef struct sandbox_cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
} sandbox_cli_command;

/* `openshell GROUP COMMAND ...`: help (exit 0) or an unknown command (usage error) answered
 * here, else the command's run() between curl_global_init and curl_global_cleanup. */
int sandbox_cli_dispatch(int argc, char **argv, const char *group, const char *usage,
                         const sandbox_cli_command *commands, size_t count);

/* "error: kubernetes API error CODE REASON: MESSAGE" (or "error: MESSAGE" when the API was
 * not reached) on stderr; returns SANDBOX_CLI_EXIT_RUNTIME. */
int sandbox_cli_report_api_error(const k8s_error *err);
/* The client for the kubeconfig (NULL path: the usual lookup), or NULL after printing why. */
k8s_client *sandbox_cli_connect(const char *kubeconfig);
/* The object, indented, on stdout (a --dry-run). */
void sandbox_cli_print_json(const cJSON *object);

/* --max-events TEXT (NULL: not given, *remaining = -1): 1..10^9, else the usage error. */
int sandbox_cli_max_events(const char *text, const char *usage, long *remaining);
/* Counts one printed event line; false once the --max-events budget is spent. */
bool sandbox_cli_event_printed(long *remaining);
/* "warning: TEXT" on stderr (a watch's on_warning). */
void sandbox_cli_print_warning(const char *text, void *user);

#endif
