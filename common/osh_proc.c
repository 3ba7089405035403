/* osh_proc.c: spawn a program and read its stdout to the end (see osh_proc.h). */
#include "osh_proc.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int osh_capture(char *const argv[], const osh_capture_options *options, osh_buf *out)
{
    int fds[2];
    if (pipe(fds) != 0)
        return OSH_CAPTURE_FAILED;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (options->stdin_null)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
    if (options->stderr_null)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    char *const *envp = options->envp ? options->envp : environ;
    int rc = posix_spawnp(&pid, argv[0], &actions, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        return OSH_CAPTURE_FAILED;
    }
    char chunk[4096];
    ssize_t n;
    bool too_long = false;
    while (!too_long && (n = read(fds[0], chunk, sizeof chunk)) > 0) {
        osh_buf_append(out, chunk, (size_t)n);
        too_long = options->limit && out->len > options->limit;
    }
    if (too_long)
        kill(pid, SIGKILL);
    close(fds[0]);
    int status = 0;
    if (waitpid(pid, &status, 0) < 0 || too_long || !WIFEXITED(status))
        return too_long ? OSH_CAPTURE_TOO_LONG : OSH_CAPTURE_FAILED;
    return WEXITSTATUS(status);
}
