/* k3s_shell.h: what `docker exec` runs inside the simulated k3s container: the `sh -c`
 * scripts of rules §5-8 (S1-S4, M1, W1/W2, rollout), general command lines of
 * simple commands (kubectl, hostname, ctr images import, rm -f, nslookup, echo, true,
 * false, exit, export, cat FILE) joined by ;, && and ||, piped into the filters head, tail,
 * grep, wc -l, sort and cat, with VAR=value prefixes and the redirections 2>/dev/null,
 * >/dev/null, 2>&1. */
#ifndef K3S_SHELL_H
#define K3S_SHELL_H

#include <stdbool.h>
#include <stddef.h>

#include "kube_store.h"
#include "osh_buf.h"

typedef enum k3s_command_kind {
    K3S_CMD_OTHER = 0,
    K3S_CMD_S1, K3S_CMD_S2, K3S_CMD_S3, K3S_CMD_S4, K3S_CMD_M1, K3S_CMD_W1, K3S_CMD_W2,
    K3S_CMD_ROLLOUT_RESTART, K3S_CMD_ROLLOUT_STATUS, K3S_CMD_CTR_IMPORT, K3S_CMD_RM, K3S_CMD_HOSTNAME
} k3s_command_kind;

/* What the container offers the commands. */
typedef struct k3s_shell_env {
    kube_store *store;          /* NULL while the API is not ready */
    const char *hostname;
    bool dns_fails;             /* nslookup answers a timeout */
    void *user;
    /* container files (may be NULL) */
    char *(*read_file)(void *user, const char *path, size_t *len);
    int (*remove_file)(void *user, const char *path);
    /* images imported by ctr (refs); may be NULL */
    void (*image_imported)(void *user, const char *ref);
    const char *stdin_data;     /* the exec's stdin, for kubectl -f - (NULL: none) */
} k3s_shell_env;

/* The script with backslash-newline continuations (and the whitespace after them) removed,
 * runs of spaces and tabs collapsed to one space, and the ends trimmed (rules §5.3). */
char *k3s_shell_normalize(const char *script);
/* Which rules command argv is (a scenario counts S1 and M1 calls by this). */
k3s_command_kind k3s_shell_classify(const char *const *argv, size_t argc);
/* The name used in scenario files for a kind ("S1", "M1", "hostname"...), or NULL. */
const char *k3s_command_kind_name(k3s_command_kind kind);
k3s_command_kind k3s_command_kind_from_name(const char *name);

/* Runs argv. Returns true when handled (out, err, *exit_code filled); false when a command
 * in it is not one this shell knows (the caller passes it on). */
bool k3s_shell_run(const k3s_shell_env *env, const char *const *argv, size_t argc, osh_buf *out, osh_buf *err,
                   int *exit_code);

#endif
