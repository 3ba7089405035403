/* sandbox_cli_args.h: flag parsing for `openshell sandbox ...`: "--flag value",
 * "--flag=value", switches, one optional positional NAME, --help/-h, and the CLI's global
 * -g/--gateway (accepted anywhere, without effect on sandbox commands). */
#ifndef OSH_SANDBOX_CLI_ARGS_H
#define OSH_SANDBOX_CLI_ARGS_H

#include <stdbool.h>

#define SANDBOX_CLI_EXIT_USAGE 2

/* One accepted flag: either a value flag (value) or a switch (on). */
typedef struct sandbox_cli_flag {
    const char *name;
    const char **value;
    bool *on;
} sandbox_cli_flag;

typedef struct sandbox_cli_parsed {
    const char *positional; /* NAME of delete / pod-ip */
    bool help;
} sandbox_cli_parsed;

/* Print "error: " fmt (with arg) and the usage to stderr; returns SANDBOX_CLI_EXIT_USAGE. */
int sandbox_cli_usage_error(const char *usage, const char *fmt, const char *arg);
/* Parse argv[2..] against flags (terminated by a NULL name). Returns 0, or SANDBOX_CLI_EXIT_USAGE
 * after printing why. A value flag never takes a following "--..." argument as its value. */
int sandbox_cli_parse_flags(int argc, char **argv, const sandbox_cli_flag *flags, bool wants_positional,
                            const char *usage, sandbox_cli_parsed *out);
/* The text of the --spec file at path, NUL-free (malloc'd). NULL and *why (malloc'd) saying
 * "cannot read: REASON", "larger than N bytes" or that it holds a NUL byte. A SandboxSpec is
 * small; the limit only stops --spec /dev/zero from reading forever. */
#define SANDBOX_CLI_SPEC_FILE_LIMIT ((size_t)16 * 1024 * 1024)
char *sandbox_cli_read_spec(const char *path, char **why);
/* A decimal integer in 0..2^64-1 and nothing else. */
bool sandbox_cli_parse_u64(const char *text, unsigned long long *out);

#endif
