/* sandbox_cli.h: the `openshell sandbox ...` command (rules §10.8).
 *
 * The openshell CLI dispatches `openshell sandbox ARGS...` here. */
#ifndef OSH_SANDBOX_CLI_H
#define OSH_SANDBOX_CLI_H

/* argv[0] is "sandbox"; argv[1] the sub-command (create, delete, pod-ip, watch).
 * Prints results to stdout and diagnostics to stderr itself, and returns the process exit
 * code: 0 success, 1 runtime failure, 2 usage error (nothing sent). */
int openshell_sandbox_main(int argc, char **argv);

#endif
