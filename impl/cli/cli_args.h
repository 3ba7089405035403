/* cli_args.h: parsing the `openshell` command line (rules §3.1) into a plain structure.
 * Only syntax is checked here (unknown commands and flags, missing values, ports); names are
 * resolved and validated by the commands (rules §3.2, 3.3). */
#ifndef CLI_ARGS_H
#define CLI_ARGS_H

#include <stdbool.h>

#include "cli_exit.h"

typedef enum cli_command {
    CLI_USAGE_ERROR = 0,
    CLI_HELP,            /* print help_topic's usage to stdout, exit 0 */
    CLI_VERSION,
    CLI_GATEWAY_START,
    CLI_GATEWAY_STOP,
    CLI_GATEWAY_DESTROY,
    CLI_GATEWAY_INFO,
    CLI_GATEWAY_SELECT,
    CLI_DOCTOR_LOGS,
    CLI_DOCTOR_EXEC,
    CLI_DEBUG_NODE_NAME,
    CLI_SANDBOX,         /* hand argv + sandbox_index to the sandbox harness */
    CLI_DRIVER           /* hand argv + sandbox_index to the driver harness */
} cli_command;

typedef struct cli_args {
    cli_command command;
    const char *help_topic;     /* "", "gateway", "gateway start", ... */
    const char *gateway;        /* -g/--gateway */
    const char *name;           /* --name */
    int port;                   /* --port, 0 when not given */
    const char *image;
    const char *gateway_host;
    const char *registry_username;
    const char *registry_token;
    const char *remote;
    const char *ssh_key;
    const char *tail;           /* --tail / -n / --lines */
    bool recreate, gpu, plaintext, disable_gateway_auth, follow;
    const char *positional;     /* select NAME, node-name NAME */
    bool has_positional;
    char **exec_argv;           /* doctor exec command (points into argv) */
    int exec_argc;
    int sandbox_index;          /* argv index of "sandbox" or "driver" */
} cli_args;

/* Returns 0 and fills out, or CLI_EXIT_USAGE with a malloc'd message in *error. */
int cli_parse(int argc, char **argv, cli_args *out, char **error);

/* The usage text for a help topic ("" = top level). */
const char *cli_usage(const char *topic);

/* "8080" -> 8080; -1 unless a decimal integer 1..65535. */
int cli_parse_port(const char *text);

#endif
