/* k3s_filters.h: head, tail, grep, wc -l, sort and cat as the simulated container runs them
 * at the end of a pipe (or cat FILE on its own). */
#ifndef K3S_FILTERS_H
#define K3S_FILTERS_H

#include <stdbool.h>

#include "k3s_shell.h"

bool k3s_filter_is(const char *name);
/* w[0] is the filter; input is what the pipe carries (NULL: nothing). Returns the exit code. */
int k3s_filter_run(const k3s_shell_env *env, const char *const *w, size_t n, const char *input, osh_buf *out,
                   osh_buf *err);

#endif
