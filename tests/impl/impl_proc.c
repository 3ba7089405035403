/* impl_proc.c: subprocess runner for the tests (see impl_proc.h). */
#include "impl_proc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "osh_str.h"

void impl_env_set(char ***env, const char *entry)
{
    size_t n = 0;
    while (*env && (*env)[n])
        n++;
    size_t klen = strcspn(entry, "=");
    for (size_t i = 0; i < n; i++) {
        if (strncmp((*env)[i], entry, klen) == 0 && (*env)[i][klen] == '=') {
            free((*env)[i]);
            if (entry[klen] == '=') {
                (*env)[i] = osh_str_dup(entry);
            } else {
                (*env)[i] = (*env)[n - 1];
                (*env)[n - 1] = NULL;
            }
            return;
        }
    }
    if (entry[klen] != '=')
        return;
    *env = realloc(*env, sizeof(char *) * (n + 2));
    (*env)[n] = osh_str_dup(entry);
    (*env)[n + 1] = NULL;
}

void impl_env_free(char **env)
{
    for (size_t i = 0; env && env[i]; i++)
        free(env[i]);
    free(env);
}

static void drain_pipes(int out_fd, int err_fd, osh_buf *out, osh_buf *err, pid_t pid)
{
    struct pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    int open_fds = 2;
    time_t deadline = time(NULL) + 120;
    while (open_fds > 0) {
        if (poll(fds, 2, 1000) < 0 && errno != EINTR)
            break;
        if (time(NULL) > deadline) {
            kill(pid, SIGKILL);
            fail_msg("openshell did not finish within 120 s");
        }
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char chunk[8192];
            ssize_t r = read(fds[i].fd, chunk, sizeof(chunk));
            if (r <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            } else {
                osh_buf_append(i == 0 ? out : err, chunk, (size_t)r);
            }
        }
    }
}

void impl_proc_run(char *const *argv, char *const *env, impl_proc_result *r)
{
    memset(r, 0, sizeof(*r));
    int out_pipe[2], err_pipe[2];
    assert_int_equal(pipe(out_pipe), 0);
    assert_int_equal(pipe(err_pipe), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", 0, 0);
    posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
    posix_spawn_file_actions_addclose(&fa, out_pipe[0]);
    posix_spawn_file_actions_addclose(&fa, err_pipe[0]);
    pid_t pid;
    assert_int_equal(posix_spawn(&pid, argv[0], &fa, NULL, argv, env), 0);
    posix_spawn_file_actions_destroy(&fa);
    close(out_pipe[1]);
    close(err_pipe[1]);
    drain_pipes(out_pipe[0], err_pipe[0], &r->out, &r->err, pid);
    int status = 0;
    waitpid(pid, &status, 0);
    r->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void impl_proc_result_free(impl_proc_result *r)
{
    osh_buf_free(&r->out);
    osh_buf_free(&r->err);
}
