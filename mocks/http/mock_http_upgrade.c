/* mock_http_upgrade.c: 101 upgrades (exec and attach hijack the connection). libmicrohttpd
 * hands the raw socket to its upgrade callback on an event-loop thread, which must not
 * block; the mock's upgrade callbacks may block (they relay a process's output), so each
 * upgraded connection gets a thread of its own, tracked here so that stop can cut the
 * socket and join it. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <linux/sockios.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mock_http_internal.h"

struct upgrade_state {
    mock_http_server *server;
    long truncate_after;      /* -1 = off */
    mock_http_upgrade_fn fn;
    void *ctx;
    mock_http_free_fn free_ctx;
    /* set once the 101 went out */
    int sock;
    char *extra;
    size_t extra_len;
    struct MHD_UpgradeResponseHandle *urh;
    pthread_t thread;
    upgrade_state *next;      /* in server->upgrades while its thread runs */
};

upgrade_state *mock_http_upgrade_new(mock_http_server *s, long truncate_after,
                                     mock_http_upgrade_fn fn, void *ctx,
                                     mock_http_free_fn free_ctx)
{
    upgrade_state *u = calloc(1, sizeof *u);
    if (!u)
        abort();
    u->server = s;
    u->truncate_after = truncate_after;
    u->fn = fn;
    u->ctx = ctx;
    u->free_ctx = free_ctx;
    u->sock = -1;
    return u;
}

/* The request owns the closure (libmicrohttpd has no destructor for it); the thread, once
 * started, only borrows it: the request completes after MHD_UPGRADE_ACTION_CLOSE. This runs
 * from libmicrohttpd's completion callback, which holds libmicrohttpd's own lock for an
 * upgraded connection, so the caller's free_ctx (which may wake streams, i.e. call into
 * libmicrohttpd) runs on the upgrade thread after the callback, or, when the 101 never went
 * out, later on the watcher thread. */
void mock_http_upgrade_free(void *p)
{
    upgrade_state *u = p;
    if (u->free_ctx && u->ctx)
        mock_http_free_later(u->server, u->free_ctx, u->ctx);
    free(u->extra);
    free(u);
}

/* Some clients (docker-py) parse the 101 head with a buffered reader and then read the raw
 * socket, losing whatever came in the same read. dockerd's output comes later, once the
 * process runs; the mock's is ready at once. So wait until the client has consumed the head:
 * on a unix socket SIOCOUTQ counts what the peer has not read yet; on TCP it counts what is
 * unacknowledged, so a short grace follows. Bounded, and cut short when the server stops. */
static void wait_head_consumed(mock_http_server *s, int sock)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    bool is_unix = getsockname(sock, (struct sockaddr *)&ss, &len) == 0 && ss.ss_family == AF_UNIX;
    struct timespec pause = {0, 1000000L};
    for (int i = 0; i < 500 && !mock_http_server_stopping(s); i++) {
        int pending = 0;
        if (ioctl(sock, SIOCOUTQ, &pending) != 0 || pending == 0)
            break;
        nanosleep(&pause, NULL);
    }
    if (!is_unix) {
        struct timespec grace = {0, 20000000L};
        nanosleep(&grace, NULL);
    }
}

/* A truncated upgrade: the callback writes into a socket pair on its own thread; this thread
 * relays the first truncate_after bytes to the client, then closes. The callback's later
 * writes fail (EPIPE, with SIGPIPE blocked on its thread) and it returns. */
typedef struct truncated_run {
    upgrade_state *u;
    int fd;
} truncated_run;

static void block_sigpipe(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static void *truncated_thread(void *p)
{
    truncated_run *t = p;
    block_sigpipe();
    t->u->fn(t->u->ctx, t->fd, t->u->extra, t->u->extra_len);
    shutdown(t->fd, SHUT_RDWR);
    return NULL;
}

static void run_truncated(upgrade_state *u)
{
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
        return;
    truncated_run t = {u, pair[1]};
    pthread_t th;
    if (pthread_create(&th, NULL, truncated_thread, &t) != 0) {
        close(pair[0]);
        close(pair[1]);
        return;
    }
    long left = u->truncate_after;
    char buf[4096];
    while (left > 0) {
        ssize_t n = read(pair[0], buf, sizeof buf < (size_t)left ? sizeof buf : (size_t)left);
        if (n <= 0)
            break;
        for (ssize_t done = 0; done < n;) {
            ssize_t w = send(u->sock, buf + done, (size_t)(n - done), MSG_NOSIGNAL);
            if (w <= 0) {
                left = 0;
                break;
            }
            done += w;
        }
        left -= n;
    }
    close(pair[0]);
    pthread_join(th, NULL);
    close(pair[1]);
}

/* libmicrohttpd's event loop keeps its sockets non-blocking; an upgrade callback runs on a
 * thread of its own and may block (an exec reading the client's stdin until its half-close),
 * so it gets the socket in blocking mode: a non-blocking read would end the input with
 * EAGAIN before the client sent anything. stop still wakes it (shutdown). */
static void set_blocking(int sock)
{
    int flags = fcntl(sock, F_GETFL);
    if (flags >= 0 && (flags & O_NONBLOCK))
        fcntl(sock, F_SETFL, flags & ~O_NONBLOCK);
}

/* After the answer: half-close, then read what the client still sends until it closes
 * (bounded, cut short by stop). Closing with unread input makes the kernel reset the
 * connection, and a client still writing (stdin it sends to an exec that did not attach it)
 * gets EPIPE or loses the output it had not read yet; dockerd's clients see an orderly end. */
static void linger_until_client_closes(mock_http_server *s, int sock)
{
    shutdown(sock, SHUT_WR);
    char buf[4096];
    for (int i = 0; i < 20 && !mock_http_server_stopping(s); i++) {
        struct pollfd pfd = {.fd = sock, .events = POLLIN};
        int ready = poll(&pfd, 1, 100);
        if (ready < 0 && errno != EINTR)
            return;
        if (ready > 0 && read(sock, buf, sizeof buf) <= 0)
            return;
    }
}

static void *upgrade_thread(void *p)
{
    upgrade_state *u = p;
    mock_http_server *s = u->server;
    block_sigpipe();
    set_blocking(u->sock);
    wait_head_consumed(s, u->sock);
    if (u->truncate_after >= 0)
        run_truncated(u);
    else
        u->fn(u->ctx, u->sock, u->extra, u->extra_len);
    linger_until_client_closes(s, u->sock);
    shutdown(u->sock, SHUT_RDWR);
    if (u->free_ctx && u->ctx)
        u->free_ctx(u->ctx); /* here, with no lock held (see mock_http_upgrade_free) */
    u->free_ctx = NULL;
    u->ctx = NULL;
    pthread_mutex_lock(&s->stream_lock);
    for (upgrade_state **pp = &s->upgrades; *pp; pp = &(*pp)->next) {
        if (*pp == u) {
            *pp = u->next;
            break;
        }
    }
    s->upgrade_count--;
    /* After this the request may complete and free u: u is not touched again. */
    MHD_upgrade_action(u->urh, MHD_UPGRADE_ACTION_CLOSE);
    pthread_cond_broadcast(&s->threads_done);
    pthread_mutex_unlock(&s->stream_lock);
    return NULL;
}

void mock_http_upgrade_run(void *cls, struct MHD_Connection *conn, void *con_cls,
                           const char *extra_in, size_t extra_in_size, MHD_socket sock,
                           struct MHD_UpgradeResponseHandle *urh)
{
    (void)conn;
    (void)con_cls;
    upgrade_state *u = cls;
    mock_http_server *s = u->server;
    u->sock = sock;
    u->urh = urh;
    if (extra_in_size > 0) {
        u->extra = malloc(extra_in_size);
        if (!u->extra)
            abort();
        memcpy(u->extra, extra_in, extra_in_size);
        u->extra_len = extra_in_size;
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_mutex_lock(&s->stream_lock);
    bool started = !atomic_load(&s->stopping) &&
                   pthread_create(&u->thread, &attr, upgrade_thread, u) == 0;
    if (started) {
        u->next = s->upgrades;
        s->upgrades = u;
        s->upgrade_count++;
    }
    pthread_mutex_unlock(&s->stream_lock);
    pthread_attr_destroy(&attr);
    if (!started) {
        shutdown(sock, SHUT_RDWR);
        MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
    }
}

void mock_http_upgrades_stop(mock_http_server *s)
{
    pthread_mutex_lock(&s->stream_lock);
    for (upgrade_state *u = s->upgrades; u; u = u->next)
        shutdown(u->sock, SHUT_RDWR); /* a callback blocked reading the client wakes up */
    while (s->upgrade_count > 0 || s->delay_count > 0)
        pthread_cond_wait(&s->threads_done, &s->stream_lock);
    pthread_mutex_unlock(&s->stream_lock);
}
