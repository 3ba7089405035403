/* conf_proc.h: run one command as a subprocess with a given environment and working
 * directory, stdin from /dev/null, stdout and stderr captured, under a time limit.
 * Safe to call from several threads at once (posix_spawn, close-on-exec pipes). */
#ifndef CONF_PROC_H
#define CONF_PROC_H

#include <stdbool.h>
#include <stddef.h>

typedef struct conf_proc_result {
    int exit_code;      /* 0..255 when exited; -1 otherwise */
    int signal;         /* terminating signal, 0 when exited normally */
    bool timed_out;     /* killed (with its process group) at the time limit */
    char *out;          /* captured stdout, NUL-terminated (may contain NULs before) */
    size_t out_len;
    char *err;          /* captured stderr */
    size_t err_len;
    double seconds;     /* wall time */
} conf_proc_result;

/* argv[0] is looked up in PATH when it has no '/'. envp is the complete environment
 * (NULL-terminated). cwd may be NULL. Returns 0 when the process ran (whatever its exit
 * status), -1 when it could not be started (then *error is a malloc'd message). */
int conf_proc_run(char *const argv[], char *const envp[], const char *cwd, int timeout_ms,
                  conf_proc_result *res, char **error);

/* The same, for a process run on another thread: *pid is set (under no lock; an int store)
 * right after the spawn, so the owner can kill the process group early. */
int conf_proc_run_pid(char *const argv[], char *const envp[], const char *cwd, int timeout_ms,
                      conf_proc_result *res, char **error, volatile int *pid);

void conf_proc_result_free(conf_proc_result *res);

#endif
