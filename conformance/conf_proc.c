/* conf_proc.c: subprocess with captured output and a time limit (see conf_proc.h). */
#include "conf_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "osh_buf.h"
#include "osh_str.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int spawn_child(char *const argv[], char *const envp[], const char *cwd, int out_w,
                       int err_w, pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out_w, 1);
    posix_spawn_file_actions_adddup2(&fa, err_w, 2);
    if (cwd)
        posix_spawn_file_actions_addchdir_np(&fa, cwd);
    /* Its own process group, so a timeout kills whatever it started as well. Signals are
     * reset because the runner's threads may have blocked some. */
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                        POSIX_SPAWN_SETSIGDEF);
    int rc = posix_spawnp(pid, argv[0], &fa, &attr, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    return rc;
}

/* Read both pipes until EOF on both or the deadline. Returns false on timeout. */
static bool pump_output(int out_r, int err_r, double deadline, osh_buf *out, osh_buf *err)
{
    struct pollfd fds[2] = {{out_r, POLLIN, 0}, {err_r, POLLIN, 0}};
    osh_buf *bufs[2] = {out, err};
    int open_count = 2;
    char chunk[65536];
    while (open_count > 0) {
        double left = deadline - now_seconds();
        if (left <= 0)
            return false;
        int rc = poll(fds, 2, (int)(left * 1000) + 1);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0)
            return true; /* nothing sensible to do; treat as finished */
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
            if (n > 0) {
                osh_buf_append(bufs[i], chunk, (size_t)n);
            } else if (n == 0 || errno != EINTR) {
                fds[i].fd = -1;
                open_count--;
            }
        }
    }
    return true;
}

/* Block until the child exits or the deadline passes: its pipes close a moment before it
 * becomes reapable, and most children are in that moment when their output ends. */
static void wait_exit(int pidfd, double deadline)
{
    double left = deadline - now_seconds();
    if (pidfd >= 0 && left > 0) {
        struct pollfd p = {pidfd, POLLIN, 0};
        poll(&p, 1, (int)(left * 1000) + 1);
        return;
    }
    struct timespec ts = {0, 2000000}; /* no pidfd (kernel before 5.3): poll for the exit */
    nanosleep(&ts, NULL);
}

/* Wait for the child; after the deadline kill its group. */
static void reap(pid_t pid, int pidfd, double deadline, bool *timed_out, int *status)
{
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR))
            return;
        if (*timed_out || now_seconds() >= deadline) {
            *timed_out = true;
            kill(-pid, SIGKILL);
            while (waitpid(pid, status, 0) < 0 && errno == EINTR) {
            }
            return;
        }
        /* The pipes are closed but the child has not exited yet: it is exiting, closed
         * its output early, or handed it to a daemon. */
        wait_exit(pidfd, deadline);
    }
}

int conf_proc_run(char *const argv[], char *const envp[], const char *cwd, int timeout_ms,
                  conf_proc_result *res, char **error)
{
    return conf_proc_run_pid(argv, envp, cwd, timeout_ms, res, error, NULL);
}

int conf_proc_run_pid(char *const argv[], char *const envp[], const char *cwd, int timeout_ms,
                      conf_proc_result *res, char **error, volatile int *pid_out)
{
    memset(res, 0, sizeof *res);
    res->exit_code = -1;
    int out_p[2], err_p[2];
    if (pipe2(out_p, O_CLOEXEC) != 0) {
        *error = osh_str_printf("pipe: %s", strerror(errno));
        return -1;
    }
    if (pipe2(err_p, O_CLOEXEC) != 0) {
        *error = osh_str_printf("pipe: %s", strerror(errno));
        close(out_p[0]);
        close(out_p[1]);
        return -1;
    }
    double start = now_seconds();
    double deadline = start + timeout_ms / 1000.0;
    pid_t pid;
    int rc = spawn_child(argv, envp, cwd, out_p[1], err_p[1], &pid);
    if (rc == 0 && pid_out)
        *pid_out = (int)pid;
    int pidfd = rc == 0 ? pidfd_open(pid, 0) : -1; /* not reaped yet, so pid is still ours */
    close(out_p[1]);
    close(err_p[1]);
    if (rc != 0) {
        close(out_p[0]);
        close(err_p[0]);
        *error = osh_str_printf("cannot run '%s': %s", argv[0], strerror(rc));
        return -1;
    }
    osh_buf out = OSH_BUF_INIT, err = OSH_BUF_INIT;
    res->timed_out = !pump_output(out_p[0], err_p[0], deadline, &out, &err);
    close(out_p[0]);
    close(err_p[0]);
    int status = 0;
    reap(pid, pidfd, deadline, &res->timed_out, &status);
    if (pidfd >= 0)
        close(pidfd);
    if (!res->timed_out) {
        if (WIFEXITED(status))
            res->exit_code = WEXITSTATUS(status);
        else if (WIFSIGNALED(status))
            res->signal = WTERMSIG(status);
    } else {
        kill(-pid, SIGKILL); /* stragglers of the group */
    }
    res->out_len = out.len;
    res->err_len = err.len;
    res->out = out.data ? osh_buf_detach(&out) : osh_str_dup("");
    res->err = err.data ? osh_buf_detach(&err) : osh_str_dup("");
    res->seconds = now_seconds() - start;
    return 0;
}

void conf_proc_result_free(conf_proc_result *res)
{
    free(res->out);
    free(res->err);
    res->out = res->err = NULL;
}
