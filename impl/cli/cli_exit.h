/* cli_exit.h: the exit statuses of openshell (rules §3.5) and the one table that derives them
 * from the gateway library's error codes (gw_error.h). A command returns CLI_EXIT_OK, the
 * status of its error's code (cli_exit_status), or, for `doctor exec`, the command's own
 * status. The argument parser (cli_args.h) returns CLI_EXIT_USAGE itself: everything it
 * refuses is a usage error. */
#ifndef CLI_EXIT_H
#define CLI_EXIT_H

#include "gw_error.h"

enum cli_exit {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAILED = 1, /* any failure at run time: Docker, Kubernetes, files, timeouts */
    CLI_EXIT_USAGE = 2   /* a usage error found before any side effect */
};

/* The exit status for an error code: CLI_EXIT_USAGE for GW_E_USAGE, CLI_EXIT_OK for GW_OK,
 * CLI_EXIT_FAILED for every other code. */
int cli_exit_status(gw_code code);

/* The exit status of a call that failed with err: its code's, and CLI_EXIT_FAILED even when
 * the code is GW_OK. */
int cli_failure_status(const gw_error *err);
/* Print `error: {message}` on stderr and return cli_failure_status(err). */
int cli_fail(const gw_error *err);

#endif
