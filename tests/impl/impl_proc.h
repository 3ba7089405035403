/* impl_proc.h: run the openshell binary as a subprocess with an exact environment and
 * collect its exit code, stdout and stderr (tests/impl). */
#ifndef IMPL_PROC_H
#define IMPL_PROC_H

#include "osh_buf.h"

typedef struct impl_proc_result {
    int exit_code;
    osh_buf out;
    osh_buf err;
} impl_proc_result;

/* argv[0] is the program; env is the complete environment ("K=V", NULL-terminated).
 * stdin is /dev/null. Fails the test when the program cannot run or takes over 120 s. */
void impl_proc_run(char *const *argv, char *const *env, impl_proc_result *r);
void impl_proc_result_free(impl_proc_result *r);

/* Add or replace "K=V" in a NULL-terminated malloc'd list; "K" alone removes K. */
void impl_env_set(char ***env, const char *entry);
void impl_env_free(char **env);

#endif
