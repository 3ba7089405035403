/* osh_proc.h: run a program (posix_spawnp, no shell) and capture what it prints on stdout. */
#ifndef OSH_PROC_H
#define OSH_PROC_H

#include <stdbool.h>
#include <stddef.h>

#include "osh_buf.h"

typedef struct osh_capture_options {
    char *const *envp; /* the whole environment; NULL: this process's */
    bool stdin_null;   /* stdin from /dev/null, else inherited */
    bool stderr_null;  /* stderr to /dev/null, else inherited */
    size_t limit;      /* more than this many bytes of stdout kill the program; 0: no limit */
} osh_capture_options;

#define OSH_CAPTURE_FAILED (-1)   /* could not run, or died of a signal */
#define OSH_CAPTURE_TOO_LONG (-2) /* printed more than the limit (killed) */

/* Runs argv[0] (looked up in PATH) and appends its stdout to out. Returns its exit status,
 * or OSH_CAPTURE_FAILED / OSH_CAPTURE_TOO_LONG. */
int osh_capture(char *const argv[], const osh_capture_options *options, osh_buf *out);

#endif
