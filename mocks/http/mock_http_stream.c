/* mock_http_stream.c: streamed answers on the event-driven front. A stream whose callback has
 * nothing to say suspends its connection (libmicrohttpd stops polling it) instead of holding
 * a thread; a wake for what it waits on (its key, or every stream) resumes it, and so does
 * the time it asked for (mock_http_stream_retry_in). There is no periodic tick: an idle
 * server's watcher sleeps in poll() without a timeout. While suspended,
 * libmicrohttpd does not notice a client hanging up, so a watcher thread polls the sockets
 * of suspended streams for POLLRDHUP/POLLHUP and resumes a stream whose client left: its
 * next read ends the answer with an error, which closes the connection and frees
 * everything at once (issue 12.1). */
#include <linux/sockios.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "mock_http_internal.h"

/* While answers wait for the streams' clients to read (mock_http_response_after_streams),
 * the watcher looks this often, and lets them go after DEFER_BOUND_MS anyway. */
#define DEFER_POLL_MS 1
#define DEFER_BOUND_MS 400

struct stream_state {
    mock_http_server *server;
    struct MHD_Connection *conn;
    int fd;                   /* the connection's socket, polled while suspended */
    unsigned long serial;     /* identifies the stream across the watcher's unlocked poll */
    mock_http_stream_fn fn;   /* NULL: a fixed body in pending */
    void *ctx;
    mock_http_free_fn free_ctx;
    osh_buf pending;
    bool ended;
    bool suspended, hung_up;
    bool keyed;               /* woken by wake_key(key) (and wake); else by any wake */
    uint64_t key;
    bool woken;               /* a wake came while its callback ran: call it again */
    long long due_ms;         /* call again at this time even without a wake; 0 = never */
    long remaining;           /* bytes left before truncation; -1 = unlimited */
    stream_state *prev, *next;
};

/* An answer held back until the streams are idle (mock_http_response_after_streams). */
typedef struct deferred_answer {
    struct MHD_Connection *conn;
    long long since_ms;       /* held since (CLOCK_MONOTONIC) */
    struct deferred_answer *next;
} deferred_answer;

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Let the held answers go: all of them, or those held longer than the bound. Called with
 * stream_lock held. */
static void release_deferred(mock_http_server *s, bool all_idle)
{
    long long now = now_ms();
    for (deferred_answer **pp = &s->deferred; *pp;) {
        deferred_answer *d = *pp;
        if (all_idle || now - d->since_ms >= DEFER_BOUND_MS) {
            MHD_resume_connection(d->conn);
            *pp = d->next;
            free(d);
        } else {
            pp = &d->next;
        }
    }
}

/* Every stream suspended (all it had was handed to the socket) and, on unix sockets, read
 * by its client (SIOCOUTQ counts what the peer has not read; on TCP what it has not
 * acknowledged). Called with stream_lock held. */
static bool streams_idle(const mock_http_server *s)
{
    if (s->suspended_count != s->stream_count)
        return false;
    for (const stream_state *st = s->streams; st; st = st->next) {
        int unread = 0;
        if (st->fd >= 0 && ioctl(st->fd, SIOCOUTQ, &unread) == 0 && unread > 0)
            return false;
    }
    return true;
}

static void notify_watcher(mock_http_server *s)
{
    uint64_t one = 1;
    (void)!write(s->watch_fd, &one, sizeof one);
}

bool mock_http_streams_defer(mock_http_server *s, struct MHD_Connection *conn)
{
    pthread_mutex_lock(&s->stream_lock);
    bool wait = !streams_idle(s) && !atomic_load(&s->stopping);
    if (wait) {
        deferred_answer *d = calloc(1, sizeof *d);
        if (!d)
            abort();
        d->conn = conn;
        d->since_ms = now_ms();
        d->next = s->deferred;
        s->deferred = d;
        MHD_suspend_connection(conn);
    }
    pthread_mutex_unlock(&s->stream_lock);
    if (wait)
        notify_watcher(s); /* it sleeps without a timeout: now it must look every 1 ms */
    return wait;
}


typedef struct free_later {
    mock_http_free_fn fn;
    void *ctx;
    struct free_later *next;
} free_later;

void mock_http_free_later(mock_http_server *s, mock_http_free_fn fn, void *ctx)
{
    free_later *f = malloc(sizeof *f);
    if (!f)
        abort();
    pthread_mutex_lock(&s->later_lock);
    *f = (free_later){fn, ctx, s->later};
    s->later = f;
    pthread_mutex_unlock(&s->later_lock);
    notify_watcher(s);
}

static void run_frees(mock_http_server *s)
{
    pthread_mutex_lock(&s->later_lock);
    free_later *f = s->later;
    s->later = NULL;
    pthread_mutex_unlock(&s->later_lock);
    while (f) {
        free_later *next = f->next;
        f->fn(f->ctx);
        free(f);
        f = next;
    }
}

/* Called with stream_lock held. */
static void resume(mock_http_server *s, stream_state *st)
{
    st->suspended = false;
    s->suspended_count--;
    MHD_resume_connection(st->conn);
}

static void resume_all(mock_http_server *s)
{
    for (stream_state *st = s->streams; st; st = st->next)
        if (st->suspended)
            resume(s, st);
}

/* Wake st: resume it, or, while its callback runs, have it called again. */
static void wake_one(mock_http_server *s, stream_state *st)
{
    if (st->suspended)
        resume(s, st);
    else
        st->woken = true;
}

/* An upgrade thread waiting for a change (mock_http_waiter_wait). */
struct mock_http_waiter {
    mock_http_server *server;
    bool keyed;
    uint64_t key;
    int efd;                  /* counts wakes not yet seen */
    mock_http_waiter *next;
};

static void signal_waiter(mock_http_waiter *w)
{
    uint64_t one = 1;
    (void)!write(w->efd, &one, sizeof one);
}

/* Wake the streams and waiters for key (all of them when all). Called with stream_lock. */
static void wake_matching(mock_http_server *s, bool all, uint64_t key)
{
    for (stream_state *st = s->streams; st; st = st->next)
        if (all || !st->keyed || st->key == key)
            wake_one(s, st);
    for (mock_http_waiter *w = s->waiters; w; w = w->next)
        if (all || !w->keyed || w->key == key)
            signal_waiter(w);
}

void mock_http_server_wake(mock_http_server *s)
{
    pthread_mutex_lock(&s->stream_lock);
    wake_matching(s, true, 0);
    pthread_mutex_unlock(&s->stream_lock);
}

void mock_http_server_wake_key(mock_http_server *s, uint64_t key)
{
    pthread_mutex_lock(&s->stream_lock);
    wake_matching(s, false, key);
    pthread_mutex_unlock(&s->stream_lock);
}

mock_http_waiter *mock_http_waiter_new(mock_http_server *s, bool keyed, uint64_t key)
{
    mock_http_waiter *w = calloc(1, sizeof *w);
    if (!w)
        abort();
    w->server = s;
    w->keyed = keyed;
    w->key = key;
    w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (w->efd < 0)
        abort();
    pthread_mutex_lock(&s->stream_lock);
    w->next = s->waiters;
    s->waiters = w;
    if (atomic_load(&s->stopping))
        signal_waiter(w);
    pthread_mutex_unlock(&s->stream_lock);
    return w;
}

bool mock_http_waiter_wait(mock_http_waiter *w, int fd)
{
    for (;;) {
        if (atomic_load(&w->server->stopping))
            return false;
        struct pollfd p[2] = {{w->efd, POLLIN, 0}, {fd, 0, 0}};
        if (poll(p, fd >= 0 ? 2 : 1, -1) < 0)
            continue; /* EINTR */
        if (p[1].revents & (POLLHUP | POLLERR | POLLNVAL))
            return false;
        if (p[0].revents & POLLIN) {
            uint64_t v;
            (void)!read(w->efd, &v, sizeof v);
            return !atomic_load(&w->server->stopping);
        }
    }
}

void mock_http_waiter_free(mock_http_waiter *w)
{
    if (!w)
        return;
    mock_http_server *s = w->server;
    pthread_mutex_lock(&s->stream_lock);
    for (mock_http_waiter **pp = &s->waiters; *pp; pp = &(*pp)->next) {
        if (*pp == w) {
            *pp = w->next;
            break;
        }
    }
    pthread_mutex_unlock(&s->stream_lock);
    close(w->efd);
    free(w);
}

uint64_t mock_http_key(const char *text)
{
    uint64_t h = 14695981039346656037ULL; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h;
}

/* The stream whose callback runs on this thread (for mock_http_stream_retry_in). */
static _Thread_local stream_state *current_stream;

void mock_http_stream_retry_in(unsigned ms)
{
    stream_state *st = current_stream;
    if (!st)
        return;
    long long due = now_ms() + (ms ? ms : 1);
    pthread_mutex_lock(&st->server->stream_lock);
    if (st->due_ms == 0 || due < st->due_ms)
        st->due_ms = due;
    pthread_mutex_unlock(&st->server->stream_lock);
}

/* Resume the stream with this serial if it is still suspended: its client hung up. */
static void hung_up(mock_http_server *s, unsigned long serial)
{
    for (stream_state *st = s->streams; st; st = st->next) {
        if (st->serial == serial) {
            st->hung_up = true;
            if (st->suspended)
                resume(s, st);
            return;
        }
    }
}

typedef struct watch_set {
    struct pollfd *fds;
    unsigned long *serials;
    size_t len, cap;
} watch_set;

/* fds[0] is the eventfd; then one entry per suspended stream. Returns the poll timeout:
 * until the earliest due stream, 1 ms steps while answers are deferred, else none (-1).
 * Called with stream_lock held. */
static int build_set(mock_http_server *s, watch_set *w)
{
    size_t need = s->suspended_count + 1;
    if (need > w->cap) {
        w->cap = need * 2;
        w->fds = realloc(w->fds, w->cap * sizeof *w->fds);
        w->serials = realloc(w->serials, w->cap * sizeof *w->serials);
        if (!w->fds || !w->serials)
            abort();
    }
    w->fds[0] = (struct pollfd){s->watch_fd, POLLIN, 0};
    w->len = 1;
    long long due = 0;
    for (stream_state *st = s->streams; st; st = st->next) {
        if (st->suspended && st->fd >= 0) {
            w->fds[w->len] = (struct pollfd){st->fd, POLLRDHUP, 0};
            w->serials[w->len++] = st->serial;
        }
        if (st->suspended && st->due_ms && (!due || st->due_ms < due))
            due = st->due_ms;
    }
    long long timeout = -1;
    if (due) {
        long long left = due - now_ms();
        timeout = left > 0 ? left : 0;
    }
    if (s->deferred && (timeout < 0 || timeout > DEFER_POLL_MS))
        timeout = DEFER_POLL_MS;
    s->watch_timeout_ms = timeout > INT32_MAX ? INT32_MAX : (int)timeout;
    return s->watch_timeout_ms;
}

/* Resume the suspended streams whose time came. Called with stream_lock held. */
static void resume_due(mock_http_server *s)
{
    long long now = now_ms();
    for (stream_state *st = s->streams; st; st = st->next) {
        if (st->suspended && st->due_ms && st->due_ms <= now) {
            st->due_ms = 0;
            resume(s, st);
        }
    }
}

static void *watcher(void *arg)
{
    mock_http_server *s = arg;
    watch_set w = {0};
    for (;;) {
        pthread_mutex_lock(&s->stream_lock);
        bool quit = !s->watcher_running;
        int timeout = build_set(s, &w);
        pthread_mutex_unlock(&s->stream_lock);
        if (quit)
            break;
        run_frees(s);
        int n = poll(w.fds, (nfds_t)w.len, timeout);
        pthread_mutex_lock(&s->stream_lock);
        s->watcher_wakeups++;
        if (s->deferred)
            release_deferred(s, streams_idle(s));
        resume_due(s);
        if (n > 0) {
            if (w.fds[0].revents) {
                uint64_t v;
                (void)!read(s->watch_fd, &v, sizeof v);
            }
            for (size_t i = 1; i < w.len; i++)
                if (w.fds[i].revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))
                    hung_up(s, w.serials[i]);
        }
        pthread_mutex_unlock(&s->stream_lock);
    }
    free(w.fds);
    free(w.serials);
    return NULL;
}

void mock_http_streams_init(mock_http_server *s)
{
    pthread_mutex_init(&s->stream_lock, NULL);
    pthread_mutex_init(&s->later_lock, NULL);
    pthread_cond_init(&s->threads_done, NULL);
    s->watch_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (s->watch_fd < 0)
        abort();
    s->watch_timeout_ms = -1;
    s->watcher_running = true;
    if (pthread_create(&s->watcher, NULL, watcher, s) != 0)
        abort();
}

void mock_http_streams_stop(mock_http_server *s)
{
    pthread_mutex_lock(&s->stream_lock);
    resume_all(s); /* stopping is set: their next read ends them */
    for (mock_http_waiter *w = s->waiters; w; w = w->next)
        signal_waiter(w);
    release_deferred(s, true);
    pthread_mutex_unlock(&s->stream_lock);
}

void mock_http_streams_free(mock_http_server *s)
{
    pthread_mutex_lock(&s->stream_lock);
    bool joined = !s->watcher_running;
    s->watcher_running = false;
    pthread_mutex_unlock(&s->stream_lock);
    if (!joined) {
        notify_watcher(s);
        pthread_join(s->watcher, NULL);
        run_frees(s);
        close(s->watch_fd);
        pthread_mutex_destroy(&s->later_lock);
        pthread_cond_destroy(&s->threads_done);
        pthread_mutex_destroy(&s->stream_lock);
    }
}

stream_state *mock_http_stream_new(mock_http_server *s, struct MHD_Connection *conn,
                                   long truncate_after)
{
    stream_state *st = calloc(1, sizeof *st);
    if (!st)
        abort();
    st->server = s;
    st->conn = conn;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    st->fd = ci ? ci->connect_fd : -1;
    st->remaining = truncate_after >= 0 ? truncate_after : -1;
    pthread_mutex_lock(&s->stream_lock);
    st->serial = ++s->next_stream_serial;
    st->next = s->streams;
    if (s->streams)
        s->streams->prev = st;
    s->streams = st;
    s->stream_count++;
    pthread_mutex_unlock(&s->stream_lock);
    return st;
}

void mock_http_stream_set_key(stream_state *st, uint64_t key)
{
    st->keyed = true;
    st->key = key;
}

void mock_http_stream_set_fn(stream_state *st, mock_http_stream_fn fn, void *ctx,
                             mock_http_free_fn free_ctx)
{
    st->fn = fn;
    st->ctx = ctx;
    st->free_ctx = free_ctx;
}

void mock_http_stream_append(stream_state *st, const void *data, size_t len)
{
    osh_buf_append(&st->pending, data, len);
}

void mock_http_stream_free(void *cls)
{
    stream_state *st = cls;
    mock_http_server *s = st->server;
    pthread_mutex_lock(&s->stream_lock);
    if (st->prev)
        st->prev->next = st->next;
    else
        s->streams = st->next;
    if (st->next)
        st->next->prev = st->prev;
    s->stream_count--;
    if (st->suspended)
        s->suspended_count--;
    if (s->deferred && streams_idle(s))
        release_deferred(s, true);
    pthread_mutex_unlock(&s->stream_lock);
    if (st->free_ctx && st->ctx)
        st->free_ctx(st->ctx);
    osh_buf_free(&st->pending);
    free(st);
}

static ssize_t take_pending(stream_state *st, char *buf, size_t max)
{
    size_t n = st->pending.len < max ? st->pending.len : max;
    if (st->remaining > 0 && (long)n > st->remaining)
        n = (size_t)st->remaining;
    memcpy(buf, st->pending.data, n);
    osh_buf_consume(&st->pending, n);
    if (st->remaining > 0)
        st->remaining -= (long)n;
    return (ssize_t)n;
}

/* Nothing to send yet: suspend unless a wake came while the callback looked (then look
 * again). Returns false when the stream must end instead (client gone, server stopping). */
static bool suspend_or_retry(stream_state *st, bool *suspended)
{
    mock_http_server *s = st->server;
    *suspended = false;
    pthread_mutex_lock(&s->stream_lock);
    bool alive = !st->hung_up && !atomic_load(&s->stopping);
    if (alive && !st->woken) {
        st->suspended = true;
        s->suspended_count++;
        MHD_suspend_connection(st->conn);
        *suspended = true;
        if (s->deferred && streams_idle(s))
            release_deferred(s, true);
    }
    pthread_mutex_unlock(&s->stream_lock);
    if (*suspended)
        notify_watcher(s);
    return alive;
}

ssize_t mock_http_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    stream_state *st = cls;
    mock_http_server *s = st->server;
    for (;;) {
        if (st->remaining == 0)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        if (st->pending.len > 0)
            return take_pending(st, buf, max);
        if (st->ended || !st->fn)
            return MHD_CONTENT_READER_END_OF_STREAM;
        pthread_mutex_lock(&s->stream_lock);
        st->woken = false;
        st->due_ms = 0; /* a callback asks again each time it wants one */
        s->stream_calls++;
        bool gone = st->hung_up || atomic_load(&s->stopping);
        pthread_mutex_unlock(&s->stream_lock);
        if (gone)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        current_stream = st;
        int r = st->fn(st->ctx, &st->pending);
        current_stream = NULL;
        if (r == MOCK_HTTP_STREAM_ABORT) {
            st->ended = true;
            if (st->remaining < 0 || (long)st->pending.len < st->remaining)
                st->remaining = (long)st->pending.len; /* send it, then cut */
        } else if (r == MOCK_HTTP_STREAM_END) {
            st->ended = true;
        } else if (st->pending.len == 0) {
            bool suspended;
            if (!suspend_or_retry(st, &suspended))
                return MHD_CONTENT_READER_END_WITH_ERROR;
            if (suspended)
                return 0;
        }
    }
}
