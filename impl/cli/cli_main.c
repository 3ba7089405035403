/* cli_main.c: the `openshell` executable: parse, dispatch, exit code (rules §3.5). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_common.h"
#include "driver_cli.h"
#include "sandbox_cli.h"

#ifndef OPENSHELL_VERSION
#define OPENSHELL_VERSION "0.1.0"
#endif

static int debug_node_name(const cli_args *a)
{
    char *node = gw_node_name(a->positional, strlen(a->positional));
    printf("%s\n", node);
    free(node);
    return 0;
}

static int dispatch(int argc, char **argv, const cli_args *a)
{
    switch (a->command) {
    case CLI_HELP: fputs(cli_usage(a->help_topic), stdout); return 0;
    case CLI_VERSION: printf("openshell %s\n", OPENSHELL_VERSION); return 0;
    case CLI_GATEWAY_START: return cli_gateway_start(a);
    case CLI_GATEWAY_STOP: return cli_gateway_stop(a);
    case CLI_GATEWAY_DESTROY: return cli_gateway_destroy(a);
    case CLI_GATEWAY_INFO: return cli_gateway_info(a);
    case CLI_GATEWAY_SELECT: return cli_gateway_select(a);
    case CLI_DOCTOR_LOGS: return cli_doctor_logs(a);
    case CLI_DOCTOR_EXEC: return cli_doctor_exec(a);
    case CLI_DEBUG_NODE_NAME: return debug_node_name(a);
    case CLI_SANDBOX: return openshell_sandbox_main(argc - a->sandbox_index, argv + a->sandbox_index);
    case CLI_DRIVER: return openshell_driver_main(argc - a->sandbox_index, argv + a->sandbox_index);
    case CLI_USAGE_ERROR: break;
    }
    return CLI_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    /* A daemon that hangs up mid-request must give an error, not kill the process. */
    signal(SIGPIPE, SIG_IGN);
    cli_args a;
    char *error = NULL;
    if (cli_parse(argc, argv, &a, &error) != 0) {
        fprintf(stderr, "error: %s\n\nFor more information, try 'openshell --help'.\n", error);
        free(error);
        return CLI_EXIT_USAGE;
    }
    int code = dispatch(argc, argv, &a);
    fflush(stdout);
    return code;
}
