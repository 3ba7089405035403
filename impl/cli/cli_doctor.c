/* cli_doctor.c: `doctor logs` and `doctor exec` (rules §9.5). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_common.h"

/* The gateway a doctor command looks at, and what names it. */
typedef struct doctor_target {
    char *root, *name, *remote;
    gw_target t;
} doctor_target;

static int open_target(const cli_args *a, doctor_target *d)
{
    int code = 0;
    gw_error ignored = GW_ERROR_INIT;
    d->root = gw_config_root(&ignored);
    gw_error_clear(&ignored);
    d->name = cli_resolve_name(a, false, d->root, &code);
    d->remote = NULL;
    if (!d->name) {
        free(d->root);
        return code;
    }
    if (d->root)
        d->remote = cli_remote_for(a, d->root, d->name);
    else if (a->remote)
        d->remote = strdup(a->remote);
    d->t = (gw_target){.name = d->name, .remote = d->remote, .ssh_key = a->ssh_key, .on_event = cli_render_event};
    fflush(stdout); /* the gateway writes to the same descriptors */
    return 0;
}

static void close_target(doctor_target *d)
{
    free(d->remote);
    free(d->root);
    free(d->name);
}

int cli_doctor_logs(const cli_args *a)
{
    doctor_target d;
    int code = open_target(a, &d);
    if (code)
        return code;
    gw_error err = GW_ERROR_INIT;
    if (gw_doctor_logs(&d.t, a->tail, a->follow, STDOUT_FILENO, &err) != 0) {
        cli_error("%s", gw_error_text(&err));
        code = CLI_EXIT_FAILED;
    }
    gw_error_clear(&err);
    close_target(&d);
    return code;
}

int cli_doctor_exec(const cli_args *a)
{
    doctor_target d;
    int code = open_target(a, &d);
    if (code)
        return code;
    gw_error err = GW_ERROR_INIT;
    int exit_code = CLI_EXIT_FAILED;
    if (gw_doctor_exec(&d.t, a->exec_argv, a->exec_argc, STDOUT_FILENO, STDERR_FILENO, &exit_code, &err) != 0) {
        cli_error("%s", gw_error_text(&err));
        code = CLI_EXIT_FAILED;
    } else {
        code = exit_code & 0xFF;
    }
    gw_error_clear(&err);
    close_target(&d);
    return code;
}
