/* gw_remote.c: the ssh side of a remote deploy (rules §4.6 remote): the host named by the
 * destination and what `ssh -G` resolves it to. */
#include "gw_internal.h"

#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "osh_str.h"

extern char **environ;

char *gw_ssh_host_of(const char *dest)
{
    const char *d = dest;
    if (osh_str_starts_with(d, "ssh://"))
        d += strlen("ssh://");
    const char *at = strchr(d, '@');
    if (at)
        d = at + 1;
    return osh_str_dup(d);
}

/* Run argv and collect its stdout; -1 when it cannot run or exits non-zero. */
static int run_capture(char *const argv[], osh_buf *out)
{
    int pipefd[2];
    if (pipe(pipefd) != 0)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
    posix_spawn_file_actions_addclose(&fa, pipefd[0]);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", 0, 0);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    if (rc != 0) {
        close(pipefd[0]);
        return -1;
    }
    char chunk[4096];
    ssize_t n;
    while ((n = read(pipefd[0], chunk, sizeof(chunk))) > 0)
        osh_buf_append(out, chunk, (size_t)n);
    close(pipefd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

char *gw_ssh_resolve_host(const char *ssh_host)
{
    char *argv[] = {"ssh", "-G", (char *)ssh_host, NULL};
    osh_buf out = OSH_BUF_INIT;
    char *resolved = NULL;
    if (run_capture(argv, &out) == 0) {
        const char *p = osh_buf_str(&out);
        while (*p && !resolved) {
            size_t len = strcspn(p, "\n");
            const char *value = osh_str_after(p, "hostname ");
            if (value && value < p + len) {
                char *line = osh_str_ndup(value, len - (size_t)(value - p));
                resolved = osh_str_trim_dup(line);
                free(line);
            }
            p += len + (p[len] ? 1 : 0);
        }
    }
    osh_buf_free(&out);
    if (resolved && !*resolved) {
        free(resolved);
        resolved = NULL;
    }
    return resolved ? resolved : osh_str_dup(ssh_host);
}
