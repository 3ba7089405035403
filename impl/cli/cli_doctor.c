/* cli_doctor.c: `doctor logs` and `doctor exec` (rules §9.5). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_common.h"

static int open_target(const cli_args *a, char **root, char **name, char **remote)
{
    int code = 0;
    gw_error ignored = GW_ERROR_INIT;
    *root = gw_config_root(&ignored);
    gw_error_clear(&ignored);
    *name = cli_resolve_name(a, false, *root, &code);
    *remote = NULL;
    if (!*name) {
        free(*root);
        return code;
    }
    if (*root)
        *remote = cli_remote_for(a, *root, *name);
    else if (a->remote)
        *remote = strdup(a->remote);
    return 0;
}

int cli_doctor_logs(const cli_args *a)
{
    char *root, *name, *remote;
    int code = open_target(a, &root, &name, &remote);
    if (code)
        return code;
    gw_target t = {.name = name, .remote = remote, .ssh_key = a->ssh_key, .on_event = cli_render_event};
    gw_error err = GW_ERROR_INIT;
    fflush(stdout);
    if (gw_doctor_logs(&t, a->tail, a->follow, STDOUT_FILENO, &err) != 0) {
        cli_error("%s", gw_error_text(&err));
        code = CLI_EXIT_FAILED;
    }
    gw_error_clear(&err);
    free(remote);
    free(root);
    free(name);
    return code;
}

int cli_doctor_exec(const cli_args *a)
{
    char *root, *name, *remote;
    int code = open_target(a, &root, &name, &remote);
    if (code)
        return code;
    gw_target t = {.name = name, .remote = remote, .ssh_key = a->ssh_key, .on_event = cli_render_event};
    gw_error err = GW_ERROR_INIT;
    int exit_code = CLI_EXIT_FAILED;
    fflush(stdout);
    if (gw_doctor_exec(&t, a->exec_argv, a->exec_argc, STDOUT_FILENO, STDERR_FILENO, &exit_code, &err) != 0) {
        cli_error("%s", gw_error_text(&err));
        code = CLI_EXIT_FAILED;
    } else {
        code = exit_code & 0xFF;
    }
    gw_error_clear(&err);
    free(remote);
    free(root);
    free(name);
    return code;
}
