/* docker_logs.c: GET /containers/{c}/logs: stdcopy framing (8-byte headers) or raw bytes for
 * TTY containers, stdout/stderr selection, tail, since, timestamps, and follow=1 streaming
 * that ends when the container stops. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker_internal.h"
#include "osh_str.h"

void dk_frame_append(osh_buf *out, int stream, const void *data, size_t len)
{
    unsigned char head[8] = {(unsigned char)stream, 0, 0, 0,
                             (unsigned char)(len >> 24), (unsigned char)(len >> 16),
                             (unsigned char)(len >> 8), (unsigned char)len};
    osh_buf_append(out, head, sizeof head);
    osh_buf_append(out, data, len);
}

/* What a pty makes of output (ONLCR): every "\n" arrives as "\r\n". */
void dk_tty_append(osh_buf *out, const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '\n')
            osh_buf_append_char(out, '\r');
        osh_buf_append_char(out, data[i]);
    }
}

typedef struct log_stream {
    mock_docker *d;
    char id[DK_ID_LEN + 1];
    bool out, err, timestamps, follow, tty;
    int64_t since_ns, until_ns;
    size_t next;         /* index of the next log line to send */
} log_stream;

static void emit_line(const log_stream *ls, const dk_log_line *l, osh_buf *out)
{
    osh_buf line = OSH_BUF_INIT;
    if (ls->timestamps) {
        char t[48];
        dk_format_time(l->time_ns, t, sizeof t);
        osh_buf_appendf(&line, "%s ", t);
    }
    osh_buf_append_str(&line, l->text);
    if (ls->tty)
        dk_tty_append(out, line.data, line.len);
    else
        dk_frame_append(out, l->stream, line.data, line.len);
    osh_buf_free(&line);
}

static bool wanted(const log_stream *ls, const dk_log_line *l)
{
    if ((l->stream == 1 && !ls->out) || (l->stream == 2 && !ls->err))
        return false;
    if (ls->since_ns && l->time_ns < ls->since_ns)
        return false;
    return !(ls->until_ns && l->time_ns > ls->until_ns);
}

static int log_next(void *ctx, osh_buf *out)
{
    log_stream *ls = ctx;
    pthread_mutex_lock(&ls->d->lock);
    dk_container *c = dk_find_container_by_id(ls->d, ls->id);
    if (!c) {
        dk_unlock(ls->d);
        return MOCK_HTTP_STREAM_END;
    }
    for (; ls->next < c->log_count; ls->next++)
        if (wanted(ls, &c->logs[ls->next]))
            emit_line(ls, &c->logs[ls->next], out);
    bool more = ls->follow && c->status == DK_RUNNING;
    dk_unlock(ls->d);
    return more ? MOCK_HTTP_STREAM_MORE : MOCK_HTTP_STREAM_END;
}

/* Go's time parsing of dockerd's since/until: unix seconds with an optional fraction. */
static int64_t parse_unix_time(const char *s)
{
    if (!s || !*s)
        return 0;
    char *end;
    double secs = strtod(s, &end);
    if (secs > 9e9) /* beyond int64 nanoseconds: later than any line */
        secs = 9e9;
    return secs > 0 ? (int64_t)(secs * 1e9) : 0;
}

void dk_container_logs(mock_docker *d, const char *ref, const mock_http_request *req,
                       mock_http_response *res)
{
    log_stream *ls = calloc(1, sizeof *ls);
    if (!ls)
        abort();
    ls->d = d;
    ls->out = dk_query_bool(req, "stdout");
    ls->err = dk_query_bool(req, "stderr");
    ls->timestamps = dk_query_bool(req, "timestamps");
    ls->follow = dk_query_bool(req, "follow");
    ls->since_ns = parse_unix_time(mock_http_request_query_value(req, "since"));
    ls->until_ns = parse_unix_time(mock_http_request_query_value(req, "until"));
    if (!ls->out && !ls->err) {
        free(ls);
        dk_error(res, 400, "Bad parameters: you must choose at least one stream");
        return;
    }
    dk_container *c = dk_lock_container_or_404(d, ref, res);
    if (!c) {
        free(ls);
        return;
    }
    snprintf(ls->id, sizeof ls->id, "%s", c->id);
    ls->tty = cJSON_IsTrue(dk_body_get(c->body, "Tty"));
    size_t logs_before = c->log_count;
    dk_apply_log_open_script(d, c);
    bool logged = c->log_count != logs_before;
    /* tail=N starts N matching lines before the end; "all" or absent = everything. */
    const char *tail = mock_http_request_query_value(req, "tail");
    char *end = NULL;
    long n = tail && *tail ? strtol(tail, &end, 10) : -1;
    if (end && *end)
        n = -1; /* "all" or anything unparsable: everything, as dockerd */
    if (n >= 0) {
        size_t start = c->log_count;
        while (n > 0 && start > 0) {
            start--;
            if (wanted(ls, &c->logs[start]))
                n--;
        }
        ls->next = start;
    }
    dk_unlock(d);
    if (logged) /* other followers and attached clients of the container see them too */
        mock_http_server_wake_key(d->http, mock_http_key(ls->id));
    /* dockerd 20.10 sends logs without a Content-Type. */
    mock_http_respond_stream(res, 200, NULL, log_next, ls, free);
    mock_http_response_wait_key(res, mock_http_key(ls->id)); /* woken by its container only */
}
