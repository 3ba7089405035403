/* gw_answers.h: the gateway's readers of Docker answers that need no connection: one line of
 * a pull stream (gw_image.c) and the exit text of a container inspect (gw_health.c). Internal
 * to the gateway library; declared here so the fuzz harness (tests/fuzz/fuzz_docker_answers.c)
 * and tests reach them without #including the .c files. */
#ifndef GW_ANSWERS_H
#define GW_ANSWERS_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "docker_stream.h"
#include "gw_internal.h"

/* State of one pull stream: newline-separated JSON objects. */
typedef struct gw_pull_state {
    gw_ctx *ctx;
    docker_line_splitter lines;
    gw_error err;
    bool failed;
    bool report_progress;
} gw_pull_state;

/* One line of a pull stream (a docker_line_fn; ud is the gw_pull_state): an error object or
 * malformed JSON fails the pull with "failed to pull image: ..." in err; progress objects
 * become GW_EVENT_PROGRESS events when report_progress is set. */
void gw_pull_line(void *ud, const char *line, size_t len);

/* "gateway container exited unexpectedly (exit_code=N[, error=TEXT][, OOMKilled=true])"
 * from a container inspect document (malloc'd). */
char *gw_exit_text(const cJSON *inspect);

#endif
