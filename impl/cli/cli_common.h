/* cli_common.h: what the openshell commands share: name resolution (rules §3.3), the config
 * root, the target (local or remote), and output helpers (rules §3.4).
 *
 * Errors: the commands get a gw_error from the gateway library (gw_error.h), print it and
 * return the exit status of its code (cli_fail, cli_exit.h); the argument parser reports in
 * the `char **error` style of the low-level parsers. */
#ifndef CLI_COMMON_H
#define CLI_COMMON_H

#include <stdbool.h>
#include <stdio.h>

#include "cli_args.h"
#include "gateway.h"

/* Resolve and validate the gateway name. For start the active_gateway file is not consulted.
 * Returns a malloc'd name, or NULL after printing the error (*exit_code set to the exit status
 * of GW_E_USAGE). */
char *cli_resolve_name(const cli_args *a, bool for_start, const char *config_root, int *exit_code);
/* The config root, or NULL after printing `HOME is not set` (*exit_code set). */
char *cli_config_root(int *exit_code);
/* --remote, else the stored metadata's remote_host, else NULL; malloc'd. */
char *cli_remote_for(const cli_args *a, const char *config_root, const char *name);

/* Write text with control bytes other than newline and tab replaced by '?', so that no escape
 * sequence from a container log or a daemon message reaches the terminal (rules §3.4). */
void cli_write_clean(FILE *f, const char *text);

/* "error: {text}" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The event sink used by every command (rules §3.4 rendering). */
/* Call before printing a final line so a transient progress line is erased first. */
void cli_end_progress(void);
void cli_render_event(void *ud, gw_event kind, const char *text);

int cli_gateway_start(const cli_args *a);
int cli_gateway_stop(const cli_args *a);
int cli_gateway_destroy(const cli_args *a);
int cli_gateway_info(const cli_args *a);
int cli_gateway_select(const cli_args *a);
int cli_doctor_logs(const cli_args *a);
int cli_doctor_exec(const cli_args *a);

#endif
