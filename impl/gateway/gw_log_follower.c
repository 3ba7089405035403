/* gw_log_follower.c: the log stream reader thread and the ring of recent lines (rules §7.1). */
#include "gw_log_follower.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "docker_stream.h"
#include "osh_str.h"

struct gw_log_follower {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    gw_strv queue;
    docker_mux_decoder mux;
    docker_line_splitter splitters[4];  /* indexed by stream type 1..3 */
    bool opened;
    bool ended;                          /* EOF, error, or protocol failure: no more lines */
    docker_follow *follow;
};

static void queue_line(gw_log_follower *f, const char *line, size_t len)
{
    char *s = osh_str_ndup(line, len);
    gw_strv_push(&f->queue, s);
    free(s);
    pthread_cond_broadcast(&f->changed);
}

static void on_line(void *ud, const char *line, size_t len)
{
    if (len > 0)
        queue_line(ud, line, len);
}

static void on_frame(void *ud, int stream, const char *data, size_t len)
{
    gw_log_follower *f = ud;
    docker_lines_feed(&f->splitters[stream], data, len, on_line, f);
}

static void queue_error(gw_log_follower *f, const char *text)
{
    char *line = osh_str_printf("[log stream error] %s", text);
    queue_line(f, line, strlen(line));
    free(line);
}

int gw_log_follower_feed(gw_log_follower *f, const char *data, size_t len)
{
    pthread_mutex_lock(&f->lock);
    int rc = 0;
    if (!f->ended) {
        gw_error err = GW_ERROR_INIT;
        if (docker_mux_feed(&f->mux, data, len, &err) != 0) {
            queue_error(f, gw_error_text(&err));
            f->ended = true;
            rc = 1;
        }
        gw_error_clear(&err);
    }
    pthread_mutex_unlock(&f->lock);
    return rc;
}

static void flush_remainders(gw_log_follower *f)
{
    for (int s = 1; s <= 3; s++) {
        char *rest = osh_str_trim_dup(osh_buf_str(&f->splitters[s].partial));
        if (*rest)
            queue_line(f, rest, strlen(rest));
        free(rest);
        osh_buf_reset(&f->splitters[s].partial);
    }
}

void gw_log_follower_finish(gw_log_follower *f, const gw_error *err)
{
    pthread_mutex_lock(&f->lock);
    if (!f->ended) {
        gw_error trunc = GW_ERROR_INIT;
        if (err)
            queue_error(f, gw_error_text(err));
        else if (docker_mux_finish(&f->mux, &trunc) != 0)
            queue_error(f, gw_error_text(&trunc));
        else
            flush_remainders(f);
        gw_error_clear(&trunc);
        f->ended = true;
    }
    pthread_cond_broadcast(&f->changed);
    pthread_mutex_unlock(&f->lock);
}

static int follow_data(void *ud, const char *data, size_t len) { return gw_log_follower_feed(ud, data, len); }

static void follow_open(void *ud)
{
    gw_log_follower *f = ud;
    pthread_mutex_lock(&f->lock);
    f->opened = true;
    pthread_cond_broadcast(&f->changed);
    pthread_mutex_unlock(&f->lock);
}

static void follow_end(void *ud, const gw_error *err) { gw_log_follower_finish(ud, err); }

gw_log_follower *gw_log_follower_new_detached(void)
{
    gw_log_follower *f = calloc(1, sizeof(*f));
    if (!f)
        abort();
    pthread_mutex_init(&f->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&f->changed, &attr);
    pthread_condattr_destroy(&attr);
    docker_mux_init(&f->mux, on_frame, f);
    return f;
}

static void deadline_after(struct timespec *ts, long ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Wait until pred holds or the time is up; called with the lock held. */
static void wait_until(gw_log_follower *f, bool (*pred)(const gw_log_follower *), long ms)
{
    struct timespec deadline;
    deadline_after(&deadline, ms);
    while (!pred(f))
        if (pthread_cond_timedwait(&f->changed, &f->lock, &deadline) == ETIMEDOUT)
            break;
}

static bool opened_or_ended(const gw_log_follower *f) { return f->opened || f->ended; }
static bool has_ended(const gw_log_follower *f) { return f->ended; }

gw_log_follower *gw_log_follower_start(docker_client *dc, const char *path, gw_error *err)
{
    gw_log_follower *f = gw_log_follower_new_detached();
    f->follow = docker_follow_start(dc, path, follow_data, follow_open, follow_end, f, err);
    if (!f->follow) {
        gw_log_follower_stop(f);
        return NULL;
    }
    pthread_mutex_lock(&f->lock);
    wait_until(f, opened_or_ended, 2000);
    pthread_mutex_unlock(&f->lock);
    return f;
}

void gw_log_follower_take(gw_log_follower *f, gw_strv *out)
{
    pthread_mutex_lock(&f->lock);
    for (size_t i = 0; i < f->queue.len; i++)
        gw_strv_push(out, f->queue.items[i]);
    gw_strv_free(&f->queue);
    pthread_mutex_unlock(&f->lock);
}

void gw_log_follower_wait_end(gw_log_follower *f, long timeout_ms)
{
    pthread_mutex_lock(&f->lock);
    wait_until(f, has_ended, timeout_ms);
    pthread_mutex_unlock(&f->lock);
}

void gw_log_follower_stop(gw_log_follower *f)
{
    if (!f)
        return;
    docker_follow_stop(f->follow);
    gw_strv_free(&f->queue);
    for (int s = 0; s < 4; s++)
        docker_lines_free(&f->splitters[s]);
    pthread_cond_destroy(&f->changed);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

void gw_log_ring_push(gw_log_ring *r, const char *line)
{
    if (r->count < GW_LOG_RING_SIZE) {
        r->lines[(r->start + r->count) % GW_LOG_RING_SIZE] = osh_str_dup(line);
        r->count++;
        return;
    }
    free(r->lines[r->start]);
    r->lines[r->start] = osh_str_dup(line);
    r->start = (r->start + 1) % GW_LOG_RING_SIZE;
}

const char *gw_log_ring_at(const gw_log_ring *r, size_t i) { return r->lines[(r->start + i) % GW_LOG_RING_SIZE]; }

char *gw_log_ring_render(const gw_log_ring *r)
{
    if (r->count == 0)
        return osh_str_dup("container logs: none received");
    osh_buf b = OSH_BUF_INIT;
    osh_buf_append_str(&b, "container logs:");
    for (size_t i = 0; i < r->count; i++)
        osh_buf_appendf(&b, "\n  %s", gw_log_ring_at(r, i));
    return osh_buf_detach(&b);
}

void gw_log_ring_free(gw_log_ring *r)
{
    for (size_t i = 0; i < r->count; i++)
        free(r->lines[(r->start + i) % GW_LOG_RING_SIZE]);
    memset(r, 0, sizeof(*r));
}
