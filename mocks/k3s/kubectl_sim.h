/* kubectl_sim.h: the kubectl inside the simulated k3s container. It runs against the
 * cluster's kube_store directly (the same state the mock API serves), and prints what
 * kubectl 1.35 prints for get, delete, create (namespace, secret generic, -f), apply -f,
 * rollout restart/status and version. */
#ifndef KUBECTL_SIM_H
#define KUBECTL_SIM_H

#include "kube_store.h"
#include "osh_buf.h"

/* Reads a file of the container (for -f PATH); malloc'd contents or NULL when missing. */
typedef char *(*kubectl_file_reader)(void *user, const char *path, size_t *len);

typedef struct kubectl_env {
    kube_store *store;          /* NULL: the API is not up (connection refused) */
    kubectl_file_reader read_file;
    void *read_file_user;
    const char *stdin_data;     /* for -f - (may be NULL) */
} kubectl_env;

/* Runs argv (argv[0] = "kubectl"); appends to out and err; returns the exit code. */
int kubectl_sim_run(const kubectl_env *env, int argc, char **argv, osh_buf *out, osh_buf *err);

#endif
