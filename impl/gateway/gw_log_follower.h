/* gw_log_follower.h: the background reader of the container's log stream used by the
 * health wait (rules §7.1): complete non-empty lines are queued; the health loop drains them
 * into a ring of the last 15. */
#ifndef GW_LOG_FOLLOWER_H
#define GW_LOG_FOLLOWER_H

#include <stdbool.h>
#include <stddef.h>

#include "docker_client.h"
#include "gw_spec.h"

#define GW_LOG_RING_SIZE 15

typedef struct gw_log_follower gw_log_follower;

/* Start following path (a logs?follow=1 URL) on dc. Waits (at most about 2 s) until the
 * stream has opened, so that lines sent at once are not missed. */
gw_log_follower *gw_log_follower_start(docker_client *dc, const char *path, gw_error *err);
/* Move every queued line into out (appended). */
void gw_log_follower_take(gw_log_follower *f, gw_strv *out);
/* Wait at most timeout_ms for the stream to end by itself (the container stopped). */
void gw_log_follower_wait_end(gw_log_follower *f, long timeout_ms);
void gw_log_follower_stop(gw_log_follower *f);

/* Feeding, exposed so the line rules can be tested without a daemon. */
gw_log_follower *gw_log_follower_new_detached(void);
int gw_log_follower_feed(gw_log_follower *f, const char *data, size_t len);
void gw_log_follower_finish(gw_log_follower *f, const gw_error *err);

/* The last-15 ring and its rendering. */
typedef struct gw_log_ring {
    char *lines[GW_LOG_RING_SIZE];
    size_t count;   /* lines held (<= 15) */
    size_t start;   /* index of the oldest */
} gw_log_ring;

void gw_log_ring_push(gw_log_ring *r, const char *line);
const char *gw_log_ring_at(const gw_log_ring *r, size_t i);
/* `container logs: none received`, or `container logs:` + "\n  {line}" per line; malloc'd. */
char *gw_log_ring_render(const gw_log_ring *r);
void gw_log_ring_free(gw_log_ring *r);

/* The log-marker rules of the health wait (rules §7.2 steps 2-4), applied once per attempt
 * to the ring: 0 = go on, 1 = the wait fails (err holds the text and the rendered logs). */
typedef struct gw_marker_state {
    int dns_count;
    int pressure_count;
} gw_marker_state;

int gw_log_markers_check(const gw_log_ring *ring, gw_marker_state *st, gw_error *err);

#endif
