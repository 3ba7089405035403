/* docker_attach.c: POST /containers/{c}/attach: the container's output (its log, since the
 * mock runs no process) as a raw or framed stream, after a 101 upgrade or as a plain 200
 * stream, until the container stops. stdin is accepted and ignored. */
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "docker_internal.h"
#include "osh_str.h"

typedef struct attach_state {
    mock_docker *d;
    char id[DK_ID_LEN + 1];
    bool out, err, tty, stream;
    size_t next;         /* next log line to send */
    long exits_at_attach; /* the stream lasts until the container's next exit */
} attach_state;

/* Appends what is new; returns true while more may come. Takes the lock. */
static bool collect(attach_state *a, osh_buf *out)
{
    pthread_mutex_lock(&a->d->lock);
    dk_container *c = dk_find_container_by_id(a->d, a->id);
    bool more = false;
    if (c) {
        for (; a->next < c->log_count; a->next++) {
            const dk_log_line *l = &c->logs[a->next];
            if ((l->stream == 1 && !a->out) || (l->stream == 2 && !a->err))
                continue;
            if (a->tty)
                dk_tty_append(out, l->text, strlen(l->text));
            else
                dk_frame_append(out, l->stream, l->text, strlen(l->text));
        }
        /* clients attach before they start (docker run, start -a): wait for the next exit */
        more = a->stream && (c->status == DK_RUNNING || c->exits == a->exits_at_attach);
    }
    dk_unlock(a->d);
    return more;
}

/* The stream is over: an AutoRemove container that waited for it goes now. */
static void detach(void *ctx)
{
    attach_state *a = ctx;
    mock_docker *d = a->d;
    pthread_mutex_lock(&d->lock);
    dk_container *c = dk_find_container_by_id(d, a->id);
    bool remove = false;
    if (c && --c->attached == 0 && c->remove_on_detach) {
        dk_remove_container(d, c);
        remove = true;
    }
    dk_unlock(d);
    if (remove) {
        mock_http_server_wake_key(d->http, mock_http_key(a->id));
        dk_fire_event(d, a->id, MOCK_DOCKER_EVENT_REMOVE);
    }
    free(a);
}

static int attach_next(void *ctx, osh_buf *out)
{
    return collect(ctx, out) ? MOCK_HTTP_STREAM_MORE : MOCK_HTTP_STREAM_END;
}

/* False when the client is gone. */
static bool write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* A client gone both ways. A half-close is not a hang-up: the docker CLI closes its
 * writing side at once when it has no stdin to send (hijack.go, CloseWrite) and still reads
 * the output; so, as with dockerd, a client that closed silently is noticed at the next
 * write (which fails) or when the container stops. */
static bool client_left(int fd)
{
    struct pollfd p = {fd, 0, 0};
    return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR));
}

/* Registered before each look, so a change between the look and the wait still wakes it;
 * the wait also ends when the client hangs up both ways or the server stops. */
static void attach_upgraded(void *ctx, int fd, const char *extra, size_t extra_len)
{
    attach_state *a = ctx;
    mock_http_waiter *w = mock_http_waiter_new(a->d->http, true, mock_http_key(a->id));
    osh_buf out = OSH_BUF_INIT;
    for (;;) {
        bool more = collect(a, &out);
        bool sent = write_all(fd, out.data, out.len);
        osh_buf_reset(&out);
        if (!more || !sent || client_left(fd) || !mock_http_waiter_wait(w, fd))
            break;
    }
    osh_buf_free(&out);
    mock_http_waiter_free(w);
}

void dk_container_attach(mock_docker *d, const char *ref, const mock_http_request *req,
                         mock_http_response *res)
{
    attach_state *a = calloc(1, sizeof *a);
    if (!a)
        abort();
    a->d = d;
    a->out = dk_query_bool(req, "stdout");
    a->err = dk_query_bool(req, "stderr");
    a->stream = dk_query_bool(req, "stream");
    bool logs = dk_query_bool(req, "logs");
    pthread_mutex_lock(&d->lock);
    dk_container *c = dk_find_container(d, ref);
    if (c) {
        c->attached++;
        a->exits_at_attach = c->exits;
        snprintf(a->id, sizeof a->id, "%s", c->id);
        a->tty = cJSON_IsTrue(dk_body_get(c->body, "Tty"));
        a->next = logs ? 0 : c->log_count;
    }
    dk_unlock(d);
    if (!c) {
        free(a);
        dk_error(res, 404, "No such container: %s", ref);
        return;
    }
    const char *ct = "application/vnd.docker.raw-stream"; /* API 1.41: also when framed */
    if (dk_wants_tcp_upgrade(req))
        mock_http_respond_upgrade(res, "tcp", ct, attach_upgraded, a, detach);
    else
        mock_http_respond_stream(res, 200, ct, attach_next, a, detach);
    mock_http_response_wait_key(res, mock_http_key(a->id));
}
