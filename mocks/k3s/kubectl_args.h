/* kubectl_args.h: a kubectl command line as the simulated kubectl understands it. */
#ifndef KUBECTL_ARGS_H
#define KUBECTL_ARGS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct kubectl_args {
    char *verb;          /* get, delete, create, apply, rollout, version */
    char **pos;          /* positional words after the verb */
    size_t n_pos;
    char *ns;            /* -n/--namespace; NULL = default */
    bool all_ns;         /* -A/--all-namespaces */
    char *output;        /* -o/--output */
    bool no_headers;
    bool ignore_not_found;
    char *field_selector;
    char *label_selector;
    bool force;
    int grace_period;    /* -1 = not given */
    char *dry_run;       /* "client", "server", "none" or NULL */
    char **files;        /* -f/--filename */
    size_t n_files;
    char *timeout;
    char **literals;     /* --from-literal=k=v */
    size_t n_literals;
    bool all;            /* --all */
    bool watch;          /* -w/--watch */
} kubectl_args;

/* Parses argv (argv[0] is "kubectl"). Returns 0, or -1 with *error set to kubectl's message
 * ("unknown flag: --x", "flag needs an argument: 'n' in -n"). */
int kubectl_args_parse(int argc, char **argv, kubectl_args *out, char **error);
void kubectl_args_free(kubectl_args *a);

#endif
