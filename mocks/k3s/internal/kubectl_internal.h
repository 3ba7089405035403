/* kubectl_internal.h: helpers shared by the simulated kubectl's source files. */
#ifndef KUBECTL_INTERNAL_H
#define KUBECTL_INTERNAL_H

#include "kubectl_args.h"
#include "kubectl_sim.h"

typedef struct kubectl_target {
    const kube_resource *r;
    char *name; /* NULL = every object of r */
} kubectl_target;

typedef enum { KUBECTL_FILES_CREATE, KUBECTL_FILES_APPLY, KUBECTL_FILES_DELETE } kubectl_files_mode;

int kubectl_targets(kube_store *s, const kubectl_args *a, kubectl_target **out, size_t *n, osh_buf *err);
void kubectl_targets_free(kubectl_target *t, size_t n);
const char *kubectl_namespace(const kubectl_args *a);
void kubectl_print_status_error(osh_buf *err, const cJSON *status);
void kubectl_print_deleted(osh_buf *out, const kube_resource *r, const char *name, bool forced);

/* create -f / apply -f / delete -f. */
int kubectl_apply_files(const kubectl_env *env, const kubectl_args *a, osh_buf *out, osh_buf *err,
                        kubectl_files_mode mode);
/* rollout restart|status KIND/NAME. */
int kubectl_rollout(const kubectl_env *env, const kubectl_args *a, osh_buf *out, osh_buf *err);

#endif
